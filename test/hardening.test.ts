/**
 * Regression tests of issue #12 "Hardening II" (items 4, 5, 8, 9, 11): each failed on the main branch
 * before the fix. The larger items have their own files (quota, login throttle, refresh reuse, ...).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createCards, expectProblem, freshIp, registerUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { failingD1 } from "./helpers/faulty-d1";
import { startInOneRateWindow } from "./helpers/rate-window";

const ip = () => ({ "cf-connecting-ip": freshIp() });

describe("item 4: private responses are never cached", () => {
  it("sends Cache-Control: no-store on token-bearing and authenticated successes, with Vary: Authorization", async () => {
    const email = `cache-${crypto.randomUUID()}@example.com`;
    const password = "correct horse battery staple";
    const registered = await api("POST", "/api/v1/auth/register", { body: { email, password }, headers: ip() });
    const loggedIn = await api("POST", "/api/v1/auth/login", { body: { email, password }, headers: ip() });
    const refreshed = await api("POST", "/api/v1/auth/refresh", {
      body: { refresh_token: loggedIn.body.refresh_token },
      headers: ip(),
    });
    for (const res of [registered, loggedIn, refreshed]) {
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    const token = refreshed.body.access_token;
    const authed = [
      await api("GET", "/api/v1/auth/me", { token }),
      await api("GET", "/api/v1/flashcards", { token }),
      await api("POST", "/api/v1/flashcards", {
        token,
        body: { flashcards: [{ front: "Q", back: "A", source: "manual" }] },
      }),
      await api("GET", "/api/v1/stats", { token }),
    ];
    for (const res of authed) {
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("vary")).toMatch(/(^|,\s*)Authorization(\s*,|$)/i);
    }
  });

  it("keeps the OpenAPI document publicly cacheable and errors no-store", async () => {
    expect((await api("GET", "/api/v1/openapi.json")).headers.get("cache-control")).toBe("public, max-age=300");
    expect((await api("GET", "/api/v1/nope")).headers.get("cache-control")).toBe("no-store");
    expect((await api("GET", "/api/v1/health")).headers.get("cache-control")).toBe("no-store");
  });
});

describe("item 5: bounded validation errors", () => {
  it("caps errors[] at 20 and counts the rest in errors_omitted, for thousands of unknown keys", async () => {
    const body: Record<string, number> = { email: 1 as unknown as number };
    for (let i = 0; i < 46_656; i++) body[`k${i.toString(36)}`] = 1;
    const rawBody = JSON.stringify(body);
    const res = await api("POST", "/api/v1/auth/login", {
      rawBody,
      headers: { "content-type": "application/json", ...ip() },
    });
    const problem = expectProblem(res, 400, "validation_failed");
    expect(problem.errors).toHaveLength(20);
    // email (type), password (missing) and 46,656 unknown keys: 46,658 in all.
    expect(problem.errors_omitted).toBe(46_658 - 20);
    expect(res.text.length).toBeLessThan(5_000);
  });

  it("leaves errors_omitted out when everything fits", async () => {
    const res = await api("POST", "/api/v1/auth/login", { body: { email: "x" }, headers: ip() });
    const problem = expectProblem(res, 400, "validation_failed");
    expect(problem.errors.length).toBeLessThanOrEqual(20);
    expect(problem).not.toHaveProperty("errors_omitted");
  });

  it("rate-limits logout like the other auth endpoints", async () => {
    await startInOneRateWindow();
    const headers = { "cf-connecting-ip": "203.0.113.55" };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await api("POST", "/api/v1/auth/logout", { body: { refresh_token: "unknown" }, headers })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(204));
    const limited = await api("POST", "/api/v1/auth/logout", { body: { refresh_token: "unknown" }, headers });
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("item 8: text that shows nothing", () => {
  const invisible = [
    "\u200B",
    "\u200B\u200C\u200D",
    "\u2060",
    "\u3164",
    "\u2800",
    "\u00AD",
    "\u{E0041}\u{E0042}",
    "\u0301",
    "\u200B\uFEFF\u200B",
    "\u115F\u1160",
    "\uFE0F",
    " \u200B ",
  ];

  it.each(invisible.map((text) => [JSON.stringify(text), text]))("rejects a card side of only %s", async (_, text) => {
    const user = await registerUser();
    for (const card of [
      { front: text, back: "answer", source: "manual" },
      { front: "question", back: text, source: "manual" },
    ]) {
      const res = await api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards: [card] } });
      const problem = expectProblem(res, 400, "validation_failed");
      expect(problem.errors[0].message).toBe("Must contain at least one visible character.");
    }
  });

  it("still accepts visible text that contains invisible characters, combining marks and emoji", async () => {
    const user = await registerUser();
    const sides = ["e\u0301", "soft\u00ADhyphen", "👩\u200D💻", "⠁", "한글", "\u200Bx"];
    const res = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: { flashcards: sides.map((front) => ({ front, back: front, source: "manual" })) },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.map((card: { front: string }) => card.front)).toEqual(sides);
  });

  it("rejects an email whose local part is over 64 characters at registration", async () => {
    const password = "correct horse battery staple";
    const long = await api("POST", "/api/v1/auth/register", {
      body: { email: `${"a".repeat(65)}@example.com`, password },
      headers: ip(),
    });
    const problem = expectProblem(long, 400, "validation_failed");
    expect(problem.errors).toEqual([
      { path: "email", code: "custom", message: "The part before @ must be at most 64 characters." },
    ]);
    const edge = await api("POST", "/api/v1/auth/register", {
      body: { email: `${"a".repeat(55)}${crypto.randomUUID().slice(0, 9)}@example.com`, password },
      headers: ip(),
    });
    expect(edge.status).toBe(201);
  });
});

describe("item 9: canonical encodings only", () => {
  /**
   * Another spelling of a base64url string that decodes to the same bytes: the lowest bit of the last
   * character is unused padding whenever the byte count is not a multiple of 3.
   */
  const twinOfLast = (text: string) => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    return text.slice(0, -1) + alphabet[alphabet.indexOf(text.at(-1)!) ^ 1];
  };

  it("refuses an access token with padding or non-canonical trailing bits in its signature", async () => {
    const user = await registerUser();
    expect((await api("GET", "/api/v1/auth/me", { token: user.accessToken })).status).toBe(200);
    // 32-byte HS256 signature: 43 characters, the last one carries 2 unused bits.
    const variants = [`${user.accessToken}=`, twinOfLast(user.accessToken)];
    for (const token of variants) {
      expect(token).not.toBe(user.accessToken);
      const res = await api("GET", "/api/v1/auth/me", { token });
      expectProblem(res, 401, "invalid_token");
    }
  });

  it("refuses a cursor whose tag has padding or non-canonical trailing bits", async () => {
    const user = await registerUser();
    await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: {
        flashcards: [
          { front: "one", back: "1", source: "manual" },
          { front: "two", back: "2", source: "manual" },
        ],
      },
    });
    const cursor = (await api("GET", "/api/v1/flashcards?limit=1", { token: user.accessToken })).body.pagination
      .next_cursor as string;
    expect((await api("GET", `/api/v1/flashcards?limit=1&cursor=${cursor}`, { token: user.accessToken })).status).toBe(
      200,
    );
    // 16-byte tag: 22 characters, the last one carries 4 unused bits.
    for (const forged of [`${cursor}=`, twinOfLast(cursor)]) {
      const res = await api("GET", `/api/v1/flashcards?limit=1&cursor=${encodeURIComponent(forged)}`, {
        token: user.accessToken,
      });
      expectProblem(res, 400, "invalid_cursor");
    }
  });
});

