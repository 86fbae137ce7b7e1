/**
 * Rows the API cannot create yet in a test's arrangement step, written straight into the test D1.
 */
import { env } from "cloudflare:test";

/** Inserts a generation owned by `userId` that proposed `generatedCount` cards; returns its id. */
export async function seedGeneration(userId: string, generatedCount = 10): Promise<string> {
  const id = crypto.randomUUID();
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO generations (id, user_id, model, source_text_hash, source_text_length, generated_count, duration_ms, created_at, updated_at)
     VALUES (?, ?, 'local-extractive-v1', ?, 1200, ?, 5, ?, ?)`,
  )
    .bind(id, userId, "0".repeat(64), generatedCount, now, now)
    .run();
  return id;
}

/** The acceptance counters of a generation, read from D1. */
export async function generationCounts(id: string) {
  return env.DB.prepare(
    "SELECT accepted_unedited_count AS unedited, accepted_edited_count AS edited FROM generations WHERE id = ?",
  )
    .bind(id)
    .first<{ unedited: number; edited: number }>();
}

/** How many flashcards a user has in D1. */
export async function countFlashcards(userId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM flashcards WHERE user_id = ?")
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
