import { createExecutionContext, env } from "cloudflare:test";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { describe, expect, it, vi } from "vitest";
import { CORS_POLICY } from "../src/app";
import worker from "../src/index";
import { api, expectProblem, freshIp, registerUser } from "./helpers/api";
import { failingD1 } from "./helpers/faulty-d1";

const LIMIT = Number(env.MAX_BODY_BYTES);

describe("error model", () => {
  it("answers unknown routes with a 404 problem and the request id", async () => {
    const res = await api("GET", "/api/v1/nope");
    const problem = expectProblem(res, 404, "route_not_found");
    expect(problem.type).toBe("https://flashcards-api.dev/problems/route_not_found");
    expect(problem.status).toBe(404);
  });

  it("answers a known path with the wrong method with 405 and Allow", async () => {
    const res = await api("PUT", "/api/v1/auth/me");
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")?.split(", ").sort()).toEqual(["DELETE", "GET", "HEAD"]);
    const post = await api("GET", "/api/v1/auth/login");
    expectProblem(post, 405, "method_not_allowed");
    expect(post.headers.get("allow")).toBe("POST");
  });

  it("echoes a client's X-Request-Id", async () => {
    const res = await api("GET", "/api/v1/nope", { headers: { "x-request-id": "client-trace-42" } });
    expect(res.headers.get("x-request-id")).toBe("client-trace-42");
    expect(res.body.request_id).toBe("client-trace-42");
  });

  it("answers 415 to a JSON endpoint without a JSON Content-Type", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await api("POST", "/api/v1/auth/login", {
        rawBody: '{"email":"a@b.co","password":"x"}',
        headers: { "content-type": type, "cf-connecting-ip": freshIp() },
      });
      expectProblem(res, 415, "unsupported_media_type");
    }
    expectProblem(
      await api("POST", "/api/v1/auth/login", { rawBody: "{}", headers: { "cf-connecting-ip": freshIp() } }),
      415,
      "unsupported_media_type",
    );
    // application/*+json and parameters are JSON too.
    const ok = await api("POST", "/api/v1/auth/login", {
      rawBody: "{}",
      headers: { "content-type": "application/merge-patch+json; charset=utf-8", "cf-connecting-ip": freshIp() },
    });
    expectProblem(ok, 400, "validation_failed");
  });

  it("answers 400 malformed_json for a body that is not JSON", async () => {
    for (const rawBody of ["{", "{'a':1}", "", "nul"]) {
      const res = await api("POST", "/api/v1/auth/login", {
        rawBody,
        headers: { "content-type": "application/json", "cf-connecting-ip": freshIp() },
      });
      expectProblem(res, 400, "malformed_json");
    }
  });

  it("answers 400 for JSON that is not an object, naming the body", async () => {
    const deep = "[".repeat(5000) + "]".repeat(5000);
    for (const rawBody of ["null", "[]", "42", '"text"', "true", deep]) {
      const res = await api("POST", "/api/v1/auth/login", {
        rawBody,
        headers: { "content-type": "application/json", "cf-connecting-ip": freshIp() },
      });
      const problem = expectProblem(res, 400, "validation_failed");
      expect(problem.errors[0]).toMatchObject({ path: "body", code: "invalid_type" });
    }
  });

  it("answers 413 as JSON for a body over the limit, with Content-Length", async () => {
    const res = await api("POST", "/api/v1/auth/login", {
      rawBody: JSON.stringify({ email: "a".repeat(LIMIT), password: "x" }),
      headers: { "content-type": "application/json" },
    });
    expectProblem(res, 413, "payload_too_large");
  });

  it("answers 413 as JSON for a streamed body without Content-Length", async () => {
    const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > LIMIT + chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request("http://api.test/api/v1/auth/login", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(request.headers.get("content-length")).toBeNull();
    const response = await worker.fetch(request, env, createExecutionContext());
    expect(response.status).toBe(413);
    expect((await response.json<{ code: string }>()).code).toBe("payload_too_large");
  });

  it("answers 500 with a generic message and no stack trace for an unexpected failure, and logs it", async () => {
    const user = await registerUser();
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await api("GET", "/api/v1/auth/me", {
      token: user.accessToken,
      env: { ...env, DB: failingD1("kaboom: secret internals") },
    });
    expectProblem(res, 500, "internal_error");
    expect(res.text).not.toMatch(/kaboom|secret internals|at \w+ \(|\.ts:/);
    expect(log).toHaveBeenCalledOnce();
    expect(String(log.mock.calls[0]?.[0])).toContain(res.body.request_id);
    log.mockRestore();
  });

  it("answers 503 with Retry-After when D1 is overloaded or unreachable", async () => {
    const user = await registerUser();
    for (const message of [
      "D1_ERROR: D1 DB is overloaded. Too many requests queued.",
      "D1_ERROR: Network connection lost.",
    ]) {
      const res = await api("GET", "/api/v1/auth/me", {
        token: user.accessToken,
        env: { ...env, DB: failingD1(message) },
      });
      expectProblem(res, 503, "service_unavailable");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("fails closed with a 500 when the deployment lacks a proper JWT secret", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await api("GET", "/api/v1/health", { env: { ...env, JWT_SECRET: "short" } });
    expect(res.status).toBe(500);
    expect(res.text).not.toContain("JWT_SECRET");
  });
});

describe("request log", () => {
  const lines = (log: { mock: { calls: unknown[][] } }) =>
    log.mock.calls.map(([text]) => JSON.parse(String(text))).filter((line: { msg?: string }) => line.msg === "request");

  it("writes a line for every request in development (REQUEST_LOG_MIN_MS = 0)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await api("GET", "/api/v1/health");
    await api("GET", "/api/v1/nope");
    expect(lines(log).map((line: { status: number }) => line.status)).toEqual([200, 404]);
    log.mockRestore();
  });

  it("writes a line only for errors and slow requests when deployed (REQUEST_LOG_MIN_MS = 1000)", async () => {
    const deployed = { ...env, REQUEST_LOG_MIN_MS: "1000" };
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await api("GET", "/api/v1/health", { env: deployed });
    expect(lines(log)).toEqual([]);
    await api("GET", "/api/v1/nope", { env: deployed, headers: { "x-request-id": "trace-404" } });
    expect(lines(log)).toEqual([
      expect.objectContaining({ level: "warn", request_id: "trace-404", path: "/api/v1/nope", status: 404 }),
    ]);
    log.mockRestore();
  });
});

describe("headers", () => {
  it("sets security headers on every response, errors included", async () => {
    for (const res of [await api("GET", "/api/v1/health"), await api("GET", "/api/v1/nope")]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
    }
  });

  it("allows configured origins only", async () => {
    const allowed = env.CORS_ORIGINS!.split(",")[0]!;
    const ok = await api("GET", "/api/v1/health", { headers: { origin: allowed } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(allowed);
    const foreign = await api("GET", "/api/v1/health", { headers: { origin: "https://evil.example" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await api("OPTIONS", "/api/v1/auth/login", {
      headers: {
        origin: allowed,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
  });

  // src/middleware/response-headers.ts writes in place what hono's secureHeaders() and cors() wrote (they
  // copied every response): the same names and values, checked against hono's own middleware.
  it("are the headers hono's secureHeaders() and cors() send, plus no-store and Vary", async () => {
    const origin = env.CORS_ORIGINS!.split(",")[0]!;
    const reference = new Hono()
      .use(secureHeaders())
      .use(
        cors({
          origin: (o) => (o === origin ? o : null),
          allowMethods: [...CORS_POLICY.allowMethods],
          allowHeaders: [...CORS_POLICY.allowHeaders],
          exposeHeaders: [...CORS_POLICY.exposeHeaders],
          maxAge: CORS_POLICY.maxAgeSeconds,
        }),
      )
      .get("/api/v1/health", (c) => c.json({}));
    const names = (res: { headers: Headers }) => [...res.headers.keys()].filter((name) => !IGNORED.has(name)).sort();
    const IGNORED = new Set(["content-type", "content-length", "x-request-id", "cache-control", "vary"]);
    for (const [method, headers] of [
      ["GET", { origin }],
      ["GET", { origin: "https://evil.example" }],
      ["OPTIONS", { origin, "access-control-request-method": "POST" }],
    ] as const) {
      const ours = await api(method, "/api/v1/health", { headers });
      const theirs = await reference.request("/api/v1/health", { method, headers });
      expect(names(ours)).toEqual(names(theirs));
      for (const name of names(theirs))
        expect([name, ours.headers.get(name)]).toEqual([name, theirs.headers.get(name)]);
      expect(ours.headers.get("cache-control")).toBe("no-store");
      expect(ours.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(ours.headers.get("vary")).toBe(theirs.headers.get("vary"));
    }
    const authorized = await api("GET", "/api/v1/nope", { headers: { authorization: "Bearer x", origin } });
    expect(authorized.headers.get("vary")).toBe("Origin, Authorization");
    expect(authorized.headers.get("access-control-allow-origin")).toBe(origin);
  });
});
