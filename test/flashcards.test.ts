import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { buildListQuery, buildSearchStatements } from "../src/routes/flashcards/flashcards.handlers";
import { listFlashcardsQuerySchema } from "../src/routes/flashcards/flashcards.schemas";
import { api, createCards as createManualCards, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { countFlashcards, generationCounts, seedGeneration } from "./helpers/fixtures";

const create = (user: TestUser, flashcards: unknown) =>
  api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards } });
const manual = (front: string, back = "answer") => ({ front, back, source: "manual" });
const list = (user: TestUser, query = "") => api("GET", `/api/v1/flashcards${query}`, { token: user.accessToken });

/** Manual cards fronted `card 0`, `card 1`, … (or `<prefix> 0`, …). */
const createCards = (user: TestUser, count: number, prefix = "card") => createManualCards(user, count, `${prefix} `);

describe("POST /flashcards", () => {
  it("creates manual and AI cards in the order sent and counts acceptances on the generation", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 10, [
      { front: "Capital of France?", back: "Paris" },
      { front: "Capital of Poland?", back: "Warsaw" },
      { front: "Largest planet?", back: "Jupiter" },
    ]);
    const res = await create(user, [
      { front: "  What is FSRS? ", back: "A spaced-repetition scheduler.", source: "manual" },
      { front: "Capital of France?", back: "Paris", source: "ai-full", generation_id: generationId, proposal_index: 0 },
      {
        front: "Capital of Poland?",
        back: "Warsaw",
        source: "ai-full",
        generation_id: generationId,
        proposal_index: 1,
      },
      {
        front: "Largest planet?",
        back: "Jupiter (edited)",
        source: "ai-edited",
        generation_id: generationId,
        proposal_index: 2,
      },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.data.map((c: any) => [c.front, c.source, c.generation_id])).toEqual([
      ["What is FSRS?", "manual", null],
      ["Capital of France?", "ai-full", generationId],
      ["Capital of Poland?", "ai-full", generationId],
      ["Largest planet?", "ai-edited", generationId],
    ]);
    const card = res.body.data[0];
    expect(card).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      front: "What is FSRS?",
      back: "A spaced-repetition scheduler.",
      source: "manual",
      generation_id: null,
      deck_id: null,
      tags: [],
      created_at: expect.any(String),
      updated_at: card.created_at,
      study: {
        state: "new",
        due: card.created_at,
        stability: 0,
        difficulty: 0,
        elapsed_days: 0,
        scheduled_days: 0,
        learning_steps: 0,
        reps: 0,
        lapses: 0,
        last_review: null,
        suspended: false,
        buried_until: null,
        leech: false,
      },
    });
    expect(await generationCounts(generationId)).toEqual({ unedited: 2, edited: 1 });
    const read = await api("GET", `/api/v1/flashcards/${card.id}`, { token: user.accessToken });
    expect(read.body).toEqual(card);
  });

  it("accepts exactly 100 items and refuses 0 and 101, writing nothing", async () => {
    const user = await registerUser();
    // A generation proposes at most 50 cards: 100 items accept all of two generations.
    const generationIds = [await seedGeneration(user.id, 50), await seedGeneration(user.id, 50)];
    const hundred = Array.from({ length: 100 }, (_, i) => ({
      front: `Q${i % 50}`,
      back: "A",
      source: i % 2 ? "ai-full" : "ai-edited",
      generation_id: generationIds[Math.floor(i / 50)],
      proposal_index: i % 50,
    }));
    const ok = await create(user, hundred);
    expect(ok.status).toBe(201);
    expect(ok.body.data).toHaveLength(100);
    expect(ok.body.data.map((c: any) => c.front)).toEqual(hundred.map((c) => c.front));
    expect(await countFlashcards(user.id)).toBe(100);
    for (const id of generationIds) expect(await generationCounts(id)).toEqual({ unedited: 25, edited: 25 });

    const other = await registerUser();
    const tooMany = await create(
      other,
      Array.from({ length: 101 }, (_, i) => manual(`Q${i}`)),
    );
    expect(expectProblem(tooMany, 400, "validation_failed").errors).toContainEqual({
      path: "flashcards",
      code: "too_big",
      message: "Must contain at most 100 flashcards.",
    });
    expect(expectProblem(await create(other, []), 400, "validation_failed").errors[0].path).toBe("flashcards");
    expect(await countFlashcards(other.id)).toBe(0);
  });

  it("writes nothing when one item of a bulk is invalid, and names it", async () => {
    const user = await registerUser();
    const items = Array.from({ length: 10 }, (_, i) => manual(`Q${i}`));
    items[7] = manual("x".repeat(201));
    const problem = expectProblem(await create(user, items), 400, "validation_failed");
    expect(problem.errors).toEqual([
      { path: "flashcards.7.front", code: "too_big", message: "Must be at most 200 characters." },
    ]);
    expect(await countFlashcards(user.id)).toBe(0);
  });

  it("enforces 200/500 characters counted as characters, not UTF-16 units", async () => {
    const user = await registerUser();
    const ok = await create(user, [{ front: "🦊".repeat(200), back: "ż".repeat(500), source: "manual" }]);
    expect(ok.status).toBe(201);
    expect(ok.body.data[0].front).toBe("🦊".repeat(200));
    const problem = expectProblem(
      await create(user, [{ front: "a", back: "b".repeat(501), source: "manual" }]),
      400,
      "validation_failed",
    );
    expect(problem.errors[0]).toMatchObject({ path: "flashcards.0.back", code: "too_big" });
  });

  it.each([
    ["lone surrogate", "bad \ud83d text", "custom"],
    ["NUL", "nul\u0000byte", "custom"],
    ["control character", "bell\u0007", "custom"],
    ["whitespace only", " \n\t  ", "too_small"],
  ])("rejects %s text", async (_name, front, code) => {
    const user = await registerUser();
    const problem = expectProblem(await create(user, [manual(front)]), 400, "validation_failed");
    expect(problem.errors[0]).toMatchObject({ path: "flashcards.0.front", code });
  });

  it("round-trips emoji, CJK and right-to-left text unchanged", async () => {
    const user = await registerUser();
    const texts = [
      "🧠 Spaced repetition 👩‍🔬",
      "東京タワーの高さは？",
      "ما هي عاصمة مصر؟",
      "Zażółć gęślą jaźń",
      "line one\nline two\ttabbed",
    ];
    const res = await create(
      user,
      texts.map((t) => ({ front: t, back: t, source: "manual" })),
    );
    expect(res.status).toBe(201);
    const listed = await list(user, "?order=asc&limit=100");
    expect(listed.body.data.map((c: any) => c.front).sort()).toEqual([...texts].sort());
    expect(listed.body.data.map((c: any) => c.back).sort()).toEqual([...texts].sort());
  });

  it("requires generation_id for AI cards and forbids it for manual ones", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id);
    const problem = expectProblem(
      await create(user, [
        { front: "a", back: "b", source: "ai-full", proposal_index: 0 },
        { front: "a", back: "b", source: "manual", generation_id: generationId },
        { front: "a", back: "b", source: "ai-edited", generation_id: "not-a-uuid", proposal_index: 0 },
        { front: "a", back: "b", source: "human" },
      ]),
      400,
      "validation_failed",
    );
    expect(problem.errors.map((e: any) => e.path)).toEqual([
      "flashcards.0.generation_id",
      "flashcards.1.generation_id",
      "flashcards.2.generation_id",
      "flashcards.3.source",
    ]);
  });

  it("rejects unknown and server-owned fields on items and the body", async () => {
    const user = await registerUser();
    const res = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      rawBody:
        '{"flashcards":[{"front":"a","back":"b","source":"manual","id":"x","user_id":"y","created_at":1,"__proto__":{}}],"extra":1}',
      headers: { "content-type": "application/json" },
    });
    const problem = expectProblem(res, 400, "validation_failed");
    expect(problem.errors.map((e: any) => e.path).sort()).toEqual([
      "extra",
      "flashcards.0.__proto__",
      "flashcards.0.created_at",
      "flashcards.0.id",
      "flashcards.0.user_id",
    ]);
  });

  it.each(["null", "[]", "42", '"cards"', '{"flashcards":null}', '{"flashcards":{}}'])(
    "rejects the body %s with 400",
    async (rawBody) => {
      const user = await registerUser();
      const res = await api("POST", "/api/v1/flashcards", {
        token: user.accessToken,
        rawBody,
        headers: { "content-type": "application/json" },
      });
      expectProblem(res, 400, "validation_failed");
    },
  );

  it("answers 404 for another user's or a missing generation and inserts nothing", async () => {
    const alice = await registerUser("alice");
    const bob = await registerUser("bob");
    const aliceGeneration = await seedGeneration(alice.id, 5);
    const bobGeneration = await seedGeneration(bob.id, 5);
    const stolen = await create(bob, [
      { front: "Q0", back: "A", source: "ai-full", generation_id: bobGeneration, proposal_index: 0 },
      { front: "Q0", back: "A", source: "ai-full", generation_id: aliceGeneration, proposal_index: 0 },
    ]);
    expect(expectProblem(stolen, 404, "not_found").detail).toContain(aliceGeneration);
    const missing = crypto.randomUUID();
    expect(
      expectProblem(
        await create(bob, [{ front: "x", back: "y", source: "ai-edited", generation_id: missing, proposal_index: 0 }]),
        404,
        "not_found",
      ).detail,
    ).toContain(missing);
    expect(await countFlashcards(bob.id)).toBe(0);
    expect(await generationCounts(aliceGeneration)).toEqual({ unedited: 0, edited: 0 });
    expect(await generationCounts(bobGeneration)).toEqual({ unedited: 0, edited: 0 });
  });

  it("refuses to accept more cards than the generation proposed (422 not_a_proposal, nothing written)", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 2);
    const cards = Array.from({ length: 3 }, (_, i) => ({
      front: `Q${i}`,
      back: "A",
      source: "ai-full",
      generation_id: generationId,
      proposal_index: i,
    }));
    expect(expectProblem(await create(user, cards), 422, "not_a_proposal").errors[0].path).toBe(
      "flashcards.2.proposal_index",
    );
    expect(await countFlashcards(user.id)).toBe(0);
    expect(await generationCounts(generationId)).toEqual({ unedited: 0, edited: 0 });
  });

  it("keeps the counts exact under concurrent bulk creates against one generation", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 50);
    const batches = Array.from({ length: 5 }, (_, b) =>
      create(
        user,
        Array.from({ length: 4 }, (_, i) => ({
          front: `Q${b * 4 + i}`,
          back: "A",
          source: i % 2 ? "ai-full" : "ai-edited",
          generation_id: generationId,
          proposal_index: b * 4 + i,
        })),
      ),
    );
    expect((await Promise.all(batches)).map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(await generationCounts(generationId)).toEqual({ unedited: 10, edited: 10 });
  });
});

