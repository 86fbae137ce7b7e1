/**
 * Personal access tokens: `fcpat_` + 32 random bytes in base64url (49 characters). Only the SHA-256 of
 * the whole token is stored; the first 12 characters are kept as a `prefix` people can recognise.
 */
import { isCanonicalBase64Url, toBase64Url } from "./encoding";

/** Every personal access token starts with this, so `requireAuth()` can tell it from a JWT. */
export const PAT_PREFIX = "fcpat_";
const SHAPE = /^fcpat_[A-Za-z0-9_-]{43}$/;
const DISPLAY_PREFIX_LENGTH = 12;

/** A new token and its display prefix. */
export function newPersonalAccessToken(): { token: string; prefix: string } {
  const token = PAT_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { token, prefix: token.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** True for a string that could be a token this API issued (exact length, canonical base64url). */
export const isWellFormedAccessToken = (token: string) =>
  SHAPE.test(token) && isCanonicalBase64Url(token.slice(PAT_PREFIX.length));
