/**
 * If-Match for versioned rows (migrations/0027, `version_gate`): inserting `(user, entity, id, versions)`
 * aborts the whole batch with `precondition_failed` when the row exists at another version. Put first
 * in the write's own batch it is atomic with the write (one transaction, one writer: nothing can change
 * the row between the check and the write), and it guards writes of several statements alike. A missing
 * row passes: the write then answers 404 as without the header.
 */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { EntityTagCondition } from "../lib/etag";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";

// The view as drizzle sees it, only to build the INSERT; not in schema.ts (drizzle-kit would create a table).
const versionGateView = sqliteTable("version_gate", {
  userId: text("user_id"),
  entity: text("entity"),
  id: text("id"),
  versions: text("versions"),
});

/** The rows If-Match can guard. */
export type VersionedEntity = "flashcard" | "deck";

/** The gate statement for an If-Match condition (`*` or a list of versions). */
export const versionGate = (
  db: Db,
  userId: string,
  entity: VersionedEntity,
  id: string,
  condition: EntityTagCondition,
) =>
  db
    .insert(versionGateView)
    .values({ userId, entity, id, versions: condition === "*" ? "*" : JSON.stringify(condition) });

/** True when a batch failed because its version gate refused (the row changed since the client read it). */
export const isPreconditionFailed = (error: unknown) =>
  causeMessages(error).some((message) => message.includes("precondition_failed"));
