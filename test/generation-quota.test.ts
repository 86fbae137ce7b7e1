/**
 * Issue #12 item 1: the generation quota holds under concurrency. The attempt is reserved in D1 by a
 * conditional INSERT before the provider runs; on main, 30 parallel requests all got 201 against a
 * quota of 20 (the count was read first and the row written seconds later).
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { count } from "./helpers/fixtures";
import { textOfLength } from "./helpers/texts";

afterEach(() => vi.restoreAllMocks());

const generate = (user: TestUser, options: { env?: Cloudflare.Env; headers?: Record<string, string> } = {}) =>
  api("POST", "/api/v1/generations", {
    token: user.accessToken,
    body: { source_text: textOfLength(1_300) },
    ...options,
  });

const tally = (responses: Array<{ status: number }>) => {
  const byStatus: Record<number, number> = {};
  for (const res of responses) byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
  return byStatus;
};

/**
 * An OpenAI-compatible provider that holds every call until `release` calls are in flight (or a
 * safety timer fires): all admitted requests sit inside the provider at once, the way a slow model
 * keeps them there for seconds. Without the reservation every one of the 30 would get in.
 */
function slowProvider(release: number) {
  let inFlight = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const safety = setTimeout(() => open(), 5_000);
  const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
    inFlight++;
    if (inFlight >= release) open();
    await gate;
    return Response.json({
      choices: [
        {
          message: {
            role: "assistant",
            content: JSON.stringify({ proposals: [{ front: "What is slow?", back: "This provider." }] }),
          },
        },
      ],
    });
  });
  return {
    fetchSpy,
    done: () => clearTimeout(safety),
    env: {
      ...env,
      AI_PROVIDER: "openai",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: "https://llm.example/v1",
      OPENAI_MODEL: "slow-model",
    },
  };
}

/** A D1 binding that runs `hook` once, just before the batch that reserves a generation attempt. */
function beforeReservation(real: D1Database, hook: () => Promise<unknown>): D1Database {
  const sqlOf = new WeakMap<object, string>();
  let fired = false;
  // The app queries through a D1 session (`withSession`): wrap the session the same way.
  const wrap = <D extends D1Database | D1DatabaseSession>(db: D): D =>
    new Proxy(db, {
      get(target, property) {
        if (property === "withSession") {
          return (constraint?: string) => wrap((target as D1Database).withSession(constraint));
        }
        if (property === "prepare") {
          return (query: string) => {
            const statement = target.prepare(query);
            const bind = statement.bind.bind(statement);
            const wrapped = Object.assign(statement, {
              bind: (...values: unknown[]) => {
                const bound = bind(...values);
                sqlOf.set(bound, query);
                return bound;
              },
            });
            sqlOf.set(wrapped, query);
            return wrapped;
          };
        }
        if (property === "batch") {
          return async (statements: D1PreparedStatement[]) => {
            if (!fired && statements.some((s) => /insert into "generation_attempts"/i.test(sqlOf.get(s) ?? ""))) {
              fired = true;
              await hook();
            }
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return wrap(real);
}

describe("generation quota under concurrency", () => {
  it("30 parallel requests against a quota of 20: exactly 20 × 201 and 10 × 429", async () => {
    const user = await registerUser();
    const responses = await Promise.all(Array.from({ length: 30 }, () => generate(user)));
    expect(tally(responses)).toEqual({ 201: 20, 429: 10 });
    for (const res of responses.filter((r) => r.status === 429)) {
      expectProblem(res, 429, "quota_exceeded");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(3_500);
    }
    expect(await count("SELECT count(*) AS n FROM generations WHERE user_id = ?", user.id)).toBe(20);
    expect(await count("SELECT count(*) AS n FROM generation_attempts WHERE user_id = ?", user.id)).toBe(20);
    // Every reservation was finalised by its outcome.
    expect(
      await count(
        "SELECT count(*) AS n FROM generation_attempts WHERE user_id = ? AND expires_at IS NOT NULL",
        user.id,
      ),
    ).toBe(0);
  });

  it("the same with a slow provider that holds every admitted request: 20 provider calls, 20 × 201, 10 × 429", async () => {
    const user = await registerUser();
    const provider = slowProvider(20);
    const responses = await Promise.all(Array.from({ length: 30 }, () => generate(user, { env: provider.env })));
    provider.done();
    expect(tally(responses)).toEqual({ 201: 20, 429: 10 });
    expect(provider.fetchSpy).toHaveBeenCalledTimes(20);
    expect(await count("SELECT count(*) AS n FROM generations WHERE user_id = ?", user.id)).toBe(20);
  });

  it("failed attempts count too, and another user's quota is their own", async () => {
    const user = await registerUser();
    const quotaEnv = { ...env, GENERATIONS_PER_HOUR: "2" };
    const provider = slowProvider(1);
    provider.done();
    provider.fetchSpy.mockImplementation(async () => new Response("down", { status: 500 }));
    const aiEnv = { ...provider.env, GENERATIONS_PER_HOUR: "2" };
    const failed = await Promise.all(Array.from({ length: 4 }, () => generate(user, { env: aiEnv })));
    expect(tally(failed)).toEqual({ 502: 2, 429: 2 });
    vi.restoreAllMocks();
    expectProblem(await generate(user, { env: quotaEnv }), 429, "quota_exceeded");
    expect((await generate(await registerUser(), { env: quotaEnv })).status).toBe(201);
  });

  it("an abandoned reservation stops counting once its lease expires; a live one counts", async () => {
    const user = await registerUser();
    const quotaEnv = { ...env, GENERATIONS_PER_HOUR: "2" };
    const now = Date.now();
    const reserve = (expiresAt: number) =>
      env.DB.prepare("INSERT INTO generation_attempts (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
        .bind(crypto.randomUUID(), user.id, now - 120_000, expiresAt)
        .run();
    // Two requests that died mid-call 2 minutes ago: their leases (budget + 30 s) are over.
    await reserve(now - 1_000);
    await reserve(now - 1_000);
    expect((await generate(user, { env: quotaEnv })).status).toBe(201);
    // A request still running holds its slot: with it and the success above, the quota of 2 is used.
    await reserve(now + 60_000);
    const limited = await generate(user, { env: quotaEnv });
    expectProblem(limited, 429, "quota_exceeded");
    // Retry-After assumes the running request succeeds: its slot frees an hour after it started.
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3_300);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
  });

  it("a request refused because its Idempotency-Key is in use gives its quota slot back", async () => {
    const user = await registerUser();
    const quotaEnv = { ...env, GENERATIONS_PER_HOUR: "1" };
    // Another request takes the key between this request's read and its reservation (the race).
    const racing = beforeReservation(env.DB, () =>
      env.DB.prepare(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (?, 'busy', 'other', ?)",
      )
        .bind(user.id, Date.now())
        .run(),
    );
    const res = await generate(user, { env: { ...quotaEnv, DB: racing }, headers: { "idempotency-key": "busy" } });
    expectProblem(res, 409, "idempotency_key_in_use");
    expect(await count("SELECT count(*) AS n FROM generation_attempts WHERE user_id = ?", user.id)).toBe(0);
    expect((await generate(user, { env: quotaEnv })).status).toBe(201);
  });

  it("keeps POST /generations at 2 round trips without a key (reservation, outcome)", async () => {
    const user = await registerUser();
    const { db, counter } = countingD1(env.DB);
    expect((await generate(user, { env: { ...env, DB: db } })).status).toBe(201);
    expect(counter.trips).toBe(2);
    expect(counter.statements).toBeLessThanOrEqual(10);
  });
});
