/**
 * Promises the plans and the OpenAPI document make that no other test checked (issue #11, "Untested
 * promises"): cursor and query validation, rate limits on the remaining auth routes, the generation
 * edge cases, request ids, the generic unique-violation answer and the round-trip budgets of reads.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, createCards, expectProblem, freshIp, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { faultyD1, tripMatches } from "./helpers/faulty-d1";
import { startInOneRateWindow } from "./helpers/rate-window";
import { textOfLength } from "./helpers/texts";

afterEach(() => vi.restoreAllMocks());

const review = (user: TestUser, cardId: string, rating = "good") =>
  api("POST", `/api/v1/flashcards/${cardId}/reviews`, { token: user.accessToken, body: { rating } });

/** The env of an OpenAI-compatible provider whose every call answers `reply()` (fetch is the only fake). */
function providerAnswering(reply: () => Response) {
  vi.spyOn(globalThis, "fetch").mockImplementation(async () => reply());
  return {
    ...env,
    AI_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: "https://llm.example/v1",
    OPENAI_MODEL: "test-model",
  };
}
const completion = (proposals: unknown[]) =>
  Response.json({ choices: [{ message: { role: "assistant", content: JSON.stringify({ proposals }) } }] });
const generate = (user: TestUser, aiEnv: Cloudflare.Env) =>
  api("POST", "/api/v1/generations", {
    token: user.accessToken,
    body: { source_text: textOfLength(1_200) },
    env: aiEnv,
  });

