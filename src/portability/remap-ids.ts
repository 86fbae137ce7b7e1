/**
 * The ids an account.json import gives to what it restores: a UUID-shaped SHA-256 of (the caller's user
 * id, the kind of row, the id in the document). Deterministic, so the parts of a split document find each
 * other's rows (a review log in part 2, its session in part 1) and a document sent twice maps onto the
 * rows the first one wrote (and adds nothing). Per caller, so two accounts importing one document never
 * meet, and an id in a document can never name another account's row.
 */

/** The kinds of rows an account.json carries ids for. */
export type RemappedKind = "card" | "generation" | "error_log" | "review_log" | "session";

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Formats 16 bytes as a UUID with version 8 (custom) and the RFC 9562 variant. */
function toUuid(bytes: Uint8Array): string {
  const b = Array.from(bytes.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.map((byte) => HEX[byte]).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Computes the new id of every (kind, id) pair given and returns a lookup. Digests run concurrently
 * (WebCrypto is asynchronous); identical pairs are hashed once.
 */
export async function remapIds(
  userId: string,
  pairs: Iterable<readonly [RemappedKind, string]>,
): Promise<(kind: RemappedKind, id: string) => string> {
  const encoder = new TextEncoder();
  const keys = new Set<string>();
  for (const [kind, id] of pairs) keys.add(`${kind}\n${id}`);
  const mapped = new Map<string, string>();
  await Promise.all(
    [...keys].map(async (key) => {
      const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`${userId}\n${key}`));
      mapped.set(key, toUuid(new Uint8Array(digest)));
    }),
  );
  return (kind, id) => {
    const found = mapped.get(`${kind}\n${id}`);
    if (found === undefined) throw new Error(`remapIds: ${kind} ${id} was not computed`);
    return found;
  };
}
