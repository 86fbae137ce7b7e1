/**
 * Concurrency: many requests racing for the same row, through the real app and the real local D1.
 * Requests run truly interleaved (every D1 call is an await point), so each test proves that the
 * decision is taken inside one D1 transaction (a unique index, a conditional write, a CHECK
 * constraint), never by a read-then-write in the worker. Milder two-way versions of some of these
 * live in auth.test.ts, flashcards.test.ts and study.test.ts.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, createCards, expectProblem, freshIp, registerUser } from "./helpers/api";
import { userRows } from "./helpers/faulty-d1";
import { count, countFlashcards, generationCounts, seedGeneration } from "./helpers/fixtures";
import { startInOneRateWindow } from "./helpers/rate-window";
import { textOfLength } from "./helpers/texts";

afterEach(() => vi.restoreAllMocks());

const parallel = <T>(n: number, task: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => task(i)));
const statuses = (responses: Array<{ status: number }>) => responses.map((r) => r.status).sort();
/**
 * `n` cards accepting a seeded generation's proposals `first`..`first + n - 1`: 3 of every 5 unedited
 * (`ai-full`, the proposal's text), 2 edited.
 */
const aiCards = (generationId: string, first: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    front: i % 5 < 3 ? `Q${first + i}` : `My Q${first + i}`,
    back: "A",
    source: i % 5 < 3 ? "ai-full" : "ai-edited",
    generation_id: generationId,
    proposal_index: first + i,
  }));