describe("item 11: SQLITE_BUSY is transient", () => {
  it("answers 503 with Retry-After when D1 says the database is locked", async () => {
    const user = await registerUser();
    const res = await api("GET", "/api/v1/auth/me", {
      token: user.accessToken,
      env: { ...env, DB: failingD1("D1_ERROR: database is locked: SQLITE_BUSY") },
    });
    expectProblem(res, 503, "service_unavailable");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("item 6: per-caller rate limit on authenticated endpoints", () => {
  it("serves 600 requests a minute per user, then 429 rate_limited with Retry-After, before any D1 work", async () => {
    await startInOneRateWindow();
    const user = await registerUser();
    const other = await registerUser();
    let served = 0;
    for (let round = 0; round < 12; round++) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, () => api("GET", "/api/v1/auth/me", { token: user.accessToken })),
      );
      served += batch.filter((res) => res.status === 200).length;
    }
    expect(served).toBe(600);
    const { db, counter } = countingD1(env.DB);
    const limited = await api("GET", "/api/v1/auth/me", { token: user.accessToken, env: { ...env, DB: db } });
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBe(60);
    expect(counter.trips).toBe(0);
    // Every authenticated route shares the caller's bucket; other callers have their own.
    expectProblem(await api("GET", "/api/v1/flashcards", { token: user.accessToken }), 429, "rate_limited");
    expect((await api("GET", "/api/v1/auth/me", { token: other.accessToken })).status).toBe(200);
  }, 60_000);
});

describe("item 10: session consistency", () => {
  it("answers 409 card_not_in_session to a review naming a session that does not contain the card", async () => {
    const user = await registerUser();
    await createCards(user, 3, "S");
    const started = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: { limit: 1 } });
    expect(started.status).toBe(201);
    const planned: string[] = started.body.session.cards.map((card: { id: string }) => card.id);
    expect(planned).toHaveLength(1);
    const [{ id: outside }] = await createCards(user, 1, "S");
    const review = (cardId: string) =>
      api("POST", `/api/v1/flashcards/${cardId}/reviews`, {
        token: user.accessToken,
        body: { rating: "good", session_id: started.body.session.id },
      });
    expectProblem(await review(outside!), 409, "card_not_in_session");
    // Nothing was written for the refused review.
    const history = await api("GET", `/api/v1/flashcards/${outside}/reviews`, { token: user.accessToken });
    expect(history.body.data).toEqual([]);
    expect((await review(planned[0]!)).status).toBe(200);
  });

  it("drops a card deleted mid-session from cards_remaining and the totals", async () => {
    const user = await registerUser();
    await createCards(user, 3, "S");
    const started = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: { limit: 3 } });
    const sessionId = started.body.session.id;
    const [first, second, third] = started.body.session.cards.map((card: { id: string }) => card.id) as string[];
    expect(
      (
        await api("POST", `/api/v1/flashcards/${first}/reviews`, {
          token: user.accessToken,
          body: { rating: "good", session_id: sessionId },
        })
      ).status,
    ).toBe(200);
    expect((await api("DELETE", `/api/v1/flashcards/${second}`, { token: user.accessToken })).status).toBe(204);
    const progress = await api("GET", `/api/v1/study-sessions/${sessionId}`, { token: user.accessToken });
    expect(progress.body).toMatchObject({ total: 2, reviewed: 1, remaining: 1, cards_remaining: [third] });
    const finished = await api("POST", `/api/v1/study-sessions/${sessionId}/finish`, { token: user.accessToken });
    expect(finished.body.session).toMatchObject({ total: 2, remaining: 1, cards_remaining: [third] });
  });
});
