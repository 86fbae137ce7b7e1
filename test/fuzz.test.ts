/**
 * Property-based fuzzing of every registered route (fast-check, fixed seed, inside workerd against the
 * real local D1). A hostile client ("mallory") sends arbitrary JSON, wrong types, over-long and unusual
 * strings (lone surrogates, NUL, RTL, emoji, 100 KB), arbitrary query strings and path ids (other
 * users' ids included) and missing, garbled or foreign tokens. For every response:
 *
 * - the status is below 500, and every error is a problem document with a `code`;
 * - 401 carries `WWW-Authenticate`, 405 `Allow`, 429/503 `Retry-After`; security headers are always set;
 * - nothing in the response names another user's rows unless the request itself did (no cross-user leak);
 *
 * and at the end the two seeded victims' rows in D1 are exactly as they were.
 *
 * Routes come from the app's own route table, so a new route is fuzzed without touching this file.
 * Re-run with another seed by changing SEED; a failure prints the request that caused it, the response
 * and the server's error log line. Bugs found and not fixed yet are listed in KNOWN_BUGS (tolerated so
 * the rest of the run keeps its power) and pinned by `it.fails` regression tests at the end.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { Jwt } from "hono/utils/jwt";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { declaredRoutes } from "../src/lib/route-docs";
import { api, expectProblem, freshIp, type TestUser } from "./helpers/api";
import { userRows } from "./helpers/faulty-d1";
import { seedGeneration } from "./helpers/fixtures";
import { textOfLength } from "./helpers/texts";

const SEED = 20_260_702;
/** Runs per route; the whole file takes about 15 s on two cores. */
const RUNS_PER_ROUTE = 60;
const RUNS = { methodsAndPaths: 120, rawBodies: 80, roundTrip: 30, localProvider: 20 };
const FC = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });
const TEST_TIMEOUT = 120_000;

// ---------------------------------------------------------------------------------------------------
// The route table
// ---------------------------------------------------------------------------------------------------

type Route = { method: string; path: string };

/**
 * Every declared API route (`declaredRoutes`: the same list the OpenAPI document is built from; the
 * reference page's static assets under /docs/* are not API routes and are tested in test/docs.test.ts).
 * A new route is fuzzed without editing this file. DELETE routes that remove a whole resource go last,
 * so the routes before them still find the fuzzing user's rows to work on (undo, which removes only a
 * review, runs with the others).
 */
const DECLARED = declaredRoutes(worker);
const removesResource = (r: Route) => r.method === "DELETE" && !r.path.endsWith("/reviews/latest");
const ROUTES: Route[] = DECLARED.map((doc) => ({ method: doc.method.toUpperCase(), path: doc.path })).sort(
  (a, b) => Number(removesResource(a)) - Number(removesResource(b)),
);
const routeKey = (r: Route) => `${r.method} ${r.path}`;
/** Routes declared without `requireAuth()`; every other route must refuse a bad token. */
const PUBLIC_ROUTES = new Set(
  DECLARED.filter((doc) => !doc.auth).map((doc) => `${doc.method.toUpperCase()} ${doc.path}`),
);

// ---------------------------------------------------------------------------------------------------
// The world: two victims with a bit of everything, and the fuzzing user
// ---------------------------------------------------------------------------------------------------

type Seeded = TestUser & {
  sessionId: string;
  cardIds: string[];
  generationIds: string[];
  errorLogIds: string[];
  studySessionIds: string[];
  reviewIds: string[];
  deckIds: string[];
  importIds: string[];
  tagNames: string[];
  cursors: string[];
  /** Strings only this user's rows contain: finding one in a response to someone else is a leak. */
  secrets: string[];
};

/** Registers a user with a password no generator can produce (so the fuzzer cannot log in as them). */
async function register(prefix: string): Promise<TestUser> {
  const email = `${prefix}-${crypto.randomUUID()}@example.com`;
  const password = `pw ${crypto.randomUUID()}`;
  const res = await api("POST", "/api/v1/auth/register", {
    body: { email, password },
    headers: { "cf-connecting-ip": freshIp() },
  });
  expect(res.status).toBe(201);
  return {
    id: res.body.user.id,
    email,
    password,
    accessToken: res.body.access_token,
    refreshToken: res.body.refresh_token,
  };
}

/** A user with cards, a generation with accepted cards, reviews, study sessions and an error log. */
async function seedUser(prefix: string, extraCards = 0): Promise<Seeded> {
  const user = await register(prefix);
  const token = user.accessToken;
  const marker = `${prefix}-secret-${crypto.randomUUID().slice(0, 8)}`;
  const cards = await api("POST", "/api/v1/flashcards", {
    token,
    body: {
      flashcards: Array.from({ length: 5 }, (_, i) => ({
        front: `${marker} front ${i}`,
        back: `${marker} back ${i} 🦊 مرحبا`,
        source: "manual",
      })),
    },
  });
  expect(cards.status).toBe(201);
  const generation = await api("POST", "/api/v1/generations", {
    token,
    body: { source_text: textOfLength(1_600) },
    headers: { "idempotency-key": `${prefix}-key` },
  });
  expect(generation.status).toBe(201);
  const generationId = generation.body.generation.id;
  const accepted = await api("POST", "/api/v1/flashcards", {
    token,
    body: {
      flashcards: generation.body.proposals.slice(0, 2).map((p: { front: string; back: string }, i: number) => ({
        front: p.front,
        back: p.back,
        source: "ai-full",
        generation_id: generationId,
        proposal_index: i,
      })),
    },
  });
  expect(accepted.status).toBe(201);
  const session = await api("POST", "/api/v1/study-sessions", { token, body: { limit: 3 } });
  expect(session.status).toBe(201);
  let extra: Array<{ id: string }> = [];
  if (extraCards > 0) {
    const more = await api("POST", "/api/v1/flashcards", {
      token,
      body: {
        flashcards: Array.from({ length: extraCards }, (_, i) => ({
          front: `${marker} extra ${i}`,
          back: "A",
          source: "manual",
        })),
      },
    });
    expect(more.status).toBe(201);
    extra = more.body.data;
  }
  const cardIds = [...cards.body.data, ...accepted.body.data, ...extra].map((c: { id: string }) => c.id);
  // A review naming a session must be of one of the session's planned cards.
  const review = await api("POST", `/api/v1/flashcards/${session.body.session.cards[0].id}/reviews`, {
    token,
    body: { rating: "good", session_id: session.body.session.id, duration_ms: 1200 },
  });
  expect(review.status).toBe(200);
  if (extra.length > 0) {
    // Reviews on the extra cards, so that undo finds something to take back in the fuzz runs.
    const upload = await api("POST", "/api/v1/reviews/batch", {
      token,
      body: {
        reviews: extra.map((card) => ({
          id: crypto.randomUUID(),
          flashcard_id: card.id,
          rating: "good",
          reviewed_at: new Date().toISOString(),
        })),
      },
    });
    expect(upload.status).toBe(200);
  }
  const finished = await api("POST", "/api/v1/study-sessions", { token, body: {} });
  expect((await api("POST", `/api/v1/study-sessions/${finished.body.session.id}/finish`, { token })).status).toBe(200);
  const errorLogId = crypto.randomUUID();
  await env.DB.prepare(
    "INSERT INTO generation_error_logs (id, user_id, model, source_text_hash, source_text_length, error_code, error_message, created_at) VALUES (?, ?, 'fuzz-model', ?, 1500, 'provider_error', ?, ?)",
  )
    .bind(errorLogId, user.id, "a".repeat(64), `${marker} log`, Date.now())
    .run();
  const deck = await api("POST", "/api/v1/decks", { token, body: { name: `${marker} deck` } });
  expect(deck.status).toBe(201);
  const subdeck = await api("POST", "/api/v1/decks", { token, body: { name: "sub", parent_id: deck.body.id } });
  expect(subdeck.status).toBe(201);
  const deckIds = [deck.body.id, subdeck.body.id];
  const imported = await api("POST", "/api/v1/imports", {
    token,
    rawBody: `#separator:tab\n#deck column:1\n#tags column:4\n${marker}::Deck\t${marker} imported\tback\tfuzz\n`,
    headers: { "content-type": "text/plain" },
  });
  expect(imported.status).toBe(201);
  const tagNames = [`${prefix}-tag`, `${prefix}-tag::child`, `${prefix}-other`];
  // Every card carries the tags: the fuzzer deletes cards, and a tag goes with its last card.
  for (const cardId of cardIds) {
    const tagged = await api("PATCH", `/api/v1/flashcards/${cardId}`, { token, body: { tags: tagNames } });
    expect(tagged.status).toBe(200);
  }
  const page = await api("GET", "/api/v1/flashcards?limit=2", { token });
  // A change-feed cursor too: another user's must be refused like any other cursor.
  const feed = await api("GET", "/api/v1/sync/changes?limit=2", { token });
  const sessionId = (Jwt.decode(token).payload as { sid: string }).sid;
  const ids = [
    user.id,
    sessionId,
    ...cardIds,
    generationId,
    errorLogId,
    session.body.session.id,
    finished.body.session.id,
    review.body.review.id,
    ...deckIds,
    imported.body.import.id,
  ];
  return {
    ...user,
    sessionId,
    cardIds,
    generationIds: [generationId],
    errorLogIds: [errorLogId],
    studySessionIds: [session.body.session.id, finished.body.session.id],
    reviewIds: [review.body.review.id],
    deckIds,
    importIds: [imported.body.import.id],
    tagNames,
    cursors: [page.body.pagination.next_cursor, feed.body.pagination.next_cursor],
    secrets: [...ids, user.email, marker],
  };
}

