/**
 * A D1 binding wrapper that counts round trips: each `run/all/first/raw` of a statement, each
 * `batch` and each `exec` is one trip to the database. Used to assert the app's round-trip budget.
 */
type Counter = { trips: number; statements: number };

export function countingD1(real: D1Database): { db: D1Database; counter: Counter } {
  const counter: Counter = { trips: 0, statements: 0 };
  const realStatement = new WeakMap<object, D1PreparedStatement>();

  const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        if (property === "bind") {
          return (...values: unknown[]) => wrapStatement(target.bind(...values));
        }
        if (property === "run" || property === "all" || property === "first" || property === "raw") {
          return (...args: unknown[]) => {
            counter.trips++;
            counter.statements++;
            return (target[property] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    realStatement.set(proxy, statement);
    return proxy;
  };

  // The app runs every request in a D1 session (`withSession`): the session is wrapped the same way.
  const wrapDb = <D extends D1Database | D1DatabaseSession>(target: D): D =>
    new Proxy(target, {
      get(target, property) {
        if (property === "prepare") return (query: string) => wrapStatement(target.prepare(query));
        if (property === "batch") {
          return (statements: D1PreparedStatement[]) => {
            counter.trips++;
            counter.statements += statements.length;
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
