/**
 * Query plans of the statements that read or write a list of ids (`json_each(?)`), as the app really
 * sends them: each request below runs through a recording D1 wrapper, and every statement it sent is
 * EXPLAINed with its own bound values. Without planner statistics (a fresh D1 has none) SQLite judges
 * `user_id = ?` on a `(user_id, …)` index cheaper than the list's primary-key lookups and then walks
 * every row of the user, testing each against the list: a single review read all 154,000 log rows of a
 * 100,000-card collection that way, and a feed page grew 12× from 1,000 to 100,000 cards. A statement
 * that names an id list must be driven by the list (`ownedIn`/`ownerCheck` in src/db/ownership.ts), never
 * by a search on `user_id` alone.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createCards, registerUser, type TestUser } from "./helpers/api";
import { countingD1, type SentStatement } from "./helpers/d1-counter";
import { seededProposal, seedGeneration } from "./helpers/fixtures";

/** A search of a user-owned table on `user_id` alone: a walk of every row the user has there. */
const USER_WALK = /(SEARCH|SCAN) (\w+)(?: AS \w+)? USING (?:COVERING )?INDEX (\w+) \(user_id=\?\)/;

let user: TestUser;
let cards: Array<{ id: string }>;
let deckId: string;
let generationId: string;
let sessionId: string;

/** Sends one request through a recording D1 and returns what it sent. */
async function sentBy(method: string, path: string, body?: unknown): Promise<SentStatement[]> {
  const { db, counter } = countingD1(env.DB);
  const res = await api(method, path, { token: user.accessToken, body, env: { ...env, DB: db } });
  expect(res.status, `${method} ${path} ${res.text}`).toBeLessThan(300);
  return counter.sent;
}

/** The plan lines of every id-list statement that walk a user's rows, with the statement. */
async function userWalks(sent: SentStatement[]): Promise<string[]> {
  const walks: string[] = [];
  // Statements over an id list, or over one session's reviews (session_id = ? beside user_id = ?).
  for (const statement of sent.filter((s) => /json_each|"session_id" = \?/.test(s.sql))) {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
      .bind(...statement.params)
      .all<{ detail: string }>();
    for (const { detail } of results) if (USER_WALK.test(detail)) walks.push(`${detail}\n  in: ${statement.sql}`);
  }
  return walks;
}

beforeAll(async () => {
  user = await registerUser("id-list-plans");
  const deck = await api("POST", "/api/v1/decks", { token: user.accessToken, body: { name: "Plans" } });
  deckId = deck.body.id;
  cards = await createCards(user, 12, "plan");
  generationId = await seedGeneration(user.id, 5);
  const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: { limit: 5 } });
  sessionId = session.body.session.id;
});

describe("statements driven by an id list use the list, not a walk of the user's rows", () => {
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const ids = () => cards.slice(0, 6).map((c) => c.id);
  const requests: Array<[string, () => string, () => unknown]> = [
    [
      "POST",
      () => "/api/v1/flashcards",
      () => ({
        flashcards: [
          { front: "plan new 1", back: "b", source: "manual", deck_id: deckId, tags: ["plan", "lang::pl"] },
          { front: "plan new 2", back: "b", source: "manual", tags: ["plan"] },
        ],
      }),
    ],
    [
      "POST",
      () => "/api/v1/flashcards",
      () => ({
        flashcards: [0, 1].map((i) => ({
          ...seededProposal(i),
          source: "ai-full",
          generation_id: generationId,
          proposal_index: i,
        })),
      }),
    ],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: ids(), action: "move", deck_id: deckId })],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: ids(), action: "add_tags", tags: ["verb", "noun"] })],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: ids(), action: "remove_tags", tags: ["noun"] })],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: ids(), action: "suspend" })],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: ids(), action: "unsuspend" })],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: ids(), action: "bury" })],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: ids(), action: "forget" })],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: ids(), action: "reschedule", due: "2027-01-15" })],
    ["POST", () => `/api/v1/flashcards/${cards[7]?.id}/reviews`, () => ({ rating: "good" })],
    [
      "POST",
      () => "/api/v1/reviews/batch",
      () => ({
        reviews: [
          { id: crypto.randomUUID(), flashcard_id: cards[8]?.id, rating: "good", reviewed_at: at(50) },
          { id: crypto.randomUUID(), flashcard_id: cards[8]?.id, rating: "hard", reviewed_at: at(40) },
          { id: crypto.randomUUID(), flashcard_id: cards[9]?.id, rating: "again", reviewed_at: at(30) },
          // Older than card 7's review just made: placed in its history and replayed.
          { id: crypto.randomUUID(), flashcard_id: cards[7]?.id, rating: "easy", reviewed_at: at(20) },
        ],
      }),
    ],
    ["DELETE", () => `/api/v1/flashcards/${cards[8]?.id}/reviews/latest`, () => undefined],
    ["GET", () => `/api/v1/study-sessions/${sessionId}`, () => undefined],
    ["POST", () => `/api/v1/study-sessions/${sessionId}/finish`, () => undefined],
    ["GET", () => "/api/v1/sync/changes?limit=1000", () => undefined],
    ["POST", () => "/api/v1/flashcards/bulk", () => ({ ids: cards.slice(10).map((c) => c.id), action: "delete" })],
  ];

  for (const [method, path, body] of requests) {
    const action = /action: "(\w+)"/.exec(body.toString())?.[1];
    it(`${method} ${path.toString().replace(/^\(\) => /, "")}${action ? ` (${action})` : ""}`, async () => {
      const sent = await sentBy(method, path(), body());
      expect(sent.length, "the wrapper saw the request's statements").toBeGreaterThan(0);
      expect(await userWalks(sent)).toEqual([]);
    });
  }

  it("the gate triggers (statements inside triggers, which EXPLAIN of their INSERT does not show)", async () => {
    const { results } = await env.DB.prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%json_each%'",
    ).all<{ name: string; sql: string }>();
    expect(results.map((r) => r.name)).toContain("proposal_acceptance_gate_check");
    const statements = results.flatMap(({ sql }) =>
      sql
        .slice(sql.indexOf("BEGIN") + 5, sql.lastIndexOf("END"))
        .split(/;\s*\n/)
        .map((body) => body.trim())
        .filter(Boolean)
        .map((body) => {
          // NEW.<column> becomes a bound value; a JSON array suits every one of them for a plan.
          const params = body.match(/NEW\.`?\w+`?/g) ?? [];
          // RAISE() is only valid inside a trigger; the plan does not depend on what is raised.
          const sql = body.replace(/NEW\.`?\w+`?/g, "?").replace(/RAISE\(ABORT, '\w+'\)/g, "1");
          return { sql, params: params.map(() => "[]") };
        }),
    );
    expect(statements.length).toBeGreaterThan(5);
    expect(await userWalks(statements)).toEqual([]);
  });

  it("the check itself finds the walk it guards against", async () => {
    const walk = {
      sql: "SELECT id FROM flashcards WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))",
      params: [user.id, JSON.stringify(ids())],
    };
    expect(await userWalks([walk])).toHaveLength(1);
  });
});
