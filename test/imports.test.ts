/**
 * POST /imports, GET /imports, GET /imports/:id against real local D1: Anki files with decks, tags,
 * HTML and quoting; a spreadsheet CSV; duplicates; dry runs; the limits and errors; the statement budget.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import ankiFull from "./fixtures/anki/anki-notes-full.txt?raw";
import ankiSemicolon from "./fixtures/anki/anki-notes-semicolon.txt?raw";
import spreadsheet from "./fixtures/anki/spreadsheet-semicolon.csv?raw";
import { type ApiResponse, api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { count } from "./helpers/fixtures";
import { racingD1 } from "./helpers/racing-d1";

/** Sends a file to POST /imports. */
function importFile(user: TestUser, body: string | Uint8Array, type = "text/plain", query = ""): Promise<ApiResponse> {
  return api("POST", `/api/v1/imports${query}`, {
    token: user.accessToken,
    rawBody: body as string,
    headers: { "content-type": type },
  });
}

async function cardsOf(userId: string) {
  const { results } = await env.DB.prepare(
    `SELECT f.front, f.back, f.source, f.front_key,
            (WITH RECURSIVE up(id, parent_id, name, depth) AS (
               SELECT id, parent_id, name, 0 FROM decks WHERE id = f.deck_id
               UNION ALL SELECT d.id, d.parent_id, d.name, up.depth + 1 FROM decks d JOIN up ON d.id = up.parent_id)
             SELECT group_concat(name, '::') FROM (SELECT name FROM up ORDER BY depth DESC)) AS deck,
            (SELECT group_concat(name, ' ') FROM (SELECT t.name FROM flashcard_tags ft JOIN tags t ON t.id = ft.tag_id
              WHERE ft.flashcard_id = f.id ORDER BY t.name_key)) AS tags
     FROM flashcards f WHERE f.user_id = ? ORDER BY f.front`,
  )
    .bind(userId)
    .all<{ front: string; back: string; source: string; deck: string | null; tags: string | null }>();
  return results;
}

describe("POST /imports with an Anki file", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await registerUser("import");
  });

  it("imports a full Anki export: decks created by path, tags, HTML to text, media warnings", async () => {
    const res = await importFile(user, ankiFull);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      import: {
        id: expect.any(String),
        format: "anki",
        dry_run: false,
        duplicates: "skip",
        target_deck_id: null,
        total_rows: 5,
        created: 5,
        skipped_duplicates: 0,
        rejected: 0,
        decks_created: 4,
        warnings: [
          { line: 8, code: "media_removed", message: expect.any(String) },
          { line: 11, code: "media_removed", message: expect.any(String) },
        ],
        created_at: expect.any(String),
      },
      rejected_rows: [],
    });
    expect(await cardsOf(user.id)).toEqual([
      {
        front: "Capital of France",
        back: "Paris & the Seine",
        source: "imported",
        front_key: "capital of france",
        deck: "Geography",
        tags: "capitals",
      },
      {
        front: "Tab here, semicolon; here",
        back: "<tag> €5 😀",
        source: "imported",
        front_key: "tab here semicolon here",
        deck: "Geography",
        tags: null,
      },
      {
        front: "być to be",
        back: 'to be\nirregular: "jestem"',
        source: "imported",
        front_key: "być to be",
        deck: "Languages::Polish::Verbs",
        tags: "irregular verbs",
      },
      {
        front: "kot",
        back: "cat\n(a small feline)",
        source: "imported",
        front_key: "kot",
        deck: "Languages::Polish",
        tags: "animals nouns",
      },
      { front: "pies", back: "dog", source: "imported", front_key: "pies", deck: "Languages::Polish", tags: "nouns" },
    ]);
    // Imported cards show up with their source through the API.
    const list = await api("GET", "/api/v1/flashcards?source=imported", { token: user.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(5);
  });

  it("skips duplicates on a second run (same deck, same front key) and records it", async () => {
    const again = await importFile(user, ankiFull);
    expect(again.status).toBe(201);
    expect(again.body.import).toMatchObject({ created: 0, skipped_duplicates: 5, decks_created: 0 });
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", user.id)).toBe(5);
    // No tag left behind by the skipped rows.
    expect(
      await count(
        "SELECT count(*) AS n FROM tags t WHERE user_id = ? AND NOT EXISTS (SELECT 1 FROM flashcard_tags ft WHERE ft.tag_id = t.id)",
        user.id,
      ),
    ).toBe(0);

    const allowed = await importFile(user, ankiFull, "text/plain", "?duplicates=allow");
    expect(allowed.body.import).toMatchObject({ created: 5, skipped_duplicates: 0 });
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", user.id)).toBe(10);
  });

  it("lists past imports newest first and reads one with its rejected rows", async () => {
    const list = await api("GET", "/api/v1/imports?limit=2", { token: user.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data[0].created).toBe(5);
    expect(list.body.pagination.has_more).toBe(true);
    const next = await api("GET", `/api/v1/imports?cursor=${encodeURIComponent(list.body.pagination.next_cursor)}`, {
      token: user.accessToken,
    });
    expect(next.body.data).toHaveLength(1);
    const one = await api("GET", `/api/v1/imports/${list.body.data[0].id}`, { token: user.accessToken });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ import: list.body.data[0], rejected_rows: [] });
    const stranger = await registerUser("import-stranger");
    expectProblem(
      await api("GET", `/api/v1/imports/${list.body.data[0].id}`, { token: stranger.accessToken }),
      404,
      "not_found",
    );
  });
});

