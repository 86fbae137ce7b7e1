/**
 * Opaque, signed keyset cursors for paged collections. A cursor is base64url(JSON) plus a 128-bit
 * HMAC-SHA256 tag, so a client can hand it back but not forge or edit one (400 `invalid_cursor`).
 * The payload is the last row's sort key and id; pages seek from it through an index.
 */

import { fromBase64Url, toBase64Url } from "./encoding";
import { invalidCursor } from "./errors";
import { hmacKey } from "./hmac";

const TAG_BYTES = 16;

async function tag(body: string, secret: string): Promise<Uint8Array> {
  // A key of its own (`cursor:` prefix): a cursor tag can never double as a token signature.
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(`cursor:${secret}`), new TextEncoder().encode(body));
  return new Uint8Array(signature, 0, TAG_BYTES);
}

/** Signs a payload into an opaque cursor string. */
export async function encodeCursor(payload: unknown, secret: string): Promise<string> {
  const body = toBase64Url(new TextEncoder().encode(JSON.stringify(payload)));
  return `${body}.${toBase64Url(await tag(body, secret))}`;
}

/**
 * Verifies and opens a cursor. Returns the payload as unknown JSON: callers validate its shape.
 * @throws ApiError 400 `invalid_cursor` for anything not signed by us.
 */
export async function decodeCursor(cursor: string, secret: string): Promise<unknown> {
  const [body, tagText, extra] = cursor.split(".");
  const given = fromBase64Url(tagText ?? "");
  if (!body || extra !== undefined || !given || given.length !== TAG_BYTES) throw invalidCursor();
  if (!crypto.subtle.timingSafeEqual(given, await tag(body, secret))) throw invalidCursor();
  const bytes = fromBase64Url(body);
  try {
    return JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array()));
  } catch {
    throw invalidCursor();
  }
}
