/**
 * The account round trip (issue #16): GET /exports/account.json carries everything the account owns,
 * and POST /imports with `Content-Type: application/json` restores it into another account (empty or
 * not), ids remapped, nothing of another account reachable. Real local D1, real migrations.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { accountDocumentSchema } from "../src/routes/exports/account.schemas";
import photosynthesis from "./fixtures/photosynthesis.txt?raw";
import { type ApiResponse, api, expectProblem, registerUser, type TestUser } from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";
import { racingD1 } from "./helpers/racing-d1";

// A JSON document walked generically.
type Json = any;

const exportAccount = async (user: TestUser): Promise<Json> => {
  const res = await api("GET", "/api/v1/exports/account.json", { token: user.accessToken });
  expect(res.status).toBe(200);
  return res.body;
};

const importAccount = (user: TestUser, document: unknown, query = "", envOverride?: Cloudflare.Env) =>
  api("POST", `/api/v1/imports${query}`, {
    token: user.accessToken,
    rawBody: (typeof document === "string" || document instanceof Uint8Array
      ? document
      : JSON.stringify(document)) as string,
    headers: { "content-type": "application/json" },
    env: envOverride,
  });

const count = async (sql: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...params)
      .first<{ n: number }>()
  )?.n ?? 0;

/**
 * The document with every id replaced by a name derived from what the row is (a card by its front and
 * deck, a deck by its path, a review by its time and card, …), sections sorted, and the members that
 * belong to the exporting account itself (`user`, `exported_at`) dropped: two exports of the same data
 * by different accounts are then equal.
 */
