/**
 * Request and response schemas of the tags endpoints.
 */
import * as z from "zod";
import { tagNameSchema } from "../../lib/name-key";

/** Path parameter `:name`: a tag name (URL-encoded), matched case-insensitively. */
export const tagNameParamSchema = z.strictObject({ name: tagNameSchema });

/** The body of `PATCH /tags/:name`. */
export const renameTagSchema = z.strictObject({ name: tagNameSchema });

/** A tag with its card count. */
export const tagSchema = z.object({ name: z.string(), card_count: z.int() }).meta(ROUTE_DOCS ? { id: "Tag" } : {});

/** The body of `GET /tags`. */
export const tagListSchema = z.object({ data: z.array(tagSchema) });

/** A tag as a handler returns it. */
export type TagJson = z.infer<typeof tagSchema>;
