/**
 * Issue #17: `deck_id` and `tags` on POST /generations are stored on the generation and returned with it;
 * cards accepted from it without a deck_id / tags of their own get them; another user's deck is 404; the
 * Idempotency-Key's request hash covers them.
 */
/// <reference types="vite/client" />
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { seedGeneration } from "./helpers/fixtures";

const TEXT = (await import("./fixtures/generation-eval/en-history-hanseatic-league.txt?raw")).default;

const generate = (
  user: TestUser,
  body: Record<string, unknown>,
  options: { headers?: Record<string, string>; env?: Cloudflare.Env } = {},
) =>
  api("POST", "/api/v1/generations", {
    token: user.accessToken,
    body: { source_text: TEXT, count: 6, ...body },
    ...options,
  });

async function deck(user: TestUser, name: string): Promise<string> {
  const res = await api("POST", "/api/v1/decks", { token: user.accessToken, body: { name } });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

const accept = (user: TestUser, cards: Record<string, unknown>[], envOverride?: Cloudflare.Env) =>
  api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards: cards }, env: envOverride });

/** An ai-full item accepting proposal `i` of a generation response. */
const take = (res: { body: any }, i: number, extra: Record<string, unknown> = {}) => ({
  front: res.body.proposals[i].front,
  back: res.body.proposals[i].back,
  source: "ai-full",
  generation_id: res.body.generation.id,
  proposal_index: i,
  ...extra,
});