function comparable(document: Json): Json {
  const names = new Map<string, string>();
  for (const deck of document.decks) names.set(deck.id, `deck:${deck.path}`);
  for (const card of document.cards) names.set(card.id, `card:${card.deck_path}/${card.front}`);
  for (const g of document.generations) names.set(g.id, `generation:${g.created_at}/${g.source_text_hash}`);
  for (const e of document.generation_error_logs) names.set(e.id, `error:${e.created_at}`);
  for (const s of document.study_sessions) names.set(s.id, `session:${s.started_at}`);
  for (const r of document.review_logs) names.set(r.id, `review:${r.reviewed_at}/${names.get(r.flashcard_id)}`);
  const rename = (value: Json): Json => {
    if (typeof value === "string") return names.get(value) ?? value;
    if (Array.isArray(value)) return value.map(rename);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rename(inner)]));
    }
    return value;
  };
  const { user: _user, exported_at: _at, ...rest } = rename(document);
  const sorted = (rows: Json[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  for (const key of ["cards", "generations", "generation_error_logs", "review_logs", "study_sessions"]) {
    rest[key] = sorted(rest[key]);
  }
  return rest;
}

/** Builds an account holding one of everything through the API (and one error log straight into D1). */
async function buildAccount(owner: TestUser) {
  const auth = { token: owner.accessToken };
  expect(
    (
      await api("PATCH", "/api/v1/settings", {
        ...auth,
        body: { timezone: "Europe/Warsaw", new_cards_per_day: 15, learning_steps: ["1m", "10m"] },
      })
    ).status,
  ).toBe(200);
  const file = [
    "#separator:tab",
    "#html:false",
    "#deck column:1",
    "#tags column:4",
    "Languages::Polish::Verbs\tbyć\tto be\tverbs irregular",
    "Languages::Polish\tkot\tcat\tnouns",
    "Geography\tCapital of France\tParis\t",
    "",
  ].join("\n");
  expect(
    (await api("POST", "/api/v1/imports", { ...auth, rawBody: file, headers: { "content-type": "text/plain" } }))
      .status,
  ).toBe(201);
  const empty = await api("POST", "/api/v1/decks", { ...auth, body: { name: "Empty", description: "Nothing yet" } });
  expect(empty.status).toBe(201);

  const generation = await api("POST", "/api/v1/generations", {
    ...auth,
    body: { source_text: photosynthesis, count: 3 },
  });
  expect(generation.status).toBe(201);
  const [p0, p1] = generation.body.proposals;
  const created = await api("POST", "/api/v1/flashcards", {
    ...auth,
    body: {
      flashcards: [
        {
          front: p0.front,
          back: p0.back,
          source: "ai-full",
          generation_id: generation.body.generation.id,
          proposal_index: 0,
        },
        {
          front: p1.front,
          back: `${p1.back} (mine)`,
          source: "ai-edited",
          generation_id: generation.body.generation.id,
          proposal_index: 1,
        },
        { front: "Emoji 🦉 and עברית", back: 'Line one\nline two, "quoted"', source: "manual" },
      ],
    },
  });
  expect(created.status).toBe(201);
  await env.DB.prepare(
    `INSERT INTO generation_error_logs (id, user_id, model, source_text_hash, source_text_length, error_code, error_message, created_at)
     VALUES (?, ?, 'local', 'abc123', 1200, 'provider_timeout', 'The provider did not answer in time.', 1700000000000)`,
  )
    .bind(crypto.randomUUID(), owner.id)
    .run();

  // A study session with one review in it, then two offline reviews of another card.
  const session = await api("POST", "/api/v1/study-sessions", { ...auth, body: { limit: 3 } });
  expect(session.status).toBe(201);
  const inSession = session.body.session.cards[0].id;
  expect(
    (
      await api("POST", `/api/v1/flashcards/${inSession}/reviews`, {
        ...auth,
        body: { rating: "good", session_id: session.body.session.id, duration_ms: 5200 },
      })
    ).status,
  ).toBe(200);
  const offline = created.body.data[2].id;
  const batch = await api("POST", "/api/v1/reviews/batch", {
    ...auth,
    body: {
      reviews: [
        {
          id: crypto.randomUUID(),
          flashcard_id: offline,
          rating: "good",
          reviewed_at: new Date(Date.now() - 3 * 3600e3).toISOString(),
        },
        {
          id: crypto.randomUUID(),
          flashcard_id: offline,
          rating: "again",
          reviewed_at: new Date(Date.now() - 3600e3).toISOString(),
        },
      ],
    },
  });
  expect(batch.status).toBe(200);
  // Card states (#15): one suspended, one buried, and a forget (a manual entry in the history).
  const states = [
    await api("POST", `/api/v1/flashcards/${created.body.data[0].id}/suspend`, auth),
    await api("POST", `/api/v1/flashcards/${created.body.data[1].id}/bury`, auth),
    await api("POST", `/api/v1/flashcards/${offline}/forget`, { ...auth, body: {} }),
  ];
  expect(states.map((r) => r.status)).toEqual([200, 200, 200]);
  return { offline };
}

describe("account.json: export → import into a fresh account → export", () => {
  let owner: TestUser;
  let original: Json;
  let offline: string;
  beforeAll(async () => {
    owner = await registerUser("account-owner");
    ({ offline } = await buildAccount(owner));
    original = await exportAccount(owner);
  });

  it("exports everything the account owns in the documented format, never a secret", async () => {
    expect(accountDocumentSchema.safeParse(original).success).toBe(true);
    expect(original).toMatchObject({
      format: "flashcards-api.account",
      format_version: 1,
      user: { id: owner.id, email: owner.email },
      settings: {
        timezone: "Europe/Warsaw",
        new_cards_per_day: 15,
        learning_steps: ["1m", "10m"],
        day_starts_at: null,
      },
      complete: true,
    });
    expect(Object.keys(original.user).sort()).toEqual(["created_at", "email", "id"]);
    expect(original.decks.map((d: Json) => d.path)).toEqual([
      "Empty",
      "Geography",
      "Languages",
      "Languages::Polish",
      "Languages::Polish::Verbs",
    ]);
    expect(original.decks[0]).toMatchObject({ name: "Empty", description: "Nothing yet" });
    expect(original.cards).toHaveLength(6);
    expect(original.generations).toEqual([
      expect.objectContaining({ generated_count: 3, accepted_unedited_count: 1, accepted_edited_count: 1 }),
    ]);
    // The acceptance rules' state: every proposal's hash, the two accepted ones with their time.
    const proposals = original.generations[0].proposals;
    expect(proposals.map((p: Json) => [p.index, p.accepted_at !== null])).toEqual([
      [0, true],
      [1, true],
      [2, false],
    ]);
    expect(proposals[0].text_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(original.generation_error_logs).toEqual([expect.objectContaining({ error_code: "provider_timeout" })]);
    expect(original.study_sessions).toHaveLength(1);
    expect(original.review_logs).toHaveLength(4);
    expect(original.review_logs.map((r: Json) => r.rating).sort()).toEqual(["again", "good", "good", "manual"]);
    expect(original.cards.filter((c: Json) => c.study.suspended)).toHaveLength(1);
    expect(original.cards.filter((c: Json) => c.study.buried_until !== null)).toHaveLength(1);
    // Every review carries the card's state before it: what undo restores.
    const offlineLogs = original.review_logs.filter((r: Json) => r.flashcard_id === offline);
    expect(offlineLogs[0].card_before).toMatchObject({ state: "new", reps: 0, last_review: null });
    expect(offlineLogs[1].card_before).toMatchObject({ reps: 1 });
    const text = JSON.stringify(original);
    expect(text).not.toMatch(/password|pbkdf2|token_hash|refresh/i);
  });

  it("restores into a fresh account: the second export equals the first apart from ids", async () => {
    const copy = await registerUser("account-copy");
    const res = await importAccount(copy, original);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      import: {
        id: expect.any(String),
        format: "account-json",
        dry_run: false,
        duplicates: "skip",
        target_deck_id: null,
        total_rows: 6,
        created: 6,
        skipped_duplicates: 0,
        rejected: 0,
        decks_created: 5,
        warnings: [],
        created_at: expect.any(String),
      },
      rejected_rows: [],
    });
    const again = await exportAccount(copy);
    expect(comparable(again)).toEqual(comparable(original));
    // Every id is new.
    const ids = (doc: Json) =>
      new Set(
        [...doc.cards, ...doc.decks, ...doc.review_logs, ...doc.study_sessions, ...doc.generations].map((r) => r.id),
      );
    const before = ids(original);
    for (const id of ids(again)) expect(before.has(id)).toBe(false);

    // The restored history works: undo takes back the latest offline review exactly.
    const card = again.cards.find((c: Json) => c.front === "Emoji 🦉 and עברית");
    const undone = await api("DELETE", `/api/v1/flashcards/${card.id}/reviews/latest`, { token: copy.accessToken });
    expect(undone.status).toBe(200);
    const lastLog = again.review_logs.filter((r: Json) => r.flashcard_id === card.id).at(-1);
    expect(undone.body.flashcard.study).toEqual(lastLog.card_before);

    // Sending the same document again adds nothing.
    const resent = await importAccount(copy, original);
    expect(resent.body.import).toMatchObject({ created: 0, skipped_duplicates: 6, decks_created: 0 });
    expect(await count("SELECT count(*) AS n FROM review_logs WHERE user_id = ?", copy.id)).toBe(3);
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", copy.id)).toBe(6);

    // The acceptance rules hold on the restored generation: an accepted proposal stays accepted, an open one opens.
    const accept = (proposal_index: number) =>
      api("POST", "/api/v1/flashcards", {
        token: copy.accessToken,
        body: {
          flashcards: [
            {
              front: `Mine ${proposal_index}`,
              back: "b",
              source: "ai-edited",
              generation_id: again.generations[0].id,
              proposal_index,
            },
          ],
        },
      });
    expectProblem(await accept(0), 409, "proposal_already_accepted");
    expect((await accept(2)).status).toBe(201);
  });

  it("restores in parts: each part with its cards and their reviews, the rest repeated", async () => {
    const target = await registerUser("account-parts");
    const half = 3;
    const part = (cards: Json[]) => {
      const ids = new Set(cards.map((c) => c.id));
      return { ...original, cards, review_logs: original.review_logs.filter((r: Json) => ids.has(r.flashcard_id)) };
    };
    const first = await importAccount(target, part(original.cards.slice(0, half)));
    const second = await importAccount(target, part(original.cards.slice(half)));
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.body.import.created + second.body.import.created).toBe(6);
    expect(comparable(await exportAccount(target))).toEqual(comparable(original));
  });

  it("merges into an account that has decks and cards: decks by path, duplicates skipped with their reviews", async () => {
    const target = await registerUser("account-merge");
    await api("POST", "/api/v1/imports", {
      token: target.accessToken,
      rawBody: "#deck:languages::POLISH\nkot\tkitty\n",
      headers: { "content-type": "text/plain" },
    });
    await api("PATCH", "/api/v1/settings", { token: target.accessToken, body: { new_cards_per_day: 99 } });
    const res = await importAccount(target, original);
    expect(res.body.import).toMatchObject({ created: 5, skipped_duplicates: 1, decks_created: 3 });
    const merged = await exportAccount(target);
    expect(merged.decks.map((d: Json) => d.path)).toEqual([
      "Empty",
      "Geography",
      "languages",
      "languages::POLISH",
      "languages::POLISH::Verbs",
    ]);
    expect(merged.cards.filter((c: Json) => c.front === "kot").map((c: Json) => c.back)).toEqual(["kitty"]);
    // The account's own settings win.
    expect(merged.settings).toMatchObject({ new_cards_per_day: 99, timezone: null });
    // With duplicates=allow the skipped card comes in too (and only it: the rest is restored already).
    const allowed = await importAccount(target, original, "?duplicates=allow");
    expect(allowed.body.import).toMatchObject({ created: 1, skipped_duplicates: 5 });
  });

  it("a dry run counts and writes nothing (200)", async () => {
    const target = await registerUser("account-dry");
    const res = await importAccount(target, original, "?dry_run=true");
    expect(res.status).toBe(200);
    expect(res.body.import).toMatchObject({ id: null, created: 6, decks_created: 5, format: "account-json" });
    expect(await count("SELECT count(*) AS n FROM decks WHERE user_id = ?", target.id)).toBe(0);
  });

  it("never reaches another account's rows: its ids in a document are remapped away", async () => {
    const attacker = await registerUser("account-attacker");
    const victimCard = original.cards[0];
    const victimGeneration = original.generations[0].id;
    const victimSession = original.study_sessions[0].id;
    const forged = {
      ...original,
      cards: [
        {
          ...original.cards.find((c: Json) => c.source === "ai-full"),
          id: crypto.randomUUID(),
          front: "Forged card",
          generation_id: victimGeneration,
        },
      ],
      generations: [],
      study_sessions: [],
      review_logs: original.review_logs.map((r: Json) => ({
        ...r,
        flashcard_id: victimCard.id,
        session_id: victimSession,
      })),
    };
    const victimLogs = await count("SELECT count(*) AS n FROM review_logs WHERE user_id = ?", owner.id);
    const res = await importAccount(attacker, forged);
    expect(res.status).toBe(201);
    expect(await count("SELECT count(*) AS n FROM review_logs WHERE user_id = ?", owner.id)).toBe(victimLogs);
    expect(await count("SELECT count(*) AS n FROM review_logs WHERE user_id = ?", attacker.id)).toBe(0);
    const card = await env.DB.prepare("SELECT generation_id FROM flashcards WHERE user_id = ?")
      .bind(attacker.id)
      .first<{ generation_id: string | null }>();
    expect(card?.generation_id).toBeNull();
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", owner.id)).toBe(6);
  });
});

