/**
 * The generation gate (migrations/0003): inserting `(generation_id, user_id)` into the
 * `generation_gate` view aborts the whole batch with `generation_not_found` unless the generation
 * exists and belongs to the user. It proves ownership inside the same transaction as the writes it
 * guards, at no extra round trip.
 */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";

// The view as drizzle sees it, only to build the INSERT; not in schema.ts (drizzle-kit would create a table).
const generationGateView = sqliteTable("generation_gate", {
  generationId: text("generation_id").notNull(),
  userId: text("user_id").notNull(),
});

/** The gate statement for one generation id. */
export function generationGate(db: Db, userId: string, generationId: string) {
  return db.insert(generationGateView).values({ generationId, userId });
}

/** True when a batch failed because a gated generation is missing or foreign. */
export const isGenerationNotFound = (error: unknown) =>
  causeMessages(error).some((message) => message.includes("generation_not_found"));
