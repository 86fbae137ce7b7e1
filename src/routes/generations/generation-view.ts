/**
 * How generation records are shown to clients.
 */

import type * as z from "zod";
import type { GenerationErrorLogRow, GenerationRow } from "../../db/schema";
import { toIso } from "../../lib/time";
import type { errorLogSchema, generationSchema } from "./generations.schemas";

/** Renders a generation; the owner and updated_at stay internal. */
export function toGenerationJson(row: Omit<GenerationRow, "userId" | "updatedAt">): GenerationJson {
  return {
    id: row.id,
    model: row.model,
    source_text_hash: row.sourceTextHash,
    source_text_length: row.sourceTextLength,
    generated_count: row.generatedCount,
    accepted_unedited_count: row.acceptedUneditedCount,
    accepted_edited_count: row.acceptedEditedCount,
    duration_ms: row.durationMs,
    deck_id: row.deckId,
    tags: generationTags(row.tags).map((tag) => tag.name),
    created_at: toIso(row.createdAt),
  };
}

/** A generation's stored tags (`[{ name, key }]` JSON, or NULL for none). */
export const generationTags = (stored: string | null): { name: string; key: string }[] =>
  stored ? (JSON.parse(stored) as { name: string; key: string }[]) : [];

/** Renders a generation error log. */
export function toErrorLogJson(row: Omit<GenerationErrorLogRow, "userId">): ErrorLogJson {
  return {
    id: row.id,
    model: row.model,
    source_text_hash: row.sourceTextHash,
    source_text_length: row.sourceTextLength,
    // Written only by the generations handler, from its fixed set of codes.
    error_code: row.errorCode as ErrorLogJson["error_code"],
    error_message: row.errorMessage,
    created_at: toIso(row.createdAt),
  };
}

/** A generation as a handler returns it. */
export type GenerationJson = z.infer<typeof generationSchema>;
/** A generation error log as a handler returns it. */
export type ErrorLogJson = z.infer<typeof errorLogSchema>;
