/**
 * How a flashcard row is shown to clients.
 */

import type * as z from "zod";
import type { FlashcardView } from "../../db/projections";
import { nameKey } from "../../lib/name-key";
import { toIso } from "../../lib/time";
import type { StudySnapshot } from "../../study/pre-review-snapshot";
import { type flashcardSchema, STUDY_STATES } from "./flashcards.schemas";

/** Tag names from their JSON array, sorted by key (case-insensitively, any script). */
function sortedTagNames(json: string | null): string[] {
  const names = JSON.parse(json ?? "[]") as string[];
  return names
    .map((name) => ({ name, key: nameKey(name) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((tag) => tag.name);
}

/** Renders a flashcard with its FSRS study state; timestamps become ISO 8601 UTC. */
export function toFlashcardJson(card: FlashcardView): FlashcardJson {
  return {
    id: card.id,
    front: card.front,
    back: card.back,
    source: card.source,
    generation_id: card.generationId,
    deck_id: card.deckId,
    tags: sortedTagNames(card.tags),
    created_at: toIso(card.createdAt),
    updated_at: toIso(card.updatedAt),
    study: toStudyJson(card),
  };
}

/** Renders a card's study state (also a review log's pre-review snapshot in account.json). */
export function toStudyJson(card: StudySnapshot): FlashcardJson["study"] {
  return {
    state: STUDY_STATES[card.state] ?? "new",
    due: toIso(card.due),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: card.elapsedDays,
    scheduled_days: card.scheduledDays,
    learning_steps: card.learningSteps,
    reps: card.reps,
    lapses: card.lapses,
    last_review: toIso(card.lastReview),
    suspended: card.suspended,
    buried_until: toIso(card.buriedUntil),
    leech: card.leech,
  };
}

/** A flashcard as the API returns it. */
export type FlashcardJson = z.infer<typeof flashcardSchema>;
