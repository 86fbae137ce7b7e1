/**
 * Column projections shared by several modules (routes and the study queue): the columns a flashcard
 * response is built from. Here, not in a route folder, so domain modules need not reach into routes.
 */
import { sql } from "drizzle-orm";
import { type FlashcardRow, flashcards, reviewLogs } from "./schema";

/**
 * A card's tag names as a JSON array (unsorted: the JSON view sorts them, so no sort step joins the
 * plans of the hot list and queue queries): a correlated subquery on the primary key of
 * `flashcard_tags`, so any SELECT or RETURNING of cards carries them at no extra statement. The card id
 * is written qualified by hand: drizzle drops the table name in single-table queries, and a bare "id"
 * would resolve to `tags.id` inside the subquery.
 */
export function cardTagsSql() {
  return sql<string>`(SELECT json_group_array(t.name) FROM flashcard_tags AS ft JOIN tags AS t ON t.id = ft.tag_id WHERE ft.flashcard_id = "flashcards"."id")`;
}

/** The columns every flashcard response is built from (not the owner, not the version). */
export const flashcardColumns = {
  id: flashcards.id,
  front: flashcards.front,
  back: flashcards.back,
  source: flashcards.source,
  generationId: flashcards.generationId,
  createdAt: flashcards.createdAt,
  updatedAt: flashcards.updatedAt,
  state: flashcards.state,
  due: flashcards.due,
  stability: flashcards.stability,
  difficulty: flashcards.difficulty,
  elapsedDays: flashcards.elapsedDays,
  scheduledDays: flashcards.scheduledDays,
  learningSteps: flashcards.learningSteps,
  reps: flashcards.reps,
  lapses: flashcards.lapses,
  lastReview: flashcards.lastReview,
  deckId: flashcards.deckId,
  tags: cardTagsSql(),
  suspended: flashcards.suspended,
  buriedUntil: flashcards.buriedUntil,
  leech: flashcards.leech,
};

/** A flashcard as `flashcardColumns` selects it (everything but owner, version and duplicate key). */
export type FlashcardView = Omit<FlashcardRow, "userId" | "version" | "frontKey"> & {
  /** JSON array of tag names (see cardTagsSql). */
  tags: string;
};

/** Every review_logs column a review response or export is built from (not the owner, not the pre-review snapshot). */
export const reviewColumns = {
  id: reviewLogs.id,
  flashcardId: reviewLogs.flashcardId,
  sessionId: reviewLogs.sessionId,
  rating: reviewLogs.rating,
  state: reviewLogs.state,
  due: reviewLogs.due,
  stability: reviewLogs.stability,
  difficulty: reviewLogs.difficulty,
  elapsedDays: reviewLogs.elapsedDays,
  lastElapsedDays: reviewLogs.lastElapsedDays,
  scheduledDays: reviewLogs.scheduledDays,
  learningSteps: reviewLogs.learningSteps,
  nextDue: reviewLogs.nextDue,
  durationMs: reviewLogs.durationMs,
  reviewedAt: reviewLogs.reviewedAt,
};