describe("registration races", () => {
  it("10 parallel registrations of one email: exactly one 201, nine 409 email_taken, one user, one session", async () => {
    const email = `race-${crypto.randomUUID()}@example.com`;
    const results = await parallel(10, (i) =>
      api("POST", "/api/v1/auth/register", {
        body: { email, password: `racing password ${i}` },
        headers: { "cf-connecting-ip": freshIp() },
      }),
    );
    expect(statuses(results)).toEqual([201, ...Array(9).fill(409)]);
    for (const loser of results.filter((r) => r.status === 409)) expectProblem(loser, 409, "email_taken");
    const winner = results.find((r) => r.status === 201)!;
    expect(await count("SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(1);
    expect(await count("SELECT count(*) AS n FROM sessions WHERE user_id = ?", winner.body.user.id)).toBe(1);
    expect((await api("GET", "/api/v1/auth/me", { token: winner.body.access_token })).status).toBe(200);
  });

  it("the same race with differently written forms of the email (case, spaces) still has one winner", async () => {
    const local = `Race-${crypto.randomUUID().slice(0, 8)}`;
    const forms = [
      `${local}@Example.com`,
      `${local.toLowerCase()}@example.com`,
      `  ${local.toUpperCase()}@EXAMPLE.COM `,
      `${local}@example.COM`,
    ];
    const results = await parallel(8, (i) =>
      api("POST", "/api/v1/auth/register", {
        body: { email: forms[i % forms.length], password: "racing password x" },
        headers: { "cf-connecting-ip": freshIp() },
      }),
    );
    expect(statuses(results)).toEqual([201, ...Array(7).fill(409)]);
    expect(await count("SELECT count(*) AS n FROM users WHERE email = ?", `${local.toLowerCase()}@example.com`)).toBe(
      1,
    );
  });
});

describe("bursts from one client", () => {
  it.each(["register", "login"])(
    "15 parallel %s requests from one address: 10 served, 5 get 429 with Retry-After, and only the served ones hash",
    async (action) => {
      await startInOneRateWindow();
      const ip = freshIp();
      const derive = vi.spyOn(crypto.subtle, "deriveBits");
      const results = await parallel(15, (i) =>
        api("POST", `/api/v1/auth/${action}`, {
          body: { email: `burst-${i}-${crypto.randomUUID()}@example.com`, password: "burst password 123" },
          headers: { "cf-connecting-ip": ip },
        }),
      );
      const served = results.filter((r) => r.status !== 429);
      expect(served).toHaveLength(10);
      expect(served.every((r) => r.status === (action === "register" ? 201 : 401))).toBe(true);
      for (const limited of results.filter((r) => r.status === 429)) {
        expectProblem(limited, 429, "rate_limited");
        expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      // One PBKDF2 derivation per served request (a login with an unknown email hashes a dummy); none for the throttled.
      expect(derive).toHaveBeenCalledTimes(10);
    },
  );
});

describe("refresh-token races", () => {
  it("5 parallel refreshes with one token: all 200 with one and the same new pair; the session lives", async () => {
    const user = await registerUser();
    const results = await parallel(5, () =>
      api("POST", "/api/v1/auth/refresh", {
        body: { refresh_token: user.refreshToken },
        headers: { "cf-connecting-ip": freshIp() },
      }),
    );
    expect(statuses(results)).toEqual([200, 200, 200, 200, 200]);
    // Within the 10 s reuse interval a repeat is not reuse: every caller gets the winner's pair.
    for (const res of results) expect(res.body).toEqual(results[0]!.body);
    // Exactly one successor token was ever issued.
    expect(
      await count(
        "SELECT count(*) AS n FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id WHERE s.user_id = ?",
        user.id,
      ),
    ).toBe(2);
    expect((await api("GET", "/api/v1/auth/me", { token: results[0]!.body.access_token })).status).toBe(200);
  });
});

describe("review races", () => {
  it("8 parallel reviews of one card: one 200 per card version, the rest 409; reps and logs equal the 200s", async () => {
    const user = await registerUser();
    const [card] = await createCards(user, 1);
    const ratings = ["again", "hard", "good", "easy"];
    const results = await parallel(8, (i) =>
      api("POST", `/api/v1/flashcards/${card.id}/reviews`, {
        token: user.accessToken,
        body: { rating: ratings[i % 4] },
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of results) if (r.status !== 200) expectProblem(r, 409, "review_conflict");
    // Each success moved the card from a distinct version: its reps are all different.
    expect(new Set(ok.map((r) => r.body.flashcard.study.reps)).size).toBe(ok.length);
    const row = await env.DB.prepare("SELECT reps, version FROM flashcards WHERE id = ?")
      .bind(card.id)
      .first<{ reps: number; version: number }>();
    expect(row).toEqual({ reps: ok.length, version: ok.length });
    const logs = await env.DB.prepare("SELECT id FROM review_logs WHERE flashcard_id = ?")
      .bind(card.id)
      .all<{ id: string }>();
    expect(logs.results.map((l) => l.id).sort()).toEqual(ok.map((r) => r.body.review.id).sort());
  });

  it("retrying every 409 until it applies loses no update: 8 reviews give reps 8 and 8 logs", async () => {
    const user = await registerUser();
    const [card] = await createCards(user, 1);
    const reviewUntilApplied = async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const res = await api("POST", `/api/v1/flashcards/${card.id}/reviews`, {
          token: user.accessToken,
          body: { rating: "good" },
        });
        if (res.status === 200) return attempt;
        expectProblem(res, 409, "review_conflict");
      }
      throw new Error("a review never applied");
    };
    await parallel(8, reviewUntilApplied);
    expect(await count("SELECT reps AS n FROM flashcards WHERE id = ?", card.id)).toBe(8);
    expect(await count("SELECT count(*) AS n FROM review_logs WHERE flashcard_id = ?", card.id)).toBe(8);
  });

  it("parallel reviews of different cards never conflict", async () => {
    const user = await registerUser();
    const cards = await createCards(user, 8);
    const results = await parallel(8, (i) =>
      api("POST", `/api/v1/flashcards/${cards[i].id}/reviews`, { token: user.accessToken, body: { rating: "good" } }),
    );
    expect(statuses(results)).toEqual(Array(8).fill(200));
    expect(await count("SELECT count(*) AS n FROM review_logs WHERE user_id = ?", user.id)).toBe(8);
  });
});

describe("offline upload races", () => {
  it("5 parallel uploads of one batch: each review applied exactly once, every other answer duplicate", async () => {
    const user = await registerUser();
    const cards = await createCards(user, 3);
    const reviews = cards.flatMap((card, i) =>
      [5, 4, 3].map((hoursAgo) => ({
        id: crypto.randomUUID(),
        flashcard_id: card.id,
        rating: ["again", "good", "easy"][(i + hoursAgo) % 3],
        reviewed_at: new Date(Date.now() - hoursAgo * 3_600_000).toISOString(),
      })),
    );
    const results = await parallel(5, () =>
      api("POST", "/api/v1/reviews/batch", { token: user.accessToken, body: { reviews } }),
    );
    expect(statuses(results)).toEqual(Array(5).fill(200));
    for (let i = 0; i < reviews.length; i++) {
      const answers = results.map((r) => r.body.results[i].status);
      expect(answers.filter((s: string) => s === "applied").length, answers.join()).toBeLessThanOrEqual(1);
      expect(
        answers.every((s: string) => s === "applied" || s === "duplicate"),
        answers.join(),
      ).toBe(true);
    }
    expect(await count("SELECT count(*) AS n FROM review_logs WHERE user_id = ?", user.id)).toBe(9);
    expect(await count("SELECT sum(reps) AS n FROM flashcards WHERE user_id = ?", user.id)).toBe(9);
  });

  it("uploads racing single reviews and undos on one card: reps always equal the stored logs", async () => {
    const user = await registerUser();
    const [card] = await createCards(user, 1);
    const upload = (i: number) =>
      api("POST", "/api/v1/reviews/batch", {
        token: user.accessToken,
        body: {
          reviews: [
            {
              id: crypto.randomUUID(),
              flashcard_id: card.id,
              rating: "good",
              reviewed_at: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
            },
          ],
        },
      });
    const results = await parallel(9, (i) =>
      i % 3 === 0
        ? upload(i)
        : i % 3 === 1
          ? api("POST", `/api/v1/flashcards/${card.id}/reviews`, { token: user.accessToken, body: { rating: "hard" } })
          : api("DELETE", `/api/v1/flashcards/${card.id}/reviews/latest`, { token: user.accessToken }),
    );
    for (const res of results) {
      if (res.status === 200 && res.body.results) expect(["applied", "rejected"]).toContain(res.body.results[0].status);
      else if (res.status !== 200) expect([404, 409]).toContain(res.status);
    }
    const logs = await count("SELECT count(*) AS n FROM review_logs WHERE flashcard_id = ?", card.id);
    expect(await count("SELECT reps AS n FROM flashcards WHERE id = ?", card.id)).toBe(logs);
  });
});

describe("bulk-create races against one generation", () => {
  it("10 parallel bulk creates of 5 cards: all 201, 50 cards, counters exactly 30 unedited + 20 edited", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 50);
    const results = await parallel(10, (b) =>
      api("POST", "/api/v1/flashcards", {
        token: user.accessToken,
        body: { flashcards: aiCards(generationId, b * 5, 5) },
      }),
    );
    expect(statuses(results)).toEqual(Array(10).fill(201));
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE generation_id = ?", generationId)).toBe(50);
    expect(await generationCounts(generationId)).toEqual({ unedited: 30, edited: 20 });
  });

  it("10 parallel bulk creates, two for each group of 5 proposals: exactly 5 succeed, 5 get 409, nothing over-counted", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 25);
    const results = await parallel(10, (b) =>
      api("POST", "/api/v1/flashcards", {
        token: user.accessToken,
        body: { flashcards: aiCards(generationId, (b % 5) * 5, 5) },
      }),
    );
    expect(statuses(results)).toEqual([...Array(5).fill(201), ...Array(5).fill(409)]);
    for (const r of results.filter((r) => r.status === 409)) expectProblem(r, 409, "proposal_already_accepted");
    expect(await countFlashcards(user.id)).toBe(25);
    expect(await generationCounts(generationId)).toEqual({ unedited: 15, edited: 10 });
  });
});

