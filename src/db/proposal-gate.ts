/**
 * Honest acceptance counters (issue #12 item 3, migrations `generation_proposals` and
 * `proposal_acceptance_gate`): a generation's proposals are kept as hashes, and accepting one goes through
 * a gate view whose trigger refuses text that was not proposed and proposals already accepted.
 */
import { and, sql } from "drizzle-orm";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { sha256Hex } from "../lib/tokens";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";
import { ownerCheck } from "./ownership";
import { rawStatement } from "./raw-statement";
import { generationProposals } from "./schema";

// The view as drizzle sees it, only to build the INSERT; not in schema.ts (drizzle-kit would create a table).
const proposalAcceptanceGateView = sqliteTable("proposal_acceptance_gate", {
  userId: text("user_id"),
  items: text("items"),
  at: text("at"),
});

/** The stored fingerprint of a proposal: SHA-256 hex of `JSON.stringify([front, back])` (no text is kept). */
export const proposalHash = (front: string, back: string) => sha256Hex(JSON.stringify([front, back]));

/**
 * Stores a generation's proposal hashes, index = position in the response. One statement and three bound
 * parameters for up to 50 proposals (the hashes travel as one JSON array).
 */
export function storeProposals(db: Db, userId: string, generationId: string, hashes: readonly string[]) {
  return rawStatement(
    db,
    sql`INSERT INTO generation_proposals (generation_id, proposal_index, user_id, text_hash, accepted_at)
        SELECT ${generationId}, key, ${userId}, value, NULL FROM json_each(${JSON.stringify(hashes)})`,
  );
}

/** One proposal a request accepts: generation, index, and for `ai-full` the hash its text must have. */
export type AcceptedProposal = { g: string; i: number; h: string | null };

/**
 * The acceptance gate statement: aborts the batch with `not_a_proposal` or `proposal_already_accepted`,
 * else marks every named proposal accepted at `now`. One statement whatever the number of items.
 */
export const proposalAcceptanceGate = (db: Db, userId: string, items: readonly AcceptedProposal[], now: number) =>
  db.insert(proposalAcceptanceGateView).values({ userId, items: JSON.stringify(items), at: sql`${now}` });

/** Which acceptance rule a failed batch broke, if any. */
export function acceptanceRuleBroken(error: unknown): "not_a_proposal" | "proposal_already_accepted" | undefined {
  const messages = causeMessages(error);
  if (messages.some((message) => message.includes("not_a_proposal"))) return "not_a_proposal";
  if (messages.some((message) => message.includes("proposal_already_accepted"))) return "proposal_already_accepted";
  return undefined;
}

/** Error path only: the stored proposals of the named generations (the caller's), to name the offending item. */
export function readProposals(db: Db, userId: string, generationIds: readonly string[]) {
  return db
    .select({
      generationId: generationProposals.generationId,
      index: generationProposals.proposalIndex,
      hash: generationProposals.textHash,
      acceptedAt: generationProposals.acceptedAt,
    })
    .from(generationProposals)
    .where(
      and(
        sql`${generationProposals.generationId} IN (SELECT value FROM json_each(${JSON.stringify(generationIds)}))`,
        ownerCheck(generationProposals, userId),
      ),
    );
}