describe("POST /imports: targets, spreadsheets, rejections", () => {
  it("puts rows without a deck column in deck_id, #deck in its path; a semicolon Anki file with a BOM", async () => {
    const user = await registerUser("import-target");
    const res = await importFile(user, ankiSemicolon);
    expect(res.status).toBe(201);
    expect(res.body.import).toMatchObject({ created: 3, decks_created: 2 });
    expect(res.body.import.warnings).toEqual([{ line: 6, code: "unknown_header", message: expect.any(String) }]);
    const cards = await cardsOf(user.id);
    expect(cards.map((c) => [c.front, c.deck, c.tags])).toEqual([
      ["CO2", "Science::Chemistry", "imported vocab"],
      ["H2O", "Science::Chemistry", "imported vocab"],
      ["NaCl", "Science::Chemistry", "imported vocab"],
    ]);
    // A spreadsheet into the existing deck: found by its id, no deck created.
    const deckId = (await env.DB.prepare("SELECT id FROM decks WHERE user_id = ? AND name = 'Chemistry'")
      .bind(user.id)
      .first<{ id: string }>())!.id;
    const sheet = await importFile(user, spreadsheet, "text/csv; charset=utf-8", `?deck_id=${deckId}`);
    expect(sheet.status).toBe(201);
    expect(sheet.body.import).toMatchObject({ format: "csv", created: 3, decks_created: 0, target_deck_id: deckId });
    expect((await cardsOf(user.id)).filter((c) => c.front === "Ribosome")).toEqual([
      expect.objectContaining({
        back: "Makes proteins;\nfound in all cells",
        deck: "Science::Chemistry",
        tags: "biology",
      }),
    ]);
  });

  it("merges deck paths case-insensitively with existing decks", async () => {
    const user = await registerUser("import-merge");
    await importFile(user, "#separator:tab\n#deck column:1\nLanguages::Polish\tq1\ta1\n");
    const res = await importFile(user, "#separator:tab\n#deck column:1\nLANGUAGES::polish::Verbs\tq2\ta2\n");
    expect(res.body.import).toMatchObject({ created: 1, decks_created: 1 });
    expect(await count("SELECT count(*) AS n FROM decks WHERE user_id = ?", user.id)).toBe(3);
  });

  it("rejects rows that do not fit with their line, never truncating, and imports the rest", async () => {
    const user = await registerUser("import-reject");
    const tooManyTags = Array.from({ length: 21 }, (_, i) => `t${i}`).join(" ");
    const file = [
      "#separator:tab",
      "#tags column:3",
      "ok\tfine\t",
      "\tno front\t",
      "no back\t\t",
      `${"x".repeat(201)}\tlong front\t`,
      `long back\t${"y".repeat(501)}\t`,
      `tags\tmany\t${tooManyTags}`,
      '"multi',
      'line"\tstarts on line 9\t',
      "\t\t",
      "ok2\tfine2\t",
      "",
    ].join("\n");
    const res = await importFile(user, file);
    expect(res.status).toBe(201);
    expect(res.body.import).toMatchObject({ total_rows: 9, created: 3, rejected: 6 });
    expect(res.body.rejected_rows.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [4, "empty_front"],
      [5, "empty_back"],
      [6, "front_too_long"],
      [7, "back_too_long"],
      [8, "too_many_tags"],
      [11, "empty_front"], // a line of separators only is a row with empty sides
    ]);
    expect((await cardsOf(user.id)).map((c) => c.front)).toEqual(["multi\nline", "ok", "ok2"]);
  });

  it("a dry run counts and writes nothing (200)", async () => {
    const user = await registerUser("import-dry");
    const res = await importFile(user, ankiFull, "text/plain", "?dry_run=true");
    expect(res.status).toBe(200);
    expect(res.body.import).toMatchObject({ id: null, dry_run: true, created: 5, decks_created: 4 });
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", user.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM decks WHERE user_id = ?", user.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM imports WHERE user_id = ?", user.id)).toBe(0);
  });
});