describe("other races", () => {
  it("parallel finishes of one study session: one 200, the rest 409 session_finished", async () => {
    const user = await registerUser();
    await createCards(user, 2);
    const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: {} });
    const results = await parallel(5, () =>
      api("POST", `/api/v1/study-sessions/${session.body.session.id}/finish`, { token: user.accessToken }),
    );
    expect(statuses(results)).toEqual([200, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) expectProblem(r, 409, "session_finished");
  });

  it("parallel deletes of one card: one 204, the rest 404", async () => {
    const user = await registerUser();
    const [card] = await createCards(user, 1);
    const results = await parallel(5, () =>
      api("DELETE", `/api/v1/flashcards/${card.id}`, { token: user.accessToken }),
    );
    expect(statuses(results)).toEqual([204, 404, 404, 404, 404]);
    expect(await countFlashcards(user.id)).toBe(0);
  });

  it("parallel generations with one Idempotency-Key: one generation; the others replay it or are told it is in progress", async () => {
    const user = await registerUser();
    const headers = { "idempotency-key": `race-${crypto.randomUUID()}` };
    const results = await parallel(5, () =>
      api("POST", "/api/v1/generations", {
        token: user.accessToken,
        body: { source_text: textOfLength(1_500) },
        headers,
      }),
    );
    const fresh = results.filter((r) => r.status === 201 && r.headers.get("idempotent-replayed") === null);
    expect(fresh).toHaveLength(1);
    for (const r of results) {
      if (r === fresh[0]) continue;
      if (r.status === 201) expect(r.body).toEqual(fresh[0]!.body);
      else expectProblem(r, 409, "idempotency_key_in_use");
    }
    expect(await count("SELECT count(*) AS n FROM generations WHERE user_id = ?", user.id)).toBe(1);
  });

  it("account deletion racing with writes leaves no orphan row: every write lands before it or is refused", async () => {
    const user = await registerUser();
    const generationId = await seedGeneration(user.id, 50);
    const writes = parallel(6, (b) =>
      api("POST", "/api/v1/flashcards", {
        token: user.accessToken,
        body: { flashcards: aiCards(generationId, b * 3, 3) },
      }),
    );
    const deletion = api("DELETE", "/api/v1/auth/me", {
      token: user.accessToken,
      body: { password: user.password },
      headers: { "cf-connecting-ip": freshIp() },
    });
    const [results, deleted] = await Promise.all([writes, deletion]);
    expect(deleted.status).toBe(204);
    for (const r of results) {
      if (r.status !== 201) expectProblem(r, 401, "session_expired");
    }
    const rows = await userRows(env.DB, user.id);
    expect(Object.entries(rows).filter(([, table]) => table.length > 0)).toEqual([]);
    expect(await count("SELECT count(*) AS n FROM flashcards WHERE generation_id = ?", generationId)).toBe(0);
  });

  it("parallel bulk creates with many generations each keep every counter exact", async () => {
    const user = await registerUser();
    const generationIds = await Promise.all(Array.from({ length: 5 }, () => seedGeneration(user.id, 40)));
    const results = await parallel(8, (b) =>
      api("POST", "/api/v1/flashcards", {
        token: user.accessToken,
        body: { flashcards: generationIds.flatMap((g) => aiCards(g, b * 5, 5)) },
      }),
    );
    expect(statuses(results)).toEqual(Array(8).fill(201));
    for (const g of generationIds) expect(await generationCounts(g)).toEqual({ unedited: 24, edited: 16 });
    expect(await countFlashcards(user.id)).toBe(200);
  });
});

