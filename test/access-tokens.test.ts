/**
 * Personal access tokens (`/auth/tokens`) and account security (`/auth/password`, `/auth/sessions`,
 * `/auth/logout-all`). The scope matrix is derived from the route declarations: every authenticated
 * route × every scope.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { declaredRoutes } from "../src/lib/route-docs";
import { declaredScope, TOKEN_SCOPES, type TokenScope } from "../src/lib/scopes";
import { api, expectProblem, freshIp, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { startInOneRateWindow } from "./helpers/rate-window";

const TOKEN = /^fcpat_[A-Za-z0-9_-]{43}$/;
const card = { front: "What is a PAT?", back: "A personal access token", source: "manual" };

afterEach(() => {
  vi.useRealTimers();
});

async function createToken(user: TestUser, scopes: TokenScope[], extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/api/v1/auth/tokens", {
    token: user.accessToken,
    body: { name: `token ${scopes.join(" ")}`, scopes, ...extra },
  });
  if (res.status !== 201) throw new Error(`create token: ${res.status} ${res.text}`);
  return res.body as { id: string; token: string; prefix: string; expires_at: string | null };
}

const sha256Hex = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");

describe("POST /auth/tokens", () => {
  it("returns the secret once and stores only its SHA-256", async () => {
    const user = await registerUser("pat");
    const before = Date.now();
    const res = await api("POST", "/api/v1/auth/tokens", {
      token: user.accessToken,
      body: { name: "  sync script  ", scopes: ["cards:read", "study"], expires_in_days: 30 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: "sync script",
      scopes: ["cards:read", "study"],
      prefix: res.body.token.slice(0, 12),
      created_at: expect.any(String),
      expires_at: expect.any(String),
      token: expect.stringMatching(TOKEN),
    });
    const expires = Date.parse(res.body.expires_at) - Date.parse(res.body.created_at);
    expect(expires).toBe(30 * 86_400_000);
    expect(Date.parse(res.body.created_at)).toBeGreaterThanOrEqual(before - 1000);
    const row = await env.DB.prepare("SELECT * FROM personal_access_tokens WHERE id = ?").bind(res.body.id).first();
    expect(row!.token_hash).toBe(await sha256Hex(res.body.token));
    expect(JSON.stringify(row)).not.toContain(res.body.token);
    const list = await api("GET", "/api/v1/auth/tokens", { token: user.accessToken });
    expect(list.text).not.toContain(res.body.token);
    expect(list.body.data).toEqual([
      {
        id: res.body.id,
        name: "sync script",
        scopes: ["cards:read", "study"],
        prefix: res.body.prefix,
        created_at: res.body.created_at,
        last_used_at: null,
        expires_at: res.body.expires_at,
      },
    ]);
  });

  it("accepts a token that never expires (null or absent)", async () => {
    const user = await registerUser("pat");
    expect((await createToken(user, ["generate"], { expires_in_days: null })).expires_at).toBeNull();
    expect((await createToken(user, ["generate"])).expires_at).toBeNull();
  });

  it.each([
    [{ name: "", scopes: ["cards:read"] }, "name"],
    [{ name: "x", scopes: [] }, "scopes"],
    [{ name: "x", scopes: ["admin"] }, "scopes.0"],
    [{ name: "x", scopes: ["study", "study"] }, "scopes"],
    [{ name: "x", scopes: ["study"], expires_in_days: 0 }, "expires_in_days"],
    [{ name: "x", scopes: ["study"], expires_in_days: 366 }, "expires_in_days"],
    [{ name: "x", scopes: ["study"], expires_in_days: 1.5 }, "expires_in_days"],
    [{ name: "x", scopes: ["study"], user_id: "someone" }, "user_id"],
  ])("rejects %j naming %s", async (body, path) => {
    const user = await registerUser("pat");
    const res = await api("POST", "/api/v1/auth/tokens", { token: user.accessToken, body });
    const problem = expectProblem(res, 400, "validation_failed");
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it("refuses another user's token id with 404 on delete, and deletes one's own", async () => {
    const alice = await registerUser("pat");
    const bob = await registerUser("pat");
    const token = await createToken(alice, ["cards:read"]);
    expectProblem(await api("DELETE", `/api/v1/auth/tokens/${token.id}`, { token: bob.accessToken }), 404, "not_found");
    expect((await api("GET", "/api/v1/flashcards", { token: token.token })).status).toBe(200);
    expect((await api("DELETE", `/api/v1/auth/tokens/${token.id}`, { token: alice.accessToken })).status).toBe(204);
    expectProblem(await api("GET", "/api/v1/flashcards", { token: token.token }), 401, "invalid_token");
  });
});

describe("scopes, derived from the route declarations", () => {
  const routes = declaredRoutes(worker).filter((doc) => doc.auth);

  it("covers every authenticated route", () => {
    expect(routes.length).toBeGreaterThanOrEqual(25);
    for (const doc of routes) expect(["session", "any", ...TOKEN_SCOPES]).toContain(declaredScope(doc));
  });

  it.each(TOKEN_SCOPES)(
    "a token with only %s: 403 insufficient_scope exactly where the route needs another",
    async (scope) => {
      const user = await registerUser("scopes");
      const { token } = await createToken(user, [scope]);
      for (const doc of routes) {
        const path = doc.path.replace(/:(\w+)/g, () => crypto.randomUUID());
        const res = await api(doc.method.toUpperCase(), path, {
          token,
          ...(doc.method === "get" ? {} : { body: {} }),
          headers: { "cf-connecting-ip": freshIp() },
        });
        const needed = declaredScope(doc);
        const label = `${doc.method.toUpperCase()} ${doc.path} (needs ${needed}) with ${scope}: ${res.status} ${res.text.slice(0, 120)}`;
        if (needed === "session" || (needed !== "any" && needed !== scope)) {
          expect(res.status, label).toBe(403);
          expect(res.body.code, label).toBe("insufficient_scope");
        } else {
          expect([401, 403], label).not.toContain(res.status);
          expect(res.status, label).toBeLessThan(500);
        }
      }
    },
  );

  it("lets a token act within its scopes: read, write, study", async () => {
    const user = await registerUser("scopes");
    const { token } = await createToken(user, ["cards:read", "cards:write", "study"]);
    const created = await api("POST", "/api/v1/flashcards", { token, body: { flashcards: [card] } });
    expect(created.status).toBe(201);
    const id = created.body.data[0].id;
    expect((await api("GET", `/api/v1/flashcards/${id}`, { token })).body.front).toBe(card.front);
    expect((await api("POST", `/api/v1/flashcards/${id}/reviews`, { token, body: { rating: "good" } })).status).toBe(
      200,
    );
    // Another user's card is as invisible to a token as to a session.
    const other = await registerUser("scopes");
    expectProblem(await api("GET", `/api/v1/flashcards/${id}`, { token: other.accessToken }), 404, "not_found");
  });
});

describe("token checks in the batch", () => {
  it("a warm token's read is one read-only round trip", async () => {
    const user = await registerUser("pat-trips");
    const { token } = await createToken(user, ["cards:read"]);
    await api("GET", "/api/v1/flashcards", { token }); // resolves the token and records last use
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/flashcards", { token, env: { ...env, DB: db } });
    expect(res.status).toBe(200);
    expect(counter.trips).toBe(1);
  });

  it("refuses a deleted or expired token at once, even when the isolate knows it", async () => {
    const user = await registerUser("pat-dead");
    const reader = await createToken(user, ["cards:read", "cards:write"]);
    expect((await api("GET", "/api/v1/flashcards", { token: reader.token })).status).toBe(200);
    await env.DB.prepare("UPDATE personal_access_tokens SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, reader.id)
      .run();
    expectProblem(await api("GET", "/api/v1/flashcards", { token: reader.token }), 401, "invalid_token");
    expectProblem(
      await api("POST", "/api/v1/flashcards", { token: reader.token, body: { flashcards: [card] } }),
      401,
      "invalid_token",
    );
    const writer = await createToken(user, ["cards:write"]);
    await env.DB.prepare("DELETE FROM personal_access_tokens WHERE id = ?").bind(writer.id).run();
    expectProblem(
      await api("POST", "/api/v1/flashcards", { token: writer.token, body: { flashcards: [card] } }),
      401,
      "invalid_token",
    );
  });

  it("rate-limits failed token attempts per client with 429 and Retry-After", async () => {
    await startInOneRateWindow();
    const headers = { "cf-connecting-ip": "198.51.100.77" };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const forged = `fcpat_${"A".repeat(42)}${"AEIMQUYcgkosw048"[i]}`;
      statuses.push((await api("GET", "/api/v1/flashcards", { token: forged, headers })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    const blocked = await api("GET", "/api/v1/flashcards", { token: "fcpat_nope", headers });
    expectProblem(blocked, 429, "rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("counts a token against its own per-caller rate-limit bucket, not its user's", async () => {
    const user = await registerUser("pat-limit");
    const { token, id } = await createToken(user, ["cards:read"]);
    const keys: string[] = [];
    const limiter = {
      limit: async ({ key }: { key: string }) => {
        keys.push(key);
        return { success: true };
      },
    };
    const limited = { ...env, USER_RATE_LIMITER: limiter as unknown as RateLimit };
    expect((await api("GET", "/api/v1/flashcards", { token, env: limited })).status).toBe(200);
    expect((await api("GET", "/api/v1/flashcards", { token: user.accessToken, env: limited })).status).toBe(200);
    expect(keys).toEqual([`token:${id}`, `user:${user.id}`]);
  });

  it("refreshes last_used_at at most hourly (controlled clock)", async () => {
    const user = await registerUser("pat-used");
    const { token, id } = await createToken(user, ["cards:read"]);
    const lastUsed = async () =>
      (await env.DB.prepare("SELECT last_used_at AS t FROM personal_access_tokens WHERE id = ?").bind(id).first<{
        t: number | null;
      }>())!.t;
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    await api("GET", "/api/v1/flashcards", { token });
    expect(await lastUsed()).toBe(start);
    vi.setSystemTime(start + 59 * 60_000);
    await api("GET", "/api/v1/flashcards", { token });
    expect(await lastUsed()).toBe(start);
    vi.setSystemTime(start + 61 * 60_000);
    await api("GET", "/api/v1/flashcards", { token });
    expect(await lastUsed()).toBe(start + 61 * 60_000);
  });
});

describe("account security", () => {
  it("lists live sessions with the user agent, marks the current one, and ends one", async () => {
    const user = await registerUser("sessions");
    const second = await api("POST", "/api/v1/auth/login", {
      body: { email: user.email, password: user.password },
      headers: { "cf-connecting-ip": freshIp(), "user-agent": "flashcards-cli/1.0" },
    });
    const refreshed = await api("POST", "/api/v1/auth/refresh", {
      body: { refresh_token: second.body.refresh_token },
      headers: { "cf-connecting-ip": freshIp() },
    });
    const list = await api("GET", "/api/v1/auth/sessions", { token: user.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    const [newest, oldest] = list.body.data;
    expect(newest).toMatchObject({ user_agent: "flashcards-cli/1.0", current: false });
    expect(newest.last_refreshed_at).not.toBeNull();
    expect(oldest).toMatchObject({ current: true, last_refreshed_at: null });
    expect((await api("DELETE", `/api/v1/auth/sessions/${newest.id}`, { token: user.accessToken })).status).toBe(204);
    expectProblem(await api("GET", "/api/v1/auth/me", { token: refreshed.body.access_token }), 401, "session_expired");
    expectProblem(
      await api("DELETE", `/api/v1/auth/sessions/${newest.id}`, { token: user.accessToken }),
      404,
      "not_found",
    );
    const other = await registerUser("sessions");
    expectProblem(
      await api("DELETE", `/api/v1/auth/sessions/${oldest.id}`, { token: other.accessToken }),
      404,
      "not_found",
    );
  });

  it("POST /auth/password: checks the current one, keeps this session, ends the others and every token", async () => {
    const user = await registerUser("password");
    const other = await api("POST", "/api/v1/auth/login", {
      body: { email: user.email, password: user.password },
      headers: { "cf-connecting-ip": freshIp() },
    });
    const pat = await createToken(user, ["cards:read"]);
    const change = (body: unknown) =>
      api("POST", "/api/v1/auth/password", {
        token: user.accessToken,
        body,
        headers: { "cf-connecting-ip": freshIp() },
      });
    expectProblem(
      await change({ current_password: "not the password", new_password: "a new passphrase 42" }),
      403,
      "invalid_password",
    );
    expectProblem(await change({ current_password: user.password, new_password: "short" }), 400, "validation_failed");
    expectProblem(
      await change({ current_password: user.password, new_password: user.email }),
      400,
      "validation_failed",
    );
    expect((await change({ current_password: user.password, new_password: "a new passphrase 42" })).status).toBe(204);
    expect((await api("GET", "/api/v1/auth/me", { token: user.accessToken })).status).toBe(200);
    expectProblem(await api("GET", "/api/v1/auth/me", { token: other.body.access_token }), 401, "session_expired");
    expectProblem(await api("GET", "/api/v1/flashcards", { token: pat.token }), 401, "invalid_token");
    const login = (password: string) =>
      api("POST", "/api/v1/auth/login", {
        body: { email: user.email, password },
        headers: { "cf-connecting-ip": freshIp() },
      });
    expect((await login("a new passphrase 42")).status).toBe(200);
    expectProblem(await login(user.password), 401, "invalid_credentials");
  });

  it("POST /auth/logout-all ends every session, this one too, and every token", async () => {
    const user = await registerUser("logout-all");
    const pat = await createToken(user, ["cards:read"]);
    expect((await api("POST", "/api/v1/auth/logout-all", { token: user.accessToken })).status).toBe(204);
    expectProblem(await api("GET", "/api/v1/auth/me", { token: user.accessToken }), 401, "session_expired");
    expectProblem(await api("GET", "/api/v1/flashcards", { token: pat.token }), 401, "invalid_token");
  });

  it("account deletion revokes the tokens too (cascade)", async () => {
    const user = await registerUser("delete");
    const pat = await createToken(user, ["cards:read"]);
    const del = await api("DELETE", "/api/v1/auth/me", {
      token: user.accessToken,
      body: { password: user.password },
      headers: { "cf-connecting-ip": freshIp() },
    });
    expect(del.status).toBe(204);
    expectProblem(await api("GET", "/api/v1/flashcards", { token: pat.token }), 401, "invalid_token");
  });
});
