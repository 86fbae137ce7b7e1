/**
 * Statements built once per isolate (#19, src/db/statement-template.ts): each request binds its own
 * values on its own D1 session, and rows map exactly as drizzle's builder maps them. A template gives
 * the builder's SQL text and bound values, in order: a value computed in JavaScript from a slot (instead
 * of bound through one) would show as a difference.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import type { CardScope } from "../src/lib/card-scope-params";
import { buildQueueStatements, type QueueParams, templatedQueueStatements } from "../src/study/queue";
import { api, createCards, registerUser } from "./helpers/api";

describe("statement templates", () => {
  it("bind each caller's values: plain list pages, next pages and reads of two users never mix", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const aliceCards = await createCards(alice, 3, "alice-");
    const bobCards = await createCards(bob, 2, "bob-");
    for (let round = 0; round < 2; round++) {
      for (const [user, cards, prefix] of [
        [alice, aliceCards, "alice-"],
        [bob, bobCards, "bob-"],
      ] as const) {
        const first = await api("GET", "/api/v1/flashcards?limit=1", { token: user.accessToken });
        expect(first.body.data[0].front.startsWith(prefix)).toBe(true);
        const cursor = encodeURIComponent(first.body.pagination.next_cursor);
        const next = await api("GET", `/api/v1/flashcards?limit=1&cursor=${cursor}`, { token: user.accessToken });
        expect(next.body.data[0].front.startsWith(prefix)).toBe(true);
        expect(next.body.data[0].id).not.toBe(first.body.data[0].id);
        const one = await api("GET", `/api/v1/flashcards/${cards[0].id}`, { token: user.accessToken });
        expect(one.body).toEqual(cards[0]);
      }
      // Another caller's card is still a 404 through the same cached statement.
      expect((await api("GET", `/api/v1/flashcards/${bobCards[0].id}`, { token: alice.accessToken })).status).toBe(404);
    }
  });
});

type Item = { _prepare(): { getQuery(): { sql: string; params: unknown[] } } };
const queryOf = (item: unknown) => {
  const { sql, params } = (item as Item)._prepare().getQuery();
  return { sql, params };
};

describe("statement templates equal their builders", () => {
  const db = createDb(env.DB);
  const base: QueueParams = {
    now: 1_764_000_000_123,
    limit: 35,
    dayStart: 1_763_960_000_000,
    newCardsPerDay: 12,
    reviewsPerDay: 100,
    scope: {},
  };
  const scopes: Array<[string, CardScope]> = [
    ["no scope", {}],
    ["a deck with its subdecks", { deckId: "00000000-0000-4000-8000-000000000001" }],
    ["a deck alone", { deckId: "00000000-0000-4000-8000-000000000002", subdecks: false }],
    ["a tag (built per request)", { tags: ["lang::pl"] }],
  ];
  for (const [name, scope] of scopes) {
    it(`the queue's statements for ${name} equal the builder's, twice in a row`, () => {
      for (const [userId, limit] of [
        ["user-a", 35],
        ["user-b", 5],
      ] as Array<[string, number]>) {
        const params = { ...base, limit, scope };
        const templated = templatedQueueStatements(db, userId, params).map(queryOf);
        const built = buildQueueStatements(db, userId, params).map((statement) => statement.toSQL());
        expect(templated).toEqual(built.map(({ sql, params: values }) => ({ sql, params: values })));
      }
    });
  }
});
