/**
 * D1 read replication: every request runs in a D1 session, bookmarks travel in `X-D1-Bookmark`, and
 * the session check on reads is read-only (so a read can run on a replica) while writes keep the gate.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectProblem, registerUser } from "./helpers/api";
import { operations } from "./helpers/contract";
import { faultyD1 } from "./helpers/faulty-d1";

const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;
const WRITE_SQL = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;
const card = { front: "What does D1 replicate?", back: "Reads, to replicas near the client", source: "manual" };

describe("X-D1-Bookmark", () => {
  it("comes back on every response, public or authenticated, read or write", async () => {
    const user = await registerUser("bookmark");
    const write = await api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards: [card] } });
    expect(write.status).toBe(201);
    expect(write.headers.get("x-d1-bookmark")).toMatch(BOOKMARK);
    const read = await api("GET", "/api/v1/flashcards", { token: user.accessToken });
    expect(read.status).toBe(200);
    expect(read.headers.get("x-d1-bookmark")).toMatch(BOOKMARK);
  });

  it("is accepted back, so a client reads its own writes", async () => {
    const user = await registerUser("bookmark");
    const write = await api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards: [card] } });
    const bookmark = write.headers.get("x-d1-bookmark")!;
    const read = await api("GET", `/api/v1/flashcards/${write.body.data[0].id}`, {
      token: user.accessToken,
      headers: { "x-d1-bookmark": bookmark },
    });
    expect(read.status).toBe(200);
    expect(read.body.front).toBe(card.front);
    // Never older than the one sent.
    expect(read.headers.get("x-d1-bookmark")! >= bookmark).toBe(true);
  });

  it("hands the client's bookmark back when the request does not touch D1", async () => {
    const bookmark = "0000007b-0000b26e-00001538-0c3e87bb37b3db5cc52eedb93cd3b96b";
    const res = await api("GET", "/api/v1/health", { headers: { "x-d1-bookmark": bookmark } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-d1-bookmark")).toBe(bookmark);
  });

  it.each([
    ["garbage", "not-a-bookmark"],
    ["a constraint name", "first-primary"],
    ["upper-case hex", "0000007B-0000B26E-00001538-0C3E87BB37B3DB5CC52EEDB93CD3B96B"],
    ["absurdly long", `0000007b-0000b26e-00001538-${"0".repeat(10_000)}`],
    ["empty", ""],
  ])("answers 400 invalid_bookmark to a malformed one (%s), never passing it to D1", async (_, value) => {
    const user = await registerUser("bookmark");
    const d1 = faultyD1(env.DB);
    const res = await api("GET", "/api/v1/flashcards", {
      token: user.accessToken,
      headers: { "x-d1-bookmark": value },
      env: { ...env, DB: d1.db },
    });
    expectProblem(res, 400, "invalid_bookmark");
    expect(d1.trips).toEqual([]);
  });

  it("is allowed and exposed by CORS", async () => {
    const origin = env.CORS_ORIGINS!.split(",")[0]!;
    const preflight = await api("OPTIONS", "/api/v1/flashcards", {
      headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "x-d1-bookmark" },
    });
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-d1-bookmark");
    const res = await api("GET", "/api/v1/health", { headers: { origin } });
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-d1-bookmark");
  });
});

describe("the read-only session check", () => {
  /** Reads whose query has required parameters: a valid query for each. */
  const REQUIRED_QUERY: Record<string, string> = { "/api/v1/stats/daily": "?from=2026-01-01&to=2026-01-31" };

  it("a read request of any authenticated GET route issues no write statement", async () => {
    const user = await registerUser("readonly");
    const created = await api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards: [card] } });
    const cardId = created.body.data[0].id;
    const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: { limit: 5 } });
    const ids: Record<string, string> = {
      "/api/v1/flashcards/{id}": cardId,
      "/api/v1/flashcards/{id}/reviews": cardId,
      "/api/v1/flashcards/{id}/schedule-preview": cardId,
      "/api/v1/study-sessions/{id}": session.body.session.id,
    };
    const reads = [...(await operations()).values()].filter(
      (op) => op.method === "get" && (op as { security?: unknown[] }).security?.length,
    );
    expect(reads.length).toBeGreaterThan(5);
    for (const op of reads) {
      const path = op.path.replace("{id}", ids[op.path] ?? crypto.randomUUID()) + (REQUIRED_QUERY[op.path] ?? "");
      const d1 = faultyD1(env.DB);
      const res = await api("GET", path, { token: user.accessToken, env: { ...env, DB: d1.db } });
      expect(res.status, `${op.operationId}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
      const statements = d1.trips.flatMap((trip) => trip.sql);
      expect(statements.length, op.operationId).toBeGreaterThan(0);
      expect(
        statements.filter((sql) => WRITE_SQL.test(sql)),
        `${op.operationId} wrote`,
      ).toEqual([]);
      // Streamed exports read page after page (their own budget, test/exports.test.ts); the rest is one trip.
      if (!op.path.startsWith("/api/v1/exports/")) expect(d1.trips.length, `${op.operationId} round trips`).toBe(1);
    }
  });

  it("still refuses reads and writes immediately after logout", async () => {
    const user = await registerUser("readonly");
    const out = await api("POST", "/api/v1/auth/logout", { body: { refresh_token: user.refreshToken } });
    expect(out.status).toBe(204);
    expectProblem(await api("GET", "/api/v1/flashcards", { token: user.accessToken }), 401, "session_expired");
    expectProblem(await api("GET", "/api/v1/auth/me", { token: user.accessToken }), 401, "session_expired");
    expectProblem(
      await api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards: [card] } }),
      401,
      "session_expired",
    );
  });

  it("still refuses reads immediately after account deletion", async () => {
    const user = await registerUser("readonly");
    const del = await api("DELETE", "/api/v1/auth/me", { token: user.accessToken, body: { password: user.password } });
    expect(del.status).toBe(204);
    expectProblem(await api("GET", "/api/v1/stats", { token: user.accessToken }), 401, "session_expired");
    expectProblem(await api("GET", "/api/v1/study/queue", { token: user.accessToken }), 401, "session_expired");
  });

  it("returns nothing of what the read fetched when the session is dead", async () => {
    const user = await registerUser("readonly");
    await api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards: [card] } });
    await env.DB.prepare("UPDATE sessions SET revoked_at = ? WHERE user_id = ?").bind(Date.now(), user.id).run();
    const res = await api("GET", "/api/v1/flashcards", { token: user.accessToken });
    expectProblem(res, 401, "session_expired");
    expect(res.text).not.toContain(card.front);
  });
});
