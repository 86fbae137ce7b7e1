/**
 * D1 round trips per request for every endpoint that touches D1, counted with the project's own
 * wrapper (test/helpers/d1-counter.ts: each batch, each statement run and each exec is one trip).
 *
 * Each row is asserted against its budget, and the whole table (with the SQL text each endpoint
 * prepared) is printed as one line `ROUND_TRIPS_JSON [...]` that bench/run.mjs turns into the
 * report's table and uses to check that the baseline worker still runs the app's SQL. The targets are
 * 1 trip for reads and single writes (session check included) and at most 2 for a review; `flow`
 * rows (a password hash or an AI call between two D1 steps) have no target and are budgeted at
 * their documented count. Where the documented count is above the target, the row says so
 * (`target`), the assertion holds the documented count (a regression guard), and the report marks
 * the target as missed.
 *
 * vitest picks this file up in `npm test` too; it runs in about a second.
 */
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { type ApiOptions, api, freshIp, registerUser, type TestUser } from "../test/helpers/api";
import { countingD1 } from "../test/helpers/d1-counter";
import { seedGeneration } from "../test/helpers/fixtures";
import { textOfLength } from "../test/helpers/texts";

type Kind = "read" | "write" | "review" | "flow";
type Row = {
  kind: Kind;
  endpoint: string;
  trips: number;
  statements: number;
  budget: number;
  target: number | null;
  status: number;
  sql: string[];
};

/** The targets per kind of endpoint. */
const TARGETS: Record<Kind, number | null> = { read: 1, write: 1, review: 2, flow: null };
const rows: Row[] = [];

/**
 * A D1 binding that remembers the text of every statement prepared through it (in order), so the
 * runner can check that the baseline worker runs the app's SQL.
 */
