/**
 * Opaque, signed keyset cursors for paged collections. A cursor is base64url(JSON) plus a 128-bit
 * HMAC-SHA256 tag, so a client can hand it back but not forge or edit one (400 `invalid_cursor`).
 * The payload is the last row's sort key and id; pages seek from it through an index.
 */

import { fromBase64Url, toBase64Url } from "./encoding";
import { ApiError } from "./errors";

const TAG_BYTES = 16;
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(`cursor:${secret}`),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    keys.set(secret, key);
  }
  return key;
}

async function tag(body: string, secret: string): Promise<Uint8Array> {
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(body));
  return new Uint8Array(signature, 0, TAG_BYTES);
}

/** 400 for a cursor we did not issue, or one issued for another ordering. */
export const invalidCursor = (detail = "The cursor is invalid; start again without one.") =>
  new ApiError({
    status: 400,
    code: "invalid_cursor",
    title: "Invalid cursor",
    detail,
    errors: [{ path: "cursor", code: "invalid_cursor", message: detail }],
  });

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
