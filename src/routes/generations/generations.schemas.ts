/**
 * Request schemas of the generations endpoints.
 */
import * as z from "zod";
import { boundedText } from "../../lib/card-text";
import { limitParam } from "../../lib/paging";

export const SOURCE_TEXT_MIN = 1_000;
export const SOURCE_TEXT_MAX = 10_000;

export const createGenerationSchema = z.strictObject({
  source_text: boundedText(SOURCE_TEXT_MIN, SOURCE_TEXT_MAX),
});

/** `Idempotency-Key`: 1–255 visible ASCII characters (a UUID is typical). Other headers pass. */
export const idempotencyHeaderSchema = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7E]{1,255}$/, "Must be 1–255 visible ASCII characters.")
    .optional(),
});

/** Query of the newest-first collections (generations, error logs). */
export const newestFirstQuerySchema = z.strictObject({
  limit: limitParam,
  cursor: z.string().max(512, "Is too long.").optional(),
});

export type CreateGenerationInput = z.infer<typeof createGenerationSchema>;
export type NewestFirstQuery = z.infer<typeof newestFirstQuerySchema>;
