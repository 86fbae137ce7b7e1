/// <reference types="vite/client" />
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../src/db/client";
import { buildDuplicatesQuery } from "../src/routes/generations/generations.handlers";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

afterEach(() => vi.restoreAllMocks());

const TEXT = (await import("./fixtures/generation-eval/en-history-hanseatic-league.txt?raw")).default;

const generate = (
  user: TestUser,
  body: Record<string, unknown>,
  options: { headers?: Record<string, string>; env?: Cloudflare.Env } = {},
) => api("POST", "/api/v1/generations", { token: user.accessToken, body: { source_text: TEXT, ...body }, ...options });

function openAiEnv(proposals: Array<{ front: string; back: string }>) {
  const fetchSpy = vi
    .spyOn(globalThis, "fetch")
    .mockImplementation(async () =>
      Response.json({ choices: [{ message: { role: "assistant", content: JSON.stringify({ proposals }) } }] }),
    );
  const llmEnv = {
    ...env,
    AI_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-test-secret",
    OPENAI_BASE_URL: "https://llm.example/v1",
    OPENAI_MODEL: "test-model",
  };
  return { fetchSpy, env: llmEnv };
}

const FIVE = Array.from({ length: 5 }, (_, i) => ({ front: `Question number ${i + 1}?`, back: `Answer ${i + 1}` }));

describe("POST /generations count", () => {
  it("trims the local provider's proposals to count and records that many", async () => {
    const user = await registerUser();
    const res = await generate(user, { count: 3 });
    expect(res.status).toBe(201);
    expect(res.body.proposals).toHaveLength(3);
    expect(res.body.generation.generated_count).toBe(3);
  });

  it("asks an LLM for count cards in the prompt and trims a longer answer", async () => {
    const user = await registerUser();
    const { fetchSpy, env: llmEnv } = openAiEnv(FIVE);
    const res = await generate(user, { count: 2, language: "de" }, { env: llmEnv });
    expect(res.status).toBe(201);
    expect(res.body.proposals.map((p: { front: string }) => p.front)).toEqual([
      "Question number 1?",
      "Question number 2?",
    ]);
    const sent = JSON.parse(String(fetchSpy.mock.calls[0]![1]!.body)) as { messages: Array<{ content: string }> };
    expect(sent.messages[1]!.content).toContain("Write exactly 2 cards");
    expect(sent.messages[1]!.content).toContain('the BCP 47 tag "de"');
  });

  it("leaves the prompt as before without options or with language auto", async () => {
    const user = await registerUser();
    const { fetchSpy, env: llmEnv } = openAiEnv(FIVE);
    expect((await generate(user, { language: "auto" }, { env: llmEnv })).body.proposals).toHaveLength(5);
    const sent = JSON.parse(String(fetchSpy.mock.calls[0]![1]!.body)) as { messages: Array<{ content: string }> };
    expect(sent.messages[1]!.content).not.toMatch(/Write exactly|BCP 47/);
  });

  it.each([
    [{ count: 0 }, "count", "Must be at least 1."],
    [{ count: 51 }, "count", "Must be at most 50."],
    [{ count: 2.5 }, "count", "Must be an integer."],
    [{ count: "3" }, "count", undefined],
    [{ language: "english please" }, "language", undefined],
    [{ language: "x".repeat(36) }, "language", undefined],
    [{ language: 7 }, "language", undefined],
    [{ deck: "x" }, "", undefined],
  ])("answers 400 naming the field for %j", async (body, field, message) => {
    const user = await registerUser();
    const res = await generate(user, body);
    expectProblem(res, 400, "validation_failed");
    const error = (res.body.errors as Array<{ field?: string; path?: string; message: string }>)[0]!;
    if (field) expect(JSON.stringify(error)).toContain(field);
    if (message) expect(error.message).toBe(message);
  });

  it("accepts BCP 47 tags", async () => {
    const user = await registerUser();
    for (const language of ["en", "pt-BR", "zh-Hant-TW", "auto"]) {
      expect((await generate(user, { language, count: 1 })).status, language).toBe(201);
    }
  });
});

describe("POST /generations Idempotency-Key with options", () => {
  it("hashes the options with the text: other options are 422, the same ones replay", async () => {
    const user = await registerUser();
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await generate(user, { count: 4 }, { headers: key });
    expect(first.status).toBe(201);
    expectProblem(await generate(user, { count: 5 }, { headers: key }), 422, "idempotency_key_reused");
    expectProblem(await generate(user, { count: 4, language: "pl" }, { headers: key }), 422, "idempotency_key_reused");
    expectProblem(await generate(user, {}, { headers: key }), 422, "idempotency_key_reused");
    const replay = await generate(user, { count: 4 }, { headers: key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
  });
});

describe("duplicate_of", () => {
  it("names the caller's card with the same front key, in the response and in its replay", async () => {
    const user = await registerUser();
    const other = await registerUser();
    const probe = await generate(user, {});
    const [firstProposal, secondProposal] = probe.body.proposals as Array<{ front: string; back: string }>;
    // The same front for a learner: other case, spacing and punctuation.
    const lookalike = `  ${firstProposal!.front.toUpperCase().replace(/[?.]$/, "")} !! `;
    const created = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: { flashcards: [{ front: lookalike, back: "mine", source: "manual" }] },
    });
    expect(created.status).toBe(201);
    const cardId = created.body.data?.[0]?.id ?? created.body[0]?.id ?? created.body.flashcards?.[0]?.id;
    // Another user's identical card is not a duplicate for this caller.
    await api("POST", "/api/v1/flashcards", {
      token: other.accessToken,
      body: { flashcards: [{ front: secondProposal!.front, back: "theirs", source: "manual" }] },
    });

    const key = { "idempotency-key": crypto.randomUUID() };
    const res = await generate(user, {}, { headers: key });
    expect(res.status).toBe(201);
    const byFront = new Map(
      res.body.proposals.map((p: { front: string; duplicate_of: string | null }) => [p.front, p.duplicate_of]),
    );
    expect(typeof cardId).toBe("string");
    expect(byFront.get(firstProposal!.front)).toBe(cardId);
    expect(byFront.get(secondProposal!.front)).toBeNull();
    expect(res.body.proposals.filter((p: { duplicate_of: string | null }) => p.duplicate_of !== null)).toHaveLength(1);

    const replay = await generate(user, {}, { headers: key });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(res.body);
  });

  it("costs no extra round trip: reservation, then one batch storing the generation with the lookup", async () => {
    const user = await registerUser();
    const { db, counter } = countingD1(env.DB);
    const res = await generate(
      user,
      {},
      { headers: { "idempotency-key": crypto.randomUUID() }, env: { ...env, DB: db } },
    );
    expect(res.status).toBe(201);
    expect(counter.trips).toBe(3);
    expect(counter.statements).toBeLessThanOrEqual(50);
  });

  it("looks duplicates up on flashcards_user_front_key_idx (EXPLAIN QUERY PLAN)", async () => {
    const { sql, params } = buildDuplicatesQuery(createDb(env.DB), "user-1", '["a","b"]').toSQL();
    const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const plan = rows.results.map((r) => r.detail).join(" | ");
    expect(plan).toMatch(/SEARCH flashcards USING INDEX flashcards_user_front_key_idx \(user_id=\? AND front_key=\?\)/);
    expect(plan).not.toMatch(/SCAN flashcards/);
  });
});
