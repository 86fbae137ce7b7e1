/**
 * Arrangement and expectations for the sync tests: cards with a known creation time, reviews as
 * ts-fsrs would apply them, and the raw study columns of a card (for byte-identical comparisons).
 */
import { env } from "cloudflare:test";
import { type Card, createEmptyCard, fsrs, generatorParameters, Rating } from "ts-fsrs";
import { expect } from "vitest";
import { api, type TestUser } from "./api";

/** The scheduler the app is configured with in wrangler.toml (retention 0.9, fuzz on). */
export const scheduler = fsrs(
  generatorParameters({ request_retention: 0.9, maximum_interval: 36500, enable_fuzz: true }),
);
export const GRADES = { again: Rating.Again, hard: Rating.Hard, good: Rating.Good, easy: Rating.Easy } as const;
export type RatingName = keyof typeof GRADES;
export const STATES = ["new", "learning", "review", "relearning"] as const;

/** Creates `count` manual cards and moves their creation (and first due date) to `createdAt`. */
export async function createCardsAt(user: TestUser, count: number, createdAt: number, prefix = "Q"): Promise<string[]> {
  const res = await api("POST", "/api/v1/flashcards", {
    token: user.accessToken,
    body: {
      flashcards: Array.from({ length: count }, (_, i) => ({ front: `${prefix}${i}`, back: "A", source: "manual" })),
    },
  });
  expect(res.status, res.text).toBe(201);
  const ids: string[] = res.body.data.map((c: { id: string }) => c.id);
  await env.DB.prepare(
    "UPDATE flashcards SET created_at = ?, updated_at = ?, due = ? WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))",
  )
    .bind(createdAt, createdAt, createdAt, user.id, JSON.stringify(ids))
    .run();
  return ids;
}

/** What ts-fsrs gives for a new card created at `createdAt` and reviewed in this order at these times. */
export function expectedCard(createdAt: number, reviews: Array<{ rating: RatingName; at: number }>): Card {
  let card = createEmptyCard(new Date(createdAt));
  for (const r of [...reviews].sort((a, b) => a.at - b.at))
    card = scheduler.next(card, new Date(r.at), GRADES[r.rating]).card;
  return card;
}

/** A client's view of a ts-fsrs card (the `study` object of a flashcard). */
export function studyJson(card: Card) {
  return {
    state: STATES[card.state],
    due: card.due.toISOString(),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: card.elapsed_days,
    scheduled_days: card.scheduled_days,
    learning_steps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    last_review: card.last_review ? card.last_review.toISOString() : null,
    // A card no one suspended, buried or saw lapse into a leech.
    suspended: false,
    buried_until: null,
    leech: false,
  };
}

/** The card's stored row, every column but the version, exactly as D1 holds it. */
export async function cardRow(id: string): Promise<Record<string, unknown>> {
  const row = await env.DB.prepare("SELECT * FROM flashcards WHERE id = ?").bind(id).first<Record<string, unknown>>();
  expect(row).not.toBeNull();
  const { version: _version, ...rest } = row as Record<string, unknown>;
  return rest;
}

/** The card's review logs (content columns only), in history order. */
export async function reviewRows(cardId: string): Promise<Array<Record<string, unknown>>> {
  const { results } = await env.DB.prepare("SELECT * FROM review_logs WHERE flashcard_id = ? ORDER BY reviewed_at, id")
    .bind(cardId)
    .all<Record<string, unknown>>();
  return results;
}

/** POST /reviews/batch. */
export const uploadBatch = (user: TestUser, reviews: unknown[], options: { env?: Cloudflare.Env } = {}) =>
  api("POST", "/api/v1/reviews/batch", { token: user.accessToken, body: { reviews }, ...options });
