/**
 * Ownership gates for id lists (migrations/0015): inserting `(user_id, JSON array of ids)` into a gate
 * view aborts the whole batch unless every id is the user's. One statement and one bound parameter for
 * any number of ids, inside the batch of the writes they guard (D1 allows 100 parameters per statement
 * and, on Workers Free, 50 statements per request).
 */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

// The views as drizzle sees them, only to build the INSERTs; not in schema.ts (drizzle-kit would create tables).
const deckGateView = sqliteTable("deck_gate", { userId: text("user_id"), deckIds: text("deck_ids") });
const flashcardGateView = sqliteTable("flashcard_gate", {
  userId: text("user_id"),
  flashcardIds: text("flashcard_ids"),
});
const generationListGateView = sqliteTable("generation_list_gate", {
  userId: text("user_id"),
  generationIds: text("generation_ids"),
});

/** Aborts with `deck_not_found` unless every deck id is the user's (nulls are skipped). */
export const deckGate = (db: Db, userId: string, deckIds: readonly (string | null)[]) =>
  db.insert(deckGateView).values({ userId, deckIds: JSON.stringify(deckIds) });

/** Aborts with `flashcard_not_found` unless every card id is the user's. */
export const flashcardGate = (db: Db, userId: string, flashcardIds: readonly string[]) =>
  db.insert(flashcardGateView).values({ userId, flashcardIds: JSON.stringify(flashcardIds) });

/** Aborts with `generation_not_found` unless every generation id is the user's. */
export const generationListGate = (db: Db, userId: string, generationIds: readonly string[]) =>
  db.insert(generationListGateView).values({ userId, generationIds: JSON.stringify(generationIds) });

const tagGateView = sqliteTable("tag_gate", { userId: text("user_id"), tagKeys: text("tag_keys") });

/** Aborts with `tag_not_found` unless every tag name key is one of the user's tags (migrations/0025). */
export const tagGate = (db: Db, userId: string, tagKeys: readonly string[]) =>
  db.insert(tagGateView).values({ userId, tagKeys: JSON.stringify(tagKeys) });