let alice: Seeded;
let bob: Seeded;
let mallory: Seeded;
let victimsBefore: unknown[];

/**
 * What the worker logged with console.error (the stack of every 500): kept out of the test output
 * and quoted in a failure instead, next to the request that caused it.
 */
const serverErrors: string[] = [];

/** The real per-caller limiter, put back after the run. */
const realUserRateLimiter = env.USER_RATE_LIMITER;

// A fuzzed request may log mallory out everywhere or end her session: every test starts with one.
beforeEach(async () => {
  if (mallory) await reopenMalloryIfEnded();
});

beforeAll(async () => {
  // Fuzzing sends thousands of requests per user in a minute: the per-caller limit (600/min, tested in
  // test/hardening.test.ts) would answer most of them 429 and hide the handlers from the fuzzer.
  env.USER_RATE_LIMITER = { limit: async () => ({ success: true }) };
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    serverErrors.push(args.map(String).join(" "));
  });
  // Mallory (the fuzzing user) gets plenty of cards: the DELETE route's runs delete some of them.
  [alice, bob, mallory] = [await seedUser("alice"), await seedUser("bob"), await seedUser("mallory", 40)];
  victimsBefore = await Promise.all([alice, bob].map((v) => userRows(env.DB, v.id)));
}, TEST_TIMEOUT);

afterAll(() => {
  vi.restoreAllMocks();
  env.USER_RATE_LIMITER = realUserRateLimiter;
});

// ---------------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------------

const SPECIAL_STRINGS = [
  "",
  " ",
  "   \n\t ",
  "\u0000",
  "nul\u0000byte",
  "\ud800",
  "lone \udc00 low",
  "high \ud83d",
  "bell\u0007",
  "del\u007f",
  "c1\u0085",
  "\u202Eevil\u202C",
  "مرحبا بالعالم",
  "שלום עולם",
  "東京タワーの高さは？",
  "🦊",
  "👩‍🔬🏳️‍🌈",
  "e\u0301",
  "\uFEFFbom",
  "line\u2028sep",
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  "NEAR(a b)",
  "a* OR b",
  '"""',
  "%",
  "%00",
  "%ED%A0%80",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "{{7*7}}",
  "${7*7}",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "null",
  "undefined",
  "NaN",
  "-1",
  "0",
  "1e309",
  "0x10",
  "true",
];

/** One UTF-16 code unit, any of them: lone surrogates and control characters included. */
const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Hostile strings: specials, ASCII, graphemes, raw UTF-16, and long ones up to 100 KB. */
const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: utf16Unit, maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("a", "🦊", "ż", "\ud800", " "), fc.integer({ min: 150, max: 12_000 }))
      .map(([c, n]) => c.repeat(n)),
  },
  { weight: 1, arbitrary: fc.constant("x".repeat(100_000)) },
);

const weirdScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 1e21, 2 ** 53 + 2, -0, 86_400_001, true, false, null) },
);

/** Any JSON value a hostile client might send where something else is expected. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: weirdScalar },
  { weight: 1, arbitrary: fc.array(weirdScalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), weirdScalar, { maxKeys: 3 }) },
);

/** Usually a plausible value, sometimes anything. */
const mostly = <T>(valid: fc.Arbitrary<T>, weight = 3): fc.Arbitrary<unknown> =>
  fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: weirdValue });

/** Fields a client must never set, mixed into bodies now and then. */
const serverOwnedFields = fc.dictionary(
  fc.constantFrom("id", "user_id", "created_at", "updated_at", "reps", "version", "admin", "__proto__", "constructor"),
  weirdValue,
  { maxKeys: 2 },
);

/** A body object built from `fields`, sometimes with server-owned fields, sometimes replaced by junk. */
const bodyOf = (fields: Record<string, fc.Arbitrary<unknown>>, requiredKeys: string[] = []) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.record(fields, { requiredKeys: requiredKeys as never[] }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.record(fields, { requiredKeys: requiredKeys as never[] }), serverOwnedFields)
        .map(([body, extra]) => ({ ...body, ...extra })),
    },
    { weight: 1, arbitrary: weirdValue },
  );

/** Ids: the fuzzing user's own, the victims', random UUIDs and malformed ones. */
type IdKind = "card" | "generation" | "errorLog" | "studySession" | "deck" | "import" | "session" | "any";
const idsOf = (user: Seeded, kind: IdKind) =>
  kind === "card"
    ? user.cardIds
    : kind === "generation"
      ? user.generationIds
      : kind === "errorLog"
        ? user.errorLogIds
        : kind === "studySession"
          ? user.studySessionIds
          : kind === "deck"
            ? user.deckIds
            : kind === "import"
              ? user.importIds
              : kind === "session"
                ? [user.sessionId]
                : [
                    user.id,
                    ...user.cardIds,
                    ...user.generationIds,
                    ...user.errorLogIds,
                    ...user.studySessionIds,
                    ...user.reviewIds,
                    ...user.deckIds,
                    ...user.importIds,
                  ];

/** Ids of one kind: the fuzzing user's own (so handlers run), the victims' (so ownership is tested), unknown and malformed. */
const ids = (kind: IdKind = "any") => {
  const victims = [alice, bob].flatMap((v) => idsOf(v, kind));
  const own = idsOf(mallory, kind);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...own) },
    { weight: 3, arbitrary: fc.constantFrom(...victims) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "not-a-uuid",
        "1",
        "0",
        "-1",
        "00000000-0000-0000-0000-000000000000",
        "{5f0c}",
        "x".repeat(300),
        "..",
        ".",
      ),
    },
    { weight: 2, arbitrary: weirdString },
  );
};

/** Well-formed generation ids: the fuzzing user's, the victims' and unknown ones. */
const generationIds = () =>
  fc.oneof(fc.constantFrom(...mallory.generationIds, ...alice.generationIds, ...bob.generationIds), fc.uuid());

const base64url43 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, ""),
);
const password = fc.oneof(
  { weight: 3, arbitrary: fc.string({ minLength: 12, maxLength: 40 }) },
  { weight: 2, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.constantFrom("p".repeat(129), "p".repeat(513)) },
);
const email = () =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]$/).map((local) => `${local}@example.com`),
    },
    { weight: 1, arbitrary: fc.emailAddress() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(alice.email, bob.email, mallory.email, alice.email.toUpperCase(), ` ${bob.email} `),
    },
    { weight: 1, arbitrary: weirdString },
  );
const text = (max: number) =>
  fc.oneof(fc.string({ minLength: 1, maxLength: max }), fc.string({ unit: "grapheme", minLength: 1, maxLength: max }));

