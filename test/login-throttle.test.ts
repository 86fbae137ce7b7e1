/**
 * Issue #12 item 2: login throttling per account (not only per network), the IPv6 /64 key of the
 * network limiter, the common-password list at registration, and NFC passwords. On main, rotating
 * `CF-Connecting-IP` gave unlimited guesses at one account.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FREE_ATTEMPTS, MAX_BACKOFF_MS } from "../src/db/login-throttle";
import { clientNetwork } from "../src/lib/client-network";
import { api, expectProblem, freshIp, registerUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { startInOneRateWindow } from "./helpers/rate-window";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

let networkCounter = 0;
/** A fresh IPv6 /64 each call: an attacker rotating networks. */
const rotatingIp = () => `2001:db8:${(++networkCounter).toString(16)}:1::${networkCounter.toString(16)}`;

const login = (email: string, password: string, ip = rotatingIp()) =>
  api("POST", "/api/v1/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": ip } });

const WRONG = "not the password at all";

describe("per-account login throttle", () => {
  it("refuses a guess from a fresh network once the account has had its free attempts, before any hashing", async () => {
    const user = await registerUser();
    for (let i = 0; i < FREE_ATTEMPTS; i++) expectProblem(await login(user.email, WRONG), 401, "invalid_credentials");
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const limited = await login(user.email, WRONG);
    expect(derive).not.toHaveBeenCalled();
    expectProblem(limited, 429, "login_throttled");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Even the right password waits out the back-off from a network the account has not used.
    expectProblem(await login(user.email, user.password), 429, "login_throttled");
  });

  it("backs off exponentially (1 s, 2 s, 4 s, …) on a controlled clock, capped at 15 minutes", async () => {
    const user = await registerUser();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now());
    for (let i = 0; i < FREE_ATTEMPTS; i++) expect((await login(user.email, WRONG)).status).toBe(401);
    const waits: number[] = [];
    for (let round = 0; round < 12; round++) {
      const limited = await login(user.email, WRONG);
      expectProblem(limited, 429, "login_throttled");
      const wait = Number(limited.headers.get("retry-after"));
      waits.push(wait);
      vi.setSystemTime(Date.now() + wait * 1_000);
      expect((await login(user.email, WRONG)).status).toBe(401);
    }
    expect(waits.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(Math.max(...waits)).toBe(MAX_BACKOFF_MS / 1_000);
  });

  it("resets on success", async () => {
    const user = await registerUser();
    for (let i = 0; i < FREE_ATTEMPTS - 1; i++) expect((await login(user.email, WRONG)).status).toBe(401);
    expect((await login(user.email, user.password)).status).toBe(200);
    // Without the reset, these would be attempts 6–9 and get 429.
    for (let i = 0; i < FREE_ATTEMPTS - 1; i++) expect((await login(user.email, WRONG)).status).toBe(401);
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it("lets the owner in from a network they logged in from before, while an attacker keeps the account in back-off", async () => {
    const user = await registerUser();
    const home = "2001:db8:beef:1::10";
    expect((await login(user.email, user.password, home)).status).toBe(200);
    for (let i = 0; i < FREE_ATTEMPTS + 3; i++) await login(user.email, WRONG);
    expectProblem(await login(user.email, user.password), 429, "login_throttled");
    // Another address in the same /64 is the same network.
    const res = await login(user.email, user.password, "2001:db8:beef:1::99");
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(user.email);
  });

  it("throttles unknown emails exactly like real ones (no enumeration)", async () => {
    const user = await registerUser();
    const ghost = `ghost-${crypto.randomUUID()}@example.com`;
    for (let i = 0; i < FREE_ATTEMPTS; i++) {
      await login(user.email, WRONG);
      await login(ghost, WRONG);
    }
    const real = expectProblem(await login(user.email, WRONG), 429, "login_throttled");
    const unknown = expectProblem(await login(ghost, WRONG), 429, "login_throttled");
    expect({ ...real, request_id: undefined }).toEqual({ ...unknown, request_id: undefined });
  });

  it("20 parallel guesses at one account from 20 networks: exactly the free attempts are hashed, the rest get 429", async () => {
    const user = await registerUser();
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const results = await Promise.all(Array.from({ length: 20 }, () => login(user.email, WRONG)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(FREE_ATTEMPTS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - FREE_ATTEMPTS);
    expect(derive).toHaveBeenCalledTimes(FREE_ATTEMPTS);
  });

  it("keeps login at 2 round trips (count + lookup, then the session)", async () => {
    const user = await registerUser();
    const { db, counter } = countingD1(env.DB);
    const res = await api("POST", "/api/v1/auth/login", {
      body: { email: user.email, password: user.password },
      headers: { "cf-connecting-ip": freshIp() },
      env: { ...env, DB: db },
    });
    expect(res.status).toBe(200);
    expect(counter.trips).toBe(2);
  });
});

describe("the network limiter keys IPv6 on the /64", () => {
  it("maps addresses to their throttling network", () => {
    expect(clientNetwork("203.0.113.9")).toBe("203.0.113.9");
    expect(clientNetwork("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:0db8:0001:0002::ffff")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientNetwork("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(clientNetwork("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientNetwork(undefined)).toBe("local");
  });

  it("rotating addresses inside one IPv6 /64 shares one bucket: the 11th registration gets 429", async () => {
    await startInOneRateWindow();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await api("POST", "/api/v1/auth/register", {
        body: { email: `v6-${i}-${crypto.randomUUID()}@example.com`, password: "rotation password 1" },
        headers: { "cf-connecting-ip": `2001:db8:aaaa:bbbb:${i.toString(16)}::${(i + 1).toString(16)}` },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(201));
    expect(statuses[10]).toBe(429);
  });
});

describe("common passwords and NFC", () => {
  const register = (password: string) =>
    api("POST", "/api/v1/auth/register", {
      body: { email: `pw-${crypto.randomUUID()}@example.com`, password },
      headers: { "cf-connecting-ip": freshIp() },
    });

  it.each(["password1234", "Password1234", "qwertyuiop123", "iloveyou2024", "123456789012", "1q2w3e4r5t6y"])(
    "refuses the common password %s at registration",
    async (password) => {
      const problem = expectProblem(await register(password), 400, "validation_failed");
      expect(problem.errors).toEqual([
        {
          path: "password",
          code: "common_password",
          message: "Is a commonly used password; choose one that is harder to guess.",
        },
      ]);
    },
  );

  it("keeps the list in D1 (thousands of entries) and the check inside registration's one round trip", async () => {
    const listed = await env.DB.prepare("SELECT count(*) AS n FROM common_passwords").first<{ n: number }>();
    expect(listed?.n).toBeGreaterThan(2_000);
    const { db, counter } = countingD1(env.DB);
    const res = await api("POST", "/api/v1/auth/register", {
      body: { email: `rt-${crypto.randomUUID()}@example.com`, password: "a less common passphrase" },
      headers: { "cf-connecting-ip": freshIp() },
      env: { ...env, DB: db },
    });
    expect(res.status).toBe(201);
    expect(counter.trips).toBe(1);
  });

  it("an NFD password logs in as its NFC twin, and the reverse", async () => {
    const nfc = "Grüße aus Köln 2026".normalize("NFC");
    const nfd = nfc.normalize("NFD");
    expect(nfd).not.toBe(nfc);
    const email = `nfc-${crypto.randomUUID()}@example.com`;
    expect(
      (
        await api("POST", "/api/v1/auth/register", {
          body: { email, password: nfd },
          headers: { "cf-connecting-ip": freshIp() },
        })
      ).status,
    ).toBe(201);
    expect((await login(email, nfc, freshIp())).status).toBe(200);
    expect((await login(email, nfd, freshIp())).status).toBe(200);
  });

  it("a hash made before normalisation (of the raw NFD input) still verifies", async () => {
    const user = await registerUser();
    const nfd = "Ångström ölçüm 42".normalize("NFD");
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(nfd), "PBKDF2", false, ["deriveBits"]);
    const bits = new Uint8Array(
      await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, key, 256),
    );
    const b64 = (bytes: Uint8Array) =>
      btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
    await env.DB.prepare("UPDATE users SET password_hash = ? WHERE id = ?")
      .bind(`pbkdf2-sha256$100000$${b64(salt)}$${b64(bits)}`, user.id)
      .run();
    expect((await login(user.email, nfd, freshIp())).status).toBe(200);
  });
});
