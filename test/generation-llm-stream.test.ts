/**
 * Issue #17: in event-stream mode the LLM providers use their native streaming, and each card goes out as
 * `event: proposal` as soon as the model completes it. The fakes speak the providers' real streaming
 * formats (server-sent events of JSON chunks), split at awkward places.
 */
/// <reference types="vite/client" />
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ProposalScanner, sseData } from "../src/ai/proposal-stream";
import worker from "../src/index";
import { api, registerUser, type TestUser } from "./helpers/api";
import { type SseEvent, sseEvents } from "./helpers/sse";

afterEach(() => vi.restoreAllMocks());

const TEXT = (await import("./fixtures/generation-eval/en-history-hanseatic-league.txt?raw")).default;
const SSE = { accept: "text/event-stream" };

const CARDS = [
  { front: "Who built the first press with movable type in Europe?", back: "Johannes Gutenberg" },
  { front: 'What does the word "incunabula" mean?', back: "Books printed before 1501 {cradle}" },
  { front: "In which city did Gutenberg work?", back: "Mainz" },
  { front: "What replaced the scribe's pen?", back: "Metal type \\ ink" },
];

/** The model's whole answer, as the JSON text it streams token by token. */
const answer = (cards: readonly unknown[]) => JSON.stringify({ proposals: cards });

/** Cuts a text into pieces of 1–7 characters (token-sized, boundaries inside strings and escapes). */
function tokens(text: string): string[] {
  const pieces: string[] = [];
  for (let i = 0, n = 0; i < text.length; n++) {
    const size = 1 + (n % 7);
    pieces.push(text.slice(i, i + size));
    i += size;
  }
  return pieces;
}

/** The OpenAI streaming chunk that carries one piece of content. */
const openAiChunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** A Workers AI streaming chunk (`response` tokens). */
const workersAiChunk = (response: string) => `data: ${JSON.stringify({ response, p: "abc" })}\n\n`;

type Step = string | { waitFor: Promise<void> } | { fail: string };

/**
 * A byte stream that plays `steps`: text is sent (cut into 5-byte slices, so UTF-8 sequences and lines are
 * split), `waitFor` holds the stream until the test releases it, `fail` errors it like a reset connection.
 */
function byteStream(steps: Step[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    // Each pull must enqueue, close or error: a pull that only waits would leave the reader stalled.
    async pull(controller) {
      for (;;) {
        const step = steps[i++];
        if (step === undefined) return controller.close();
        if (typeof step === "string") {
          const bytes = encoder.encode(step);
          for (let at = 0; at < bytes.length; at += 5) controller.enqueue(bytes.slice(at, at + 5));
          return;
        }
        if ("fail" in step) return controller.error(new Error(step.fail));
        await step.waitFor;
      }
    },
  });
}

/** A latch the fake stream waits on until the test has seen what it expects. */
function latch() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** OpenAI stream steps: the answer's tokens, with `hold` inserted right after the `after`-th card is complete. */
function openAiSteps(cards: readonly unknown[], options: { hold?: Promise<void>; after?: number; end?: Step[] } = {}) {
  const steps: Step[] = [];
  const text = answer(cards);
  // Where the `after`-th card's closing brace is (cards[after - 1]).
  const cut =
    options.after === undefined
      ? -1
      : text.indexOf(JSON.stringify(cards[options.after - 1])) + JSON.stringify(cards[options.after - 1]).length;
  let sent = 0;
  for (const piece of tokens(text)) {
    steps.push(openAiChunk(piece));
    sent += piece.length;
    if (options.hold && cut >= 0 && sent >= cut && sent - piece.length < cut) steps.push({ waitFor: options.hold });
  }
  steps.push(...(options.end ?? [openAiChunk("", "stop"), "data: [DONE]\n\n"]));
  return steps;
}