describe("GET, PATCH, DELETE /flashcards/:id", () => {
  it("hides a user's cards from everyone else behind the same 404 as a missing id", async () => {
    const alice = await registerUser("alice");
    const bob = await registerUser("bob");
    const [card] = await createCards(alice, 1);
    const missing = crypto.randomUUID();
    const attempts = [
      ["GET", undefined],
      ["PATCH", { front: "hacked" }],
      ["DELETE", undefined],
    ] as const;
    for (const [method, body] of attempts) {
      const foreign = await api(method, `/api/v1/flashcards/${card.id}`, { token: bob.accessToken, body });
      const absent = await api(method, `/api/v1/flashcards/${missing}`, { token: bob.accessToken, body });
      expectProblem(foreign, 404, "not_found");
      expectProblem(absent, 404, "not_found");
      const normalise = (b: any) => ({
        ...b,
        request_id: "",
        detail: b.detail.replace(card.id, "ID").replace(missing, "ID"),
      });
      expect(normalise(foreign.body)).toEqual(normalise(absent.body));
    }
    const still = await api("GET", `/api/v1/flashcards/${card.id}`, { token: alice.accessToken });
    expect(still.body).toEqual(card);
  });

  it.each(["not-a-uuid", "1", "%00", "..%2F..%2Fetc", "x".repeat(300), "00000000-0000-0000-0000-00000000000g"])(
    "answers 400 for the malformed id %s",
    async (id) => {
      const user = await registerUser();
      for (const method of ["GET", "DELETE"]) {
        const res = await api(method, `/api/v1/flashcards/${id}`, { token: user.accessToken });
        expect([400, 404]).toContain(res.status);
        expectProblem(res, res.status, res.status === 400 ? "validation_failed" : "route_not_found");
      }
    },
  );

  it("edits: updated_at moves, ai-full becomes ai-edited only when the text changes", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 1, [{ front: "Q", back: "A" }]);
    const created = await create(user, [
      { front: "Q", back: "A", source: "ai-full", generation_id: generationId, proposal_index: 0 },
    ]);
    const card = created.body.data[0];
    await new Promise((r) => setTimeout(r, 5));
    const same = await api("PATCH", `/api/v1/flashcards/${card.id}`, { token: user.accessToken, body: { front: "Q" } });
    expect(same.status).toBe(200);
    expect(same.body.source).toBe("ai-full");
    expect(same.body.updated_at > card.updated_at).toBe(true);
    const edited = await api("PATCH", `/api/v1/flashcards/${card.id}`, {
      token: user.accessToken,
      body: { back: "  A, better  " },
    });
    expect(edited.body).toMatchObject({
      front: "Q",
      back: "A, better",
      source: "ai-edited",
      created_at: card.created_at,
    });
    const manualCard = (await createCards(user, 1))[0];
    const m = await api("PATCH", `/api/v1/flashcards/${manualCard.id}`, {
      token: user.accessToken,
      body: { front: "new", back: "newer" },
    });
    expect(m.body).toMatchObject({ front: "new", back: "newer", source: "manual" });
  });

  it("rejects an empty or invalid patch", async () => {
    const user = await registerUser();
    const [card] = await createCards(user, 1);
    const patch = (body: unknown) => api("PATCH", `/api/v1/flashcards/${card.id}`, { token: user.accessToken, body });
    expectProblem(await patch({}), 400, "validation_failed");
    expect(expectProblem(await patch({ front: "" }), 400, "validation_failed").errors[0].path).toBe("front");
    expect(expectProblem(await patch({ source: "manual" }), 400, "validation_failed").errors[0]).toMatchObject({
      path: "source",
      code: "unrecognized_keys",
    });
    expectProblem(
      await api("PATCH", `/api/v1/flashcards/${card.id}`, {
        token: user.accessToken,
        rawBody: "front=x",
        headers: { "content-type": "text/plain" },
      }),
      415,
      "unsupported_media_type",
    );
  });

  it("deletes with 204, then answers 404", async () => {
    const user = await registerUser();
    const [card, keep] = await createCards(user, 2);
    const res = await api("DELETE", `/api/v1/flashcards/${card.id}`, { token: user.accessToken });
    expect(res.status).toBe(204);
    expectProblem(await api("GET", `/api/v1/flashcards/${card.id}`, { token: user.accessToken }), 404, "not_found");
    expectProblem(await api("DELETE", `/api/v1/flashcards/${card.id}`, { token: user.accessToken }), 404, "not_found");
    expect((await api("GET", `/api/v1/flashcards/${keep.id}`, { token: user.accessToken })).status).toBe(200);
  });

  it("uses exactly one D1 round trip for list, read, edit, delete and create", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 5);
    const [card] = await createCards(user, 3);
    const calls: Array<[string, string, unknown?]> = [
      ["GET", "/api/v1/flashcards"],
      ["GET", "/api/v1/flashcards?q=card&sort=due&order=asc&source=manual"],
      ["GET", `/api/v1/flashcards/${card.id}`],
      ["PATCH", `/api/v1/flashcards/${card.id}`, { front: "edited" }],
      ["DELETE", `/api/v1/flashcards/${card.id}`],
      [
        "POST",
        "/api/v1/flashcards",
        {
          flashcards: [
            ...Array.from({ length: 40 }, (_, i) => manual(`m${i}`)),
            { front: "Q0", back: "A", source: "ai-full", generation_id: generationId, proposal_index: 0 },
          ],
        },
      ],
    ];
    for (const [method, path, body] of calls) {
      const { db, counter } = countingD1(env.DB);
      const res = await api(method, path, { token: user.accessToken, body, env: { ...env, DB: db } });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      expect(counter.trips, `${method} ${path}`).toBe(1);
    }
  });
});

