/**
 * Recognising D1 failures. Drizzle wraps driver errors (DrizzleQueryError with `cause`), and D1
 * prefixes its own ("D1_ERROR: ..."), so classification looks at every message in the cause chain.
 */

/** Every message in an error's cause chain, outermost first. */
export function causeMessages(error: unknown): string[] {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    messages.push(current.message);
    current = current.cause;
  }
  return messages;
}

/** A UNIQUE or PRIMARY KEY violation: a conflict the client caused (409), e.g. a duplicate email. */
export function isUniqueViolation(error: unknown): boolean {
  return causeMessages(error).some((m) => /UNIQUE constraint failed|PRIMARY KEY constraint failed/i.test(m));
}

/**
 * A transient platform failure worth retrying (503): D1 overloaded, reset, or the network to it lost.
 * See https://developers.cloudflare.com/d1/observability/debug-d1/#error-list
 * `database is locked` / `SQLITE_BUSY` is what local D1 (and SQLite under a writer) answers when
 * another write holds the lock: it clears on its own, so it is a 503 with `Retry-After`, not a 500.
 */
export function isTransientD1Error(error: unknown): boolean {
  return causeMessages(error).some((m) =>
    /overloaded|Network connection lost|storage caused object to be reset|internal error while starting up|Cannot resolve D1 DB due to transient issue|D1 DB reset|Memory limit would be exceeded|database is locked|SQLITE_BUSY/i.test(
      m,
    ),
  );
}
