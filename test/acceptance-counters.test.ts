/**
 * Issue #12 item 3: the acceptance counters count only real proposals, each once, and move from unedited
 * to edited when an accepted ai-full card is edited.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { countFlashcards, generationCounts, seedGeneration } from "./helpers/fixtures";
import { sseEvents } from "./helpers/sse";
import { textOfLength } from "./helpers/texts";

const create = (user: TestUser, flashcards: unknown, envOverride?: Cloudflare.Env) =>
  api("POST", "/api/v1/flashcards", { token: user.accessToken, body: { flashcards }, env: envOverride });
const full = (generation_id: string, proposal_index: number, front = `Q${proposal_index}`, back = "A") => ({
  front,
  back,
  source: "ai-full",
  generation_id,
  proposal_index,
});
const edited = (generation_id: string, proposal_index: number, front = "My own words?", back = "Mine") => ({
  front,
  back,
  source: "ai-edited",
  generation_id,
  proposal_index,
});

describe("accepting proposals (POST /flashcards)", () => {
  it("refuses text that the generation never proposed as ai-full (422 not_a_proposal), counting nothing", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 3);
    const problem = expectProblem(
      await create(user, [full(generationId, 0), full(generationId, 1, "Anything I like?", "Yes")]),
      422,
      "not_a_proposal",
    );
    expect(problem.errors).toEqual([
      {
        path: "flashcards.1.front",
        code: "not_a_proposal",
        message: expect.stringContaining("exactly"),
      },
    ]);
    // The back alone differing is not the proposal either.
    expectProblem(await create(user, [full(generationId, 2, "Q2", "A!")]), 422, "not_a_proposal");
    expect(await generationCounts(generationId)).toEqual({ unedited: 0, edited: 0 });
    expect(await countFlashcards(user.id)).toBe(0);
  });

  it("refuses an index the generation did not propose, for ai-full and ai-edited alike", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 3);
    for (const card of [full(generationId, 3, "Q3"), edited(generationId, 49)]) {
      const problem = expectProblem(await create(user, [card]), 422, "not_a_proposal");
      expect(problem.errors[0].path).toBe("flashcards.0.proposal_index");
    }
    expect(await generationCounts(generationId)).toEqual({ unedited: 0, edited: 0 });
  });

  it("accepts each proposal once: a second accept, in any form, is 409 proposal_already_accepted", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 3);
    expect((await create(user, [full(generationId, 0), edited(generationId, 1)])).status).toBe(201);
    for (const again of [
      full(generationId, 0),
      edited(generationId, 0),
      full(generationId, 1),
      edited(generationId, 1),
    ]) {
      const problem = expectProblem(
        await create(user, [full(generationId, 2), again]),
        409,
        "proposal_already_accepted",
      );
      expect(problem.errors[0]).toMatchObject({ path: "flashcards.1.proposal_index" });
    }
    // Named twice in one request.
    const twice = expectProblem(
      await create(user, [full(generationId, 2), edited(generationId, 2)]),
      409,
      "proposal_already_accepted",
    );
    expect(twice.errors[0]).toMatchObject({
      path: "flashcards.1.proposal_index",
      message: expect.stringContaining("twice"),
    });
    expect(await generationCounts(generationId)).toEqual({ unedited: 1, edited: 1 });
    expect(await countFlashcards(user.id)).toBe(2);
    // The untouched proposal 2 is still there to accept.
    expect((await create(user, [full(generationId, 2)])).status).toBe(201);
    expect(await generationCounts(generationId)).toEqual({ unedited: 2, edited: 1 });
  });

  it("lets exactly one of two simultaneous accepts of the same proposal win", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 5);
    const results = await Promise.all([
      create(user, [full(generationId, 0), full(generationId, 1)]),
      create(user, [edited(generationId, 1), full(generationId, 2)]),
      create(user, [full(generationId, 1)]),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) expectProblem(r, 409, "proposal_already_accepted");
    const counts = await generationCounts(generationId);
    expect(counts!.unedited + counts!.edited).toBe(await countFlashcards(user.id));
  });

  it("refuses generations made before proposals were kept (no proposals stored)", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 5, []);
    await env.DB.prepare("UPDATE generations SET generated_count = 5 WHERE id = ?").bind(generationId).run();
    expectProblem(await create(user, [full(generationId, 0)]), 422, "not_a_proposal");
  });

  it("requires proposal_index for AI cards and forbids it for manual ones (400)", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 3);
    const problem = expectProblem(
      await create(user, [
        { front: "Q0", back: "A", source: "ai-full", generation_id: generationId },
        { front: "x", back: "y", source: "ai-edited", generation_id: generationId },
        { front: "x", back: "y", source: "manual", proposal_index: 0 },
        { front: "x", back: "y", source: "ai-edited", generation_id: generationId, proposal_index: 50 },
        { front: "x", back: "y", source: "ai-edited", generation_id: generationId, proposal_index: -1 },
        { front: "x", back: "y", source: "ai-edited", generation_id: generationId, proposal_index: 1.5 },
      ]),
      400,
      "validation_failed",
    );
    expect(problem.errors.map((e: any) => `${e.path} ${e.message}`)).toEqual([
      "flashcards.0.proposal_index Is required for ai-full cards.",
      "flashcards.1.proposal_index Is required for ai-edited cards.",
      "flashcards.2.proposal_index Must be absent for manual cards.",
      "flashcards.3.proposal_index Must be at most 49.",
      "flashcards.4.proposal_index Must be at least 0.",
      "flashcards.5.proposal_index Must be an integer.",
    ]);
  });

  it("gates 100 items from 100 generations in one round trip and at most 50 statements", async () => {
    const user = await registerUser();
    const generationIds = await Promise.all(Array.from({ length: 100 }, () => seedGeneration(user.id, 2)));
    const { db, counter } = countingD1(env.DB);
    const res = await create(
      user,
      generationIds.map((id, i) => (i % 2 ? full(id, 1) : edited(id, 0))),
      { ...env, DB: db },
    );
    expect(res.status).toBe(201);
    expect(counter.trips).toBe(1);
    expect(counter.statements).toBeLessThanOrEqual(50);
    expect(await generationCounts(generationIds[1]!)).toEqual({ unedited: 1, edited: 0 });
    expect(await generationCounts(generationIds[0]!)).toEqual({ unedited: 0, edited: 1 });
  });
});

describe("editing an accepted ai-full card (PATCH /flashcards/:id)", () => {
  it("moves one count from unedited to edited, once", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 3);
    const res = await create(user, [full(generationId, 0), full(generationId, 1), edited(generationId, 2)]);
    const [card, other, editedCard] = res.body.data;
    expect(await generationCounts(generationId)).toEqual({ unedited: 2, edited: 1 });
    const patch = (id: string, body: unknown) =>
      api("PATCH", `/api/v1/flashcards/${id}`, { token: user.accessToken, body });

    // Same text, or no text at all: nothing moves.
    expect((await patch(card.id, { front: "Q0", back: "A" })).body.source).toBe("ai-full");
    expect((await patch(card.id, { tags: ["x"] })).status).toBe(200);
    expect(await generationCounts(generationId)).toEqual({ unedited: 2, edited: 1 });

    expect((await patch(card.id, { back: "A, in my words" })).body.source).toBe("ai-edited");
    expect(await generationCounts(generationId)).toEqual({ unedited: 1, edited: 2 });
    // Already edited: further edits, and edits of ai-edited cards, move nothing.
    await patch(card.id, { front: "Q0 again?" });
    await patch(editedCard.id, { front: "Changed again?" });
    expect(await generationCounts(generationId)).toEqual({ unedited: 1, edited: 2 });
    await patch(other.id, { front: "Q1, rephrased?" });
    expect(await generationCounts(generationId)).toEqual({ unedited: 0, edited: 3 });
  });

  it("keeps the edit within one round trip", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 1);
    const [card] = (await create(user, [full(generationId, 0)])).body.data;
    const { db, counter } = countingD1(env.DB);
    const res = await api("PATCH", `/api/v1/flashcards/${card.id}`, {
      token: user.accessToken,
      body: { front: "Edited?" },
      env: { ...env, DB: db },
    });
    expect(res.status).toBe(200);
    expect(counter.trips).toBe(1);
    expect(await generationCounts(generationId)).toEqual({ unedited: 0, edited: 1 });
  });
});

describe("proposals kept by POST /generations", () => {
  const generate = (user: TestUser, headers: Record<string, string> = {}) =>
    api("POST", "/api/v1/generations", {
      token: user.accessToken,
      body: { source_text: textOfLength(3_000), count: 4 },
      headers,
    });

  it("stores the proposals of a JSON-mode generation for acceptance by index", async () => {
    const user = await registerUser();
    const { generation, proposals } = (await generate(user)).body;
    expect(proposals.length).toBeGreaterThanOrEqual(3);
    const take = (i: number) => full(generation.id, i, proposals[i].front, proposals[i].back);
    // Proposal 1's text under index 0 is not proposal 0.
    expectProblem(
      await create(user, [full(generation.id, 0, proposals[1].front, proposals[1].back)]),
      422,
      "not_a_proposal",
    );
    expect((await create(user, [take(0), take(1)])).status).toBe(201);
    expectProblem(await create(user, [take(1)]), 409, "proposal_already_accepted");
    const after = await api("GET", `/api/v1/generations/${generation.id}`, { token: user.accessToken });
    expect(after.body).toMatchObject({ accepted_unedited_count: 2, accepted_edited_count: 0 });
  });

  it("stores them in event-stream mode too", async () => {
    const user = await registerUser();
    const res = await generate(user, { accept: "text/event-stream" });
    const { generation, proposals } = sseEvents(res.text).find((e) => e.event === "generation")!.data;
    expect((await create(user, [full(generation.id, 0, proposals[0].front, proposals[0].back)])).status).toBe(201);
  });
});