describe("GET /flashcards", () => {
  it("pages newest first by default with a cursor, and reports has_more", async () => {
    const user = await registerUser();
    await createCards(user, 25);
    const first = await list(user);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(20);
    expect(first.body.pagination).toEqual({ limit: 20, next_cursor: expect.any(String), has_more: true });
    const second = await list(user, `?cursor=${first.body.pagination.next_cursor}`);
    expect(second.body.data).toHaveLength(5);
    expect(second.body.pagination).toEqual({ limit: 20, next_cursor: null, has_more: false });
    const ids = [...first.body.data, ...second.body.data].map((c: any) => c.id);
    expect(new Set(ids).size).toBe(25);
  });

  it("never skips or repeats a card when cards are added and deleted between pages", async () => {
    const user = await registerUser();
    const original: string[] = [];
    for (let i = 0; i < 6; i++) {
      original.push(...(await createCards(user, 5, `batch ${i}`)).map((c) => c.id));
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const order of ["desc", "asc"]) {
      const seen: string[] = [];
      const deleted = new Set<string>();
      let cursor: string | null = null;
      let round = 0;
      do {
        const res: any = await list(user, `?limit=7&order=${order}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data.map((c: any) => c.id));
        cursor = res.body.pagination.next_cursor;
        // Between pages: add new cards and delete one already seen and one not yet seen.
        await createCards(user, 2, `new ${order} ${round++}`);
        const unseen = original.find((id) => !seen.includes(id) && !deleted.has(id));
        const seenOne = seen.find((id) => !deleted.has(id));
        for (const id of [unseen, seenOne]) {
          if (!id) continue;
          deleted.add(id);
          await api("DELETE", `/api/v1/flashcards/${id}`, { token: user.accessToken });
        }
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      const seenOriginal = seen.filter((id) => original.includes(id));
      const expected = original.filter((id) => seen.includes(id) || !deleted.has(id));
      expect(seenOriginal.sort()).toEqual(expected.sort());
      original.splice(0, original.length, ...original.filter((id) => !deleted.has(id)));
    }
  });

  it("sorts by updated_at and due in both orders", async () => {
    const user = await registerUser();
    const cards = await createCards(user, 3);
    await new Promise((r) => setTimeout(r, 3));
    await api("PATCH", `/api/v1/flashcards/${cards[1].id}`, { token: user.accessToken, body: { front: "touched" } });
    const byUpdated = await list(user, "?sort=updated_at&order=desc");
    expect(byUpdated.body.data[0].id).toBe(cards[1].id);
    const byUpdatedAsc = await list(user, "?sort=updated_at&order=asc");
    expect(byUpdatedAsc.body.data.at(-1).id).toBe(cards[1].id);
    await env.DB.prepare("UPDATE flashcards SET due = due + 86400000 WHERE id = ?").bind(cards[2].id).run();
    const byDue = await list(user, "?sort=due&order=asc");
    expect(byDue.body.data.at(-1).id).toBe(cards[2].id);
    const dues = byDue.body.data.map((c: any) => c.study.due);
    expect([...dues].sort()).toEqual(dues);
  });

  it("filters by source and generation", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 5);
    await createCards(user, 2);
    await create(user, [
      { front: "Q0", back: "A", source: "ai-full", generation_id: generationId, proposal_index: 0 },
      { front: "f2", back: "b", source: "ai-edited", generation_id: generationId, proposal_index: 1 },
    ]);
    expect((await list(user, "?source=manual")).body.data).toHaveLength(2);
    expect((await list(user, "?source=ai-edited")).body.data.map((c: any) => c.front)).toEqual(["f2"]);
    expect((await list(user, `?generation_id=${generationId}`)).body.data).toHaveLength(2);
  });

  it("searches front and back, case- and accent-insensitively, in any script, only in the caller's cards", async () => {
    const alice = await registerUser("alice");
    const bob = await registerUser("bob");
    const res = await create(alice, [
      manual("What is PHOTOSYNTHESIS?", "Light to sugar"),
      manual("Where was Copernicus born?", "W Toruniu, w 1473 roku"),
      manual("Kraków was the capital until?", "1596"),
      manual("東京タワーの高さは？", "333 メートル"),
      manual("Emoji", "The 🦊🦊🦊 says hi"),
      manual("Quote", 'He said "hello world" twice'),
    ]);
    expect(res.status).toBe(201);
    await create(bob, [manual("photosynthesis for bob", "bob's")]);
    const search = async (q: string) =>
      (await list(alice, `?q=${encodeURIComponent(q)}`)).body.data.map((c: any) => c.front);
    expect(await search("photosynth")).toEqual(["What is PHOTOSYNTHESIS?"]);
    expect(await search("toruniu")).toEqual(["Where was Copernicus born?"]);
    expect(await search("KRAKOW")).toEqual(["Kraków was the capital until?"]);
    expect(await search("タワー")).toEqual(["東京タワーの高さは？"]);
    expect(await search("メートル")).toEqual(["東京タワーの高さは？"]);
    expect(await search("🦊🦊🦊")).toEqual(["Emoji"]);
    expect(await search('"hello world"')).toEqual(["Quote"]);
    expect(await search("nothing like this")).toEqual([]);
    expect(await search("AND OR NOT *")).toEqual([]);
  });

  it.each([
    ["?limit=0", "limit"],
    ["?limit=-1", "limit"],
    ["?limit=101", "limit"],
    ["?limit=10.5", "limit"],
    ["?limit=abc", "limit"],
    ["?limit=5&limit=6", "limit"],
    ["?sort=front", "sort"],
    ["?order=up", "order"],
    ["?q=%20%20", "q"],
    ["?source=robot", "source"],
    ["?generation_id=7", "generation_id"],
    ["?page=2", "page"],
  ])("rejects %s naming %s", async (query, path) => {
    const user = await registerUser();
    const problem = expectProblem(await list(user, query), 400, "validation_failed");
    expect(problem.errors.map((e: any) => e.path)).toContain(path);
  });

  it("rejects forged, tampered and mismatched cursors", async () => {
    const user = await registerUser();
    await createCards(user, 3);
    const cursor = (await list(user, "?limit=1")).body.pagination.next_cursor as string;
    const [body, tag] = cursor.split(".");
    const forgedBody = btoa(JSON.stringify({ s: "created_at", o: "desc", v: 0, id: "z" })).replace(/=+$/, "");
    for (const bad of ["garbage", `${forgedBody}.${tag}`, `${body}.AAAAAAAAAAAAAAAAAAAAAA`, `${body}`, `${cursor}.x`]) {
      expectProblem(await list(user, `?cursor=${encodeURIComponent(bad)}`), 400, "invalid_cursor");
    }
    expectProblem(await list(user, `?limit=1&sort=updated_at&cursor=${cursor}`), 400, "invalid_cursor");
    expect((await list(user, `?limit=1&cursor=${cursor}`)).status).toBe(200);
  });

  it("keeps the hot list queries on indexes (EXPLAIN QUERY PLAN)", async () => {
    const db = createDb(env.DB);
    const plan = async (query: Record<string, string>, after?: { v: number; id: string }) => {
      const parsed = listFlashcardsQuerySchema.parse(query);
      const { sql, params } = buildListQuery(db, "user-1", parsed, after).toSQL();
      const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      return rows.results.map((r) => r.detail).join(" | ");
    };
    expect(await plan({})).toMatch(/SEARCH flashcards USING INDEX flashcards_user_created_idx/);
    expect(await plan({}, { v: 1, id: "x" })).toMatch(
      /SEARCH flashcards USING INDEX flashcards_user_created_idx \(user_id=\? AND \(created_at,id\)<\(\?,\?\)\)/,
    );
    expect(await plan({ sort: "updated_at", order: "asc" })).toMatch(/USING INDEX flashcards_user_updated_idx/);
    expect(await plan({ sort: "due" })).toMatch(/USING INDEX flashcards_user_due_idx/);
    // Search has its own plans (test/search-plans.test.ts): FTS drives, or a bounded walk of this index.
    const search = buildSearchStatements(db, "user-1", listFlashcardsQuerySchema.parse({ q: "photo" }) as never);
    const { sql: walkSql, params: walkParams } = search.walk.toSQL();
    const walk = await env.DB.prepare(`EXPLAIN QUERY PLAN ${walkSql}`)
      .bind(...walkParams)
      .all<{ detail: string }>();
    expect(walk.results.map((r) => r.detail).join(" | ")).toMatch(/flashcards_user_created_idx/);
    for (const p of [await plan({}), await plan({ sort: "due" }), await plan({ source: "manual" })]) {
      expect(p).not.toMatch(/SCAN flashcards(?!_fts)/);
      expect(p).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    }
  });
});
