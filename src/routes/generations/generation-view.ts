/**
 * How generation records are shown to clients.
 */
import type { GenerationErrorLogRow, GenerationRow } from "../../db/schema";
import { toIso } from "../../lib/time";

/** Renders a generation; the owner and updated_at stay internal. */
export function toGenerationJson(row: Omit<GenerationRow, "userId" | "updatedAt">) {
  return {
    id: row.id,
    model: row.model,
    source_text_hash: row.sourceTextHash,
    source_text_length: row.sourceTextLength,
    generated_count: row.generatedCount,
    accepted_unedited_count: row.acceptedUneditedCount,
    accepted_edited_count: row.acceptedEditedCount,
    duration_ms: row.durationMs,
    created_at: toIso(row.createdAt),
  };
}

/** Renders a generation error log. */
export function toErrorLogJson(row: Omit<GenerationErrorLogRow, "userId">) {
  return {
    id: row.id,
    model: row.model,
    source_text_hash: row.sourceTextHash,
    source_text_length: row.sourceTextLength,
    error_code: row.errorCode,
    error_message: row.errorMessage,
    created_at: toIso(row.createdAt),
  };
}

export type GenerationJson = ReturnType<typeof toGenerationJson>;
export type ErrorLogJson = ReturnType<typeof toErrorLogJson>;