describe("POST /imports with application/json: errors", () => {
  let user: TestUser;
  let minimal: Json;
  beforeAll(async () => {
    user = await registerUser("account-errors");
    minimal = await exportAccount(user);
  });

  const expectNothingWritten = async () => {
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", user.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM imports WHERE user_id = ?", user.id)).toBe(0);
  };

  it("400 malformed_json, invalid_encoding, validation_failed naming the field", async () => {
    expectProblem(await importAccount(user, '{"format": '), 400, "malformed_json");
    const latin1 = new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x7d]);
    expectProblem(await importAccount(user, latin1 as unknown as string), 400, "invalid_encoding");
    for (const body of ["null", "[]", "42"]) expectProblem(await importAccount(user, body), 400, "validation_failed");
    const version = expectProblem(
      await importAccount(user, { ...minimal, format_version: 2 }),
      400,
      "validation_failed",
    );
    expect(version.errors).toEqual([expect.objectContaining({ path: "format_version" })]);
    const card = {
      id: "c1",
      front: "x".repeat(201),
      back: "b",
      source: "manual",
      generation_id: null,
      deck_id: null,
      deck_path: "A::::B",
      tags: [],
      created_at: "2026-01-01T00:00:00.000Z",
      updated_at: "2026-01-01T00:00:00.000Z",
      study: minimal.cards[0]?.study ?? {
        state: "new",
        due: "2026-01-01T00:00:00.000Z",
        stability: 0,
        difficulty: 0,
        elapsed_days: 0,
        scheduled_days: 0,
        learning_steps: 0,
        reps: 0,
        lapses: 0,
        last_review: null,
      },
    };
    const bad = expectProblem(
      await importAccount(user, { ...minimal, cards: [card], extra: 1 }),
      400,
      "validation_failed",
    );
    expect(bad.errors.map((e: Json) => e.path).sort()).toEqual(["cards.0.deck_path", "cards.0.front", "extra"]);
    const truncated = { ...minimal };
    delete truncated.complete;
    expectProblem(await importAccount(user, truncated), 400, "validation_failed");
    await expectNothingWritten();
  });

  it("400 too_many_rows over 5,000 cards, saying how to send it in parts", async () => {
    const res = await importAccount(user, { ...minimal, cards: Array.from({ length: 5_001 }, () => ({})) });
    const problem = expectProblem(res, 400, "too_many_rows");
    expect(problem.detail).toContain("5001 cards");
    expect(problem.detail).toContain("2 parts");
    await expectNothingWritten();
  });

  it("413 over 20 MB; 415 for other types; 404 for another user's deck_id", async () => {
    expectProblem(await importAccount(user, `{"x":"${"a".repeat(20 * 1024 * 1024)}"}`), 413, "payload_too_large");
    expectProblem(
      await api("POST", "/api/v1/imports", {
        token: user.accessToken,
        rawBody: JSON.stringify(minimal),
        headers: { "content-type": "application/xml" },
      }),
      415,
      "unsupported_media_type",
    );
    const other = await registerUser("account-errors-other");
    const deck = await api("POST", "/api/v1/decks", { token: other.accessToken, body: { name: "Theirs" } });
    expectProblem(
      await importAccount(user, minimal, `?deck_id=${deck.body.id ?? deck.body.deck?.id}`),
      404,
      "not_found",
    );
    await expectNothingWritten();
  });
});

