/**
 * A D1 wrapper that runs something else just before the request's first write batch of at least
 * `minStatements` statements: a concurrent request landing between an import's read and its write.
 */

/** Wraps `real` so that `interleave` runs once, right before the first big enough batch. */
export function racingD1<D extends D1Database>(
  real: D,
  minStatements: number,
  interleave: () => Promise<unknown>,
): { db: D; raced: () => boolean } {
  let done = false;
  const wrap = <T extends D1Database | D1DatabaseSession>(target: T): T =>
    new Proxy(target, {
      get(inner, property) {
        if (property === "withSession") {
          return (constraint?: string) => wrap((inner as D1Database).withSession(constraint));
        }
        if (property === "batch") {
          return async (statements: D1PreparedStatement[]) => {
            if (statements.length >= minStatements && !done) {
              done = true;
              await interleave();
            }
            return inner.batch(statements);
          };
        }
        const value = Reflect.get(inner, property, inner);
        return typeof value === "function" ? value.bind(inner) : value;
      },
    });
  return { db: wrap(real), raced: () => done };
}
