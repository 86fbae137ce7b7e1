/**
 * Rows the API cannot create yet in a test's arrangement step, written straight into the test D1.
 */
import { env } from "cloudflare:test";
import { proposalHash } from "../../src/db/proposal-gate";

/** The proposal a seeded generation made at `index` unless told otherwise: front `Q<index>`, back `A`. */
export const seededProposal = (index: number) => ({ front: `Q${index}`, back: "A" });

/**
 * Inserts a generation owned by `userId` that proposed `generatedCount` cards (by default `seededProposal(i)`,
 * or the `proposals` given, whose number then wins), with their hashes as POST /generations stores them;
 * returns its id.
 */
export async function seedGeneration(
  userId: string,
  generatedCount = 10,
  proposals: ReadonlyArray<{ front: string; back: string }> = Array.from({ length: generatedCount }, (_, i) =>
    seededProposal(i),
  ),
): Promise<string> {
  const id = crypto.randomUUID();
  const now = Date.now();
  const hashes = await Promise.all(proposals.map((p) => proposalHash(p.front, p.back)));
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO generations (id, user_id, model, source_text_hash, source_text_length, generated_count, duration_ms, created_at, updated_at)
       VALUES (?, ?, 'local-extractive-v1', ?, 1200, ?, 5, ?, ?)`,
    ).bind(id, userId, "0".repeat(64), proposals.length, now, now),
    env.DB.prepare(
      `INSERT INTO generation_proposals (generation_id, proposal_index, user_id, text_hash)
       SELECT ?, key, ?, value FROM json_each(?)`,
    ).bind(id, userId, JSON.stringify(hashes)),
  ]);
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

/** The number a `SELECT count(*) AS n …` query answers from the test D1 (0 when it returns no row). */
export async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
