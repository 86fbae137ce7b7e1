import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { textOfLength } from "./helpers/texts";

afterEach(() => vi.restoreAllMocks());

const generate = (
  user: TestUser,
  source_text: unknown,
  options: { headers?: Record<string, string>; env?: Cloudflare.Env } = {},
) => api("POST", "/api/v1/generations", { token: user.accessToken, body: { source_text }, ...options });

const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");

/** An OpenAI-compatible provider whose fetch is spied: the only faked thing in these tests. */
function openAiEnv(reply: () => Response | Promise<Response>) {
  const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => reply());
  return {
    fetchSpy,
    env: {
      ...env,
      AI_PROVIDER: "openai",
      OPENAI_API_KEY: "sk-test-secret",
      OPENAI_BASE_URL: "https://llm.example/v1",
      OPENAI_MODEL: "test-model",
    },
  };
}
const completion = (content: unknown) =>
  Response.json({
    choices: [
      { message: { role: "assistant", content: typeof content === "string" ? content : JSON.stringify(content) } },
    ],
  });

describe("POST /generations (local provider)", () => {
  it("returns proposals and records the generation without storing the text", async () => {
    const user = await registerUser();
    const text = textOfLength(2_000);
    const res = await generate(user, `  \n${text}\n  `);
    expect(res.status).toBe(201);
    expect(res.body.generation).toEqual({
      id: expect.any(String),
      model: "local-extractive-v2",
      source_text_hash: await sha256(text),
      source_text_length: 2_000,
      generated_count: res.body.proposals.length,
      accepted_unedited_count: 0,
      accepted_edited_count: 0,
      duration_ms: expect.any(Number),
      deck_id: null,
      tags: [],
      created_at: expect.any(String),
    });
    expect(res.body.proposals.length).toBeGreaterThan(0);
    for (const p of res.body.proposals) expect(Object.keys(p).sort()).toEqual(["back", "duplicate_of", "front"]);
    const row = await env.DB.prepare("SELECT * FROM generations WHERE id = ?").bind(res.body.generation.id).first();
    expect(JSON.stringify(row)).not.toContain(text.slice(0, 40));
    const read = await api("GET", `/api/v1/generations/${res.body.generation.id}`, { token: user.accessToken });
    expect(read.body).toEqual(res.body.generation);
  });

  it("accepts 1,000 and 10,000 characters after trimming and refuses 999 and 10,001", async () => {
    const user = await registerUser();
    expect((await generate(user, `   ${textOfLength(1_000)}   `)).status).toBe(201);
    expect((await generate(user, textOfLength(10_000))).status).toBe(201);
    const short = expectProblem(await generate(user, `  ${textOfLength(999)}  `), 400, "validation_failed");
    expect(short.errors).toEqual([
      { path: "source_text", code: "too_small", message: "Must be at least 1000 characters after trimming (got 999)." },
    ]);
    const long = expectProblem(await generate(user, textOfLength(10_001)), 400, "validation_failed");
    expect(long.errors[0]).toMatchObject({ path: "source_text", code: "too_big" });
    for (const bad of [null, 42, ["text"], textOfLength(1_500) + "\u0000"]) {
      expectProblem(await generate(user, bad), 400, "validation_failed");
    }
  });

  it("answers 429 with Retry-After once the hourly quota (failures included) is used", async () => {
    const user = await registerUser();
    const quotaEnv = { ...env, GENERATIONS_PER_HOUR: "3" };
    expect((await generate(user, textOfLength(1_200), { env: quotaEnv })).status).toBe(201);
    const failing = openAiEnv(() => new Response("boom", { status: 500 }));
    expect(
      (await generate(user, textOfLength(1_200), { env: { ...failing.env, GENERATIONS_PER_HOUR: "3" } })).status,
    ).toBe(502);
    failing.fetchSpy.mockRestore();
    expect((await generate(user, textOfLength(1_200), { env: quotaEnv })).status).toBe(201);
    const limited = await generate(user, textOfLength(1_200), { env: quotaEnv });
    expectProblem(limited, 429, "quota_exceeded");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(3_500);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
    // Another user has their own quota.
    expect((await generate(await registerUser(), textOfLength(1_200), { env: quotaEnv })).status).toBe(201);
  });

  it("lets the hour slide: attempts older than an hour no longer count", async () => {
    const user = await registerUser();
    const quotaEnv = { ...env, GENERATIONS_PER_HOUR: "1" };
    expect((await generate(user, textOfLength(1_200), { env: quotaEnv })).status).toBe(201);
    expect((await generate(user, textOfLength(1_200), { env: quotaEnv })).status).toBe(429);
    // The quota counts attempts (reserved before the provider call), not generation rows.
    await env.DB.prepare("UPDATE generation_attempts SET created_at = created_at - 3600001 WHERE user_id = ?")
      .bind(user.id)
      .run();
    expect((await generate(user, textOfLength(1_200), { env: quotaEnv })).status).toBe(201);
  });
});

