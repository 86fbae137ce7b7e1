import { env } from "cloudflare:test";
import { Jwt } from "hono/utils/jwt";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, expectProblem, freshIp, registerUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { startInOneRateWindow } from "./helpers/rate-window";

const SECRET = env.JWT_SECRET;
const ip = () => ({ "cf-connecting-ip": freshIp() });
const register = (body: unknown) => api("POST", "/api/v1/auth/register", { body, headers: ip() });
const login = (body: unknown) => api("POST", "/api/v1/auth/login", { body, headers: ip() });
const refresh = (refresh_token: string) =>
  api("POST", "/api/v1/auth/refresh", { body: { refresh_token }, headers: ip() });
const me = (token: string) => api("GET", "/api/v1/auth/me", { token });

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("POST /auth/register", () => {
  it("creates the user with a trimmed, lower-cased email and returns a token pair", async () => {
    const res = await register({ email: "  Ada.Lovelace@Example.COM ", password: "analytical engine 1843" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      user: { id: expect.any(String), email: "ada.lovelace@example.com", created_at: expect.any(String) },
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: "Bearer",
      expires_in: 900,
    });
    expect(new Date(res.body.user.created_at).toISOString()).toBe(res.body.user.created_at);
    const row = await env.DB.prepare("SELECT email, password_hash FROM users WHERE id = ?")
      .bind(res.body.user.id)
      .first<{ email: string; password_hash: string }>();
    expect(row?.email).toBe("ada.lovelace@example.com");
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/);
    expect(row?.password_hash).not.toContain("analytical");
    const tokens = await env.DB.prepare(
      "SELECT token_hash FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id WHERE s.user_id = ?",
    )
      .bind(res.body.user.id)
      .all<{ token_hash: string }>();
    expect(tokens.results).toHaveLength(1);
    expect(tokens.results[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens.results[0]?.token_hash).not.toBe(res.body.refresh_token);
  });

  it.each([
    [{ email: "short@example.com", password: "elevenchars" }, "password", "too_small"],
    [{ email: "long@example.com", password: "x".repeat(129) }, "password", "too_big"],
    [{ email: "same.as.email@example.com", password: "Same.As.Email@example.com" }, "password", "custom"],
    [{ email: "not-an-email", password: "long enough password" }, "email", "invalid_format"],
    [{ email: "x@example.com" }, "password", "invalid_type"],
    [{ email: "lone@example.com", password: "surrogate \ud800 in here" }, "password", "custom"],
  ])("rejects %j naming %s", async (body, path, code) => {
    const problem = expectProblem(await register(body), 400, "validation_failed");
    expect(problem.errors).toContainEqual({ path, code, message: expect.any(String) });
  });

  it("accepts passwords of exactly 12 and 128 characters", async () => {
    expect((await register({ email: `p12-${crypto.randomUUID()}@example.com`, password: "k7#mQ2p!xZ4w" })).status).toBe(
      201,
    );
    expect(
      (await register({ email: `p128-${crypto.randomUUID()}@example.com`, password: "b".repeat(128) })).status,
    ).toBe(201);
  });

  it("rejects unknown and server-owned fields", async () => {
    const res = await api("POST", "/api/v1/auth/register", {
      rawBody:
        '{"email":"x@example.com","password":"long enough password","id":"u1","user_id":"u2","created_at":"2020-01-01","__proto__":{"admin":true}}',
      headers: { "content-type": "application/json", ...ip() },
    });
    const problem = expectProblem(res, 400, "validation_failed");
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "__proto__",
      "created_at",
      "id",
      "user_id",
    ]);
  });

  it("answers 409 for a duplicate email in any case", async () => {
    const email = `dup-${crypto.randomUUID()}@example.com`;
    expect((await register({ email, password: "first password here" })).status).toBe(201);
    expectProblem(await register({ email: email.toUpperCase(), password: "second password here" }), 409, "email_taken");
  });

  it("lets exactly one of several concurrent registrations with one email succeed", async () => {
    const email = `race-${crypto.randomUUID()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => register({ email, password: "racing password 1" })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) expectProblem(r, 409, "email_taken");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?")
      .bind(email)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });
});

describe("POST /auth/login", () => {
  it("returns a new token pair for the right password", async () => {
    const user = await registerUser();
    const res = await login({ email: user.email.toUpperCase(), password: user.password });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: user.id, email: user.email, created_at: expect.any(String) });
    expect(res.body.refresh_token).not.toBe(user.refreshToken);
    expect((await me(res.body.access_token)).status).toBe(200);
  });

  it("answers an identical 401 for an unknown email and a wrong password, hashing in both", async () => {
    const user = await registerUser();
    const digest = vi.spyOn(crypto.subtle, "deriveBits");
    const unknown = await login({ email: `nobody-${crypto.randomUUID()}@example.com`, password: user.password });
    const wrong = await login({ email: user.email, password: "not the right password" });
    expect(digest).toHaveBeenCalledTimes(2);
    digest.mockRestore();
    for (const res of [unknown, wrong]) {
      expectProblem(res, 401, "invalid_credentials");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    const strip = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
  });

  it("throttles repeated attempts from one client with 429 and Retry-After before hashing", async () => {
    await startInOneRateWindow();
    const headers = { "cf-connecting-ip": "203.0.113.7" };
    // Other emails each time: this is the per-network limiter, not the per-account back-off.
    const body = () => ({ email: `throttle-${crypto.randomUUID()}@example.com`, password: "wrong password here" });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await api("POST", "/api/v1/auth/login", { body: body(), headers })).status);
    expect(statuses.every((s) => s === 401)).toBe(true);
    const digest = vi.spyOn(crypto.subtle, "deriveBits");
    const limited = await api("POST", "/api/v1/auth/login", { body: body(), headers });
    expect(digest).not.toHaveBeenCalled();
    digest.mockRestore();
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("throttles repeated registrations from one client", async () => {
    const headers = { "cf-connecting-ip": "203.0.113.8" };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const body = { email: `flood-${i}-${crypto.randomUUID()}@example.com`, password: "flood password 1" };
      statuses.push((await api("POST", "/api/v1/auth/register", { body, headers })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe("access tokens", () => {
  const forge = async (payload: Record<string, unknown>, secret = SECRET, alg: "HS256" | "HS512" = "HS256") =>
    Jwt.sign(payload, secret, alg);
  const b64 = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

  it("rejects missing, malformed, forged, algorithm-swapped and exp-less tokens with WWW-Authenticate", async () => {
    const user = await registerUser();
    const [, payload] = user.accessToken.split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Record<string, string>]> = [
      ["missing", {}],
      ["not bearer", { authorization: `Basic ${btoa("a:b")}` }],
      ["garbage", { authorization: "Bearer not.a.jwt" }],
      ["wrong secret", { authorization: `Bearer ${await forge(claims, "another-secret-0123456789abcdef0123456789")}` }],
      ["HS512", { authorization: `Bearer ${await forge(claims, SECRET, "HS512")}` }],
      ["alg none", { authorization: `Bearer ${b64({ alg: "none", typ: "JWT" })}.${payload}.` }],
      ["no exp", { authorization: `Bearer ${await forge({ sub: user.id, sid: claims.sid, iat: now })}` }],
      ["expired", { authorization: `Bearer ${await forge({ ...claims, iat: now - 1000, exp: now - 10 })}` }],
      ["refresh token", { authorization: `Bearer ${user.refreshToken}` }],
    ];
    for (const [name, headers] of cases) {
      const res = await api("GET", "/api/v1/auth/me", { headers });
      expect(res.status, name).toBe(401);
      expectProblem(res, 401, res.body.code);
      expect(["unauthorized", "invalid_token"]).toContain(res.body.code);
      expect(res.headers.get("www-authenticate"), name).toMatch(/^Bearer realm=/);
    }
  });

  it("expires after 15 minutes on the server's clock", async () => {
    const user = await registerUser();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 14 * 60_000);
    expect((await me(user.accessToken)).status).toBe(200);
    vi.setSystemTime(Date.now() + 2 * 60_000);
    expectProblem(await me(user.accessToken), 401, "invalid_token");
  });

  it("is refused once its session expires, even if the token itself is still valid", async () => {
    const user = await registerUser();
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, user.id)
      .run();
    expectProblem(await me(user.accessToken), 401, "session_expired");
  });
});

describe("POST /auth/refresh", () => {
  it("rotates: the new pair works, the old refresh token is spent", async () => {
    const user = await registerUser();
    const first = await refresh(user.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(user.refreshToken);
    expect(first.body.user.id).toBe(user.id);
    expect((await me(first.body.access_token)).status).toBe(200);
    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
  });

  it("revokes the whole session when a used token is replayed after the reuse interval", async () => {
    const user = await registerUser();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now());
    const rotated = await refresh(user.refreshToken);
    vi.setSystemTime(Date.now() + 10_001);
    expectProblem(await refresh(user.refreshToken), 401, "refresh_token_reused");
    // The thief's replay ends the legitimate holder's session too.
    expectProblem(await refresh(rotated.body.refresh_token), 401, "invalid_refresh_token");
    expectProblem(await me(rotated.body.access_token), 401, "session_expired");
    expectProblem(await me(user.accessToken), 401, "session_expired");
  });

  it("answers a replay within 10 s with the same new pair and keeps the session (controlled clock)", async () => {
    const user = await registerUser();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now());
    const first = await refresh(user.refreshToken);
    expect(first.status).toBe(200);
    vi.setSystemTime(Date.now() + 10_000);
    const again = await refresh(user.refreshToken);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await me(again.body.access_token)).status).toBe(200);
    // The shared successor rotates normally afterwards.
    expect((await refresh(again.body.refresh_token)).status).toBe(200);
  });

  it("gives two concurrent refreshes the same new pair and keeps the session", async () => {
    const user = await registerUser();
    const results = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results[0]!.body).toEqual(results[1]!.body);
    const session = await env.DB.prepare("SELECT revoked_at FROM sessions WHERE user_id = ?")
      .bind(user.id)
      .first<{ revoked_at: number | null }>();
    expect(session?.revoked_at).toBeNull();
  });

  it("rejects unknown tokens and expired sessions", async () => {
    expectProblem(await refresh("a".repeat(43)), 401, "invalid_refresh_token");
    const user = await registerUser();
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, user.id)
      .run();
    expectProblem(await refresh(user.refreshToken), 401, "invalid_refresh_token");
  });
});

describe("POST /auth/logout", () => {
  it("ends the session at once: access and refresh tokens stop working", async () => {
    const user = await registerUser();
    expect((await me(user.accessToken)).status).toBe(200);
    const res = await api("POST", "/api/v1/auth/logout", { body: { refresh_token: user.refreshToken } });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expectProblem(await me(user.accessToken), 401, "session_expired");
    expectProblem(await refresh(user.refreshToken), 401, "invalid_refresh_token");
  });

  it("leaves the user's other sessions alone and is idempotent", async () => {
    const user = await registerUser();
    const other = await login({ email: user.email, password: user.password });
    expect((await api("POST", "/api/v1/auth/logout", { body: { refresh_token: user.refreshToken } })).status).toBe(204);
    expect((await api("POST", "/api/v1/auth/logout", { body: { refresh_token: user.refreshToken } })).status).toBe(204);
    expect((await api("POST", "/api/v1/auth/logout", { body: { refresh_token: "unknown" } })).status).toBe(204);
    expect((await me(other.body.access_token)).status).toBe(200);
  });
});

describe("GET /auth/me", () => {
  it("returns the caller in exactly one D1 round trip, session check included", async () => {
    const user = await registerUser();
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/auth/me", { token: user.accessToken, env: { ...env, DB: db } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: user.id, email: user.email, created_at: expect.any(String) });
    expect(counter.trips).toBe(1);
  });
});

describe("DELETE /auth/me", () => {
  const deleteMe = (token: string, password: string) =>
    api("DELETE", "/api/v1/auth/me", { token, body: { password }, headers: ip() });

  it("refuses a wrong password with 403 and keeps the account", async () => {
    const user = await registerUser();
    expectProblem(await deleteMe(user.accessToken, "not my password!"), 403, "invalid_password");
    expect((await me(user.accessToken)).status).toBe(200);
  });

  it("deletes the user and every row they own, and nothing of anyone else", async () => {
    const victim = await registerUser("victim");
    const bystander = await registerUser("bystander");
    await login({ email: victim.email, password: victim.password });
    await refresh(victim.refreshToken);
    const res = await deleteMe(victim.accessToken, victim.password);
    expect(res.status).toBe(204);
    expectProblem(await me(victim.accessToken), 401, "session_expired");
    expectProblem(await login({ email: victim.email, password: victim.password }), 401, "invalid_credentials");
    const counts = await env.DB.batch([
      env.DB.prepare("SELECT count(*) AS n FROM users WHERE id = ?").bind(victim.id),
      env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(victim.id),
      env.DB.prepare("SELECT count(*) AS n FROM refresh_tokens WHERE session_id NOT IN (SELECT id FROM sessions)"),
    ]);
    expect(counts.map((r) => (r.results[0] as { n: number }).n)).toEqual([0, 0, 0]);
    expect((await me(bystander.accessToken)).status).toBe(200);
  });

  it("needs the password field", async () => {
    const user = await registerUser();
    const problem = expectProblem(
      await api("DELETE", "/api/v1/auth/me", { token: user.accessToken, body: {} }),
      400,
      "validation_failed",
    );
    expect(problem.errors[0].path).toBe("password");
  });
});
