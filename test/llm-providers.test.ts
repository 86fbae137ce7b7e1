import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { textOfLength } from "./helpers/texts";

afterEach(() => vi.restoreAllMocks());

const TEXT = textOfLength(1_800);
const GOOD = {
  proposals: [
    { front: "How long is the Vistula?", back: "About 1,047 kilometres" },
    { front: "When did Warsaw become the capital of Poland?", back: "1596" },
  ],
};

async function rows(user: TestUser) {
  const [generations, logs] = await env.DB.batch([
    env.DB.prepare("SELECT count(*) AS n FROM generations WHERE user_id = ?").bind(user.id),
    env.DB.prepare("SELECT error_code, error_message, model FROM generation_error_logs WHERE user_id = ?").bind(
      user.id,
    ),
  ]);
  return {
    generations: (generations!.results[0] as { n: number }).n,
    logs: logs!.results as Array<{ error_code: string; error_message: string; model: string }>,
  };
}

const neverAnswers = (signal?: AbortSignal | null) =>
  new Promise<never>((_, reject) =>
    signal?.addEventListener("abort", () => reject(new DOMException("The operation was aborted.", "AbortError"))),
  );

type Outcome = { status: number; code?: string; logCode?: string; retryAfter?: boolean };

const openAiCases: Array<[string, (init?: RequestInit) => Promise<Response>, Outcome]> = [
  [
    "success",
    async () => Response.json({ choices: [{ message: { content: JSON.stringify(GOOD) } }] }),
    { status: 201 },
  ],
  [
    "success in a ```json fence",
    async () => Response.json({ choices: [{ message: { content: "```json\n" + JSON.stringify(GOOD) + "\n```" } }] }),
    { status: 201 },
  ],
  [
    "malformed JSON",
    async () => Response.json({ choices: [{ message: { content: '{"proposals": [{"front": "Q"' } }] }),
    { status: 502, code: "invalid_provider_output", logCode: "invalid_output" },
  ],
  [
    "a body that is not JSON",
    async () => new Response("<html>gateway</html>", { status: 200 }),
    { status: 502, code: "invalid_provider_output", logCode: "invalid_output" },
  ],
  [
    "schema-violating items",
    async () =>
      Response.json({
        choices: [{ message: { content: JSON.stringify({ proposals: [{ front: "Q", answer: "A" }] }) } }],
      }),
    { status: 502, code: "invalid_provider_output", logCode: "invalid_output" },
  ],
  [
    "an over-length back",
    async () =>
      Response.json({
        choices: [{ message: { content: JSON.stringify({ proposals: [{ front: "Q", back: "x".repeat(501) }] }) } }],
      }),
    { status: 502, code: "invalid_provider_output", logCode: "invalid_output" },
  ],
  [
    "too many items",
    async () =>
      Response.json({
        choices: [
          {
            message: {
              content: JSON.stringify({
                proposals: Array.from({ length: 51 }, (_, i) => ({ front: `Q${i}`, back: `A${i}` })),
              }),
            },
          },
        ],
      }),
    { status: 502, code: "invalid_provider_output", logCode: "invalid_output" },
  ],
  [
    "429",
    async () => new Response('{"error":"slow down"}', { status: 429, headers: { "retry-after": "17" } }),
    { status: 503, code: "provider_unavailable", logCode: "provider_rate_limited", retryAfter: true },
  ],
  [
    "500",
    async () => new Response('{"error":"internal"}', { status: 500 }),
    { status: 502, code: "provider_error", logCode: "provider_error" },
  ],
  [
    "401 (bad key)",
    async () => new Response('{"error":"invalid api key sk-test-secret"}', { status: 401 }),
    { status: 502, code: "provider_error", logCode: "provider_error" },
  ],
  [
    "a network error",
    async () => {
      throw new TypeError("Network connection lost.");
    },
    { status: 502, code: "provider_error", logCode: "provider_error" },
  ],
  [
    "a timeout",
    (init) => neverAnswers(init?.signal),
    { status: 504, code: "provider_timeout", logCode: "provider_timeout" },
  ],
];