describe("Idempotency-Key", () => {
  it("replays the first response without calling the provider again", async () => {
    const user = await registerUser();
    const { fetchSpy, env: aiEnv } = openAiEnv(() =>
      completion({ proposals: [{ front: "Longest river in Poland?", back: "The Vistula" }] }),
    );
    const headers = { "idempotency-key": "retry-me-123" };
    const first = await generate(user, textOfLength(1_500), { headers, env: aiEnv });
    const second = await generate(user, textOfLength(1_500), { headers, env: aiEnv });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM generations WHERE user_id = ?")
      .bind(user.id)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("answers 422 for the same key with another body, 409 while the first is in flight", async () => {
    const user = await registerUser();
    const headers = { "idempotency-key": "key-A" };
    expect((await generate(user, textOfLength(1_500), { headers })).status).toBe(201);
    expectProblem(await generate(user, textOfLength(1_600), { headers }), 422, "idempotency_key_reused");
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (?, 'key-B', ?, ?)",
    )
      .bind(user.id, await sha256(textOfLength(1_500)), Date.now())
      .run();
    expectProblem(
      await generate(user, textOfLength(1_500), { headers: { "idempotency-key": "key-B" } }),
      409,
      "idempotency_key_in_use",
    );
  });

  it("takes over a reservation abandoned longer than the provider's time budget", async () => {
    const user = await registerUser();
    const hash = await sha256(textOfLength(1_500));
    // A request that died mid-flight 61 s ago (budget 60 s here + 30 s margin is not over yet)...
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (?, 'stale', ?, ?)",
    )
      .bind(user.id, hash, Date.now() - 61_000)
      .run();
    const headers = { "idempotency-key": "stale" };
    expectProblem(
      await generate(user, textOfLength(1_500), { headers, env: { ...env, AI_TIMEOUT_MS: "60000" } }),
      409,
      "idempotency_key_in_use",
    );
    // ...and one that died 91 s ago: abandoned, the retry runs.
    await env.DB.prepare("UPDATE idempotency_keys SET created_at = ? WHERE user_id = ? AND key = 'stale'")
      .bind(Date.now() - 91_000, user.id)
      .run();
    const retried = await generate(user, textOfLength(1_500), { headers, env: { ...env, AI_TIMEOUT_MS: "60000" } });
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keeps keys per user and for 24 hours only", async () => {
    const alice = await registerUser("alice");
    const bob = await registerUser("bob");
    const headers = { "idempotency-key": "shared-key" };
    const a = await generate(alice, textOfLength(1_500), { headers });
    const b = await generate(bob, textOfLength(1_500), { headers });
    expect(b.status).toBe(201);
    expect(b.body.generation.id).not.toBe(a.body.generation.id);
    await env.DB.prepare("UPDATE idempotency_keys SET created_at = created_at - 86400001 WHERE user_id = ?")
      .bind(alice.id)
      .run();
    const later = await generate(alice, textOfLength(1_500), { headers });
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(later.body.generation.id).not.toBe(a.body.generation.id);
  });

  it("releases the key after a failure so a retry can succeed", async () => {
    const user = await registerUser();
    const headers = { "idempotency-key": "flaky" };
    const failing = openAiEnv(() => new Response("upstream down", { status: 500 }));
    expect((await generate(user, textOfLength(1_500), { headers, env: failing.env })).status).toBe(502);
    failing.fetchSpy.mockRestore();
    const ok = openAiEnv(() => completion({ proposals: [{ front: "Q?", back: "A" }] }));
    const retry = await generate(user, textOfLength(1_500), { headers, env: ok.env });
    expect(retry.status).toBe(201);
    expect(ok.fetchSpy).toHaveBeenCalledTimes(1);
  });

  it("rejects a malformed key", async () => {
    const user = await registerUser();
    const problem = expectProblem(
      await generate(user, textOfLength(1_500), { headers: { "idempotency-key": "x".repeat(256) } }),
      400,
      "validation_failed",
    );
    expect(problem.errors[0].path).toBe("idempotency-key");
  });
});