async function attempts(user: TestUser): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM generation_attempts WHERE user_id = ?")
    .bind(user.id)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("POST /generations deck_id and tags", () => {
  it("stores them on the generation and returns them (also from GET and the list)", async () => {
    const user = await registerUser();
    const history = await deck(user, "History");
    const res = await generate(user, { deck_id: history, tags: ["hansa", "Trade::Baltic", "HANSA"] });
    expect(res.status, res.text).toBe(201);
    expect(res.body.generation).toMatchObject({ deck_id: history, tags: ["hansa", "Trade::Baltic"] });
    const read = await api("GET", `/api/v1/generations/${res.body.generation.id}`, { token: user.accessToken });
    expect(read.body).toEqual(res.body.generation);
    const list = await api("GET", "/api/v1/generations", { token: user.accessToken });
    expect(list.body.data[0]).toEqual(res.body.generation);
    // Without them: null and [].
    const plain = await generate(user, {});
    expect(plain.body.generation).toMatchObject({ deck_id: null, tags: [] });
  });

  it("answers 404 for another user's deck or a missing one, before any provider call or quota use, in both modes", async () => {
    const alice = await registerUser("alice");
    const bob = await registerUser("bob");
    const alicesDeck = await deck(alice, "Private");
    for (const deckId of [alicesDeck, crypto.randomUUID()]) {
      const problem = expectProblem(await generate(bob, { deck_id: deckId }), 404, "not_found");
      expect(problem.detail).toContain(deckId);
      const streamed = await generate(bob, { deck_id: deckId }, { headers: { accept: "text/event-stream" } });
      expectProblem(streamed, 404, "not_found");
    }
    expect(await attempts(bob)).toBe(0);
    const generations = await api("GET", "/api/v1/generations", { token: bob.accessToken });
    expect(generations.body.data).toEqual([]);
  });

  it("validates them, naming the field", async () => {
    const user = await registerUser();
    const bad = [
      [{ deck_id: "not-a-uuid" }, "deck_id"],
      [{ tags: "history" }, "tags"],
      [{ tags: ["has space"] }, "tags.0"],
      [{ tags: [""] }, "tags.0"],
    ] as const;
    for (const [body, path] of bad) {
      const problem = expectProblem(await generate(user, body), 400, "validation_failed");
      expect(problem.errors[0].path, JSON.stringify(body)).toBe(path);
    }
    const tooMany = Array.from({ length: 21 }, (_, i) => `t${i}`);
    expectProblem(await generate(user, { tags: tooMany }), 400, "too_many_tags");
    expect(await attempts(user)).toBe(0);
  });

  it("gives accepted cards the generation's deck and tags unless they bring their own", async () => {
    const user = await registerUser();
    const history = await deck(user, "History");
    const other = await deck(user, "Other");
    // An existing tag keeps its spelling.
    expect((await accept(user, [{ front: "m", back: "m", source: "manual", tags: ["Hansa"] }])).status).toBe(201);
    const res = await generate(user, { deck_id: history, tags: ["hansa", "trade"] });
    const created = await accept(user, [
      take(res, 0),
      take(res, 1, { deck_id: other }),
      take(res, 2, { tags: ["mine"] }),
      take(res, 3, { deck_id: null, tags: [] }),
      { ...take(res, 4), source: "ai-edited", back: "My own answer" },
      { front: "By hand", back: "x", source: "manual" },
    ]);
    expect(created.status, created.text).toBe(201);
    expect(created.body.data.map((c: any) => [c.deck_id, c.tags])).toEqual([
      [history, ["Hansa", "trade"]],
      [other, ["Hansa", "trade"]],
      [history, ["mine"]],
      [null, []],
      [history, ["Hansa", "trade"]],
      [null, []],
    ]);
    // The response is what is stored.
    for (const card of created.body.data) {
      const read = await api("GET", `/api/v1/flashcards/${card.id}`, { token: user.accessToken });
      expect(read.body).toEqual(card);
    }
    const tags = await api("GET", "/api/v1/tags", { token: user.accessToken });
    expect(tags.body.data.map((t: any) => t.name).sort()).toEqual(["Hansa", "mine", "trade"]);
  });

  it("leaves no deck when the deck was deleted after the generation", async () => {
    const user = await registerUser();
    const gone = await deck(user, "Temporary");
    const res = await generate(user, { deck_id: gone, tags: ["kept"] });
    expect((await api("DELETE", `/api/v1/decks/${gone}`, { token: user.accessToken })).status).toBe(204);
    const read = await api("GET", `/api/v1/generations/${res.body.generation.id}`, { token: user.accessToken });
    expect(read.body).toMatchObject({ deck_id: null, tags: ["kept"] });
    const created = await accept(user, [take(res, 0)]);
    expect(created.body.data[0]).toMatchObject({ deck_id: null, tags: ["kept"] });
  });

  it("travels in account.json: exported with the deck's path, restored into another account", async () => {
    const owner = await registerUser("owner");
    const history = await deck(owner, "History");
    const res = await generate(owner, { deck_id: history, tags: ["hansa", "trade"] });
    const exported = await api("GET", "/api/v1/exports/account.json", { token: owner.accessToken });
    const generation = exported.body.generations.find((g: any) => g.id === res.body.generation.id);
    expect(generation).toMatchObject({ deck_id: history, deck_path: "History", tags: ["hansa", "trade"] });

    const heir = await registerUser("heir");
    const restored = await api("POST", "/api/v1/imports", {
      token: heir.accessToken,
      rawBody: JSON.stringify(exported.body),
      headers: { "content-type": "application/json" },
    });
    expect(restored.status, restored.text).toBe(201);
    const [mine] = (await api("GET", "/api/v1/generations", { token: heir.accessToken })).body.data;
    const decks = (await api("GET", "/api/v1/decks", { token: heir.accessToken })).body.data;
    const heirsHistory = decks.find((d: any) => d.name === "History").id;
    expect(mine).toMatchObject({ deck_id: heirsHistory, tags: ["hansa", "trade"] });
    expect(heirsHistory).not.toBe(history);
  });

  it("includes them in the Idempotency-Key's request hash", async () => {
    const user = await registerUser();
    const history = await deck(user, "History");
    const other = await deck(user, "Other");
    const headers = { "idempotency-key": crypto.randomUUID() };
    const first = await generate(user, { deck_id: history, tags: ["a"] }, { headers });
    expect(first.status).toBe(201);
    const replay = await generate(user, { deck_id: history, tags: ["a"] }, { headers });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    for (const changed of [
      { deck_id: other, tags: ["a"] },
      { deck_id: history, tags: ["b"] },
      { deck_id: history },
      {},
    ]) {
      expectProblem(await generate(user, changed, { headers }), 422, "idempotency_key_reused");
    }
  });

  it("costs no extra round trip: generating with a deck, and accepting 100 cards that inherit from 100 generations", async () => {
    const user = await registerUser();
    const history = await deck(user, "History");
    const trips = async (body: Record<string, unknown>) => {
      const { db, counter } = countingD1(env.DB);
      const res = await generate(user, body, { env: { ...env, DB: db } });
      expect(res.status, res.text).toBe(201);
      return counter.trips;
    };
    expect(await trips({ deck_id: history, tags: ["x"] })).toBe(await trips({}));

    const tags = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ name: `tag${i}`, key: `tag${i}` })));
    const generationIds = await Promise.all(Array.from({ length: 100 }, () => seedGeneration(user.id, 1)));
    await env.DB.prepare("UPDATE generations SET deck_id = ?, tags = ? WHERE id IN (SELECT value FROM json_each(?))")
      .bind(history, tags, JSON.stringify(generationIds))
      .run();
    const { db, counter } = countingD1(env.DB);
    const created = await accept(
      user,
      generationIds.map((generation_id) => ({
        front: "Q0",
        back: "A",
        source: "ai-full",
        generation_id,
        proposal_index: 0,
      })),
      { ...env, DB: db },
    );
    expect(created.status, created.text).toBe(201);
    expect(counter.trips).toBe(1);
    expect(counter.statements).toBeLessThanOrEqual(50);
    expect(created.body.data[99]).toMatchObject({ deck_id: history });
    expect(created.body.data[99].tags).toHaveLength(20);
  }, 60_000);
});
