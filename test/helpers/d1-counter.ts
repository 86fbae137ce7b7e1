/**
 * A D1 binding wrapper that counts round trips: each `run/all/first/raw` of a statement, each
 * `batch` and each `exec` is one trip to the database. Used to assert the app's round-trip budget.
 * It also records every statement sent (`sent`: SQL text and bound values) so a test can EXPLAIN
 * what the app really ran.
 */
type Counter = { trips: number; statements: number; sent: SentStatement[] };

/** A statement as the app sent it. */
export type SentStatement = { sql: string; params: unknown[] };

export function countingD1(real: D1Database): { db: D1Database; counter: Counter } {
  const counter: Counter = { trips: 0, statements: 0, sent: [] };
  const realStatement = new WeakMap<object, D1PreparedStatement>();
  const sentOf = new WeakMap<object, SentStatement>();

  const wrapStatement = (statement: D1PreparedStatement, sent: SentStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        if (property === "bind") {
          return (...values: unknown[]) => wrapStatement(target.bind(...values), { sql: sent.sql, params: values });
        }
        if (property === "run" || property === "all" || property === "first" || property === "raw") {
          return (...args: unknown[]) => {
            counter.trips++;
            counter.statements++;
            counter.sent.push(sent);
            return (target[property] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    realStatement.set(proxy, statement);
    sentOf.set(proxy, sent);
    return proxy;
  };

  // The app runs every request in a D1 session (`withSession`): the session is wrapped the same way.
  const wrapDb = <D extends D1Database | D1DatabaseSession>(target: D): D =>
    new Proxy(target, {
      get(target, property) {
        if (property === "prepare")
          return (query: string) => wrapStatement(target.prepare(query), { sql: query, params: [] });
        if (property === "batch") {
          return (statements: D1PreparedStatement[]) => {
            counter.trips++;
            counter.statements += statements.length;
            for (const s of statements) counter.sent.push(sentOf.get(s) ?? { sql: "(unwrapped)", params: [] });
            return target.batch(statements.map((s) => realStatement.get(s) ?? s));
          };
        }
        if (property === "exec") {
          return (query: string) => {
            counter.trips++;
            return (target as D1Database).exec(query);
          };
        }
        if (property === "withSession") {
          return (constraint?: string) => wrapDb((target as D1Database).withSession(constraint));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const db = wrapDb(real);
  return { db, counter };
}
