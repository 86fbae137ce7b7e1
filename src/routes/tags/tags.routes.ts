/**
 * HTTP contract of the tags endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { deleteTag, listTags, renameTag } from "./tags.handlers";
import { renameTagSchema, tagListSchema, tagNameParamSchema, tagSchema } from "./tags.schemas";

/** List, rename (merge) and delete tags, under `/api/v1/tags`. */
export const tagRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listTags",
        summary: "Every tag of the caller with its card count, by name",
        tag: "tags",
        success: { status: 200, description: "All tags.", schema: tagListSchema },
      },
    ),
    requireAuth(),
    async (c) => {
      return c.json(await listTags(authedDeps(c)), 200);
    },
  )
  .patch(
    "/:name",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "renameTag",
        summary: "Rename a tag on every card (renaming onto an existing tag merges them)",
        tag: "tags",
        example: { name: "lang::pl" },
        success: { status: 200, description: "The tag as it is now.", schema: tagSchema },
        errors: [404],
      },
    ),
    requireAuth(),
    validate("param", tagNameParamSchema),
    jsonBody(renameTagSchema),
    async (c) => {
      return c.json(await renameTag(authedDeps(c), c.req.valid("param").name, c.req.valid("json").name), 200);
    },
  )
  .delete(
    "/:name",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "deleteTag",
        summary: "Remove a tag from every card",
        tag: "tags",
        success: { status: 204, description: "Deleted." },
        errors: [404],
      },
    ),
    requireAuth(),
    validate("param", tagNameParamSchema),
    async (c) => {
      await deleteTag(authedDeps(c), c.req.valid("param").name);
      return c.body(null, 204);
    },
  );