describe("GET /generations and /generation-error-logs", () => {
  it("pages newest first and keeps every record private", async () => {
    const alice = await registerUser("alice");
    const bob = await registerUser("bob");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await generate(alice, textOfLength(1_100 + i))).body.generation.id);
      await new Promise((r) => setTimeout(r, 2));
    }
    const first = await api("GET", "/api/v1/generations?limit=2", { token: alice.accessToken });
    expect(first.body.data.map((g: any) => g.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.pagination.has_more).toBe(true);
    const second = await api("GET", `/api/v1/generations?limit=2&cursor=${first.body.pagination.next_cursor}`, {
      token: alice.accessToken,
    });
    expect(second.body.data.map((g: any) => g.id)).toEqual([ids[0]]);
    expect(second.body.pagination).toEqual({ limit: 2, next_cursor: null, has_more: false });
    expectProblem(
      await api("GET", `/api/v1/generation-error-logs?cursor=${first.body.pagination.next_cursor}`, {
        token: alice.accessToken,
      }),
      400,
      "invalid_cursor",
    );

    expect((await api("GET", "/api/v1/generations", { token: bob.accessToken })).body.data).toEqual([]);
    expectProblem(await api("GET", `/api/v1/generations/${ids[0]}`, { token: bob.accessToken }), 404, "not_found");
    expectProblem(
      await api("GET", "/api/v1/generations/not-a-uuid", { token: bob.accessToken }),
      400,
      "validation_failed",
    );

    const failing = openAiEnv(() => new Response("nope", { status: 500 }));
    await generate(alice, textOfLength(1_300), { env: failing.env });
    failing.fetchSpy.mockRestore();
    const logs = await api("GET", "/api/v1/generation-error-logs", { token: alice.accessToken });
    expect(logs.body.data).toHaveLength(1);
    const log = logs.body.data[0];
    expect(log).toEqual({
      id: expect.any(String),
      model: "test-model",
      source_text_hash: await sha256(textOfLength(1_300)),
      source_text_length: 1_300,
      error_code: "provider_error",
      error_message: "The provider answered HTTP 500.",
      created_at: expect.any(String),
    });
    expect((await api("GET", `/api/v1/generation-error-logs/${log.id}`, { token: alice.accessToken })).body).toEqual(
      log,
    );
    expectProblem(
      await api("GET", `/api/v1/generation-error-logs/${log.id}`, { token: bob.accessToken }),
      404,
      "not_found",
    );
    expect((await api("GET", "/api/v1/generation-error-logs", { token: bob.accessToken })).body.data).toEqual([]);
  });

  it("reads in one D1 round trip", async () => {
    const user = await registerUser();
    const id = (await generate(user, textOfLength(1_100))).body.generation.id;
    for (const path of ["/api/v1/generations", `/api/v1/generations/${id}`, "/api/v1/generation-error-logs"]) {
      const { db, counter } = countingD1(env.DB);
      expect((await api("GET", path, { token: user.accessToken, env: { ...env, DB: db } })).status).toBe(200);
      expect(counter.trips, path).toBe(1);
    }
  });
});

describe("generate, then accept through POST /flashcards", () => {
  it("moves the generation's acceptance counters", async () => {
    const user = await registerUser();
    const res = await generate(user, textOfLength(3_000));
    const { generation, proposals } = res.body;
    expect(proposals.length).toBeGreaterThanOrEqual(3);
    const accepted = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: {
        flashcards: [
          {
            front: proposals[0].front,
            back: proposals[0].back,
            source: "ai-full",
            generation_id: generation.id,
            proposal_index: 0,
          },
          {
            front: proposals[1].front,
            back: proposals[1].back,
            source: "ai-full",
            generation_id: generation.id,
            proposal_index: 1,
          },
          {
            front: proposals[2].front,
            back: `${proposals[2].back} (my words)`,
            source: "ai-edited",
            generation_id: generation.id,
            proposal_index: 2,
          },
        ],
      },
    });
    expect(accepted.status).toBe(201);
    const after = await api("GET", `/api/v1/generations/${generation.id}`, { token: user.accessToken });
    expect(after.body).toMatchObject({
      accepted_unedited_count: 2,
      accepted_edited_count: 1,
      generated_count: proposals.length,
    });
  });
});