/** A flashcard item: plausible or hostile in every field, generation ids from every owner. */
const flashcardItem = () =>
  fc.oneof(
    { weight: 2, arbitrary: fc.record({ front: text(60), back: text(120), source: fc.constant("manual") }) },
    {
      weight: 2,
      arbitrary: fc.record({
        front: text(60),
        back: text(120),
        source: fc.constantFrom("ai-full", "ai-edited"),
        generation_id: ids("generation"),
        proposal_index: fc.integer({ min: -1, max: 50 }),
      }),
    },
    {
      weight: 3,
      arbitrary: bodyOf(
        {
          front: mostly(text(60)),
          back: mostly(text(120)),
          source: mostly(fc.constantFrom("manual", "ai-full", "ai-edited")),
          generation_id: mostly(ids("generation")),
          proposal_index: mostly(fc.oneof(fc.integer({ min: -1, max: 50 }), weirdValue)),
        },
        ["front", "back", "source"],
      ),
    },
  );

/** Bulk bodies: a few hostile items, or 99–101 valid-looking AI cards, each naming a different generation. */
const bulkBody = () =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: bodyOf(
        {
          flashcards: fc.oneof(
            { weight: 4, arbitrary: fc.array(flashcardItem(), { minLength: 1, maxLength: 4 }) },
            { weight: 1, arbitrary: weirdValue },
          ),
        },
        ["flashcards"],
      ),
    },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 99, max: 101 }).chain((n) =>
        fc
          .tuple(
            fc.uniqueArray(generationIds(), { minLength: n, maxLength: n }),
            fc.array(fc.constantFrom("ai-full", "ai-edited"), { minLength: n, maxLength: n }),
          )
          .map(([generationIds, sources]) => ({
            flashcards: generationIds.map((generation_id, i) => ({
              front: `Q${i}`,
              back: "A",
              source: sources[i],
              generation_id,
              proposal_index: 0,
            })),
          })),
      ),
    },
  );

/** Source texts: around the 1,000 and 10,000 limits, with hostile characters spliced in, or junk. */
const sourceText = fc.oneof(
  fc
    .tuple(fc.integer({ min: 990, max: 10_010 }), fc.option(weirdString, { nil: undefined }), fc.nat())
    .map(([n, insert, at]) => {
      const base = textOfLength(n);
      if (insert === undefined) return base;
      const i = at % base.length;
      return base.slice(0, i) + insert + base.slice(i);
    }),
  weirdValue,
);

/**
 * Bodies of POST /flashcards/bulk: mostly well-formed actions on a few ids (the fuzzer's own, the
 * victims', unknown), sometimes hostile. `delete` aims only at one of the fuzzer's cards (and at ids it
 * cannot delete), so the routes fuzzed later still find the fuzzer's cards.
 */
const bulkActionBody = () => {
  const cardIds = fc.array(ids("card"), { minLength: 1, maxLength: 3 });
  // remove_tags never names the fuzzer's seeded tags or the ones DELETE /tags/:name aims at (a removal
  // from every card deletes the tag, and that route must still find one); add_tags may add them.
  const tagNames = (names: string[]) =>
    fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: text(30) }), {
      minLength: 0,
      maxLength: 22,
    });
  const deletable = fc.oneof(
    fc.constant(mallory.cardIds.at(-1)!),
    fc.constantFrom(...alice.cardIds, ...bob.cardIds),
    fc.uuid(),
  );
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        ids: cardIds,
        action: fc.constant("move"),
        deck_id: mostly(fc.option(ids("deck"), { nil: null })),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        ids: cardIds,
        action: fc.constant("add_tags"),
        tags: mostly(tagNames([...mallory.tagNames, ...alice.tagNames, "lang::pl", "100%_x"])),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        ids: cardIds,
        action: fc.constant("remove_tags"),
        tags: mostly(tagNames([...alice.tagNames, "100%_x", "a_b"])),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ ids: fc.array(deletable, { minLength: 1, maxLength: 2 }), action: fc.constant("delete") }),
    },
    {
      weight: 1,
      arbitrary: bodyOf({
        ids: mostly(cardIds),
        // The card-state actions of #15 ride here: same number of draws, so the other branches (and the
        // state of the fuzzer's decks later routes rely on) stay as they were.
        action: mostly(
          fc.constantFrom("move", "delete", "explode", "suspend", "unsuspend", "bury", "forget", "reschedule"),
        ),
        deck_id: weirdValue,
        tags: weirdValue,
      }),
    },
  );
};

