/**
 * Statements built once per isolate (#19, src/db/statement-template.ts): each request binds its own
 * values on its own D1 session, and rows map exactly as drizzle's builder maps them.
 */
import { describe, expect, it } from "vitest";
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
