/**
 * Turns an uploaded file's bytes into text. Only UTF-8 is accepted: a file in another encoding would
 * otherwise be imported as mojibake that nobody notices until they study it.
 */
import { invalidEncoding } from "../lib/errors";

// Every ApiError factory lives in src/lib/errors.ts; re-exported for this module's callers.
export { invalidEncoding };

/**
 * Decodes strict UTF-8 and drops a leading byte order mark (spreadsheets write one).
 * @throws ApiError 400 `invalid_encoding` for any invalid byte sequence.
 */
export function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string {
  try {
    // ignoreBOM false (the default) makes the decoder strip the BOM itself.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalidEncoding();
  }
}