/** Request bodies per route; other routes get arbitrary JSON. */
const bodies = (): Record<string, fc.Arbitrary<unknown>> => ({
  "POST /api/v1/auth/register": bodyOf({ email: email(), password }, ["email", "password"]),
  "POST /api/v1/auth/login": bodyOf({ email: email(), password }, ["email", "password"]),
  "POST /api/v1/auth/refresh": bodyOf({ refresh_token: mostly(base64url43) }, ["refresh_token"]),
  "POST /api/v1/auth/logout": bodyOf({ refresh_token: mostly(base64url43) }, ["refresh_token"]),
  "DELETE /api/v1/auth/me": bodyOf({ password }, ["password"]),
  "POST /api/v1/auth/tokens": bodyOf(
    {
      name: mostly(text(60)),
      scopes: mostly(fc.subarray(["cards:read", "cards:write", "study", "generate"], { minLength: 1 })),
      expires_in_days: mostly(fc.option(fc.integer({ min: -2, max: 400 }), { nil: null })),
    },
    ["name", "scopes"],
  ),
  "POST /api/v1/flashcards": bulkBody(),
  "POST /api/v1/flashcards/bulk": bulkActionBody(),
  "PATCH /api/v1/flashcards/:id": fc.oneof(
    { weight: 2, arbitrary: fc.record({ front: text(60), back: text(120) }, { requiredKeys: [] }) },
    { weight: 3, arbitrary: bodyOf({ front: mostly(text(60)), back: mostly(text(120)), source: weirdValue }) },
  ),
  "POST /api/v1/flashcards/:id/reviews": fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record(
        { rating: fc.constantFrom("again", "hard", "good", "easy"), duration_ms: fc.nat(86_400_000) },
        { requiredKeys: ["rating"] },
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          rating: fc.constantFrom("again", "hard", "good", "easy"),
          id: fc.uuid(),
          reviewed_at: fc
            .integer({ min: Date.now() - 30 * 86_400_000, max: Date.now() + 3_600_000 })
            .map((ms) => new Date(ms).toISOString()),
        },
        { requiredKeys: ["rating"] },
      ),
    },
    {
      weight: 1,
      arbitrary: bodyOf({ rating: mostly(fc.constantFrom("again", "good")), id: weirdValue, reviewed_at: weirdValue }),
    },
    {
      weight: 3,
      arbitrary: bodyOf({
        rating: mostly(fc.constantFrom("again", "hard", "good", "easy")),
        session_id: mostly(ids("studySession")),
        duration_ms: mostly(fc.integer({ min: -1, max: 86_400_001 })),
      }),
    },
  ),
  "POST /api/v1/reviews/batch": fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        reviews: fc.array(
          fc.record(
            {
              id: fc.oneof(fc.uuid(), fc.constantFrom(...mallory.reviewIds, ...alice.reviewIds)),
              flashcard_id: ids("card"),
              rating: mostly(fc.constantFrom("again", "hard", "good", "easy")),
              reviewed_at: mostly(
                fc
                  .integer({ min: Date.now() - 400 * 86_400_000, max: Date.now() + 3_600_000 })
                  .map((ms) => new Date(ms).toISOString()),
              ),
              duration_ms: mostly(fc.integer({ min: -1, max: 86_400_001 })),
              session_id: mostly(ids("studySession")),
            },
            { requiredKeys: ["id", "flashcard_id", "rating", "reviewed_at"] },
          ),
          { minLength: 0, maxLength: 6 },
        ),
      }),
    },
    { weight: 1, arbitrary: bodyOf({ reviews: weirdValue }) },
  ),
  // The deck and tag options ride along in 2 of 5 bodies, so the plain ones still reach the handler's success.
  "POST /api/v1/generations": fc.oneof(
    {
      weight: 3,
      arbitrary: bodyOf(
        {
          source_text: sourceText,
          count: mostly(fc.integer({ min: -1, max: 51 })),
          language: mostly(
            fc.constantFrom("auto", "en", "pl", "pt-BR", "zh-Hant-TW", "", "english", "e", "x".repeat(36)),
          ),
        },
        ["source_text"],
      ),
    },
    {
      weight: 2,
      arbitrary: bodyOf(
        {
          // A valid text, so that the options themselves decide the answer.
          source_text: fc.integer({ min: 1_000, max: 3_000 }).map(textOfLength),
          deck_id: mostly(fc.option(ids("deck"), { nil: null })),
          tags: mostly(
            fc.oneof(
              { weight: 3, arbitrary: fc.array(fc.constantFrom("gen", "Gen", "lang::pl"), { maxLength: 4 }) },
              {
                weight: 1,
                arbitrary: fc.array(fc.constantFrom("a b", "", "x".repeat(51)), { minLength: 1, maxLength: 2 }),
              },
              {
                weight: 1,
                arbitrary: fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 19, maxLength: 22 }),
              },
            ),
          ),
        },
        ["source_text"],
      ),
    },
  ),
  "POST /api/v1/study-sessions": bodyOf({ limit: mostly(fc.integer({ min: -1, max: 101 })) }),
  "POST /api/v1/flashcards/:id/forget": bodyOf({ reset_counts: mostly(fc.boolean()) }),
  "POST /api/v1/flashcards/:id/reschedule": bodyOf(
    {
      due: mostly(
        fc.oneof(
          fc
            .date({ min: new Date("2000-01-01"), max: new Date("2199-12-31"), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
          fc.constantFrom("2026-02-30", "1999-12-31", "2200-01-01", "tomorrow", ""),
        ),
      ),
    },
    ["due"],
  ),
  "PATCH /api/v1/settings": fc.oneof(
    // A plausible change of one or two settings (twelve fields rarely come out all valid at once).
    fc.record(
      { day_starts_at: fc.integer({ min: 0, max: 23 }), enable_fuzz: fc.boolean() },
      { requiredKeys: ["day_starts_at"] },
    ),
    bodyOf({
      timezone: mostly(
        fc.constantFrom("UTC", "utc", "Europe/Warsaw", "US/Eastern", "Asia/Kathmandu", "Mars/Olympus", ""),
      ),
      day_starts_at: mostly(fc.integer({ min: -1, max: 24 })),
      desired_retention: mostly(fc.double({ min: 0.6, max: 1, noNaN: true })),
      maximum_interval_days: mostly(fc.integer({ min: 0, max: 36_501 })),
      new_cards_per_day: mostly(fc.integer({ min: -1, max: 10_000 })),
      reviews_per_day: mostly(fc.integer({ min: -1, max: 100_000 })),
      learning_steps: mostly(
        fc.array(fc.constantFrom("1m", "10m", "1h", "1d", "0m", "366d", "5x", ""), { maxLength: 11 }),
      ),
      relearning_steps: mostly(fc.array(fc.constantFrom("10m", "1d", "-1m"), { maxLength: 3 })),
      enable_fuzz: mostly(fc.boolean()),
      leech_threshold: mostly(fc.integer({ min: 2, max: 100 })),
      leech_action: mostly(fc.constantFrom("tag", "suspend", "delete")),
      fsrs_parameters: mostly(
        fc.oneof(
          fc.constant(null),
          fc
            .constantFrom(17, 19, 21, 16, 22)
            .chain((n) => fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: n, maxLength: n })),
        ),
      ),
    }),
  ),
  "POST /api/v1/decks": bodyOf(
    { name: text(40), parent_id: fc.option(ids("deck"), { nil: null }), description: mostly(text(80)) },
    ["name"],
  ),
  // Mostly names the DELETE fuzz also aims at, so a renamed tag can still be deleted.
  "PATCH /api/v1/tags/:name": bodyOf(
    {
      name: fc.oneof(
        { weight: 1, arbitrary: text(30) },
        { weight: 4, arbitrary: fc.constantFrom("lang::pl", "merged") },
      ),
    },
    ["name"],
  ),
  "PATCH /api/v1/decks/:id": bodyOf({
    name: mostly(text(40)),
    parent_id: fc.option(ids("deck"), { nil: null }),
    description: fc.option(text(80), { nil: null }),
  }),
});

/** Query strings: the API's parameter names (and some it does not have) with plausible or hostile values. */
/** Routes whose query has required parameters: a valid query for each (the default request's query). */
const VALID_QUERIES: Record<string, string> = {
  "GET /api/v1/stats/daily": "?from=2026-01-01&to=2026-01-31",
};

const queryString = () => {
  const cursors = [alice, bob, mallory].flatMap((u) => u.cursors).filter(Boolean);
  const value = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "0",
        "1",
        "20",
        "100",
        "101",
        "-1",
        "10.5",
        "abc",
        "1e2",
        "",
        "created_at",
        "updated_at",
        "due",
        "asc",
        "desc",
        "manual",
        "ai-full",
        "card",
        "front",
        "🦊🦊🦊",
        "東京タワー",
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(...cursors, ...[alice, bob].flatMap((v) => v.secrets.slice(-2))) },
    { weight: 1, arbitrary: ids().map(String) },
    // Deck and tag scopes (list, queue, stats): the fuzzer's own, the victims', hostile names.
    { weight: 1, arbitrary: ids("deck").map(String) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...mallory.tagNames, ...alice.tagNames, "lang", "100%", "a_b", '"x"*', "true"),
    },
    { weight: 2, arbitrary: weirdString },
  );
  const name = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom("limit", "cursor", "since", "sort", "order", "source", "generation_id", "q"),
    },
    { weight: 3, arbitrary: fc.constantFrom("deck_id", "tag", "subdecks", "no_deck") },
    { weight: 1, arbitrary: fc.constantFrom("page", "__proto__", "constructor", "", "limit[]", "user_id") },
    { weight: 1, arbitrary: weirdString },
  );
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .array(fc.tuple(name, value), { maxLength: 4 })
        .map((pairs) =>
          pairs.length ? `?${pairs.map(([k, v]) => `${encodeLoose(k)}=${encodeLoose(v)}`).join("&")}` : "",
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "?",
        "?&&",
        "?=",
        "?limit",
        "?limit=%",
        "?q=%E0%A4%A",
        "?q=%ED%A0%80%ED%A0%80",
        "?%",
        "?a=1&a=2&a=3",
        "?cursor=" + "A".repeat(5_000),
      ),
    },
  );
};

/** percent-encodes like encodeURIComponent, but writes a lone surrogate as its (invalid) UTF-8 bytes instead of throwing. */
function encodeLoose(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out +=
        `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** A path segment for `:id`: usually encoded, sometimes raw (the URL parser then decides). */
const pathId = (kind: IdKind) =>
  fc.oneof(
    { weight: 8, arbitrary: ids(kind).map(encodeLoose) },
    { weight: 1, arbitrary: fc.constantFrom("%", "%zz", "%2F..%2F", "a/b", "%00", "%ED%A0%80", "a?b=c", "a#b") },
  );

/** Access tokens that must not authenticate anyone: garbled, forged, expired, mixed-up identities. */
async function hostileAuthorizations(): Promise<Record<string, string>> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: mallory.id, sid: mallory.sessionId, iat: now, exp: now + 900 };
  const b64 = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const sign = (payload: Record<string, unknown>, secret = env.JWT_SECRET) => Jwt.sign(payload, secret, "HS256");
  return {
    "not bearer": "Basic bWFsbG9yeTpwYXNzd29yZA==",
    "bearer without token": "Bearer ",
    garbage: "Bearer not.a.jwt",
    huge: `Bearer ${"a".repeat(20_000)}.${"b".repeat(20_000)}.c`,
    "wrong secret": `Bearer ${await sign(claims, "another-secret-0123456789abcdef0123456789")}`,
    "victim's claims, wrong secret": `Bearer ${await sign({ ...claims, sub: alice.id, sid: alice.sessionId }, "another-secret-0123456789abcdef0123456789")}`,
    "alg none": `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims, sub: alice.id, sid: alice.sessionId })}.`,
    HS512: `Bearer ${await Jwt.sign(claims, env.JWT_SECRET, "HS512")}`,
    expired: `Bearer ${await sign({ ...claims, iat: now - 1000, exp: now - 1 })}`,
    "no exp": `Bearer ${await sign({ sub: mallory.id, sid: mallory.sessionId, iat: now })}`,
    "refresh token as access token": `Bearer ${mallory.refreshToken}`,
    // Signed with the real secret (a leaked key), yet the session gate still refuses mixed identities.
    "victim's sub, own session": `Bearer ${await sign({ ...claims, sub: alice.id })}`,
    "own sub, victim's session": `Bearer ${await sign({ ...claims, sid: bob.sessionId })}`,
    "unknown session": `Bearer ${await sign({ ...claims, sid: crypto.randomUUID() })}`,
  };
}

/** Header values: printable ASCII only (what `Headers` accepts). */
const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 300,
});

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant("application/json") },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "text/plain",
      "application/json; charset=utf-8",
      "application/merge-patch+json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonx",
      "json",
    ),
  },
);

// ---------------------------------------------------------------------------------------------------
// Sending and judging
// ---------------------------------------------------------------------------------------------------

type FuzzRequest = {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body?: string;
};
type FuzzResponse = { status: number; headers: Headers; text: string };

/** Sends a request to the worker exactly as given (no helper normalises it). */
async function send(req: FuzzRequest, bindings: Cloudflare.Env = env): Promise<FuzzResponse> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, value);
  headers.set("cf-connecting-ip", freshIp());
  const hasBody = req.body !== undefined && req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(`http://api.test${req.path}${req.query}`, {
    method: req.method,
    headers,
    body: hasBody ? req.body : undefined,
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const clip = (text: string, n = 300) => (text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text);
const describeRequest = (req: FuzzRequest) =>
  `${req.method} ${clip(req.path + req.query, 200)} headers=${clip(JSON.stringify(req.headers), 200)} body=${req.body === undefined ? "none" : clip(JSON.stringify(req.body), 300)}`;