function openAiEnv(stream: () => ReadableStream<Uint8Array>) {
  const fetchSpy = vi
    .spyOn(globalThis, "fetch")
    .mockImplementation(
      async () => new Response(stream(), { headers: { "content-type": "text/event-stream; charset=utf-8" } }),
    );
  const llmEnv = {
    ...env,
    AI_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-test-secret",
    OPENAI_BASE_URL: "https://llm.example/v1",
    OPENAI_MODEL: "test-model",
  } as Cloudflare.Env;
  return { fetchSpy, env: llmEnv };
}

function workersAiEnv(stream: () => ReadableStream<Uint8Array>) {
  const run = vi.fn(async (_model: string, inputs: Record<string, unknown>) =>
    inputs.stream ? stream() : { response: JSON.parse(answer(CARDS)) },
  );
  return { run, env: { ...env, AI_PROVIDER: "workers-ai", AI: { run } } as unknown as Cloudflare.Env };
}

/** Starts a streamed generation through the worker and returns a reader of its events plus the context. */
async function startStream(user: TestUser, llmEnv: Cloudflare.Env, headers: Record<string, string> = {}, count = 10) {
  const request = new Request("http://api.test/api/v1/generations", {
    method: "POST",
    headers: {
      authorization: `Bearer ${user.accessToken}`,
      "content-type": "application/json",
      ...SSE,
      ...headers,
    },
    body: JSON.stringify({ source_text: TEXT, count }),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, llmEnv, ctx);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const seen: SseEvent[] = [];
  /** Reads until `n` events have arrived (or the stream ends); returns all seen so far. */
  const until = async (n: number) => {
    while (seen.length < n) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop() ?? "";
      seen.push(...sseEvents(blocks.join("\n\n")));
    }
    return seen;
  };
  return { response, ctx, reader, until, rest: () => until(Number.POSITIVE_INFINITY) };
}

async function errorLogs(user: TestUser) {
  const rows = await env.DB.prepare("SELECT error_code FROM generation_error_logs WHERE user_id = ?")
    .bind(user.id)
    .all<{ error_code: string }>();
  return rows.results.map((row) => row.error_code);
}

describe("ProposalScanner and sseData", () => {
  it("hands on each proposal when its closing brace arrives, whatever the chunking", () => {
    const text = `\`\`\`json\n${JSON.stringify({ note: "x}{[", proposals: CARDS, tail: [{ a: 1 }] }, null, 1)}\n\`\`\``;
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const scanner = new ProposalScanner();
      const found: unknown[] = [];
      const completedAt: number[] = [];
      for (let at = 0; at < text.length; at += size) {
        const items = scanner.push(text.slice(at, at + size));
        found.push(...items);
        for (const _ of items) completedAt.push(Math.min(at + size, text.length));
      }
      expect(found, `chunks of ${size}`).toEqual(CARDS);
      expect(scanner.received).toBe(text);
      // The first card is out long before the text ends.
      if (size < 64) expect(completedAt[0]).toBeLessThan(text.length / 2);
    }
  });

  it("reads data lines across any byte boundary, CRLF and multi-byte characters included", async () => {
    const payload = 'data: {"response":"Zażółć 🦊"}\r\n\r\ndata: [DONE]\r\n\r\n';
    const bytes = new TextEncoder().encode(payload);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const out: string[] = [];
    for await (const data of sseData(stream)) out.push(data);
    expect(out).toEqual(['{"response":"Zażółć 🦊"}', "[DONE]"]);
  });
});