describe("openai provider (fetch faked)", () => {
  it.each(openAiCases)("%s", async (_name, reply, outcome) => {
    const user = await registerUser();
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation((_input, init) => reply(init));
    const aiEnv = {
      ...env,
      AI_PROVIDER: "openai",
      OPENAI_API_KEY: "sk-test-secret",
      OPENAI_BASE_URL: "https://llm.example/v1/",
      OPENAI_MODEL: "gpt-test",
      AI_TIMEOUT_MS: "50",
    };
    const res = await api("POST", "/api/v1/generations", {
      token: user.accessToken,
      body: { source_text: TEXT },
      env: aiEnv,
    });
    expect(fetchSpy).toHaveBeenCalledOnce();
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(String(url)).toBe("https://llm.example/v1/chat/completions");
    expect(new Headers(init?.headers).get("authorization")).toBe("Bearer sk-test-secret");
    const sent = JSON.parse(String(init?.body));
    expect(sent.model).toBe("gpt-test");
    expect(sent.response_format.type).toBe("json_schema");
    expect(sent.response_format.json_schema.schema.properties.proposals.maxItems).toBe(50);
    expect(sent.messages[0].content).toContain("No yes/no questions");
    expect(sent.messages[1].content).toContain(TEXT);
    const stored = await rows(user);
    if (outcome.status === 201) {
      expect(res.status).toBe(201);
      expect(res.body.proposals).toEqual(GOOD.proposals.map((p) => ({ ...p, duplicate_of: null })));
      expect(res.body.generation).toMatchObject({ model: "gpt-test", generated_count: 2 });
      expect(stored).toEqual({ generations: 1, logs: [] });
      return;
    }
    expectProblem(res, outcome.status, outcome.code!);
    expect(res.text).not.toContain("sk-test-secret");
    if (outcome.retryAfter) expect(res.headers.get("retry-after")).toBe("17");
    expect(stored.generations).toBe(0);
    expect(stored.logs).toHaveLength(1);
    expect(stored.logs[0]).toMatchObject({ error_code: outcome.logCode, model: "gpt-test" });
    expect(stored.logs[0]!.error_message).not.toContain("sk-test-secret");
    expect(stored.logs[0]!.error_message).not.toContain(TEXT.slice(0, 30));
  });
});

describe("workers-ai provider (fake AI binding)", () => {
  const cases: Array<[string, (inputs: Record<string, unknown>) => Promise<unknown>, Outcome]> = [
    ["success (object response)", async () => ({ response: GOOD }), { status: 201 }],
    ["success (string response)", async () => ({ response: JSON.stringify(GOOD) }), { status: 201 }],
    [
      "malformed JSON",
      async () => ({ response: "{not json" }),
      { status: 502, code: "invalid_provider_output", logCode: "invalid_output" },
    ],
    [
      "schema-violating items",
      async () => ({ response: { proposals: [{ front: "", back: "A" }] } }),
      { status: 502, code: "invalid_provider_output", logCode: "invalid_output" },
    ],
    [
      "too many items",
      async () => ({ response: { proposals: Array.from({ length: 60 }, (_, i) => ({ front: `Q${i}`, back: "A" })) } }),
      { status: 502, code: "invalid_provider_output", logCode: "invalid_output" },
    ],
    [
      "429 / capacity",
      async () => {
        throw new Error("3040: Capacity temporarily exceeded, please try again. (429)");
      },
      { status: 503, code: "provider_unavailable", logCode: "provider_rate_limited", retryAfter: true },
    ],
    [
      "500",
      async () => {
        throw new Error("5000: Internal server error");
      },
      { status: 502, code: "provider_error", logCode: "provider_error" },
    ],
    [
      "network error",
      async () => {
        throw new TypeError("Network connection lost.");
      },
      { status: 502, code: "provider_error", logCode: "provider_error" },
    ],
    ["timeout", () => new Promise(() => {}), { status: 504, code: "provider_timeout", logCode: "provider_timeout" }],
  ];

  it.each(cases)("%s", async (_name, run, outcome) => {
    const user = await registerUser();
    const calls: Array<[string, Record<string, unknown>]> = [];
    const AI = {
      run: (model: string, inputs: Record<string, unknown>) => {
        calls.push([model, inputs]);
        return run(inputs);
      },
    } as unknown as Ai;
    const aiEnv = { ...env, AI_PROVIDER: "workers-ai", WORKERS_AI_MODEL: "@cf/test/model", AI_TIMEOUT_MS: "50", AI };
    const res = await api("POST", "/api/v1/generations", {
      token: user.accessToken,
      body: { source_text: TEXT },
      env: aiEnv,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe("@cf/test/model");
    expect((calls[0]![1].response_format as { type: string }).type).toBe("json_schema");
    const stored = await rows(user);
    if (outcome.status === 201) {
      expect(res.status).toBe(201);
      expect(res.body.proposals).toEqual(GOOD.proposals.map((p) => ({ ...p, duplicate_of: null })));
      expect(stored).toEqual({ generations: 1, logs: [] });
      return;
    }
    expectProblem(res, outcome.status, outcome.code!);
    if (outcome.retryAfter) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(stored.generations).toBe(0);
    expect(stored.logs).toEqual([expect.objectContaining({ error_code: outcome.logCode, model: "@cf/test/model" })]);
  });

  it("reports a missing AI binding as a logged 502, not a 500", async () => {
    const user = await registerUser();
    const res = await api("POST", "/api/v1/generations", {
      token: user.accessToken,
      body: { source_text: TEXT },
      env: { ...env, AI_PROVIDER: "workers-ai" },
    });
    expectProblem(res, 502, "provider_error");
    expect((await rows(user)).logs).toHaveLength(1);
  });
});