/** Strings that identify the victims' rows. */
const victimSecrets = () => [alice, bob].flatMap((v) => v.secrets);

/**
 * Known bugs the fuzzer reproduces, tolerated here so the rest of the run keeps its power; each has a
 * focused regression test below. Delete an entry once its bug is fixed (the regression test will say so).
 */
const KNOWN_BUGS: Array<{ name: string; matches: (req: FuzzRequest, res: FuzzResponse) => boolean }> = [];
const knownBugHits = new Map<string, number>();

/** Statuses seen per route, to show (and assert) that the generators reach the handlers, not only the validators. */
const statusesSeen = new Map<string, Map<number, number>>();
function tally(key: string, status: number) {
  const byStatus = statusesSeen.get(key) ?? new Map<number, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  statusesSeen.set(key, byStatus);
}

/**
 * Throws, naming the request, unless the response is sane: < 500, a proper problem document for
 * errors, the headers its status needs, security headers, no internals, and no other user's data.
 */
function judge(req: FuzzRequest, res: FuzzResponse): void {
  const fail = (why: string) => {
    const requestId = res.headers.get("x-request-id") ?? "-";
    const logged = serverErrors.filter((line) => line.includes(requestId)).map((line) => clip(line, 1_500));
    throw new Error(
      `${why}\n  request: ${describeRequest(req)}\n  response: ${res.status} ${clip(res.text, 500)}${logged.length ? `\n  server log: ${logged.join("\n")}` : ""}`,
    );
  };
  const known = KNOWN_BUGS.find((bug) => bug.matches(req, res));
  if (known) {
    knownBugHits.set(known.name, (knownBugHits.get(known.name) ?? 0) + 1);
    return;
  }
  if (res.status >= 500) fail(`server error ${res.status}`);
  if (res.headers.get("x-content-type-options") !== "nosniff") fail("security headers missing");
  // 2xx bodies are the user's own data (any text); errors are ours and must never show internals.
  if (res.status >= 400 && /\n\s+at \S|\.ts:\d+|node_modules|D1_ERROR|SQLITE/i.test(res.text))
    fail("internals in the response");
  const origin = req.headers.origin;
  if (origin && origin !== "http://localhost:3000" && res.headers.get("access-control-allow-origin"))
    fail(`CORS allowed the origin ${origin}`);
  const hasBody = req.method !== "HEAD" && res.status !== 204 && !(req.method === "OPTIONS" && res.status === 204);
  if (res.status >= 400 && hasBody) {
    if (!res.headers.get("content-type")?.startsWith("application/problem+json"))
      fail("an error that is not a problem document");
    let problem: Record<string, unknown>;
    try {
      problem = JSON.parse(res.text);
    } catch {
      fail("a problem document that is not JSON");
      return;
    }
    if (typeof problem.code !== "string" || problem.code.length === 0) fail("a problem document without a code");
    if (problem.status !== res.status) fail("problem.status differs from the HTTP status");
    if (problem.type !== `https://flashcards-api.dev/problems/${problem.code}`)
      fail("problem.type does not name the code");
    if (problem.request_id !== res.headers.get("x-request-id")) fail("request_id differs from X-Request-Id");
  }
  if (res.status === 401 && !/^Bearer/.test(res.headers.get("www-authenticate") ?? ""))
    fail("401 without WWW-Authenticate: Bearer");
  if (res.status === 405 && !res.headers.get("allow")) fail("405 without Allow");
  if ((res.status === 429 || res.status === 503) && !(Number(res.headers.get("retry-after")) > 0))
    fail(`${res.status} without Retry-After`);
  if (res.status >= 200 && res.status < 300 && /json/.test(res.headers.get("content-type") ?? "") && res.text) {
    try {
      JSON.parse(res.text);
    } catch {
      fail("a 2xx JSON body that does not parse");
    }
  }
  // A leak: the response names a victim's row that the request did not name itself.
  const sent = `${req.path}${req.query}${looseDecode(req.query)}${JSON.stringify(req.headers)}${req.body ?? ""}`;
  const leaked = victimSecrets().filter((secret) => res.text.includes(secret) && !sent.includes(secret));
  if (leaked.length > 0) fail(`another user's data in the response: ${leaked.join(", ")}`);
}

/** Decodes each name and value of a query string on its own, keeping the ones that do not decode as they are. */
function looseDecode(query: string): string {
  return query
    .split(/([?&=])/)
    .map((piece) => {
      try {
        return decodeURIComponent(piece);
      } catch {
        return piece;
      }
    })
    .join("");
}

/** Which kind of id a path's `:id` names. */
const idKindOf = (path: string): IdKind =>
  path.startsWith("/api/v1/flashcards")
    ? "card"
    : path.startsWith("/api/v1/generations")
      ? "generation"
      : path.startsWith("/api/v1/generation-error-logs")
        ? "errorLog"
        : path.startsWith("/api/v1/study-sessions")
          ? "studySession"
          : path.startsWith("/api/v1/decks")
            ? "deck"
            : path.startsWith("/api/v1/imports")
              ? "import"
              : path.startsWith("/api/v1/auth/sessions")
                ? "session"
                : "any";

/** Logs mallory in again when a fuzzed request ended her session (logout-all, DELETE /auth/sessions/:id). */
async function reopenMalloryIfEnded(): Promise<void> {
  if ((await api("GET", "/api/v1/auth/me", { token: mallory.accessToken })).status !== 401) return;
  const res = await api("POST", "/api/v1/auth/login", {
    body: { email: mallory.email, password: mallory.password },
    headers: { "cf-connecting-ip": freshIp() },
  });
  expect(res.status, res.text).toBe(200);
  mallory.accessToken = res.body.access_token;
  mallory.refreshToken = res.body.refresh_token;
  mallory.sessionId = (Jwt.decode(res.body.access_token).payload as { sid: string }).sid;
}

/** A `:name` path segment for the tag routes: mostly mallory's tags, the victims', unknown and hostile names. */
const tagPathName = () =>
  fc.oneof(
    // "lang::pl" and "merged": what the PATCH bodies rename to, so DELETE still finds a tag after them.
    { weight: 6, arbitrary: fc.constantFrom(...mallory.tagNames, "lang::pl", "merged").map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...alice.tagNames, ...bob.tagNames).map(encodeURIComponent) },
    { weight: 2, arbitrary: text(30).map(encodeLoose) },
    { weight: 1, arbitrary: fc.constantFrom("%", "%25", "a%20b", "%E2%80%8B", "x".repeat(60), "a::", "%00") },
  );