describe("OpenAI-compatible streaming", () => {
  it("sends each card as soon as the model completes it, before the model has finished", async () => {
    const user = await registerUser();
    const hold = latch();
    const { fetchSpy, env: llmEnv } = openAiEnv(() => byteStream(openAiSteps(CARDS, { hold: hold.promise, after: 2 })));
    const stream = await startStream(user, llmEnv);
    expect(stream.response.status).toBe(200);
    // The model is held after its second card: both are already out as events.
    const early = await stream.until(2);
    expect(early.map((e) => [e.event, e.data.index, e.data.front])).toEqual([
      ["proposal", 0, CARDS[0]!.front],
      ["proposal", 1, CARDS[1]!.front],
    ]);
    hold.open();
    const all = await stream.rest();
    await waitOnExecutionContext(stream.ctx);
    expect(all.map((e) => e.event)).toEqual(["proposal", "proposal", "proposal", "proposal", "generation"]);
    expect(all.slice(0, 4).map((e) => ({ front: e.data.front, back: e.data.back }))).toEqual(CARDS);
    const body = all.at(-1)!.data;
    expect(body.proposals.map((p: any) => ({ front: p.front, back: p.back }))).toEqual(CARDS);
    expect(body.generation).toMatchObject({ model: "test-model", generated_count: 4 });
    const sent = JSON.parse(String(fetchSpy.mock.calls[0]![1]!.body));
    expect(sent.stream).toBe(true);
  });

  it("keeps JSON mode unstreamed", async () => {
    const user = await registerUser();
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async () => Response.json({ choices: [{ message: { content: answer(CARDS) } }] }));
    const res = await api("POST", "/api/v1/generations", {
      token: user.accessToken,
      body: { source_text: TEXT },
      env: {
        ...env,
        AI_PROVIDER: "openai",
        OPENAI_API_KEY: "sk-x",
        OPENAI_BASE_URL: "https://llm.example/v1",
      } as Cloudflare.Env,
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(String(fetchSpy.mock.calls[0]![1]!.body)).stream).toBeUndefined();
  });

  it("stops at count", async () => {
    const user = await registerUser();
    const { env: llmEnv } = openAiEnv(() => byteStream(openAiSteps(CARDS)));
    const stream = await startStream(user, llmEnv, {}, 2);
    const all = await stream.rest();
    await waitOnExecutionContext(stream.ctx);
    expect(all.map((e) => e.event)).toEqual(["proposal", "proposal", "generation"]);
    expect(all.at(-1)!.data.generation.generated_count).toBe(2);
  });

  it("turns a stream that breaks halfway into an error event after the cards already sent, logs it and frees the key", async () => {
    const user = await registerUser();
    const key = { "idempotency-key": crypto.randomUUID() };
    const steps = openAiSteps(CARDS);
    const half = Math.floor(steps.length / 2);
    const { fetchSpy, env: llmEnv } = openAiEnv(() =>
      byteStream([...steps.slice(0, half), { fail: "connection reset" }]),
    );
    const stream = await startStream(user, llmEnv, key);
    const all = await stream.rest();
    await waitOnExecutionContext(stream.ctx);
    const proposals = all.filter((e) => e.event === "proposal");
    expect(proposals.length).toBeGreaterThanOrEqual(1);
    expect(proposals.length).toBeLessThan(CARDS.length);
    expect(all.at(-1)).toEqual({
      event: "error",
      data: expect.objectContaining({ status: 502, code: "provider_error", request_id: expect.any(String) }),
    });
    expect(await errorLogs(user)).toEqual(["provider_error"]);
    // The key was released: the same key may try again, and this time the model finishes.
    fetchSpy.mockImplementation(
      async () => new Response(byteStream(openAiSteps(CARDS)), { headers: { "content-type": "text/event-stream" } }),
    );
    const retry = await startStream(user, llmEnv, key);
    expect((await retry.rest()).at(-1)!.event).toBe("generation");
    await waitOnExecutionContext(retry.ctx);
  });

  it("treats a stream that ends without [DONE] or finish_reason as broken", async () => {
    const user = await registerUser();
    const steps = openAiSteps(CARDS, { end: [] });
    const { env: llmEnv } = openAiEnv(() => byteStream(steps));
    const stream = await startStream(user, llmEnv);
    const all = await stream.rest();
    await waitOnExecutionContext(stream.ctx);
    expect(all.at(-1)).toMatchObject({ event: "error", data: { status: 502, code: "provider_error" } });
    expect(await errorLogs(user)).toEqual(["provider_error"]);
  });

  it("ends with invalid_provider_output when a later card breaks the schema (the earlier ones were sent)", async () => {
    const user = await registerUser();
    const bad = [...CARDS.slice(0, 2), { front: "x".repeat(201), back: "too long" }];
    const { env: llmEnv } = openAiEnv(() => byteStream(openAiSteps(bad)));
    const stream = await startStream(user, llmEnv);
    const all = await stream.rest();
    await waitOnExecutionContext(stream.ctx);
    expect(all.map((e) => e.event)).toEqual(["proposal", "proposal", "error"]);
    expect(all.at(-1)!.data).toMatchObject({ status: 502, code: "invalid_provider_output" });
    expect(await errorLogs(user)).toEqual(["invalid_output"]);
  });

  it("completes the generation and its key when the client disconnects mid-stream; a replay works in both modes", async () => {
    const user = await registerUser();
    const key = { "idempotency-key": crypto.randomUUID() };
    const hold = latch();
    const { fetchSpy, env: llmEnv } = openAiEnv(() => byteStream(openAiSteps(CARDS, { hold: hold.promise, after: 1 })));
    const stream = await startStream(user, llmEnv, key);
    await stream.until(1);
    await stream.reader.cancel();
    hold.open();
    await waitOnExecutionContext(stream.ctx);
    const stored = await env.DB.prepare("SELECT response_status FROM idempotency_keys WHERE user_id = ? AND key = ?")
      .bind(user.id, key["idempotency-key"])
      .first<{ response_status: number }>();
    expect(stored?.response_status).toBe(201);
    const json = await api("POST", "/api/v1/generations", {
      token: user.accessToken,
      body: { source_text: TEXT, count: 10 },
      headers: key,
      env: llmEnv,
    });
    expect(json.status).toBe(201);
    expect(json.headers.get("idempotent-replayed")).toBe("true");
    expect(json.body.proposals.map((p: any) => p.front)).toEqual(CARDS.map((c) => c.front));
    const replay = await startStream(user, llmEnv, key);
    const events = await replay.rest();
    await waitOnExecutionContext(replay.ctx);
    expect(replay.response.headers.get("idempotent-replayed")).toBe("true");
    expect(events.at(-1)).toEqual({ event: "generation", data: json.body });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });
});

