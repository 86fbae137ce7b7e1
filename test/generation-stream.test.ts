/// <reference types="vite/client" />
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { wantsEventStream } from "../src/routes/generations/generations.stream";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { sseEvents } from "./helpers/sse";

afterEach(() => vi.restoreAllMocks());

const TEXT = (await import("./fixtures/generation-eval/de-music-bach.txt?raw")).default;
const SSE = { accept: "text/event-stream" };

const events = sseEvents;

const generate = (user: TestUser, headers: Record<string, string> = {}, envOverride?: Cloudflare.Env) =>
  api("POST", "/api/v1/generations", {
    token: user.accessToken,
    body: { source_text: TEXT, count: 6 },
    headers,
    env: envOverride,
  });

function openAiEnv(reply: () => Response) {
  const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => reply());
  const llmEnv = {
    ...env,
    AI_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-test-secret",
    OPENAI_BASE_URL: "https://llm.example/v1",
    OPENAI_MODEL: "test-model",
  };
  return { fetchSpy, env: llmEnv };
}

async function errorLogs(user: TestUser) {
  const rows = await env.DB.prepare("SELECT error_code FROM generation_error_logs WHERE user_id = ?")
    .bind(user.id)
    .all();
  return rows.results.map((row) => (row as { error_code: string }).error_code);
}

describe("POST /generations with Accept: text/event-stream", () => {
  it("streams one proposal event per card, then the JSON mode's 201 body as the generation event", async () => {
    const user = await registerUser();
    const res = await generate(user, SSE);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const stream = events(res.text);
    const proposals = stream.filter((e) => e.event === "proposal");
    const last = stream.at(-1)!;
    expect(proposals).toHaveLength(6);
    expect(proposals.map((e) => e.data.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(last.event).toBe("generation");
    expect(Object.keys(last.data).sort()).toEqual(["generation", "proposals"]);
    expect(last.data.generation.generated_count).toBe(6);
    expect(last.data.proposals.map((p: { front: string; back: string }) => ({ front: p.front, back: p.back }))).toEqual(
      proposals.map((e) => ({ front: e.data.front, back: e.data.back })),
    );
    for (const p of last.data.proposals) expect(p.duplicate_of).toBeNull();
    const stored = await api("GET", `/api/v1/generations/${last.data.generation.id}`, { token: user.accessToken });
    expect(stored.body).toEqual(last.data.generation);
  });

  it("replays in whichever mode the replaying request asks for", async () => {
    const user = await registerUser();
    const jsonFirst = { "idempotency-key": crypto.randomUUID() };
    const json = await generate(user, jsonFirst);
    expect(json.status).toBe(201);
    const streamed = await generate(user, { ...jsonFirst, ...SSE });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get("idempotent-replayed")).toBe("true");
    expect(events(streamed.text).at(-1)).toEqual({ event: "generation", data: json.body });

    const streamFirst = { "idempotency-key": crypto.randomUUID() };
    const first = events((await generate(user, { ...streamFirst, ...SSE })).text).at(-1)!;
    const replay = await generate(user, streamFirst);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.data);
  });

  it("ends with an error event carrying the problem document, and logs the failure", async () => {
    const user = await registerUser();
    const key = { "idempotency-key": crypto.randomUUID() };
    const { fetchSpy, env: llmEnv } = openAiEnv(() => new Response("upstream down", { status: 500 }));
    const res = await generate(user, { ...key, ...SSE }, llmEnv);
    expect(res.status).toBe(200);
    const stream = events(res.text);
    expect(stream).toHaveLength(1);
    expect(stream[0]).toMatchObject({ event: "error", data: { status: 502, code: "provider_error" } });
    expect(stream[0]!.data.request_id).toEqual(expect.any(String));
    expect(await errorLogs(user)).toEqual(["provider_error"]);
    // The key was released: a retry with it calls the provider again.
    await generate(user, { ...key, ...SSE }, llmEnv);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
  });

  it("turns a provider response that breaks halfway into an error event and an error log", async () => {
    const user = await registerUser();
    const half = '{"choices":[{"message":{"content":"{\\"proposals\\":[{\\"front\\":\\"Wann';
    const { env: llmEnv } = openAiEnv(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(half));
              controller.error(new Error("connection reset"));
            },
          }),
          { headers: { "content-type": "application/json" } },
        ),
    );
    const res = await generate(user, SSE, llmEnv);
    expect(res.status).toBe(200);
    expect(events(res.text)).toEqual([
      { event: "error", data: expect.objectContaining({ status: 502, code: "invalid_provider_output" }) },
    ]);
    expect(await errorLogs(user)).toEqual(["invalid_output"]);
  });

  it("answers failures before the stream as ordinary problem responses", async () => {
    const user = await registerUser();
    const res = await api("POST", "/api/v1/generations", {
      token: user.accessToken,
      body: { source_text: TEXT, count: 0 },
      headers: SSE,
    });
    expectProblem(res, 400, "validation_failed");
    const key = { "idempotency-key": crypto.randomUUID() };
    await generate(user, key);
    const reused = await api("POST", "/api/v1/generations", {
      token: user.accessToken,
      body: { source_text: TEXT, count: 7 },
      headers: { ...key, ...SSE },
    });
    expectProblem(reused, 422, "idempotency_key_reused");
  });

  it("completes the generation and its Idempotency-Key when the client disconnects at once", async () => {
    const user = await registerUser();
    const key = crypto.randomUUID();
    const request = new Request("http://api.test/api/v1/generations", {
      method: "POST",
      headers: {
        authorization: `Bearer ${user.accessToken}`,
        "content-type": "application/json",
        accept: "text/event-stream",
        "idempotency-key": key,
      },
      body: JSON.stringify({ source_text: TEXT, count: 6 }),
    });
    const ctx = createExecutionContext();
    const response = await worker.fetch(request, env, ctx);
    expect(response.status).toBe(200);
    await response.body!.cancel();
    await waitOnExecutionContext(ctx);
    const stored = await env.DB.prepare("SELECT response_status FROM idempotency_keys WHERE user_id = ? AND key = ?")
      .bind(user.id, key)
      .first<{ response_status: number }>();
    expect(stored?.response_status).toBe(201);
    const generations = await env.DB.prepare("SELECT generated_count FROM generations WHERE user_id = ?")
      .bind(user.id)
      .all<{ generated_count: number }>();
    expect(generations.results).toEqual([{ generated_count: 6 }]);
    const replay = await generate(user, { "idempotency-key": key });
    expect(replay.status).toBe(201);
    expect(replay.body.proposals).toHaveLength(6);
  });

  it("keeps JSON the default", () => {
    expect(wantsEventStream(undefined)).toBe(false);
    expect(wantsEventStream("*/*")).toBe(false);
    expect(wantsEventStream("application/json")).toBe(false);
    expect(wantsEventStream("text/event-stream")).toBe(true);
    expect(wantsEventStream("application/json, text/event-stream;q=0.9")).toBe(true);
  });
});
