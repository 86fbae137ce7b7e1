/**
 * Conditional requests (issue #14): flashcards and decks carry a version that every change moves;
 * GET answers a strong ETag and honours If-None-Match (304); PATCH/DELETE honour If-Match (412
 * `precondition_failed`, nothing written) and apply unconditionally without it.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

async function createCard(user: TestUser, extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/api/v1/flashcards", {
    token: user.accessToken,
    body: { flashcards: [{ front: "Q", back: "A", source: "manual", ...extra }] },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data[0].id as string;
}

async function createDeck(user: TestUser, name: string, parentId: string | null = null) {
  const res = await api("POST", "/api/v1/decks", { token: user.accessToken, body: { name, parent_id: parentId } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

const etagOf = async (user: TestUser, path: string) => {
  const res = await api("GET", path, { token: user.accessToken });
  expect(res.status, res.text).toBe(200);
  const tag = res.headers.get("etag");
  expect(tag).toMatch(/^"\d+"$/);
  return tag as string;
};

describe("flashcards: ETag and If-None-Match", () => {
  it("GET answers a strong ETag; the same ETag in If-None-Match gives 304 without a body, another 200", async () => {
    const user = await registerUser("etag-get");
    const id = await createCard(user);
    const tag = await etagOf(user, `/api/v1/flashcards/${id}`);
    const same = await api("GET", `/api/v1/flashcards/${id}`, {
      token: user.accessToken,
      headers: { "if-none-match": tag },
    });
    expect(same.status).toBe(304);
    expect(same.text).toBe("");
    expect(same.headers.get("etag")).toBe(tag);
    const other = await api("GET", `/api/v1/flashcards/${id}`, {
      token: user.accessToken,
      headers: { "if-none-match": '"999"' },
    });
    expect(other.status).toBe(200);
    expect(other.body.id).toBe(id);
  });

  it("every kind of change moves the ETag: edit, move, tag change, review, undo, tag rename", async () => {
    const user = await registerUser("etag-moves");
    const deck = await createDeck(user, "D");
    const id = await createCard(user, { tags: ["a"] });
    const path = `/api/v1/flashcards/${id}`;
    const seen = new Set([await etagOf(user, path)]);
    const expectMoved = async (what: string) => {
      const tag = await etagOf(user, path);
      expect(seen.has(tag), `${what} did not move the ETag`).toBe(false);
      seen.add(tag);
    };
    const patched = await api("PATCH", path, { token: user.accessToken, body: { back: "B" } });
    expect(patched.status).toBe(200);
    // PATCH answers the card's new ETag.
    expect(patched.headers.get("etag")).toBe(await etagOf(user, path));
    await expectMoved("an edit");
    expect((await api("PATCH", path, { token: user.accessToken, body: { deck_id: deck } })).status).toBe(200);
    await expectMoved("a move");
    expect((await api("PATCH", path, { token: user.accessToken, body: { tags: ["a", "b"] } })).status).toBe(200);
    await expectMoved("a tag change");
    expect((await api("POST", `${path}/reviews`, { token: user.accessToken, body: { rating: "good" } })).status).toBe(
      200,
    );
    await expectMoved("a review");
    expect((await api("DELETE", `${path}/reviews/latest`, { token: user.accessToken })).status).toBe(200);
    await expectMoved("an undo");
    expect((await api("PATCH", "/api/v1/tags/a", { token: user.accessToken, body: { name: "A" } })).status).toBe(200);
    await expectMoved("a tag respelling");
  });

  it("a malformed If-None-Match is a 400 naming the header", async () => {
    const user = await registerUser("etag-bad");
    const id = await createCard(user);
    const res = await api("GET", `/api/v1/flashcards/${id}`, {
      token: user.accessToken,
      headers: { "if-none-match": "3" },
    });
    expectProblem(res, 400, "validation_failed");
    expect(JSON.stringify(res.body.errors)).toContain("If-None-Match");
  });
});

describe("flashcards: If-Match", () => {
  it("PATCH with the current ETag applies; with a stale one 412 and nothing written (tags included)", async () => {
    const user = await registerUser("ifmatch-patch");
    const id = await createCard(user, { tags: ["keep"] });
    const path = `/api/v1/flashcards/${id}`;
    const first = await etagOf(user, path);
    const ok = await api("PATCH", path, {
      token: user.accessToken,
      headers: { "if-match": first },
      body: { back: "device 1" },
    });
    expect(ok.status, ok.text).toBe(200);
    // Device 2 still holds the first ETag: its edit (which would also relink tags) is refused whole.
    const stale = await api("PATCH", path, {
      token: user.accessToken,
      headers: { "if-match": first },
      body: { back: "device 2", tags: ["other"] },
    });
    expectProblem(stale, 412, "precondition_failed");
    const now = await api("GET", path, { token: user.accessToken });
    expect(now.body.back).toBe("device 1");
    expect(now.body.tags).toEqual(["keep"]);
    // A list naming the current version, and *, match.
    const current = await etagOf(user, path);
    const listed = await api("PATCH", path, {
      token: user.accessToken,
      headers: { "if-match": `"12345", ${current}` },
      body: { back: "listed" },
    });
    expect(listed.status).toBe(200);
    const star = await api("PATCH", path, {
      token: user.accessToken,
      headers: { "if-match": "*" },
      body: { back: "*" },
    });
    expect(star.status).toBe(200);
    // Without If-Match the edit applies unconditionally.
    expect((await api("PATCH", path, { token: user.accessToken, body: { back: "any" } })).status).toBe(200);
  });

  it("PATCH with If-Match costs one round trip (the gate is in the write's batch)", async () => {
    const user = await registerUser("ifmatch-trips");
    const id = await createCard(user);
    const tag = await etagOf(user, `/api/v1/flashcards/${id}`);
    const { db, counter } = countingD1(env.DB);
    const res = await api("PATCH", `/api/v1/flashcards/${id}`, {
      token: user.accessToken,
      headers: { "if-match": tag },
      body: { front: "Q2" },
      env: { ...env, DB: db },
    });
    expect(res.status).toBe(200);
    expect(counter.trips).toBe(1);
    expect(counter.statements).toBe(4); // session gate, version gate, the generation's edit count, update
  });

  it("DELETE with a stale If-Match is 412 and the card stays; with the current one it goes", async () => {
    const user = await registerUser("ifmatch-delete");
    const id = await createCard(user);
    const path = `/api/v1/flashcards/${id}`;
    const tag = await etagOf(user, path);
    await api("POST", `${path}/reviews`, { token: user.accessToken, body: { rating: "good" } });
    expectProblem(
      await api("DELETE", path, { token: user.accessToken, headers: { "if-match": tag } }),
      412,
      "precondition_failed",
    );
    expect((await api("GET", path, { token: user.accessToken })).status).toBe(200);
    const current = await etagOf(user, path);
    expect((await api("DELETE", path, { token: user.accessToken, headers: { "if-match": current } })).status).toBe(204);
    expect((await api("GET", path, { token: user.accessToken })).status).toBe(404);
  });

  it("another user's card answers 404 with or without If-Match, and a malformed If-Match is a 400", async () => {
    const owner = await registerUser("ifmatch-owner");
    const other = await registerUser("ifmatch-other");
    const id = await createCard(owner);
    const path = `/api/v1/flashcards/${id}`;
    expectProblem(
      await api("PATCH", path, { token: other.accessToken, headers: { "if-match": '"0"' }, body: { back: "x" } }),
      404,
      "not_found",
    );
    expectProblem(
      await api("DELETE", path, { token: other.accessToken, headers: { "if-match": "*" } }),
      404,
      "not_found",
    );
    expectProblem(
      await api("GET", path, { token: other.accessToken, headers: { "if-none-match": "*" } }),
      404,
      "not_found",
    );
    expectProblem(
      await api("PATCH", path, { token: owner.accessToken, headers: { "if-match": "W/x" }, body: { back: "x" } }),
      400,
      "validation_failed",
    );
  });

  it("two devices editing from the same ETag at once: exactly one applies, the other gets 412", async () => {
    const user = await registerUser("ifmatch-race");
    const id = await createCard(user);
    const path = `/api/v1/flashcards/${id}`;
    const tag = await etagOf(user, path);
    const answers = await Promise.all(
      ["phone", "laptop"].map((back) =>
        api("PATCH", path, { token: user.accessToken, headers: { "if-match": tag }, body: { back } }),
      ),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([200, 412]);
    const winner = answers.find((res) => res.status === 200);
    expect((await api("GET", path, { token: user.accessToken })).body.back).toBe(winner?.body.back);
  });
});

describe("decks: ETag, If-None-Match and If-Match", () => {
  it("GET answers an ETag and 304; rename, move and a parent's rename move it; PATCH/DELETE honour If-Match", async () => {
    const user = await registerUser("deck-etag");
    const parent = await createDeck(user, "Parent");
    const child = await createDeck(user, "Child", parent);
    const path = `/api/v1/decks/${child}`;
    const first = await etagOf(user, path);
    const cached = await api("GET", path, { token: user.accessToken, headers: { "if-none-match": first } });
    expect(cached.status).toBe(304);
    // The parent's rename changes the child's path, so its ETag.
    expect(
      (await api("PATCH", `/api/v1/decks/${parent}`, { token: user.accessToken, body: { name: "P2" } })).status,
    ).toBe(200);
    const second = await etagOf(user, path);
    expect(second).not.toBe(first);
    expectProblem(
      await api("PATCH", path, { token: user.accessToken, headers: { "if-match": first }, body: { name: "stale" } }),
      412,
      "precondition_failed",
    );
    const renamed = await api("PATCH", path, {
      token: user.accessToken,
      headers: { "if-match": second },
      body: { parent_id: null },
    });
    expect(renamed.status, renamed.text).toBe(200);
    const third = renamed.headers.get("etag");
    expect(third).toBe(await etagOf(user, path));
    expect(third).not.toBe(second);
    expectProblem(
      await api("DELETE", path, { token: user.accessToken, headers: { "if-match": second } }),
      412,
      "precondition_failed",
    );
    expect((await api("GET", path, { token: user.accessToken })).status).toBe(200);
    expect((await api("DELETE", path, { token: user.accessToken, headers: { "if-match": third ?? "" } })).status).toBe(
      204,
    );
  });
});