describe("Workers AI streaming", () => {
  it("asks the binding to stream and sends each card before the model has finished", async () => {
    const user = await registerUser();
    const hold = latch();
    const steps: Step[] = [];
    const text = answer(CARDS);
    const firstEnd = text.indexOf(JSON.stringify(CARDS[0])) + JSON.stringify(CARDS[0]).length;
    steps.push(workersAiChunk(text.slice(0, firstEnd)), { waitFor: hold.promise });
    for (const piece of tokens(text.slice(firstEnd))) steps.push(workersAiChunk(piece));
    steps.push("data: [DONE]\n\n");
    const { run, env: aiEnv } = workersAiEnv(() => byteStream(steps));
    const stream = await startStream(user, aiEnv);
    expect((await stream.until(1))[0]).toMatchObject({ event: "proposal", data: { index: 0, ...CARDS[0] } });
    hold.open();
    const all = await stream.rest();
    await waitOnExecutionContext(stream.ctx);
    expect(all.map((e) => e.event)).toEqual(["proposal", "proposal", "proposal", "proposal", "generation"]);
    expect(run.mock.calls[0]![1]).toMatchObject({ stream: true });
  });

  it("turns a broken Workers AI stream into an error event and an error log", async () => {
    const user = await registerUser();
    const text = answer(CARDS);
    const { env: aiEnv } = workersAiEnv(() =>
      byteStream([workersAiChunk(text.slice(0, text.length / 2)), { fail: "stream reset" }]),
    );
    const stream = await startStream(user, aiEnv);
    const all = await stream.rest();
    await waitOnExecutionContext(stream.ctx);
    expect(all.at(-1)).toMatchObject({ event: "error", data: { status: 502, code: "provider_error" } });
    expect(await errorLogs(user)).toEqual(["provider_error"]);
  });
});