describe("GET /flashcards/:id/reviews cursor", () => {
  it("refuses a forged cursor, another card's cursor and another collection's cursor with 400 invalid_cursor", async () => {
    const user = await registerUser();
    const [card, other] = await createCards(user, 2);
    for (const c of [card, other]) {
      expect((await review(user, c.id)).status).toBe(200);
      expect((await review(user, c.id, "again")).status).toBe(200);
    }
    const page = async (cardId: string, query: string) =>
      api("GET", `/api/v1/flashcards/${cardId}/reviews${query}`, { token: user.accessToken });
    const first = await page(card.id, "?limit=1");
    expect(first.status).toBe(200);
    expect(first.body.pagination.has_more).toBe(true);
    const cursor = first.body.pagination.next_cursor as string;
    expect((await page(card.id, `?limit=1&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);

    expectProblem(await page(card.id, "?cursor=not-a-cursor"), 400, "invalid_cursor");
    expectProblem(
      await page(card.id, `?cursor=${encodeURIComponent(`${cursor.slice(0, -2)}xx`)}`),
      400,
      "invalid_cursor",
    );
    expectProblem(await page(other.id, `?cursor=${encodeURIComponent(cursor)}`), 400, "invalid_cursor");
    await createCards(user, 2);
    const cards = await api("GET", "/api/v1/flashcards?limit=1", { token: user.accessToken });
    const cardsCursor = cards.body.pagination.next_cursor as string;
    expectProblem(await page(card.id, `?cursor=${encodeURIComponent(cardsCursor)}`), 400, "invalid_cursor");
  });
});

describe("GET /stats query", () => {
  it("refuses unknown query parameters with 400 validation_failed naming them", async () => {
    const user = await registerUser();
    const res = await api("GET", "/api/v1/stats?days=7", { token: user.accessToken });
    const problem = expectProblem(res, 400, "validation_failed");
    expect(JSON.stringify(problem.errors)).toContain("days");
    expect((await api("GET", "/api/v1/stats", { token: user.accessToken })).status).toBe(200);
  });
});

describe("per-client rate limits on the remaining auth routes", () => {
  it("POST /auth/refresh answers 429 rate_limited with Retry-After after 10 attempts a minute", async () => {
    await startInOneRateWindow();
    const headers = { "cf-connecting-ip": freshIp() };
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push(
        (await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: `unknown-${i}` }, headers })).status,
      );
    }
    expect(statuses.every((s) => s === 401)).toBe(true);
    const limited = await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: "unknown" }, headers });
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("DELETE /auth/me answers 429 rate_limited after 10 attempts a minute, and keeps the account", async () => {
    await startInOneRateWindow();
    const user = await registerUser();
    const headers = { "cf-connecting-ip": freshIp() };
    const attempt = () =>
      api("DELETE", "/api/v1/auth/me", { token: user.accessToken, body: { password: "not my password!" }, headers });
    for (let i = 0; i < 10; i++) expectProblem(await attempt(), 403, "invalid_password");
    const limited = await attempt();
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await api("GET", "/api/v1/auth/me", { token: user.accessToken })).status).toBe(200);
  });
});

describe("POST /generations edge cases (provider faked)", () => {
  it("zero proposals is a valid answer: 201 with an empty list and generated_count 0", async () => {
    const user = await registerUser();
    const res = await generate(
      user,
      providerAnswering(() => completion([])),
    );
    expect(res.status).toBe(201);
    expect(res.body.proposals).toEqual([]);
    expect(res.body.generation.generated_count).toBe(0);
  });

  it("removes duplicate proposals (same front, case aside) and counts only the rest", async () => {
    const user = await registerUser();
    const res = await generate(
      user,
      providerAnswering(() =>
        completion([
          { front: "What is ATP?", back: "The cell's energy currency." },
          { front: "what is atp?", back: "Adenosine triphosphate." },
          { front: "Where is ATP made?", back: "In the mitochondria." },
          { front: "What is ATP?", back: "The cell's energy currency." },
        ]),
      ),
    );
    expect(res.status).toBe(201);
    expect(res.body.proposals.map((p: { front: string }) => p.front)).toEqual(["What is ATP?", "Where is ATP made?"]);
    expect(res.body.generation.generated_count).toBe(2);
  });

  it("an upstream 429 without Retry-After answers 503 provider_unavailable with Retry-After 30", async () => {
    const user = await registerUser();
    const res = await generate(
      user,
      providerAnswering(() => new Response('{"error":"slow down"}', { status: 429 })),
    );
    expectProblem(res, 503, "provider_unavailable");
    expect(res.headers.get("retry-after")).toBe("30");
  });
});

describe("ids", () => {
  it("GET /generation-error-logs/:id refuses a malformed id with 400 validation_failed", async () => {
    const user = await registerUser();
    for (const id of ["not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g"]) {
      const problem = expectProblem(
        await api("GET", `/api/v1/generation-error-logs/${id}`, { token: user.accessToken }),
        400,
        "validation_failed",
      );
      expect(problem.errors[0].path).toBe("id");
    }
  });

  it("a malformed incoming X-Request-Id is replaced by a generated one (and a good one is kept)", async () => {
    for (const bad of ["has spaces in it", "<script>", "x".repeat(256), "tab\there"]) {
      const res = await api("GET", "/api/v1/health", { headers: { "x-request-id": bad } });
      const id = res.headers.get("x-request-id");
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[\w-]{1,255}$/);
    }
    const kept = await api("GET", "/api/v1/nope", { headers: { "x-request-id": "trace-7" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-7");
    expect(kept.body.request_id).toBe("trace-7");
  });
});

describe("a unique violation no handler expects", () => {
  it("answers 409 conflict (not 500), without the database's message", async () => {
    const user = await registerUser();
    const faulty = faultyD1(env.DB, {
      failOn: tripMatches(/insert into "flashcards"/i),
      message: "D1_ERROR: UNIQUE constraint failed: flashcards.id: SQLITE_CONSTRAINT",
    });
    const res = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: { flashcards: [{ front: "Q", back: "A", source: "manual" }] },
      env: { ...env, DB: faulty.db },
    });
    expect(faulty.failed).toHaveLength(1);
    expectProblem(res, 409, "conflict");
    expect(res.text).not.toMatch(/UNIQUE|SQLITE|D1_ERROR/);
  });
});

describe("one D1 round trip per read", () => {
  it("schedule preview, review history, a study session's progress and finish, an error log", async () => {
    const user = await registerUser();
    const [card] = await createCards(user, 2);
    expect((await review(user, card.id)).status).toBe(200);
    const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: {} });
    expect(session.status).toBe(201);
    const sessionId = session.body.session.id;
    const failed = await generate(
      user,
      providerAnswering(() => new Response("down", { status: 500 })),
    );
    expect(failed.status).toBe(502);
    const logs = await api("GET", "/api/v1/generation-error-logs", { token: user.accessToken });
    const logId = logs.body.data[0].id;

    const calls: Array<[string, string]> = [
      ["GET", `/api/v1/flashcards/${card.id}/schedule-preview`],
      ["GET", `/api/v1/flashcards/${card.id}/reviews`],
      ["GET", `/api/v1/study-sessions/${sessionId}`],
      ["POST", `/api/v1/study-sessions/${sessionId}/finish`],
      ["GET", `/api/v1/generation-error-logs/${logId}`],
    ];
    for (const [method, path] of calls) {
      const { db, counter } = countingD1(env.DB);
      const res = await api(method, path, { token: user.accessToken, env: { ...env, DB: db } });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(200);
      expect(counter.trips, `${method} ${path}`).toBe(1);
    }
  });
});