describe("change feed and If-Match under concurrency", () => {
  it("a device paging the feed while others write in parallel ends with exactly the collection", async () => {
    const user = await registerUser();
    const cards = await createCards(user, 12);
    const store = new Map<string, string>();
    let cursor: string | undefined;
    const pull = async () => {
      for (;;) {
        const res = await api("GET", `/api/v1/sync/changes?limit=3${cursor ? `&since=${cursor}` : ""}`, {
          token: user.accessToken,
        });
        expect(res.status).toBe(200);
        for (const change of res.body.data) {
          if (change.entity !== "flashcard") continue;
          if (change.op === "upsert") store.set(change.id, change.data.back);
          else store.delete(change.id);
        }
        cursor = res.body.pagination.next_cursor;
        if (!res.body.pagination.has_more) return;
      }
    };
    const writes = parallel(12, (i) =>
      i % 3 === 0
        ? api("DELETE", `/api/v1/flashcards/${cards[i].id}`, { token: user.accessToken })
        : i % 3 === 1
          ? api("PATCH", `/api/v1/flashcards/${cards[i].id}`, {
              token: user.accessToken,
              body: { back: `edited ${i}` },
            })
          : api("POST", "/api/v1/flashcards", {
              token: user.accessToken,
              body: { flashcards: [{ front: `new ${i}`, back: `new ${i}`, source: "manual" }] },
            }),
    );
    await Promise.all([writes, pull(), pull(), pull()]);
    await pull();
    const truth = await env.DB.prepare("SELECT id, back FROM flashcards WHERE user_id = ?").bind(user.id).all<{
      id: string;
      back: string;
    }>();
    expect(Object.fromEntries([...store].sort())).toEqual(
      Object.fromEntries(truth.results.map((row) => [row.id, row.back]).sort()),
    );
  });

  it("five devices editing one deck from the same ETag: exactly one applies, the others get 412", async () => {
    const user = await registerUser();
    const deck = await api("POST", "/api/v1/decks", { token: user.accessToken, body: { name: "Shared" } });
    const tag = (await api("GET", `/api/v1/decks/${deck.body.id}`, { token: user.accessToken })).headers.get("etag");
    const results = await parallel(5, () =>
      api("PATCH", `/api/v1/decks/${deck.body.id}`, {
        token: user.accessToken,
        headers: { "if-match": tag ?? "" },
        body: { description: "mine" },
      }),
    );
    expect(statuses(results)).toEqual([200, 412, 412, 412, 412]);
    expect(await count("SELECT version AS n FROM decks WHERE id = ?", deck.body.id)).toBe(
      Number(JSON.parse(tag ?? "0")) + 1,
    );
  });
});