/** One fuzz request for a route: hostile path ids, query, headers and body; mostly authenticated as mallory. */
function requestFor(route: Route, authorizations: string[]): fc.Arbitrary<FuzzRequest> {
  const body = bodies()[routeKey(route)] ?? weirdValue;
  const needsId = route.path.includes(":id");
  const authorization = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(`Bearer ${mallory.accessToken}`, `bearer  ${mallory.accessToken}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(...authorizations) },
  );
  return fc
    .record({
      id: needsId ? pathId(idKindOf(route.path)) : fc.constant(""),
      tagName: route.path.includes(":name") ? tagPathName() : fc.constant(""),
      query: fc.oneof(
        { weight: 2, arbitrary: fc.constant(VALID_QUERIES[routeKey(route)] ?? "") },
        { weight: 1, arbitrary: queryString() },
      ),
      authorization,
      contentType,
      idempotencyKey:
        route.path === "/api/v1/generations"
          ? fc.option(headerValue, { nil: undefined, freq: 2 })
          : fc.constant(undefined),
      requestId: fc.option(headerValue, { nil: undefined, freq: 8 }),
      origin: fc.option(fc.constantFrom("https://evil.example", "null", "http://localhost:3000"), {
        nil: undefined,
        freq: 6,
      }),
      body: fc.option(body, { nil: undefined, freq: 12 }),
    })
    .map((r) => ({
      method: route.method,
      path: route.path.replace(":id", r.id).replace(":name", r.tagName),
      query: r.query,
      headers: {
        authorization: r.authorization,
        "content-type": r.contentType,
        "idempotency-key": r.idempotencyKey,
        "x-request-id": r.requestId,
        origin: r.origin,
      },
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
    }));
}

// ---------------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------------

describe("fuzzing every registered route", () => {
  it("covers every route the app registers", () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(26);
    const keys = ROUTES.map(routeKey);
    // The public set comes from the OpenAPI docs: it must name registered routes, and only a few.
    for (const key of PUBLIC_ROUTES) expect(keys).toContain(key);
    expect(keys.length - PUBLIC_ROUTES.size).toBeGreaterThanOrEqual(20);
    for (const key of Object.keys(bodies()))
      expect(keys, `${key} is fuzzed with a body but no longer registered`).toContain(key);
  });

  it.each(ROUTES.map((r) => [routeKey(r), r] as const))(
    "%s: hostile requests never get a 5xx, an uncoded error or another user's data",
    async (_key, route) => {
      const authorizations = Object.values(await hostileAuthorizations());
      await fc.assert(
        fc.asyncProperty(requestFor(route, authorizations), async (req) => {
          const res = await send(req);
          tally(routeKey(route), res.status);
          judge(req, res);
        }),
        FC(RUNS_PER_ROUTE),
      );
      // Logging out everywhere or ending its own session is a success the fuzzer may well reach:
      // open mallory a new session for the tests that follow.
      await reopenMalloryIfEnded();
    },
    TEST_TIMEOUT,
  );

  it(
    "arbitrary methods and paths get 404 or 405 problems, never a 5xx",
    async () => {
      const segment = fc.oneof(
        {
          weight: 3,
          arbitrary: fc.constantFrom(
            "api",
            "v1",
            "auth",
            "me",
            "flashcards",
            "reviews",
            "schedule-preview",
            "generations",
            "generation-error-logs",
            "study",
            "queue",
            "study-sessions",
            "finish",
            "stats",
            "health",
            "openapi.json",
          ),
        },
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: weirdString.map(encodeLoose) },
        { weight: 1, arbitrary: fc.constantFrom("", ".", "..", "%2e%2e", "%", "%00", "index.php", "ws") },
      );
      const request = fc.record({
        // workerd's Request accepts only the standard methods (it throws on "FOO" or "PROPFIND").
        method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
        path: fc
          .array(segment, { minLength: 0, maxLength: 6 })
          .map((segments) => `/${["api", "v1", ...segments].join("/")}`),
        trailingSlash: fc.boolean(),
        body: fc.option(weirdValue, { nil: undefined }),
        authorized: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const req: FuzzRequest = {
            method: r.method,
            path: r.path + (r.trailingSlash ? "/" : ""),
            query: "",
            headers: {
              authorization: r.authorized ? `Bearer ${mallory.accessToken}` : undefined,
              "content-type": "application/json",
            },
            body: r.body === undefined ? undefined : JSON.stringify(r.body),
          };
          judge(req, await send(req));
        }),
        FC(RUNS.methodsAndPaths),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    "raw bodies (malformed JSON, non-objects, deep nesting, oversized, wrong media types) get 4xx problems",
    async () => {
      const bodyRoutes = ROUTES.filter((r) => r.method !== "GET");
      const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
      const limit = Number(env.MAX_BODY_BYTES);
      const raw = fc.oneof(
        fc.constantFrom(
          "",
          "{",
          "}",
          "{'a':1}",
          "nul",
          "[",
          '"',
          '{"a":}',
          '{"flashcards":[{]}',
          "\u0000",
          "\ufeff{}",
          "{}garbage",
          "NaN",
          "1e999999",
        ),
        fc.constantFrom("null", "[]", "42", '"text"', "true", "{}", "[{}]", "-0"),
        fc.integer({ min: 10, max: 100_000 }).map((n) => deep(n, "[", "]")),
        fc.integer({ min: 10, max: 50_000 }).map((n) => deep(n, '{"a":', "}").replace(/}$/, "1}")),
        fc.constant(JSON.stringify({ flashcards: [{ front: "x".repeat(limit), back: "y", source: "manual" }] })),
        fc.constant(`{"password":"${"p".repeat(limit + 10)}"}`),
        fc.string({ unit: utf16Unit, maxLength: 200 }),
        fc.json({ maxDepth: 4 }),
      );
      const request = fc.record({
        route: fc.constantFrom(...bodyRoutes),
        id: fc.constantFrom(...mallory.cardIds, ...mallory.studySessionIds),
        body: raw,
        contentType: contentType,
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const req: FuzzRequest = {
            method: r.route.method,
            path: r.route.path.replace(":id", r.id),
            query: "",
            headers: { authorization: `Bearer ${mallory.accessToken}`, "content-type": r.contentType },
            body: r.body,
          };
          const res = await send(req);
          judge(req, res);
          expect(res.status, describeRequest(req)).toBeLessThan(500);
        }),
        FC(RUNS.rawBodies),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    "POST /imports: random text files (any separator, quotes, headers, HTML, bytes) never get a 5xx or touch the victims",
    async () => {
      const piece = fc.oneof(
        fc.string({ unit: utf16Unit, maxLength: 40 }),
        fc.constantFrom(
          "\t",
          ",",
          ";",
          "|",
          '"',
          '""',
          "\n",
          "\r\n",
          "\r",
          "::",
          "#",
          "&amp;",
          "&#x1F600;",
          "&#xD800;",
        ),
        fc.constantFrom(
          "#separator:tab\n",
          "#separator:Pipe\n",
          "#separator:\n",
          "#html:true\n",
          "#deck column:1\n",
          "#tags column:99\n",
          "#guid column:0\n",
          "#deck:A::B::C::D::E::F::G::H::I\n",
          "#columns:Back\tFront\n",
          "#what:ever\n",
          "<br><div>x</div><img src=a>[sound:a.mp3]",
        ),
      );
      const file = fc.array(piece, { maxLength: 60 }).map((parts) => parts.join(""));
      const request = fc.record({
        body: file,
        contentType: fc.constantFrom("text/plain", "text/csv", "text/tab-separated-values; charset=utf-8"),
        query: fc.constantFrom("", "?dry_run=true", "?duplicates=allow", `?deck_id=${crypto.randomUUID()}`),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const req: FuzzRequest = {
            method: "POST",
            path: "/api/v1/imports",
            query: r.query,
            headers: { authorization: `Bearer ${mallory.accessToken}`, "content-type": r.contentType },
            body: r.body,
          };
          const res = await send(req);
          judge(req, res);
          expect(res.status, describeRequest(req)).toBeLessThan(500);
        }),
        FC(RUNS.rawBodies),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    "POST /imports application/json: random text and account documents naming the victims' ids never get a 5xx or touch the victims",
    async () => {
      const exported = (await api("GET", "/api/v1/exports/account.json", { token: mallory.accessToken })).body;
      // Whatever the fuzzing left in mallory's account, its export is a document the import reads.
      const restored = await api("POST", "/api/v1/imports?dry_run=true", {
        token: mallory.accessToken,
        body: exported,
      });
      expect(restored.status, restored.text.slice(0, 1_000)).toBe(200);
      const at = "2026-01-01T00:00:00.000Z";
      const study = {
        state: "review",
        due: at,
        stability: 3.5,
        difficulty: 5,
        elapsed_days: 1,
        scheduled_days: 3,
        learning_steps: 0,
        reps: 2,
        lapses: 0,
        last_review: at,
      };
      const victims = [alice, bob];
      const anyId = fc.constantFrom(
        ...victims.flatMap((v) => [
          ...v.cardIds,
          ...v.generationIds,
          ...v.studySessionIds,
          ...v.reviewIds,
          ...v.deckIds,
        ]),
        ...mallory.cardIds,
        "x",
        crypto.randomUUID(),
      );
      const card = fc.record({
        id: anyId,
        front: fc.oneof(fc.constant("Q"), text(30)),
        back: fc.constant("A"),
        source: fc.constantFrom("manual", "ai-full", "ai-edited", "imported"),
        generation_id: fc.option(anyId, { nil: null }),
        deck_id: fc.option(anyId, { nil: null }),
        deck_path: fc.option(fc.constantFrom("A", "A::B", "::", "a::A", "A::B::C::D::E::F::G::H::I"), { nil: null }),
        tags: fc.array(fc.constantFrom("t", "lang::pl", ...alice.tagNames), { maxLength: 3 }),
        created_at: fc.constant(at),
        updated_at: fc.constant(at),
        study: fc.constant(study),
      });
      const log = fc.record({
        id: anyId,
        flashcard_id: anyId,
        session_id: fc.option(anyId, { nil: null }),
        rating: fc.constantFrom("manual", "again", "good"),
        state_before: fc.constantFrom("new", "review"),
        due_before: fc.constant(at),
        stability: fc.constant(1),
        difficulty: fc.constant(5),
        elapsed_days: fc.constant(0),
        last_elapsed_days: fc.constant(0),
        scheduled_days: fc.constant(1),
        learning_steps: fc.constant(0),
        next_due: fc.constant(at),
        duration_ms: fc.constant(null),
        reviewed_at: fc.constant(at),
        card_before: fc.option(fc.constant(study), { nil: null }),
      });
      const session = fc.record({
        id: anyId,
        card_ids: fc.array(anyId, { maxLength: 3 }),
        started_at: fc.constant(at),
        finished_at: fc.constant(null),
      });
      const document = fc
        .record({
          cards: fc.array(card, { maxLength: 4 }),
          review_logs: fc.array(log, { maxLength: 4 }),
          study_sessions: fc.array(session, { maxLength: 2 }),
        })
        .map((parts) => JSON.stringify({ ...exported, ...parts }));
      const request = fc.record({
        body: fc.oneof(
          { weight: 3, arbitrary: document },
          { weight: 1, arbitrary: fc.string({ unit: utf16Unit, maxLength: 80 }) },
          { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
        ),
        query: fc.constantFrom("", "?dry_run=true", "?duplicates=allow", `?deck_id=${alice.deckIds[0]}`),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const req: FuzzRequest = {
            method: "POST",
            path: "/api/v1/imports",
            query: r.query,
            headers: { authorization: `Bearer ${mallory.accessToken}`, "content-type": "application/json" },
            body: r.body,
          };
          const res = await send(req);
          judge(req, res);
          expect(res.status, describeRequest(req)).toBeLessThan(500);
        }),
        FC(RUNS.rawBodies),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    "every hostile token is refused with 401 and WWW-Authenticate on every authenticated route, even with a valid request",
    async () => {
      const authorizations = await hostileAuthorizations();
      const authenticated = ROUTES.filter((r) => !PUBLIC_ROUTES.has(routeKey(r)));
      // Valid requests aimed at alice's rows, so that validation passes and only the token (and, for
      // tokens signed with the real key, the session gate in D1) stands between mallory and alice's data.
      const validBodies: Record<string, unknown> = {
        "POST /api/v1/flashcards": {
          flashcards: [
            {
              front: "planted",
              back: "card",
              source: "ai-full",
              generation_id: alice.generationIds[0],
              proposal_index: 0,
            },
          ],
        },
        "PATCH /api/v1/flashcards/:id": { front: "hacked" },
        "POST /api/v1/flashcards/:id/reviews": { rating: "again", session_id: alice.studySessionIds[0] },
        "POST /api/v1/reviews/batch": {
          reviews: [
            {
              id: crypto.randomUUID(),
              flashcard_id: alice.cardIds[0],
              rating: "again",
              reviewed_at: new Date().toISOString(),
            },
          ],
        },
        "POST /api/v1/generations": { source_text: textOfLength(1_200) },
        "POST /api/v1/study-sessions": {},
        "PATCH /api/v1/settings": { timezone: "Europe/Warsaw" },
        "POST /api/v1/flashcards/:id/forget": {},
        "POST /api/v1/flashcards/:id/reschedule": { due: "2026-12-01" },
        "DELETE /api/v1/auth/me": { password: alice.password },
        "POST /api/v1/decks": { name: "planted", parent_id: alice.deckIds[0] },
        "PATCH /api/v1/decks/:id": { name: "hacked" },
        "POST /api/v1/flashcards/bulk": { ids: alice.cardIds.slice(0, 2), action: "delete" },
        "POST /api/v1/auth/tokens": { name: "stolen", scopes: ["cards:read"] },
        "POST /api/v1/auth/password": { current_password: alice.password, new_password: "taken over 123456" },
        "PATCH /api/v1/tags/:name": { name: "hacked" },
      };
      const idFor = (path: string) =>
        path.startsWith("/api/v1/generations")
          ? alice.generationIds[0]
          : path.startsWith("/api/v1/generation-error-logs")
            ? alice.errorLogIds[0]
            : path.startsWith("/api/v1/study-sessions")
              ? alice.studySessionIds[0]
              : path.startsWith("/api/v1/decks")
                ? alice.deckIds[0]
                : path.startsWith("/api/v1/imports")
                  ? alice.importIds[0]
                  : path.startsWith("/api/v1/auth/sessions")
                    ? alice.sessionId
                    : alice.cardIds[0];
      for (const route of authenticated) {
        for (const [name, authorization] of Object.entries(authorizations)) {
          const body = validBodies[routeKey(route)];
          // An import's valid body is a text file.
          const isImport = routeKey(route) === "POST /api/v1/imports";
          const req: FuzzRequest = {
            method: route.method,
            path: route.path
              .replace(":id", idFor(route.path)!)
              .replace(":name", encodeURIComponent(alice.tagNames[0]!)),
            query: VALID_QUERIES[routeKey(route)] ?? "",
            headers: { authorization, "content-type": isImport ? "text/plain" : "application/json" },
            body: isImport ? "planted\tcard\n" : body === undefined ? undefined : JSON.stringify(body),
          };
          const res = await send(req);
          judge(req, res);
          expect(res.status, `${name}: ${describeRequest(req)}`).toBe(401);
        }
      }
    },
    TEST_TIMEOUT,
  );
});

describe("ownership", () => {
  it("every :id route answers another user's id exactly like an id that never existed", async () => {
    const bodies: Record<string, unknown> = {
      "PATCH /api/v1/flashcards/:id": { front: "hacked" },
      "POST /api/v1/flashcards/:id/reviews": { rating: "again" },
      "PATCH /api/v1/decks/:id": { name: "hacked" },
      "POST /api/v1/flashcards/:id/forget": {},
      "POST /api/v1/flashcards/:id/reschedule": { due: "2026-12-01" },
    };
    const normalise = (body: Record<string, unknown>, id: string) => ({
      ...body,
      request_id: "-",
      detail: String(body.detail).replace(id, "ID"),
    });
    const idRoutes = ROUTES.filter((r) => r.path.includes(":id"));
    expect(idRoutes.length).toBeGreaterThanOrEqual(10);
    for (const route of idRoutes) {
      const foreign = idsOf(alice, idKindOf(route.path))[0]!;
      const missing = crypto.randomUUID();
      const call = (id: string) =>
        api(route.method, route.path.replace(":id", id), {
          token: mallory.accessToken,
          body: bodies[routeKey(route)],
          headers: { "cf-connecting-ip": freshIp() },
        });
      const [theirs, nobodys] = [await call(foreign), await call(missing)];
      expectProblem(theirs, 404, "not_found");
      expectProblem(nobodys, 404, "not_found");
      expect(normalise(theirs.body, foreign), routeKey(route)).toEqual(normalise(nobodys.body, missing));
    }
  });
});

describe("text survives the trip", () => {
  it(
    "any well-formed text without control characters round-trips exactly (trimmed); anything else is a 400",
    async () => {
      const cardText = fc.oneof(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
        fc.string({ unit: "grapheme-composite", minLength: 1, maxLength: 40 }),
        fc.string({ unit: utf16Unit, minLength: 1, maxLength: 40 }),
        fc.constantFrom(
          "🧠 Spaced repetition 👩‍🔬",
          "ما هي عاصمة مصر؟",
          "שלום",
          "東京タワーの高さは？",
          "Zażółć gęślą jaźń",
          "e\u0301\u0301",
          "\u202Eright-to-left override",
          "tab\tand\nnewline",
        ),
      );
      const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
      const noControls = (s: string) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.test(s);
      const length = (s: string) => [...s].length;
      await fc.assert(
        fc.asyncProperty(fc.tuple(cardText, cardText), async ([front, back]) => {
          const res = await api("POST", "/api/v1/flashcards", {
            token: mallory.accessToken,
            body: { flashcards: [{ front, back, source: "manual" }] },
          });
          // The server trims first, then judges the trimmed text.
          const [f, b] = [front.trim(), back.trim()];
          const valid =
            [f, b].every((s) => wellFormed(s) && noControls(s) && length(s) >= 1) &&
            length(f) <= 200 &&
            length(b) <= 500;
          if (!valid) {
            expectProblem(res, 400, "validation_failed");
            return;
          }
          expect(res.status, res.text).toBe(201);
          const read = await api("GET", `/api/v1/flashcards/${res.body.data[0].id}`, { token: mallory.accessToken });
          expect(read.body.front).toBe(front.trim());
          expect(read.body.back).toBe(back.trim());
        }),
        FC(RUNS.roundTrip),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    "the local provider turns any valid source text into a 201, whatever its script",
    async () => {
      const quotaFree = { ...env, GENERATIONS_PER_HOUR: "10000" };
      const chunk = fc.oneof(
        fc.constantFrom(
          ...SPECIAL_STRINGS.filter((s) => !/[\p{Cs}\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u.test(s)),
        ),
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }),
        fc.constantFrom(
          "Fotosynteza jest procesem, w którym rośliny zamieniają światło w energię chemiczną. ",
          "The Vistula is the longest river in Poland. ",
          "東京は日本の首都です。",
          "القاهرة هي عاصمة مصر. ",
        ),
      );
      const textArb = fc
        .array(chunk, { minLength: 20, maxLength: 400 })
        .map((parts) => parts.join(" "))
        .filter((t) => {
          const n = [...t.trim()].length;
          return n >= 1_000 && n <= 10_000 && !/[\p{Cs}\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u.test(t);
        });
      await fc.assert(
        fc.asyncProperty(textArb, async (source_text) => {
          const res = await api("POST", "/api/v1/generations", {
            token: mallory.accessToken,
            body: { source_text },
            env: quotaFree,
          });
          expect(res.status, clip(res.text)).toBe(201);
          expect(res.body.generation.generated_count).toBe(res.body.proposals.length);
        }),
        FC(RUNS.localProvider),
      );
    },
    TEST_TIMEOUT,
  );
});

describe("after the run", () => {
  it("the victims' rows are exactly as they were, and their sessions still work", async () => {
    const after = await Promise.all([alice, bob].map((v) => userRows(env.DB, v.id)));
    expect(after).toEqual(victimsBefore);
    for (const victim of [alice, bob])
      expect((await api("GET", "/api/v1/auth/me", { token: victim.accessToken })).status).toBe(200);
  });

  it("reached every handler: each route answered a 4xx and, unless success needs a secret, a 2xx", () => {
    // Success on these needs a password or refresh token the fuzzer must not have.
    // (Or an id the fuzzer cannot know: its own token ids; tested in access-tokens.test.ts.)
    const needsSecret = new Set([
      "POST /api/v1/auth/login",
      "POST /api/v1/auth/refresh",
      "DELETE /api/v1/auth/me",
      "POST /api/v1/auth/password",
      "DELETE /api/v1/auth/tokens/:id",
    ]);
    const summary = Object.fromEntries([...statusesSeen].map(([key, byStatus]) => [key, Object.fromEntries(byStatus)]));
    for (const route of ROUTES) {
      const key = routeKey(route);
      const seen = [...(statusesSeen.get(key)?.keys() ?? [])];
      if (!PUBLIC_ROUTES.has(key) || key.startsWith("POST"))
        expect(
          seen.some((s) => s >= 400 && s < 500),
          `${key}: ${JSON.stringify(summary[key])}`,
        ).toBe(true);
      if (!needsSecret.has(key))
        expect(
          seen.some((s) => s >= 200 && s < 300),
          `${key}: ${JSON.stringify(summary[key])}`,
        ).toBe(true);
    }
  });

  it("reports the known bugs the fuzzer keeps hitting", () => {
    // Informational: the counts show the fuzzer still reaches them; their regression tests are below.
    if (knownBugHits.size > 0)
      console.warn(`fuzz: known bugs hit: ${JSON.stringify(Object.fromEntries(knownBugHits))}`);
  });
});

// ---------------------------------------------------------------------------------------------------
// Regression tests for what the fuzzer found
// ---------------------------------------------------------------------------------------------------

describe("regressions found by fuzzing", () => {
  // BUG: createFlashcards (src/routes/flashcards/flashcards.handlers.ts) answers a foreign or missing
  // generation with 404 after looking up which generation it was: findMissingGeneration binds user_id
  // plus every requested generation id, and D1 allows 100 bound parameters per statement. 100 items
  // with 100 distinct generation ids (the maximum bulk) make 101 parameters: D1 throws "too many SQL
  // variables" and the client gets 500 internal_error instead of 404. Cannot pass without a src
  // change; see the report. Remove `.fails` (and the KNOWN_BUGS entry above) once fixed.
  it("bulk create with 100 distinct unknown generation ids answers 404, not 500", async () => {
    const flashcards = Array.from({ length: 100 }, (_, i) => ({
      front: `Q${i}`,
      back: "A",
      source: "ai-full",
      generation_id: crypto.randomUUID(),
      proposal_index: 0,
    }));
    const res = await api("POST", "/api/v1/flashcards", { token: mallory.accessToken, body: { flashcards } });
    expectProblem(res, 404, "not_found");
  });

  it("bulk create with 99 distinct unknown generation ids answers 404 (the boundary below the bug)", async () => {
    const flashcards = Array.from({ length: 99 }, (_, i) => ({
      front: `Q${i}`,
      back: "A",
      source: "ai-full",
      generation_id: crypto.randomUUID(),
      proposal_index: 0,
    }));
    expectProblem(
      await api("POST", "/api/v1/flashcards", { token: mallory.accessToken, body: { flashcards } }),
      404,
      "not_found",
    );
  });

  it("bulk create of 100 cards from 100 of the caller's own generations succeeds (the happy path is not affected)", async () => {
    const generationIds = await Promise.all(Array.from({ length: 100 }, () => seedGeneration(mallory.id, 1)));
    const flashcards = generationIds.map((generation_id) => ({
      front: "Q0",
      back: "A",
      source: "ai-full",
      generation_id,
      proposal_index: 0,
    }));
    expect((await api("POST", "/api/v1/flashcards", { token: mallory.accessToken, body: { flashcards } })).status).toBe(
      201,
    );
  });
});
