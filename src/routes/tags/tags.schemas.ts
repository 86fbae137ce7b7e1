/**
 * Request and response schemas of the tags endpoints.
 */
import * as z from "zod";
import { tagNameSchema } from "../../lib/name-key";

/** Path parameter `:name`: a tag name (URL-encoded), matched case-insensitively. */
export const tagNameParamSchema = z.strictObject({ name: tagNameSchema });

export const renameTagSchema = z.strictObject({ name: tagNameSchema });

export const tagSchema = z.object({ name: z.string(), card_count: z.int() }).meta({ id: "Tag" });

export const tagListSchema = z.object({ data: z.array(tagSchema) });

export type TagJson = z.infer<typeof tagSchema>;
