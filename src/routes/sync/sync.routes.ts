/**
 * HTTP contract of the change feed (GET /sync/changes, issue #14). Requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { listChanges } from "./sync.handlers";
import { changeFeedSchema, changesQuerySchema } from "./sync.schemas";

/** The change feed for offline clients, under `/api/v1/sync`. */
export const syncRoutes = new Hono<AppEnv>().get(
  "/changes",
  describeRoute(
    ROUTE_DOCS && {
      operationId: "listChanges",
      summary: "Follow every change of the caller's collection (the change feed)",
      description:
        "Flashcards, decks, tags, reviews, study sessions and the study settings (`settings`, id = the user's id, once saved), each with its latest change (`upsert` with the entity as it is now, or `delete`), in per-user sequence order. Without `since`: the whole collection page by page (the initial sync, review history included); then poll with `since` = the last `next_cursor`, which is always present. A write committed while a client pages gets a later sequence number and is never skipped. Deletions are kept 90 days; a cursor older than the pruned ones → 410 `cursor_expired` (sync again from the start). A card's deletion stands for its reviews.",
      tag: "sync",
      success: { status: 200, description: "A page of changes.", schema: changeFeedSchema },
      errors: [410],
    },
  ),
  requireAuth(),
  validate("query", changesQuerySchema),
  async (c) => {
    return c.json(await listChanges(authedDeps(c), c.req.valid("query")), 200);
  },
);