describe("POST /imports: errors", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await registerUser("import-errors");
  });

  it("415 for another content type, before reading the body", async () => {
    for (const type of ["application/octet-stream", "application/xml", "image/png"]) {
      expectProblem(await importFile(user, "q\ta\n", type), 415, "unsupported_media_type");
    }
  });

  it("400 invalid_encoding for bytes that are not UTF-8; nothing written", async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x09, 0x61, 0x0a]);
    const res = await api("POST", "/api/v1/imports", {
      token: user.accessToken,
      rawBody: latin1 as unknown as string,
      headers: { "content-type": "text/plain" },
    });
    expectProblem(res, 400, "invalid_encoding");
  });

  it("400 too_many_rows over 5,000 rows, saying how to split; nothing written", async () => {
    const res = await importFile(user, "q\ta\n".repeat(12_001));
    const problem = expectProblem(res, 400, "too_many_rows");
    expect(problem.detail).toContain("12001 rows");
    expect(problem.detail).toContain("3 files");
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", user.id)).toBe(0);
  });

  it("a 20,000-note Anki file goes in parts, split the way the 400 says; re-sending a part adds nothing", async () => {
    const header = ["#separator:tab", "#html:false", "#deck column:1", "#tags column:4"];
    const notes = Array.from({ length: 20_000 }, (_, i) => `Big::Part${i % 4}\tNote ${i}\tAnswer ${i}\tbig`);
    const file = (rows: string[]) => [...header, ...rows, ""].join("\n");
    const owner = await registerUser("import-20k");
    const problem = expectProblem(await importFile(owner, file(notes)), 400, "too_many_rows");
    expect(problem.detail).toContain("20000 rows");
    expect(problem.detail).toContain("4 files");
    const parts = [0, 1, 2, 3].map((part) => file(notes.slice(part * 5_000, (part + 1) * 5_000)));
    for (const part of parts) {
      const res = await importFile(owner, part);
      expect(res.status).toBe(201);
      expect(res.body.import).toMatchObject({ created: 5_000, rejected: 0 });
    }
    const again = await importFile(owner, parts[0] as string);
    expect(again.body.import).toMatchObject({ created: 0, skipped_duplicates: 5_000 });
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", owner.id)).toBe(20_000);
    expect(await count("SELECT count(*) AS n FROM decks WHERE user_id = ?", owner.id)).toBe(5);
  });

  it("accepts 5,000 rows within the statement budget: two round trips", async () => {
    const rows = Array.from(
      { length: 5_000 },
      (_, i) => `Deck${i % 7}::Sub${i % 3}\tQuestion ${i}\tAnswer ${i}\ttag${i % 11} common`,
    );
    const file = `#separator:tab\n#deck column:1\n#tags column:4\n${rows.join("\n")}\n`;
    const fresh = await registerUser("import-big");
    const { db, counter } = countingD1(env.DB);
    const res = await api("POST", "/api/v1/imports", {
      token: fresh.accessToken,
      rawBody: file,
      headers: { "content-type": "text/plain" },
      env: { ...env, DB: db },
    });
    expect(res.status).toBe(201);
    expect(res.body.import).toMatchObject({ created: 5_000, decks_created: 28 });
    expect(counter.trips).toBe(2);
    expect(counter.statements).toBeLessThanOrEqual(50);
    expect(await count("SELECT count(*) AS n FROM flashcard_tags WHERE user_id = ?", fresh.id)).toBe(10_000);
  });

  it("413 over 2 MB, with or without Content-Length", async () => {
    const big = `${"q\t" + "a".repeat(400) + "\n"}`.repeat(5_300);
    expectProblem(await importFile(user, big), 413, "payload_too_large");
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const { default: worker } = await import("../src/index");
    const { createExecutionContext } = await import("cloudflare:test");
    const response = await worker.fetch(
      new Request("http://api.test/api/v1/imports", {
        method: "POST",
        headers: { authorization: `Bearer ${user.accessToken}`, "content-type": "text/plain" },
        body: stream,
        // @ts-expect-error: workerd needs duplex for a streamed body
        duplex: "half",
      }),
      env,
      createExecutionContext(),
    );
    expect(response.status).toBe(413);
  });

  it("400 for bad query parameters; 404 for another user's deck", async () => {
    expectProblem(await importFile(user, "q\ta\n", "text/plain", "?duplicates=maybe"), 400, "validation_failed");
    expectProblem(await importFile(user, "q\ta\n", "text/plain", "?dry_run=yes"), 400, "validation_failed");
    expectProblem(await importFile(user, "q\ta\n", "text/plain", "?deck_id=nope"), 400, "validation_failed");
    const other = await registerUser("import-owner");
    await importFile(other, "#deck:Mine\nq\ta\n");
    const foreign = (await env.DB.prepare("SELECT id FROM decks WHERE user_id = ?")
      .bind(other.id)
      .first<{ id: string }>())!.id;
    expectProblem(await importFile(user, "q\ta\n", "text/plain", `?deck_id=${foreign}`), 404, "not_found");
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", user.id)).toBe(0);
  });

  it("an import racing a deck deletion leaves no card in a deleted deck", async () => {
    const racer = await registerUser("import-race");
    await importFile(racer, "#deck:Doomed\nfirst\tcard\n");
    const deck = (await env.DB.prepare("SELECT id FROM decks WHERE user_id = ?")
      .bind(racer.id)
      .first<{ id: string }>())!;
    // The deletion lands between the import's read and its write: the write batch's deck gate sees it.
    const racing = racingD1(env.DB, 4, () =>
      env.DB.batch([
        env.DB.prepare("DELETE FROM flashcards WHERE deck_id = ?").bind(deck.id),
        env.DB.prepare("DELETE FROM decks WHERE id = ?").bind(deck.id),
      ]),
    );
    const res = await api("POST", `/api/v1/imports?deck_id=${deck.id}`, {
      token: racer.accessToken,
      rawBody: "second\tcard\nthird\tcard\n",
      headers: { "content-type": "text/plain" },
      env: { ...env, DB: racing.db },
    });
    expect(racing.raced()).toBe(true);
    expectProblem(res, 404, "not_found");
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", racer.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM imports WHERE user_id = ?", racer.id)).toBe(1);
  });
});
