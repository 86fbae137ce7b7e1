/**
 * The Cron Trigger's `scheduled` handler, driven with a controlled clock (the controller's scheduled
 * time): what expires goes, what does not stays, and one run does bounded work.
 */
import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { PRUNE_BATCH } from "../src/db/prune";
import worker from "../src/index";
import { registerUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { count } from "./helpers/fixtures";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function runScheduled(now: number, db: D1Database = env.DB) {
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 * * * *" }), { ...env, DB: db });
}

describe("scheduled: pruning what expires", () => {
  it("removes expired rows of every kind and keeps the live ones", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const user = await registerUser("prune");
    const now = Date.now() + 400 * DAY; // a controlled clock far enough ahead for every row made above
    const at = (offset: number) => now + offset;
    const statements = [
      // idempotency keys: 25 h old goes, 23 h old stays
      env.DB.prepare(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (?, 'old', 'h', ?)",
      ).bind(user.id, at(-25 * HOUR)),
      env.DB.prepare(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (?, 'new', 'h', ?)",
      ).bind(user.id, at(-23 * HOUR)),
      // sessions: expired goes (with its refresh token), live stays
      env.DB.prepare("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s-expired', ?, ?, ?)").bind(
        user.id,
        at(-31 * DAY),
        at(-1),
      ),
      env.DB.prepare(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ('rt-expired', 's-expired', ?)",
      ).bind(at(-31 * DAY)),
      env.DB.prepare("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s-live', ?, ?, ?)").bind(
        user.id,
        at(-DAY),
        at(29 * DAY),
      ),
      // tokens: expired 31 days ago goes; expired yesterday and never-expiring stay
      env.DB.prepare(
        "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, prefix, scopes, created_at, expires_at) VALUES ('t-old', ?, 'a', 'h1', 'fcpat_', '[]', ?, ?)",
      ).bind(user.id, at(-90 * DAY), at(-31 * DAY)),
      env.DB.prepare(
        "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, prefix, scopes, created_at, expires_at) VALUES ('t-recent', ?, 'b', 'h2', 'fcpat_', '[]', ?, ?)",
      ).bind(user.id, at(-90 * DAY), at(-DAY)),
      env.DB.prepare(
        "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, prefix, scopes, created_at, expires_at) VALUES ('t-forever', ?, 'c', 'h3', 'fcpat_', '[]', ?, NULL)",
      ).bind(user.id, at(-90 * DAY)),
      // quota attempts: older than an hour go
      env.DB.prepare(
        "INSERT INTO generation_attempts (id, user_id, created_at, expires_at) VALUES ('a-old', ?, ?, NULL)",
      ).bind(user.id, at(-2 * HOUR)),
      env.DB.prepare(
        "INSERT INTO generation_attempts (id, user_id, created_at, expires_at) VALUES ('a-new', ?, ?, NULL)",
      ).bind(user.id, at(-10 * 60_000)),
      // login throttles: quiet for a day and unlocked go; a still-locked or recent one stays
      env.DB.prepare(
        "INSERT INTO login_throttles (account_key, failures, locked_until, updated_at) VALUES ('quiet', 3, NULL, ?)",
      ).bind(at(-2 * DAY)),
      env.DB.prepare(
        "INSERT INTO login_throttles (account_key, failures, locked_until, updated_at) VALUES ('locked', 9, ?, ?)",
      ).bind(at(HOUR), at(-2 * DAY)),
      env.DB.prepare(
        "INSERT INTO login_throttles (account_key, failures, locked_until, updated_at) VALUES ('recent', 2, NULL, ?)",
      ).bind(at(-HOUR)),
    ];
    await env.DB.batch(statements);

    await runScheduled(now);

    expect(await count("SELECT count(*) AS n FROM idempotency_keys WHERE user_id = ?", user.id)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM idempotency_keys WHERE key = 'new'")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM sessions WHERE id IN ('s-expired')")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM refresh_tokens WHERE token_hash = 'rt-expired'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM sessions WHERE id = 's-live'")).toBe(1);
    expect(
      (await env.DB.prepare("SELECT id FROM personal_access_tokens WHERE user_id = ? ORDER BY id").bind(user.id).all())
        .results,
    ).toEqual([{ id: "t-forever" }, { id: "t-recent" }]);
    expect(await count("SELECT count(*) AS n FROM generation_attempts WHERE id IN ('a-old')")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM generation_attempts WHERE id = 'a-new'")).toBe(1);
    expect(
      (
        await env.DB.prepare(
          "SELECT account_key FROM login_throttles WHERE account_key IN ('quiet','locked','recent') ORDER BY 1",
        ).all()
      ).results,
    ).toEqual([{ account_key: "locked" }, { account_key: "recent" }]);
    vi.restoreAllMocks();
  });

  it("does bounded work per run, in one round trip: a backlog drains over runs", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const user = await registerUser("prune-bounded");
    const now = Date.now() + 500 * DAY;
    const total = PRUNE_BATCH + 120;
    const insert = env.DB.prepare(
      "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) SELECT ?1, 'k' || value, 'h', ?2 FROM json_each(?3)",
    );
    await insert.bind(user.id, now - 2 * DAY, JSON.stringify(Array.from({ length: total }, (_, i) => i))).run();
    const left = () => count("SELECT count(*) AS n FROM idempotency_keys WHERE user_id = ?", user.id);
    expect(await left()).toBe(total);

    const all = () => count("SELECT count(*) AS n FROM idempotency_keys");
    const before = await all();
    const { db, counter } = countingD1(env.DB);
    await runScheduled(now, db);
    // Exactly one batch's worth went (other tests' expired keys may be among them).
    expect(before - (await all())).toBe(PRUNE_BATCH);
    expect(await left()).toBeGreaterThan(0);
    expect(counter.trips).toBe(1);
    expect(counter.statements).toBeLessThanOrEqual(10);

    await runScheduled(now);
    expect(await left()).toBe(0);
    vi.restoreAllMocks();
  });

  it("picks expired rows through indexes, not table scans", async () => {
    const { pruneRules } = await import("../src/db/prune");
    const { createDb } = await import("../src/db/client");
    const db = createDb(env.DB);
    for (const rule of pruneRules(Date.now())) {
      const query = db.all<{ detail: string }>(
        (await import("drizzle-orm"))
          .sql`EXPLAIN QUERY PLAN SELECT rowid FROM ${rule.table} WHERE ${rule.expired} LIMIT 500`,
      );
      const plan = (await query).map((row) => row.detail).join(" | ");
      expect(plan, rule.name).toMatch(/USING (COVERING )?INDEX/);
    }
  });
});