describe("POST /imports with application/json: a deck deleted meanwhile", () => {
  it("an account import racing a deck deletion leaves no card in a deleted deck and writes nothing", async () => {
    const racer = await registerUser("account-race");
    await api("POST", "/api/v1/imports", {
      token: racer.accessToken,
      rawBody: "#deck:Languages\nfirst\tcard\n",
      headers: { "content-type": "text/plain" },
    });
    const deck = (await env.DB.prepare("SELECT id FROM decks WHERE user_id = ?")
      .bind(racer.id)
      .first<{ id: string }>())!;
    const source = await registerUser("account-race-source");
    await api("POST", "/api/v1/imports", {
      token: source.accessToken,
      rawBody: "#deck:Languages::Polish\nkot\tcat\npies\tdog\n",
      headers: { "content-type": "text/plain" },
    });
    const document = await exportAccount(source);
    // "Languages" exists for the racer: the import merges into it, and it is deleted after the read (a
    // batch of 4: the session check and 3 reads) and before the write.
    const racing = racingD1(env.DB, 5, () =>
      env.DB.batch([
        env.DB.prepare("DELETE FROM flashcards WHERE deck_id = ?").bind(deck.id),
        env.DB.prepare("DELETE FROM decks WHERE id = ?").bind(deck.id),
      ]),
    );
    const res = await importAccount(racer, document, "", { ...env, DB: racing.db });
    expect(racing.raced()).toBe(true);
    expectProblem(res, 404, "not_found");
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE user_id = ?", racer.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM decks WHERE user_id = ?", racer.id)).toBe(0);
  });
});

