/** Byte <-> text encodings used by tokens and hashes. */

/** Encodes bytes as unpadded base64url. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Decodes canonical unpadded base64url; returns null for anything else. Strict on purpose: padding,
 * an impossible length (4n+1) or non-zero unused bits in the last character would otherwise decode
 * to the same bytes, so one signature or cursor would have many spellings that all pass.
 */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  let bytes: Uint8Array;
  try {
    const binary = atob(base64);
    bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  } catch {
    return null;
  }
  // The canonical spelling re-encodes to itself; any other (unused low bits set) does not.
  return toBase64Url(bytes) === text ? bytes : null;
}

/** True when `text` is canonical unpadded base64url (what `toBase64Url` produces). */
export const isCanonicalBase64Url = (text: string) => fromBase64Url(text) !== null;

/** Encodes bytes as lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