function recordingD1(real: D1Database): { db: D1Database; sql: string[] } {
  const sql: string[] = [];
  // The app prepares on the request's D1 session (`withSession`), so the session records too.
  const wrap = <D extends D1Database | D1DatabaseSession>(inner: D): D =>
    new Proxy(inner, {
      get(target, property) {
        if (property === "prepare") {
          return (query: string) => {
            sql.push(query);
            return target.prepare(query);
          };
        }
        if (property === "withSession") {
          return (constraint?: string) => wrap((target as D1Database).withSession(constraint));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return { db: wrap(real), sql };
}

/**
 * Calls one endpoint through a counting D1 and records the row.
 * @param budget the asserted maximum (defaults to the kind's target)
 */
async function measure(
  kind: Kind,
  endpoint: string,
  method: string,
  path: string,
  options: ApiOptions = {},
  budget?: number,
) {
  const recording = recordingD1(env.DB);
  const { db, counter } = countingD1(recording.db);
  const res = await api(method, path, { ...options, env: { ...env, DB: db } });
  const target = TARGETS[kind];
  const row = {
    kind,
    endpoint,
    trips: counter.trips,
    statements: counter.statements,
    budget: budget ?? target ?? 0,
    target,
    status: res.status,
    sql: recording.sql,
  };
  rows.push(row);
  expect(res.status, `${endpoint}: ${res.text.slice(0, 300)}`).toBeLessThan(300);
  expect(counter.trips, endpoint).toBeLessThanOrEqual(row.budget);
  return res;
}

const manual = (front: string) => ({ front, back: "An answer of ordinary length for a flashcard.", source: "manual" });

describe("D1 round trips per endpoint", () => {
  let user: TestUser;
  let cardId: string;
  let otherCardId: string;
  let sessionId: string;
  /** A card planned in that session (a review naming the session must be of one of its cards). */
  let sessionCardId: string;
  /** A deck whose subdeck holds ten cards, and those cards. */
  let deckId: string;
  let movedIds: string[];

  it("reads: one round trip each, session check included", async () => {
    user = await registerUser("trips");
    const token = user.accessToken;
    const created = await api("POST", "/api/v1/flashcards", {
      token,
      body: { flashcards: Array.from({ length: 25 }, (_, i) => manual(`Card ${i} about photosynthesis`)) },
    });
    [cardId, otherCardId] = created.body.data.map((c: { id: string }) => c.id);
    await api("POST", `/api/v1/flashcards/${cardId}/reviews`, { token, body: { rating: "good" } });
    const generation = await api("POST", "/api/v1/generations", { token, body: { source_text: textOfLength(1_100) } });
    const logId = crypto.randomUUID();
    await env.DB.prepare(
      "INSERT INTO generation_error_logs (id, user_id, model, source_text_hash, source_text_length, error_code, error_message, created_at) VALUES (?, ?, 'm', ?, 1100, 'provider_error', 'x', ?)",
    )
      .bind(logId, user.id, "0".repeat(64), Date.now())
      .run();
    const session = await api("POST", "/api/v1/study-sessions", { token, body: { limit: 5 } });
    sessionId = session.body.session.id;
    sessionCardId = session.body.session.cards[0].id;
    const page = await api("GET", "/api/v1/flashcards", { token });
    // A deck with a subdeck holding ten of the cards (the deck rows below).
    const deck = await api("POST", "/api/v1/decks", { token, body: { name: "Biology" } });
    const subdeck = await api("POST", "/api/v1/decks", { token, body: { name: "Cells", parent_id: deck.body.id } });
    deckId = deck.body.id;
    movedIds = created.body.data.slice(2, 12).map((c: { id: string }) => c.id);
    await api("POST", "/api/v1/flashcards/bulk", {
      token,
      body: { ids: movedIds, action: "move", deck_id: subdeck.body.id },
    });

    await measure("read", "GET /health", "GET", "/api/v1/health");
    await measure("read", "GET /auth/me", "GET", "/api/v1/auth/me", { token });
    await measure("read", "GET /flashcards (first page)", "GET", "/api/v1/flashcards", { token });
    await measure(
      "read",
      "GET /flashcards?cursor= (next page)",
      "GET",
      `/api/v1/flashcards?cursor=${page.body.pagination.next_cursor}`,
      { token },
    );
    await measure("read", "GET /flashcards?q= (search)", "GET", "/api/v1/flashcards?q=photosynthesis", { token });
    await measure(
      "read",
      "GET /flashcards?q= (1–2 characters)",
      "GET",
      `/api/v1/flashcards?q=${encodeURIComponent("光")}`,
      {
        token,
      },
    );
    await measure(
      "read",
      "GET /flashcards?q= (search, filter, sort)",
      "GET",
      "/api/v1/flashcards?q=photo&source=manual&sort=due&order=asc",
      { token },
    );
    await measure("read", "GET /flashcards/:id", "GET", `/api/v1/flashcards/${cardId}`, { token });
    await measure("read", "GET /flashcards/:id/reviews", "GET", `/api/v1/flashcards/${cardId}/reviews`, { token });
    await measure(
      "read",
      "GET /flashcards/:id/schedule-preview",
      "GET",
      `/api/v1/flashcards/${cardId}/schedule-preview`,
      { token },
    );
    await measure("read", "GET /study/queue", "GET", "/api/v1/study/queue", { token });
    await measure("read", "GET /study-sessions/:id", "GET", `/api/v1/study-sessions/${sessionId}`, { token });
    await measure("read", "GET /stats", "GET", "/api/v1/stats", { token });
    await measure("read", "GET /generations", "GET", "/api/v1/generations", { token });
    await measure("read", "GET /generations/:id", "GET", `/api/v1/generations/${generation.body.generation.id}`, {
      token,
    });
    await measure("read", "GET /generation-error-logs", "GET", "/api/v1/generation-error-logs", { token });
    await measure("read", "GET /generation-error-logs/:id", "GET", `/api/v1/generation-error-logs/${logId}`, { token });
    await measure("read", "GET /sync/changes (a page of 1,000)", "GET", "/api/v1/sync/changes?limit=1000", { token });
    await measure("read", "GET /decks", "GET", "/api/v1/decks", { token });
    await measure("read", "GET /flashcards?deck_id= (deck)", "GET", `/api/v1/flashcards?deck_id=${deckId}`, { token });
    await measure("read", "GET /study/queue?deck_id= (deck)", "GET", `/api/v1/study/queue?deck_id=${deckId}`, {
      token,
    });
    await measure("read", "GET /stats?deck_id= (deck)", "GET", `/api/v1/stats?deck_id=${deckId}`, { token });
    await measure("read", "GET /tags", "GET", "/api/v1/tags", { token });
  });

  it("single writes: one round trip each; a review at most two", async () => {
    const token = user.accessToken;
    // A generation proposes at most 50 cards: 100 cards accept all of two.
    const generationIds = [await seedGeneration(user.id, 50), await seedGeneration(user.id, 50)];
    await measure("write", "POST /flashcards (1 card)", "POST", "/api/v1/flashcards", {
      token,
      body: { flashcards: [manual("One more card")] },
    });
    await measure("write", "POST /flashcards (100 cards, from a generation)", "POST", "/api/v1/flashcards", {
      token,
      body: {
        flashcards: Array.from({ length: 100 }, (_, i) => ({
          front: `Q${i % 50}`,
          back: "A",
          source: "ai-full",
          generation_id: generationIds[Math.floor(i / 50)],
          proposal_index: i % 50,
        })),
      },
    });
    await measure("write", "PATCH /flashcards/:id", "PATCH", `/api/v1/flashcards/${otherCardId}`, {
      token,
      body: { back: "An edited answer" },
    });
    await measure("review", "POST /flashcards/:id/reviews", "POST", `/api/v1/flashcards/${cardId}/reviews`, {
      token,
      body: { rating: "good", duration_ms: 4000 },
    });
    await measure(
      "review",
      "POST /flashcards/:id/reviews (in a session)",
      "POST",
      `/api/v1/flashcards/${sessionCardId}/reviews`,
      { token, body: { rating: "good", session_id: sessionId } },
    );
    await measure("write", "POST /study-sessions/:id/finish", "POST", `/api/v1/study-sessions/${sessionId}/finish`, {
      token,
    });
    // An offline upload: 500 reviews (20 of each of 25 cards), two round trips whatever the size.
    const cards = (await api("GET", "/api/v1/flashcards?limit=25", { token })).body.data.map(
      (c: { id: string }) => c.id,
    );
    const base = Date.now();
    await measure("review", "POST /reviews/batch (500 reviews)", "POST", "/api/v1/reviews/batch", {
      token,
      body: {
        reviews: Array.from({ length: 500 }, (_, i) => ({
          id: crypto.randomUUID(),
          flashcard_id: cards[i % 25],
          rating: "good",
          reviewed_at: new Date(base + Math.floor(i / 25) * 10).toISOString(),
        })),
      },
    });
    // One round trip: the queue read and the session insert share a batch (plannedCardIdsSql).
    await measure("write", "POST /study-sessions", "POST", "/api/v1/study-sessions", { token, body: { limit: 5 } }, 1);
    await measure("write", "DELETE /flashcards/:id", "DELETE", `/api/v1/flashcards/${otherCardId}`, { token });
    await measure("write", "POST /flashcards/bulk (move 10 cards)", "POST", "/api/v1/flashcards/bulk", {
      token,
      body: { ids: movedIds, action: "move", deck_id: deckId },
    });
    await measure("write", "POST /flashcards/bulk (tag 10 cards)", "POST", "/api/v1/flashcards/bulk", {
      token,
      body: { ids: movedIds, action: "add_tags", tags: ["biology", "cells"] },
    });
  });

  it("flows with a password hash or an AI call between D1 steps: their documented counts", async () => {
    const email = `trips-flow-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const password = "correct horse battery staple";
    const ip = () => ({ "cf-connecting-ip": freshIp() });
    await measure(
      "flow",
      "POST /auth/register",
      "POST",
      "/api/v1/auth/register",
      { body: { email, password }, headers: ip() },
      1,
    );
    const login = await measure(
      "flow",
      "POST /auth/login",
      "POST",
      "/api/v1/auth/login",
      { body: { email, password }, headers: ip() },
      2,
    );
    const refreshed = await measure(
      "flow",
      "POST /auth/refresh",
      "POST",
      "/api/v1/auth/refresh",
      { body: { refresh_token: login.body.refresh_token }, headers: ip() },
      2,
    );
    const token = refreshed.body.access_token;
    await measure(
      "flow",
      "POST /generations",
      "POST",
      "/api/v1/generations",
      { token, body: { source_text: textOfLength(1_200) } },
      2,
    );
    await measure(
      "flow",
      "POST /generations (Idempotency-Key)",
      "POST",
      "/api/v1/generations",
      {
        token,
        body: { source_text: textOfLength(1_250) },
        headers: { "idempotency-key": crypto.randomUUID() },
      },
      3,
    );
    await measure("write", "POST /auth/logout", "POST", "/api/v1/auth/logout", {
      body: { refresh_token: refreshed.body.refresh_token },
    });
    const again = await api("POST", "/api/v1/auth/login", { body: { email, password }, headers: ip() });
    await measure(
      "flow",
      "DELETE /auth/me",
      "DELETE",
      "/api/v1/auth/me",
      { token: again.body.access_token, body: { password }, headers: ip() },
      2,
    );
  });

  afterAll(() => {
    console.log(`ROUND_TRIPS_JSON ${JSON.stringify(rows)}`);
  });
});
