import { env } from "cloudflare:test";
import { hc } from "hono/client";
import { describe, expect, it } from "vitest";
import type { AppType } from "../src/app";
import worker from "../src/index";
import { declaredRoutes } from "../src/lib/route-docs";
import { buildOpenApiDocument } from "../src/openapi/document";
import { type ApiResponse, api, freshIp, registerUser, type TestUser } from "./helpers/api";
import { assertMatchesContract, openApiDocument, operations } from "./helpers/contract";
import { textOfLength } from "./helpers/texts";

describe("GET /api/v1/openapi.json", () => {
  it("serves an OpenAPI 3.1 document with the bearer scheme and the problem schema", async () => {
    const res = await api("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(res.body.components.securitySchemes.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    expect(res.body.components.securitySchemes.personalAccessToken).toMatchObject({ type: "http", scheme: "bearer" });
    // Per operation: the scope a token needs, and no token scheme where only a session may act.
    expect(res.body.paths["/api/v1/flashcards"].get.security).toEqual([
      { bearerAuth: [] },
      { personalAccessToken: ["cards:read"] },
    ]);
    expect(res.body.paths["/api/v1/generations"].post.security).toEqual([
      { bearerAuth: [] },
      { personalAccessToken: ["generate"] },
    ]);
    expect(res.body.paths["/api/v1/auth/tokens"].post.security).toEqual([{ bearerAuth: [] }]);
    expect(res.body.paths["/api/v1/health"].get.security).toEqual([]);
    expect(res.body.components.schemas.Problem.required).toEqual(
      expect.arrayContaining(["type", "title", "status", "detail", "code", "request_id"]),
    );
  });

  it("serves the document built at build time, equal to the one the routes declare now", async () => {
    // public/docs/openapi.json comes from scripts/openapi-build.mjs (wrangler's [build] command and the test
    // setup); the deployed bundle cannot build it (no route descriptions, no JSON Schema conversion).
    const served = await api("GET", "/api/v1/openapi.json");
    const declared = buildOpenApiDocument(declaredRoutes(worker as never), env.PUBLIC_URL);
    expect(served.text).toBe(JSON.stringify(declared));
    // The asset itself is not served as it is (its server is a placeholder).
    expect((await api("GET", "/docs/openapi.json")).status).toBe(404);
  });

  it("has every route description and schema .meta() behind ROUTE_DOCS, so the deployed build drops them", () => {
    const sources = import.meta.glob<string>("../src/**/*.ts", { query: "?raw", import: "default", eager: true });
    const unguarded = Object.entries(sources).flatMap(([file, text]) =>
      file.endsWith("route-docs.ts")
        ? []
        : [...text.matchAll(/describeRoute\((?!\s*ROUTE_DOCS && )|\.meta\((?!\s*ROUTE_DOCS\s*\? )/g)].map(
            (match) => `${file}@${match.index}`,
          ),
    );
    expect(unguarded).toEqual([]);
  });

  it("names the deployment's PUBLIC_URL as its server, not a hard-coded localhost", async () => {
    const local = await api("GET", "/api/v1/openapi.json");
    expect(local.body.servers).toEqual([{ url: env.PUBLIC_URL, description: "This deployment (PUBLIC_URL)" }]);
    const deployed = await api("GET", "/api/v1/openapi.json", {
      env: { ...env, PUBLIC_URL: "https://flashcards.example.org/" },
    });
    expect(deployed.body.servers).toEqual([
      { url: "https://flashcards.example.org", description: "This deployment (PUBLIC_URL)" },
    ]);
  });

  it("documents exactly the routes the app registers", async () => {
    const app = worker as unknown as { routes: Array<{ method: string; path: string }> };
    const registered = new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1"))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set([...(await operations()).values()].map((op) => `${op.method} ${op.path}`));
    expect(
      [...registered].filter((r) => !documented.has(r)),
      "registered but not documented",
    ).toEqual([]);
    expect(
      [...documented].filter((d) => !registered.has(d)),
      "documented but not registered",
    ).toEqual([]);
  });

  it("generates request schemas from the validators (limits included)", async () => {
    const doc: any = await openApiDocument();
    const create = doc.paths["/api/v1/flashcards"].post.requestBody.content["application/json"].schema;
    const items = create.properties.flashcards;
    expect(items.maxItems).toBe(100);
    expect(items.items.properties.front.maxLength).toBe(200);
    expect(items.items.properties.back.maxLength).toBe(500);
    expect(items.items.additionalProperties).toBe(false);
    const limit = doc.paths["/api/v1/flashcards"].get.parameters.find((p: any) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query", required: false });
    const source =
      doc.paths["/api/v1/generations"].post.requestBody.content["application/json"].schema.properties.source_text;
    expect(source).toMatchObject({ minLength: 1000, maxLength: 10000 });
  });
});

/** Runs one request per documented operation for success and one for an error, checking each. */
describe("real responses match the document", () => {
  const checked = new Map<string, Set<string>>();
  async function check(operationId: string, res: ApiResponse, kind: "success" | "error") {
    if (kind === "success") expect(res.status, `${operationId} ${res.text.slice(0, 200)}`).toBeLessThan(300);
    else expect(res.status, operationId).toBeGreaterThanOrEqual(400);
    await assertMatchesContract(operationId, res);
    if (!checked.has(operationId)) checked.set(operationId, new Set());
    checked.get(operationId)!.add(kind);
  }

  it("for every operation, a success and an error", async () => {
    const ip = () => ({ "cf-connecting-ip": freshIp() });
    const email = `contract-${crypto.randomUUID()}@example.com`;
    const password = "contract password 1";
    const missing = crypto.randomUUID();

    await check("getHealth", await api("GET", "/api/v1/health"), "success");
    await check("getOpenApiDocument", await api("GET", "/api/v1/openapi.json"), "success");
    await check("getApiReference", await api("GET", "/api/v1/docs"), "success");
    await check("getApiReference", await api("GET", "/api/v1/docs", { headers: { "x-d1-bookmark": "x" } }), "error");

    const registered = await api("POST", "/api/v1/auth/register", { body: { email, password }, headers: ip() });
    await check("register", registered, "success");
    await check(
      "register",
      await api("POST", "/api/v1/auth/register", { body: { email, password }, headers: ip() }),
      "error",
    );
    const user: TestUser = {
      id: registered.body.user.id,
      email,
      password,
      accessToken: registered.body.access_token,
      refreshToken: registered.body.refresh_token,
    };
    const token = user.accessToken;

    await check(
      "login",
      await api("POST", "/api/v1/auth/login", { body: { email, password }, headers: ip() }),
      "success",
    );
    await check(
      "login",
      await api("POST", "/api/v1/auth/login", { body: { email, password: "wrong password!" }, headers: ip() }),
      "error",
    );
    const other = await registerUser("contract-other");
    const refreshed = await api("POST", "/api/v1/auth/refresh", {
      body: { refresh_token: other.refreshToken },
      headers: ip(),
    });
    await check("refresh", refreshed, "success");
    await check(
      "refresh",
      await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: "nope" }, headers: ip() }),
      "error",
    );
    await check(
      "logout",
      await api("POST", "/api/v1/auth/logout", { body: { refresh_token: refreshed.body.refresh_token } }),
      "success",
    );
    await check(
      "logout",
      await api("POST", "/api/v1/auth/logout", { rawBody: "x", headers: { "content-type": "text/plain" } }),
      "error",
    );
    await check("getMe", await api("GET", "/api/v1/auth/me", { token }), "success");
    await check("getMe", await api("GET", "/api/v1/auth/me"), "error");

    const generation = await api("POST", "/api/v1/generations", {
      token,
      body: { source_text: textOfLength(2_500) },
      headers: { "idempotency-key": "contract-1" },
    });
    await check("createGeneration", generation, "success");
    await check(
      "createGeneration",
      await api("POST", "/api/v1/generations", { token, body: { source_text: "too short" } }),
      "error",
    );
    const generationId = generation.body.generation.id;
    await check("listGenerations", await api("GET", "/api/v1/generations", { token }), "success");
    await check("listGenerations", await api("GET", "/api/v1/generations?limit=0", { token }), "error");
    await check("getGeneration", await api("GET", `/api/v1/generations/${generationId}`, { token }), "success");
    await check("getGeneration", await api("GET", `/api/v1/generations/${missing}`, { token }), "error");

    const failedEnv = { ...env, AI_PROVIDER: "workers-ai" };
    await api("POST", "/api/v1/generations", { token, body: { source_text: textOfLength(1_500) }, env: failedEnv });
    const logs = await api("GET", "/api/v1/generation-error-logs", { token });
    await check("listGenerationErrorLogs", logs, "success");
    await check(
      "listGenerationErrorLogs",
      await api("GET", "/api/v1/generation-error-logs?cursor=forged", { token }),
      "error",
    );
    await check(
      "getGenerationErrorLog",
      await api("GET", `/api/v1/generation-error-logs/${logs.body.data[0].id}`, { token }),
      "success",
    );
    await check(
      "getGenerationErrorLog",
      await api("GET", `/api/v1/generation-error-logs/${missing}`, { token }),
      "error",
    );

    const proposal = generation.body.proposals[0];
    const created = await api("POST", "/api/v1/flashcards", {
      token,
      body: {
        flashcards: [
          {
            front: proposal.front,
            back: proposal.back,
            source: "ai-full",
            generation_id: generationId,
            proposal_index: 0,
          },
          { front: "Manual Q", back: "Manual A", source: "manual" },
        ],
      },
    });
    await check("createFlashcards", created, "success");
    await check(
      "createFlashcards",
      await api("POST", "/api/v1/flashcards", { token, body: { flashcards: [] } }),
      "error",
    );
    const cardId = created.body.data[1].id;
    await check("listFlashcards", await api("GET", "/api/v1/flashcards?q=Manual", { token }), "success");
    await check("listFlashcards", await api("GET", "/api/v1/flashcards?limit=abc", { token }), "error");
    await check("getFlashcard", await api("GET", `/api/v1/flashcards/${cardId}`, { token }), "success");
    await check("getFlashcard", await api("GET", "/api/v1/flashcards/not-a-uuid", { token }), "error");
    await check(
      "updateFlashcard",
      await api("PATCH", `/api/v1/flashcards/${cardId}`, { token, body: { front: "Edited Q" } }),
      "success",
    );
    await check("updateFlashcard", await api("PATCH", `/api/v1/flashcards/${cardId}`, { token, body: {} }), "error");
    await check(
      "bulkUpdateFlashcards",
      await api("POST", "/api/v1/flashcards/bulk", {
        token,
        body: { ids: [cardId], action: "add_tags", tags: ["doc"] },
      }),
      "success",
    );
    await check(
      "bulkUpdateFlashcards",
      await api("POST", "/api/v1/flashcards/bulk", { token, body: { ids: [missing], action: "delete" } }),
      "error",
    );

    await check(
      "previewSchedule",
      await api("GET", `/api/v1/flashcards/${cardId}/schedule-preview`, { token }),
      "success",
    );
    await check(
      "previewSchedule",
      await api("GET", `/api/v1/flashcards/${missing}/schedule-preview`, { token }),
      "error",
    );
    await check("getStudyQueue", await api("GET", "/api/v1/study/queue", { token }), "success");
    await check("getStudyQueue", await api("GET", "/api/v1/study/queue?limit=500", { token }), "error");
    const session = await api("POST", "/api/v1/study-sessions", { token, body: { limit: 5 } });
    await check("startStudySession", session, "success");
    await check(
      "startStudySession",
      await api("POST", "/api/v1/study-sessions", { token, body: { limit: -1 } }),
      "error",
    );
    const sessionId = session.body.session.id;
    await check(
      "reviewFlashcard",
      await api("POST", `/api/v1/flashcards/${cardId}/reviews`, {
        token,
        body: { rating: "good", session_id: sessionId },
      }),
      "success",
    );
    await check(
      "reviewFlashcard",
      await api("POST", `/api/v1/flashcards/${cardId}/reviews`, { token, body: { rating: "meh" } }),
      "error",
    );
    await check(
      "uploadReviews",
      await api("POST", "/api/v1/reviews/batch", {
        token,
        body: {
          reviews: [
            { id: crypto.randomUUID(), flashcard_id: cardId, rating: "easy", reviewed_at: new Date().toISOString() },
            { id: crypto.randomUUID(), flashcard_id: missing, rating: "good", reviewed_at: new Date().toISOString() },
          ],
        },
      }),
      "success",
    );
    await check("uploadReviews", await api("POST", "/api/v1/reviews/batch", { token, body: { reviews: [] } }), "error");
    await check(
      "undoLatestReview",
      await api("DELETE", `/api/v1/flashcards/${cardId}/reviews/latest`, { token }),
      "success",
    );
    await check(
      "undoLatestReview",
      await api("DELETE", `/api/v1/flashcards/${missing}/reviews/latest`, { token }),
      "error",
    );
    await check("listReviews", await api("GET", `/api/v1/flashcards/${cardId}/reviews`, { token }), "success");
    // The whole collection so far (cards, reviews, sessions, decks, tags): every kind of entity's data.
    await check("listChanges", await api("GET", "/api/v1/sync/changes?limit=1000", { token }), "success");
    await check("listChanges", await api("GET", "/api/v1/sync/changes?since=forged", { token }), "error");
    await check(
      "updateFlashcard",
      await api("PATCH", `/api/v1/flashcards/${cardId}`, {
        token,
        headers: { "if-match": '"99999"' },
        body: { back: "x" },
      }),
      "error",
    );
    await check("listReviews", await api("GET", `/api/v1/flashcards/${missing}/reviews`, { token }), "error");
    await check("getStudySession", await api("GET", `/api/v1/study-sessions/${sessionId}`, { token }), "success");
    await check("getStudySession", await api("GET", `/api/v1/study-sessions/${missing}`, { token }), "error");
    await check(
      "finishStudySession",
      await api("POST", `/api/v1/study-sessions/${sessionId}/finish`, { token }),
      "success",
    );
    await check(
      "finishStudySession",
      await api("POST", `/api/v1/study-sessions/${sessionId}/finish`, { token }),
      "error",
    );
    const deck = await api("POST", "/api/v1/decks", { token, body: { name: "Languages", description: "All" } });
    await check("createDeck", deck, "success");
    await check("createDeck", await api("POST", "/api/v1/decks", { token, body: { name: "a::b" } }), "error");
    const deckId = deck.body.id;
    await check("listDecks", await api("GET", "/api/v1/decks", { token }), "success");
    await check("listDecks", await api("GET", "/api/v1/decks", { token: "nope" }), "error");
    await check("getDeck", await api("GET", `/api/v1/decks/${deckId}`, { token }), "success");
    await check("getDeck", await api("GET", `/api/v1/decks/${missing}`, { token }), "error");
    await check(
      "updateDeck",
      await api("PATCH", `/api/v1/decks/${deckId}`, { token, body: { name: "Tongues" } }),
      "success",
    );
    await check(
      "updateDeck",
      await api("PATCH", `/api/v1/decks/${deckId}`, { token, body: { parent_id: deckId } }),
      "error",
    );
    await check("deleteDeck", await api("DELETE", `/api/v1/decks/${missing}`, { token }), "error");
    await check("deleteDeck", await api("DELETE", `/api/v1/decks/${deckId}?cascade=true`, { token }), "success");
    const tagged = await api("PATCH", `/api/v1/flashcards/${cardId}`, { token, body: { tags: ["lang::pl", "verb"] } });
    expect(tagged.status).toBe(200);
    await check("listTags", await api("GET", "/api/v1/tags", { token }), "success");
    await check("listTags", await api("GET", "/api/v1/tags", { token: "nope" }), "error");
    await check(
      "renameTag",
      await api("PATCH", "/api/v1/tags/verb", { token, body: { name: "grammar::verb" } }),
      "success",
    );
    await check("renameTag", await api("PATCH", "/api/v1/tags/nope", { token, body: { name: "x" } }), "error");
    await check("deleteTag", await api("DELETE", "/api/v1/tags/grammar::verb", { token }), "success");
    await check("deleteTag", await api("DELETE", "/api/v1/tags/grammar::verb", { token }), "error");
    await check("getStats", await api("GET", "/api/v1/stats", { token }), "success");
    await check("getStats", await api("GET", "/api/v1/stats?x=1", { token }), "error");
    for (const [operation, action, body] of [
      ["suspendFlashcard", "suspend", undefined],
      ["unsuspendFlashcard", "unsuspend", undefined],
      ["buryFlashcard", "bury", undefined],
      ["forgetFlashcard", "forget", {}],
      ["rescheduleFlashcard", "reschedule", { due: "2026-12-24" }],
    ] as const) {
      await check(operation, await api("POST", `/api/v1/flashcards/${cardId}/${action}`, { token, body }), "success");
      await check(operation, await api("POST", `/api/v1/flashcards/${missing}/${action}`, { token, body }), "error");
    }
    await check("getSettings", await api("GET", "/api/v1/settings", { token }), "success");
    await check("getSettings", await api("GET", "/api/v1/settings?x=1", { token }), "error");
    await check(
      "updateSettings",
      await api("PATCH", "/api/v1/settings", { token, body: { timezone: "US/Eastern", fsrs_parameters: null } }),
      "success",
    );
    await check("updateSettings", await api("PATCH", "/api/v1/settings", { token, body: {} }), "error");

    const imported = await api("POST", "/api/v1/imports", {
      token,
      rawBody: "#separator:tab\n#deck column:1\nContract::Deck\tq\ta\n",
      headers: { "content-type": "text/plain" },
    });
    await check("importFile", imported, "success");
    await check(
      "importFile",
      await api("POST", "/api/v1/imports", { token, rawBody: "q\ta", headers: { "content-type": "image/png" } }),
      "error",
    );
    const account = await api("GET", "/api/v1/exports/account.json", { token });
    await check(
      "importFile",
      await api("POST", "/api/v1/imports", {
        token,
        rawBody: account.text,
        headers: { "content-type": "application/json" },
      }),
      "success",
    );
    await check(
      "importFile",
      await api("POST", "/api/v1/imports", { token, body: { ...account.body, format_version: 9 } }),
      "error",
    );
    await check("listImports", await api("GET", "/api/v1/imports", { token }), "success");
    await check("listImports", await api("GET", "/api/v1/imports?limit=0", { token }), "error");
    await check("getImport", await api("GET", `/api/v1/imports/${imported.body.import.id}`, { token }), "success");
    await check("getImport", await api("GET", `/api/v1/imports/${missing}`, { token }), "error");

    for (const [operationId, path] of [
      ["exportAnkiText", "anki.txt"],
      ["exportCardsCsv", "cards.csv"],
      ["exportAccount", "account.json"],
    ] as const) {
      await check(operationId, await api("GET", `/api/v1/exports/${path}`, { token }), "success");
      await check(operationId, await api("GET", `/api/v1/exports/${path}`), "error");
    }
    await check("exportReviewsCsv", await api("GET", "/api/v1/reviews/export.csv", { token }), "success");
    await check(
      "getDailyStats",
      await api("GET", "/api/v1/stats/daily?from=2026-01-01&to=2026-01-31", { token }),
      "success",
    );
    await check("getDailyStats", await api("GET", "/api/v1/stats/daily?from=2026-01-01", { token }), "error");
    await check("getForecast", await api("GET", "/api/v1/stats/forecast?days=7", { token }), "success");
    await check("getForecast", await api("GET", "/api/v1/stats/forecast?days=0", { token }), "error");
    await check("exportReviewsCsv", await api("GET", "/api/v1/reviews/export.csv?x=1", { token }), "error");
    // Personal access tokens and account security.
    const pat = await api("POST", "/api/v1/auth/tokens", {
      token,
      body: { name: "contract", scopes: ["cards:read"], expires_in_days: null },
    });
    await check("createAccessToken", pat, "success");
    await check("createAccessToken", await api("POST", "/api/v1/auth/tokens", { token, body: { name: "x" } }), "error");
    await check("listAccessTokens", await api("GET", "/api/v1/auth/tokens", { token }), "success");
    await check("listAccessTokens", await api("GET", "/api/v1/auth/tokens", { token: pat.body.token }), "error");
    await check("getMe", await api("GET", "/api/v1/auth/me", { token: pat.body.token }), "success");
    await check("deleteAccessToken", await api("DELETE", `/api/v1/auth/tokens/${pat.body.id}`, { token }), "success");
    await check("deleteAccessToken", await api("DELETE", `/api/v1/auth/tokens/${missing}`, { token }), "error");
    const sessions = await api("GET", "/api/v1/auth/sessions", { token });
    await check("listSessions", sessions, "success");
    await check("listSessions", await api("GET", "/api/v1/auth/sessions"), "error");
    const second = await api("POST", "/api/v1/auth/login", { body: { email, password }, headers: ip() });
    const secondId = (await api("GET", "/api/v1/auth/sessions", { token })).body.data.find(
      (s: { current: boolean }) => !s.current,
    ).id;
    await check("revokeSession", await api("DELETE", `/api/v1/auth/sessions/${secondId}`, { token }), "success");
    await check("revokeSession", await api("DELETE", `/api/v1/auth/sessions/${secondId}`, { token }), "error");
    await check(
      "changePassword",
      await api("POST", "/api/v1/auth/password", {
        token,
        body: { current_password: "wrong password!", new_password: "a new password 123" },
        headers: ip(),
      }),
      "error",
    );
    await check(
      "changePassword",
      await api("POST", "/api/v1/auth/password", {
        token,
        body: { current_password: password, new_password: password },
        headers: ip(),
      }),
      "success",
    );
    await check(
      "logoutAll",
      await api("POST", "/api/v1/auth/logout-all", { token: second.body.access_token }),
      "error",
    );

    await check("deleteFlashcard", await api("DELETE", `/api/v1/flashcards/${cardId}`, { token }), "success");
    await check("deleteFlashcard", await api("DELETE", `/api/v1/flashcards/${cardId}`, { token }), "error");
    await check(
      "deleteMe",
      await api("DELETE", "/api/v1/auth/me", { token, body: { password: "not my password" }, headers: ip() }),
      "error",
    );
    await check(
      "deleteMe",
      await api("DELETE", "/api/v1/auth/me", { token, body: { password }, headers: ip() }),
      "success",
    );
    const leaving = await registerUser("contract-logout-all");
    await check("logoutAll", await api("POST", "/api/v1/auth/logout-all", { token: leaving.accessToken }), "success");
    await check(
      "getHealth",
      await api("GET", "/api/v1/health?x=1", { headers: { "content-length": "0" } }).then((r) => r),
      "success",
    );

    // Every documented operation got both a success and an error checked (health and the document
    // itself have no error response to produce).
    for (const [operationId] of await operations()) {
      const kinds = checked.get(operationId);
      expect(kinds?.has("success"), `${operationId} success`).toBe(true);
      if (operationId !== "getHealth" && operationId !== "getOpenApiDocument")
        expect(kinds?.has("error"), `${operationId} error`).toBe(true);
    }
  });
});

describe("typed client (hono/client)", () => {
  it("runs a full flow with typed calls against the worker", async () => {
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
    const fetchWorker = (input: RequestInfo | URL, init?: RequestInit) =>
      worker.fetch(new Request(input, init), env, ctx);
    const client = hc<AppType>("http://api.test", { fetch: fetchWorker, headers: { "cf-connecting-ip": freshIp() } });

    const registered = await client.api.v1.auth.register.$post({
      json: { email: `hc-${crypto.randomUUID()}@example.com`, password: "typed client password" },
    });
    expect(registered.status).toBe(201);
    const { access_token } = await registered.json();
    const authed = hc<AppType>("http://api.test", {
      fetch: fetchWorker,
      headers: { authorization: `Bearer ${access_token}` },
    });

    const created = await authed.api.v1.flashcards.$post({
      json: { flashcards: [{ front: "Typed?", back: "Yes", source: "manual" }] },
    });
    expect(created.status).toBe(201);
    const { data } = await created.json();
    const card = data[0]!;
    expect(card.front).toBe("Typed?");

    const listed = await authed.api.v1.flashcards.$get({ query: { limit: "10" } });
    const page = await listed.json();
    expect(page.data.map((c) => c.id)).toEqual([card.id]);

    const reviewed = await authed.api.v1.flashcards[":id"].reviews.$post({
      param: { id: card.id },
      json: { rating: "good" },
    });
    expect(reviewed.status).toBe(200);
    const { flashcard } = await reviewed.json();
    expect(flashcard.study.reps).toBe(1);

    const queue = await authed.api.v1.study.queue.$get({ query: {} });
    expect((await queue.json()).counts).toMatchObject({ new: 0 });
  });
});
