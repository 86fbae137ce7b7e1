/**
 * A D1 binding wrapper that injects the platform's transient failures into chosen round trips, for
 * fault-injection tests. Like test/helpers/d1-counter.ts it counts round trips (each `run/all/first/raw`
 * of a statement, each `batch`, each `exec`), and it records the SQL of every trip, so a test can fail
 * "the 2nd round trip" or "the batch that inserts into flashcards".
 *
 * Two phases model the two ways a real failure lands:
 * - `before`: the trip never reaches the database (overload, refused connection): nothing is applied.
 * - `after`: the database applies the trip, then the answer is lost on the way back (connection lost
 *   after commit): the client cannot know the write happened.
 */

/** The message D1 answers when its queue is full. */
export const D1_OVERLOADED = "D1_ERROR: D1 DB is overloaded. Too many requests queued.";
/** The message D1 answers when the connection to the database drops. */
export const D1_CONNECTION_LOST = "D1_ERROR: Network connection lost.";
/** Both transient failures, for `it.each`. */
export const TRANSIENT_D1_ERRORS = [D1_OVERLOADED, D1_CONNECTION_LOST] as const;

/** One round trip to D1: its 1-based number, what it was, and the SQL it carried (one entry per statement). */
export type Trip = { n: number; kind: "statement" | "batch" | "exec"; sql: string[] };

export type FaultPlan = {
  /** The trip to fail: its 1-based number, or a predicate over the trip (e.g. on its SQL). Omit to never fail. */
  failOn?: number | ((trip: Trip) => boolean);
  /** The error message thrown (default: overloaded). */
  message?: string;
  /** `before` (default): the trip is not applied. `after`: it is applied, then the failure is reported. */
  phase?: "before" | "after";
  /** How many matching trips fail (default 1); later matches pass through. */
  times?: number;
};

export type FaultyD1 = {
  /** The wrapped binding: pass it as `env: { ...env, DB: db }`. */
  db: D1Database;
  /** Every trip made through the wrapper, in order. */
  trips: Trip[];
  /** The trips that were failed. */
  failed: Trip[];
};

/** True when any statement of the trip matches the pattern (case-insensitive on the SQL text). */
export const tripMatches = (pattern: RegExp) => (trip: Trip) => trip.sql.some((sql) => pattern.test(sql));

/** Wraps a D1 binding so that the trips chosen by `plan` fail with a transient D1 error. */
export function faultyD1(real: D1Database, plan: FaultPlan = {}): FaultyD1 {
  const trips: Trip[] = [];
  const failed: Trip[] = [];
  const phase = plan.phase ?? "before";
  let remaining = plan.times ?? 1;
  const sqlOf = new WeakMap<object, string>();
  const realStatement = new WeakMap<object, D1PreparedStatement>();

  const shouldFail = (trip: Trip) => {
    if (plan.failOn === undefined || remaining <= 0) return false;
    const hit = typeof plan.failOn === "number" ? trip.n === plan.failOn : plan.failOn(trip);
    if (hit) {
      remaining--;
      failed.push(trip);
    }
    return hit;
  };
  const fault = () => new Error(plan.message ?? D1_OVERLOADED);

  /** Runs one trip through the fault plan. */
  const roundTrip = async <T>(kind: Trip["kind"], sql: string[], run: () => Promise<T>): Promise<T> => {
    const trip: Trip = { n: trips.length + 1, kind, sql };
    trips.push(trip);
    const fail = shouldFail(trip);
    if (fail && phase === "before") throw fault();
    const result = await run();
    if (fail) throw fault();
    return result;
  };

  const wrapStatement = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        if (property === "bind") return (...values: unknown[]) => wrapStatement(target.bind(...values), sql);
        if (property === "run" || property === "all" || property === "first" || property === "raw") {
          return (...args: unknown[]) =>
            roundTrip("statement", [sql], () =>
              (target[property] as (...a: unknown[]) => Promise<unknown>).apply(target, args),
            );
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    sqlOf.set(proxy, sql);
    realStatement.set(proxy, statement);
    return proxy;
  };

  // The app runs every request in a D1 session (`withSession`): the session is wrapped the same way.
  const wrapDb = <D extends D1Database | D1DatabaseSession>(target: D): D =>
    new Proxy(target, {
      get(target, property) {
        if (property === "prepare") return (query: string) => wrapStatement(target.prepare(query), query);
        if (property === "batch") {
          return (statements: D1PreparedStatement[]) =>
            roundTrip(
              "batch",
              statements.map((s) => sqlOf.get(s) ?? "?"),
              () => target.batch(statements.map((s) => realStatement.get(s) ?? s)),
            );
        }
        if (property === "exec")
          return (query: string) => roundTrip("exec", [query], () => (target as D1Database).exec(query));
        if (property === "withSession") {
          return (constraint?: string) => wrapDb((target as D1Database).withSession(constraint));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const db = wrapDb(real);
  return { db, trips, failed };
}

/** Tables a user owns rows in, with the SQL selecting that user's rows in a stable order. */
const OWNED_ROWS: Record<string, string> = {
  users: "SELECT * FROM users WHERE id = ?1",
  sessions: "SELECT * FROM sessions WHERE user_id = ?1 ORDER BY id",
  refresh_tokens:
    "SELECT rt.* FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id WHERE s.user_id = ?1 ORDER BY rt.token_hash",
  flashcards: "SELECT * FROM flashcards WHERE user_id = ?1 ORDER BY id",
  generations: "SELECT * FROM generations WHERE user_id = ?1 ORDER BY id",
  generation_error_logs: "SELECT * FROM generation_error_logs WHERE user_id = ?1 ORDER BY id",
  idempotency_keys: "SELECT * FROM idempotency_keys WHERE user_id = ?1 ORDER BY key",
  personal_access_tokens: "SELECT * FROM personal_access_tokens WHERE user_id = ?1 ORDER BY id",
  review_logs: "SELECT * FROM review_logs WHERE user_id = ?1 ORDER BY id",
  study_sessions: "SELECT * FROM study_sessions WHERE user_id = ?1 ORDER BY id",
  decks: "SELECT * FROM decks WHERE user_id = ?1 ORDER BY id",
  deck_tree: "SELECT * FROM deck_tree WHERE user_id = ?1 ORDER BY ancestor_id, descendant_id",
  tags: "SELECT * FROM tags WHERE user_id = ?1 ORDER BY id",
  flashcard_tags: "SELECT * FROM flashcard_tags WHERE user_id = ?1 ORDER BY flashcard_id, tag_id",
  imports: "SELECT * FROM imports WHERE user_id = ?1 ORDER BY id",
  user_settings: "SELECT * FROM user_settings WHERE user_id = ?1",
};

/**
 * Every row a user owns, table by table, read straight from D1 in one batch: compare two snapshots
 * to prove that a failed request (or a hostile client) changed nothing.
 */
export async function userRows(db: D1Database, userId: string): Promise<Record<string, unknown[]>> {
  const tables = Object.keys(OWNED_ROWS);
  const results = await db.batch(tables.map((table) => db.prepare(OWNED_ROWS[table]!).bind(userId)));
  return Object.fromEntries(tables.map((table, i) => [table, results[i]!.results]));
}

/** A D1 stand-in whose every query fails with the given message. */
export function failingD1(message: string): D1Database {
  const fail = () => {
    throw new Error(message);
  };
  const statement = { all: fail, run: fail, first: fail, raw: fail, bind: () => statement };
  const session = { prepare: () => statement, batch: async () => fail(), getBookmark: () => null };
  return { ...session, exec: async () => fail(), withSession: () => session } as unknown as D1Database;
}
