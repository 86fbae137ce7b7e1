/**
 * Access tokens (HS256 JWTs) and opaque refresh tokens.
 */
import { sign, verify } from "hono/utils/jwt/jwt";
import { isCanonicalBase64Url, toBase64Url, toHex } from "./encoding";
import { hmacKey } from "./hmac";

/** The claims of an access token: user, session, issued-at and expiry (seconds). */
export type AccessClaims = { sub: string; sid: string; iat: number; exp: number };

/** Signs a short-lived access token for a user's session. */
export async function signAccessToken(
  input: { userId: string; sessionId: string; nowMs: number; ttlSeconds: number },
  secret: string,
): Promise<string> {
  const iat = Math.floor(input.nowMs / 1000);
  const claims: AccessClaims = { sub: input.userId, sid: input.sessionId, iat, exp: iat + input.ttlSeconds };
  return sign(claims, await hmacKey(secret), "HS256");
}

/**
 * Verifies an access token with the algorithm pinned to HS256 and `exp`, `sub`, `sid` required.
 * Returns null for any token that is not valid now (malformed, forged, expired, `alg: none`, ...).
 */
export async function verifyAccessToken(token: string, secret: string): Promise<AccessClaims | null> {
  // hono's decoder tolerates padding and non-canonical last characters: one token would have many
  // spellings. Only the exact three-part canonical form we issue is accepted.
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => part.length > 0 && isCanonicalBase64Url(part))) return null;
  try {
    const payload = await verify(token, await hmacKey(secret), { alg: "HS256" });
    const { sub, sid, iat, exp } = payload;
    // hono checks exp only when present: a token without it must not live forever.
    if (typeof sub !== "string" || typeof sid !== "string" || typeof exp !== "number" || typeof iat !== "number") {
      return null;
    }
    return { sub, sid, iat, exp };
  } catch {
    return null;
  }
}

/**
 * The refresh token that rotation issues for `refreshToken`: HMAC-SHA256 of it under a key derived from
 * the secret, base64url. Deterministic, so a refresh repeated within the reuse interval (two tabs, or a
 * retry after a lost answer) can hand out the very same successor although only hashes are stored;
 * unpredictable without the secret, like a random token.
 */
export async function successorRefreshToken(refreshToken: string, secret: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(`refresh-successor:${secret}`),
    new TextEncoder().encode(refreshToken),
  );
  return toBase64Url(new Uint8Array(mac));
}

/** A new opaque refresh token: 32 random bytes, base64url. Only its SHA-256 is ever stored. */
export function newRefreshToken(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** SHA-256 of a token, hex-encoded: the form stored and looked up in D1. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return toHex(new Uint8Array(digest));
}
