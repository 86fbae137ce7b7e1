/**
 * Calling the worker from tests: requests go through the real app, in the Workers runtime, against
 * the test file's local D1. `env` can be overridden (e.g. a counting D1 wrapper).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";

export type ApiOptions = {
  body?: unknown;
  /** A raw body string (sent as is); wins over `body`. */
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
  env?: Cloudflare.Env;
};

export type ApiResponse<T = any> = { status: number; headers: Headers; body: T; text: string };

/** Sends one request to the app and returns status, headers and the parsed body. */
export async function api<T = any>(method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
  const headers = new Headers(options.headers);
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  const request = new Request(`http://api.test${path}`, { method, headers, body });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, options.env ?? env, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  let parsed: unknown;
  if (text.length > 0 && /json/.test(response.headers.get("content-type") ?? "")) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

let ipCounter = 0;
/** A fresh client address, so tests do not share the auth rate-limit bucket unless they mean to. */
export function freshIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export type TestUser = {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
};

let userCounter = 0;
/** Registers a new user through the API and returns their credentials. */
export async function registerUser(prefix = "user"): Promise<TestUser> {
  userCounter++;
  const email = `${prefix}-${userCounter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = "correct horse battery staple";
  const res = await api("POST", "/api/v1/auth/register", {
    body: { email, password },
    headers: { "cf-connecting-ip": freshIp() },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return {
    id: res.body.user.id,
    email,
    password,
    accessToken: res.body.access_token,
    refreshToken: res.body.refresh_token,
  };
}

/** Asserts the shape every error response shares and returns its body. */
export function expectProblem(res: ApiResponse, status: number, code: string) {
  if (res.status !== status || res.body?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${res.text}`);
  }
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`expected a problem document, got ${res.headers.get("content-type")}`);
  }
  for (const key of ["type", "title", "status", "detail", "code", "request_id"]) {
    if (!(key in res.body)) throw new Error(`problem document lacks '${key}': ${res.text}`);
  }
  if (res.body.request_id !== res.headers.get("x-request-id")) throw new Error("request_id differs from X-Request-Id");
  return res.body;
}

/**
 * A fresh access token for the user's session, signed at the current (possibly faked) time: tests that
 * move the clock by days would otherwise outlive the 15-minute token. The session itself still decides.
 */
export async function freshToken(user: TestUser): Promise<string> {
  const { Jwt } = await import("hono/utils/jwt");
  const { payload } = Jwt.decode(user.accessToken);
  const iat = Math.floor(Date.now() / 1000);
  return Jwt.sign({ sub: payload.sub, sid: payload.sid, iat, exp: iat + 900 }, env.JWT_SECRET, "HS256");
}

/**
 * Creates `n` manual cards for `user` through the API (fronts `${prefix}0`, `${prefix}1`, …, backs `A0`,
 * `A1`, …) and returns them as the API answered, in order. The token is minted at the current (possibly
 * faked) time, so the helper also works in tests that move the clock.
 */
export async function createCards(user: TestUser, n: number, prefix = "Q"): Promise<any[]> {
  const res = await api("POST", "/api/v1/flashcards", {
    token: await freshToken(user),
    body: {
      flashcards: Array.from({ length: n }, (_, i) => ({ front: `${prefix}${i}`, back: `A${i}`, source: "manual" })),
    },
  });
  if (res.status !== 201) throw new Error(`creating cards failed: ${res.status} ${res.text}`);
  return res.body.data;
}
