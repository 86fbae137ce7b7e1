/**
 * Streamed exports: Anki text, cards.csv and account.json. Real local D1; pages counted with the
 * counting D1 wrapper; the query plans of the page queries checked for their indexes.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { parseImportFile } from "../src/portability/import-file";
import { api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

let user: TestUser;
let other: TestUser;

/** Inserts `count` cards for a user straight into D1 (fast arrangement for paging). */
async function seedCards(userId: string, count: number, front = (i: number) => `Question ${i}`) {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    front: front(i),
    back: `Answer ${i}`,
    at: 1_700_000_000_000 + Math.floor(i / 3) * 1000, // ties on created_at: the id breaks them
  }));
  await env.DB.prepare(
    `INSERT INTO flashcards (id, user_id, front, front_key, back, source, created_at, updated_at, due)
     SELECT j.value->>'id', ?, j.value->>'front', lower(j.value->>'front'), j.value->>'back', 'manual',
            j.value->>'at', j.value->>'at', j.value->>'at'
     FROM json_each(?) AS j`,
  )
    .bind(userId, JSON.stringify(rows))
    .run();
  return rows;
}

beforeAll(async () => {
  user = await registerUser("export");
  other = await registerUser("export-other");
  await seedCards(other.id, 5, (i) => `Secret of other ${i}`);
});