describe("POST /imports with application/json: budget", () => {
  it("a document near the 20 MB limit (5,000 cards, 29,000 reviews) in two round trips and at most 50 statements", async () => {
    const user = await registerUser("account-big");
    const base = await exportAccount(user);
    const at = "2026-01-01T00:00:00.000Z";
    const study = {
      state: "review",
      due: at,
      stability: 12.345678901234567,
      difficulty: 5.4321,
      elapsed_days: 3,
      scheduled_days: 12,
      learning_steps: 0,
      reps: 4,
      lapses: 1,
      last_review: at,
    };
    const cards = Array.from({ length: 5_000 }, (_, i) => ({
      id: `card-${i}`,
      front: `Question number ${i}`,
      back: `Answer ${i}`,
      source: "manual",
      generation_id: null,
      deck_id: null,
      deck_path: `Deck ${i % 10}::Part ${i % 3}`,
      tags: [`tag${i % 7}`, "common"],
      created_at: at,
      updated_at: at,
      study,
    }));
    const decks = [...new Set(cards.map((c) => c.deck_path))].flatMap((path) => {
      const [root] = path.split("::");
      return [
        { id: root, parent_id: null, name: root, path: root, description: null, created_at: at },
        { id: path, parent_id: root, name: path.split("::")[1], path, description: null, created_at: at },
      ];
    });
    const uniqueDecks = [...new Map(decks.map((d) => [d.path, d])).values()];
    const reviews = Array.from({ length: 29_000 }, (_, i) => ({
      id: `review-${i}`,
      flashcard_id: `card-${i % 5_000}`,
      session_id: null,
      rating: "good",
      state_before: "review",
      due_before: at,
      stability: 10.5,
      difficulty: 5,
      elapsed_days: 2,
      last_elapsed_days: 1,
      scheduled_days: 10,
      learning_steps: 0,
      next_due: at,
      duration_ms: 3000,
      reviewed_at: at,
      card_before: study,
    }));
    const document = { ...base, decks: uniqueDecks, cards, review_logs: reviews };
    expect(JSON.stringify(document).length).toBeGreaterThan(19_000_000);
    const { db, counter } = countingD1(env.DB);
    const res: ApiResponse = await importAccount(user, document, "", { ...env, DB: db });
    expect(res.status).toBe(201);
    expect(res.body.import).toMatchObject({ created: 5_000, decks_created: 40 });
    expect(counter.trips).toBe(2);
    // 25 here: the gate, decks, card and review chunks of ≤ 1.5 MB, tags, the record.
    expect(counter.statements).toBeLessThanOrEqual(50);
    expect(await count("SELECT count(*) AS n FROM review_logs WHERE user_id = ?", user.id)).toBe(29_000);
    expect(await count("SELECT count(*) AS n FROM flashcard_tags WHERE user_id = ?", user.id)).toBe(10_000);
    const stored = await env.DB.prepare("SELECT stability FROM flashcards WHERE user_id = ? LIMIT 1")
      .bind(user.id)
      .first<{ stability: number }>();
    expect(stored?.stability).toBe(12.345678901234567);
  });
});
