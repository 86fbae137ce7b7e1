/**
 * Password hashing with PBKDF2-SHA256 through WebCrypto (no dependency, native speed).
 * Hashes are self-describing ("pbkdf2-sha256$<iterations>$<salt>$<hash>") so the parameters can be
 * raised later and old hashes still verify.
 */
import { fromBase64Url, toBase64Url } from "./encoding";

/** Cloudflare's production runtime rejects PBKDF2 above 100,000 iterations (local workerd does not). */
export const PBKDF2_MAX_ITERATIONS = 100_000;
/** The work factor for new hashes: the platform cap, the strongest PBKDF2 that deploys. */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const SCHEME = "pbkdf2-sha256";

/**
 * Throws when an iteration count would fail in production. Called on every derivation, so a
 * constant raised past the cap fails every local test instead of only the deployed worker.
 */
export function assertDeployableIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS) {
    throw new Error(`PBKDF2 iterations must be an integer in 1..${PBKDF2_MAX_ITERATIONS}, got ${iterations}`);
  }
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  assertDeployableIterations(iterations);
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    KEY_BYTES * 8,
  );
  return new Uint8Array(bits);
}

/**
 * The form a password is hashed in: Unicode NFC, so "ä" typed as one code point (NFC, most keyboards)
 * or as "a" + combining diaeresis (NFD, e.g. some macOS input paths) is the same password.
 */
export const normalizePassword = (password: string) => password.normalize("NFC");

/** Hashes a password (normalised to NFC) with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(normalizePassword(password), salt, PBKDF2_ITERATIONS);
  return `${SCHEME}$${PBKDF2_ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/**
 * Verifies a password against a stored hash in constant time: its NFC form, and, only when the input
 * is not already NFC, the input as typed, because hashes made before passwords were normalised are of
 * the raw input. The work depends on the input alone, never on the account. A malformed stored hash
 * verifies as false (after doing the same work), never throws.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const normalized = normalizePassword(password);
  const matches = await verifyExactly(normalized, stored);
  if (normalized === password) return matches;
  return (await verifyExactly(password, stored)) || matches;
}

async function verifyExactly(password: string, stored: string): Promise<boolean> {
  const [scheme, iterationsText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterationsText);
  const salt = fromBase64Url(saltText ?? "");
  const expected = fromBase64Url(hashText ?? "");
  const wellFormed =
    scheme === SCHEME &&
    salt !== null &&
    expected !== null &&
    expected.length === KEY_BYTES &&
    Number.isInteger(iterations) &&
    iterations >= 1 &&
    iterations <= PBKDF2_MAX_ITERATIONS;
  const actual = await derive(
    password,
    wellFormed ? salt : new Uint8Array(SALT_BYTES),
    wellFormed ? iterations : PBKDF2_ITERATIONS,
  );
  return wellFormed && crypto.subtle.timingSafeEqual(actual, expected);
}

/**
 * A real hash of a random password nobody kept. Login verifies against it when the email is unknown,
 * so both failure paths cost one PBKDF2 derivation and answer in the same time.
 */
export const DUMMY_PASSWORD_HASH =
  "pbkdf2-sha256$100000$qv-dAEl5V58DEMV32KEC1Q$mbSGOBDeLVkFUSWFa7xF_1Ia_xiygkQ8OG_lFdcCpgU";
