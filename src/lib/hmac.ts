/**
 * The one cache of HMAC-SHA256 keys. Importing a key costs measurable CPU on the hottest paths (every
 * authenticated request verifies a token; every page signs a cursor), so each key is imported once per
 * isolate. Different uses derive different raw keys (e.g. `cursor:<secret>`), never share one.
 */

const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC-SHA256 key for `raw` (sign and verify), imported on first use. */
export function hmacKey(raw: string): Promise<CryptoKey> {
  let key = keys.get(raw);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(raw), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(raw, key);
  }
  return key;
}