describe("exports of an empty account", () => {
  it("answers each export with attachment headers", async () => {
    const fresh = await registerUser("export-empty");
    const anki = await api("GET", "/api/v1/exports/anki.txt", { token: fresh.accessToken });
    expect(anki.status).toBe(200);
    expect(anki.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(anki.headers.get("content-disposition")).toBe('attachment; filename="flashcards-anki.txt"');
    expect(anki.headers.get("cache-control")).toBe("no-store");
    expect(anki.text).toBe(
      "#separator:tab\n#html:false\n#notetype:Basic\n#columns:Front\tBack\tDeck\tTags\n#deck column:3\n#tags column:4\n",
    );
    const csv = await api("GET", "/api/v1/exports/cards.csv", { token: fresh.accessToken });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="flashcards.csv"');
    expect(csv.text).toBe("front,back,deck,tags,source,created_at,due,state\r\n");
    const account = await api("GET", "/api/v1/exports/account.json", { token: fresh.accessToken });
    expect(account.status).toBe(200);
    expect(account.headers.get("content-disposition")).toBe('attachment; filename="flashcards-account.json"');
    expect(account.body).toEqual({
      format: "flashcards-api.account",
      format_version: 1,
      exported_at: expect.any(String),
      user: { id: fresh.id, email: fresh.email, created_at: expect.any(String) },
      settings: null,
      decks: [],
      tags: [],
      cards: [],
      generations: [],
      generation_error_logs: [],
      review_logs: [],
      study_sessions: [],
      complete: true,
    });
    expect(account.text).not.toMatch(/password|token|hash"/i);
  });

  it("requires a bearer token", async () => {
    for (const path of ["anki.txt", "cards.csv", "account.json"]) {
      expectProblem(await api("GET", `/api/v1/exports/${path}`), 401, "unauthorized");
    }
  });

  it("refuses a logged-out session before the first byte", async () => {
    const gone = await registerUser("export-gone");
    await api("POST", "/api/v1/auth/logout", { body: { refresh_token: gone.refreshToken } });
    expectProblem(await api("GET", "/api/v1/exports/cards.csv", { token: gone.accessToken }), 401, "session_expired");
  });
});

describe("exports with cards", () => {
  beforeAll(async () => {
    await seedCards(user.id, 2_100);
    await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: {
        flashcards: [
          { front: 'Tab\there, "quoted", comma', back: "line one\nline two", source: "manual" },
          { front: "#not a header", back: "plain", source: "manual" },
        ],
      },
    });
  });

  it("streams every card as Anki text in pages, and our own reader reads it back", async () => {
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/exports/anki.txt", { token: user.accessToken, env: { ...env, DB: db } });
    expect(res.status).toBe(200);
    // The session gate, then three pages of 1,000 (the last one short): 4 round trips.
    expect(counter.trips).toBe(4);
    const parsed = parseImportFile(res.text);
    expect(parsed.rows).toHaveLength(2_102);
    expect(parsed.rejected).toEqual([]);
    // The last two were created at the same instant: their order is their ids'.
    expect(parsed.rows.slice(-2)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ front: 'Tab\there, "quoted", comma', back: "line one\nline two" }),
        expect.objectContaining({ front: "#not a header", back: "plain" }),
      ]),
    );
    expect(new Set(parsed.rows.map((r) => r.front)).size).toBe(2_102);
    expect(res.text).not.toContain("Secret of other");
  });

  it("streams RFC 4180 CSV with a header row", async () => {
    const res = await api("GET", "/api/v1/exports/cards.csv", { token: user.accessToken });
    const lines = res.text.split("\r\n");
    expect(lines[0]).toBe("front,back,deck,tags,source,created_at,due,state");
    expect(res.text).toContain('"Tab\there, ""quoted"", comma","line one\nline two",,,manual,');
    const parsed = parseImportFile(res.text, "csv");
    expect(parsed.rows).toHaveLength(2_102);
    expect(res.text).not.toContain("Secret of other");
  });

  it("streams account.json with every card once, in pages", async () => {
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/exports/account.json", {
      token: user.accessToken,
      env: { ...env, DB: db },
    });
    expect(res.body.cards).toHaveLength(2_102);
    expect(new Set(res.body.cards.map((c: { id: string }) => c.id)).size).toBe(2_102);
    expect(res.body.complete).toBe(true);
    // gate + user, 3 card pages, one page each for generations, error logs, reviews, sessions.
    expect(counter.trips).toBe(8);
    expect(res.text).not.toContain("Secret of other");
  });

  it("stops reading when the client goes away", async () => {
    const { db, counter } = countingD1(env.DB);
    const { default: worker } = await import("../src/index");
    const { createExecutionContext } = await import("cloudflare:test");
    const response = await worker.fetch(
      new Request("http://api.test/api/v1/exports/cards.csv", {
        headers: { authorization: `Bearer ${user.accessToken}` },
      }),
      { ...env, DB: db },
      createExecutionContext(),
    );
    const reader = response.body!.getReader();
    await reader.read(); // the header row
    await reader.read(); // the first page
    await reader.cancel();
    expect(counter.trips).toBeLessThanOrEqual(3);
  });

  it("reads pages on indexes that start with user_id", async () => {
    const plans = {
      cards:
        "SELECT id FROM flashcards WHERE user_id = ?1 AND (created_at, id) > (0, '') ORDER BY created_at, id LIMIT 1000",
      reviews:
        "SELECT id FROM review_logs WHERE user_id = ?1 AND (reviewed_at, rowid) > (0, 0) ORDER BY reviewed_at, rowid LIMIT 5000",
      generations:
        "SELECT id FROM generations WHERE user_id = ?1 AND (created_at, id) > (0, '') ORDER BY created_at, id LIMIT 1000",
      sessions:
        "SELECT id FROM study_sessions WHERE user_id = ?1 AND (started_at, rowid) > (0, 0) ORDER BY started_at, rowid LIMIT 1000",
    };
    for (const [name, query] of Object.entries(plans)) {
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query}`).bind(user.id).all<{ detail: string }>();
      const details = plan.results.map((row) => row.detail).join("\n");
      expect(details, name).toMatch(/USING (COVERING )?INDEX \w*user\w*/);
      expect(details, name).not.toContain("TEMP B-TREE");
    }
  });
});

describe("exports carry decks and tags", () => {
  it("anki.txt and cards.csv name each card's deck path and tags; importing anki.txt elsewhere rebuilds them", async () => {
    const owner = await registerUser("export-decks");
    const file = [
      "#separator:tab",
      "#deck column:1",
      "#tags column:4",
      "Languages::Polish::Verbs\tbyć\tto be\tverbs irregular",
      "Languages::Polish\tkot\tcat\tnouns",
      "Geography\tCapital of France\tParis\t",
      "",
    ].join("\n");
    const imported = await api("POST", "/api/v1/imports", {
      token: owner.accessToken,
      rawBody: file,
      headers: { "content-type": "text/plain" },
    });
    expect(imported.status).toBe(201);

    const anki = await api("GET", "/api/v1/exports/anki.txt", { token: owner.accessToken });
    const rows = parseImportFile(anki.text).rows.map((r) => [r.deck, r.front, r.back, r.tags.join(" ")]);
    expect(rows.sort()).toEqual(
      [
        ["Geography", "Capital of France", "Paris", ""],
        ["Languages::Polish", "kot", "cat", "nouns"],
        ["Languages::Polish::Verbs", "być", "to be", "irregular verbs"],
      ].sort(),
    );
    const csv = await api("GET", "/api/v1/exports/cards.csv", { token: owner.accessToken });
    expect(csv.text).toContain("kot,cat,Languages::Polish,nouns,imported,");

    const account = await api("GET", "/api/v1/exports/account.json", { token: owner.accessToken });
    expect(account.body.decks.map((d: { path: string }) => d.path)).toEqual([
      "Geography",
      "Languages",
      "Languages::Polish",
      "Languages::Polish::Verbs",
    ]);
    expect(account.body.tags).toEqual([{ name: "irregular" }, { name: "nouns" }, { name: "verbs" }]);
    expect(account.body.cards.find((c: { front: string }) => c.front === "być")).toMatchObject({
      source: "imported",
      deck_path: "Languages::Polish::Verbs",
      tags: ["irregular", "verbs"],
    });

    // deck_id: that deck and its subdecks only; another user's deck is 404, a malformed one 400.
    const polish = account.body.decks.find((d: { path: string }) => d.path === "Languages::Polish").id;
    const onlyPolish = await api("GET", `/api/v1/exports/anki.txt?deck_id=${polish}`, { token: owner.accessToken });
    expect(onlyPolish.status).toBe(200);
    expect(
      parseImportFile(onlyPolish.text)
        .rows.map((r) => r.front)
        .sort(),
    ).toEqual(["być", "kot"]);
    const stranger = await registerUser("export-decks-stranger");
    expectProblem(
      await api("GET", `/api/v1/exports/anki.txt?deck_id=${polish}`, { token: stranger.accessToken }),
      404,
      "not_found",
    );
    expectProblem(
      await api("GET", "/api/v1/exports/anki.txt?deck_id=nope", { token: owner.accessToken }),
      400,
      "validation_failed",
    );

    // The Anki file imports into another account with the same decks, tags and text.
    const other = await registerUser("export-decks-copy");
    const copied = await api("POST", "/api/v1/imports", {
      token: other.accessToken,
      rawBody: anki.text,
      headers: { "content-type": "text/plain" },
    });
    expect(copied.body.import).toMatchObject({ created: 3, decks_created: 4, rejected: 0 });
    const again = await api("GET", "/api/v1/exports/anki.txt", { token: other.accessToken });
    expect(
      parseImportFile(again.text)
        .rows.map((r) => [r.deck, r.front, r.back, r.tags.join(" ")])
        .sort(),
    ).toEqual(rows.sort());
  });
});
