/**
 * The maintained card counters (`card_counts`, kept by triggers): after a mixed workload through the
 * API they equal a recount from scratch, and GET /stats and deck counts read the same number of rows
 * at 1,000 and 10,000 cards.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, registerUser, type TestUser } from "./helpers/api";

const RECOUNT = `SELECT user_id, coalesce(deck_id, '') AS deck_key, state, suspended, count(*) AS n
  FROM flashcards WHERE user_id = ? GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
const MAINTAINED = `SELECT user_id, deck_key, state, suspended, n
  FROM card_counts WHERE user_id = ? AND n <> 0 ORDER BY 1, 2, 3, 4`;

async function expectCountersMatchRecount(user: TestUser) {
  const [recount, maintained] = await Promise.all([
    env.DB.prepare(RECOUNT).bind(user.id).all(),
    env.DB.prepare(MAINTAINED).bind(user.id).all(),
  ]);
  expect(maintained.results).toEqual(recount.results);
  const negative = await env.DB.prepare("SELECT count(*) AS n FROM card_counts WHERE n < 0").first<{ n: number }>();
  expect(negative?.n).toBe(0);
}

const post = (user: TestUser, path: string, body?: unknown) =>
  api("POST", `/api/v1${path}`, { token: user.accessToken, body });

describe("card_counts", () => {
  it("equals a recount from scratch after creates, imports, reviews, card states, moves, deletes and a deck cascade", async () => {
    const user = await registerUser("counters");
    const other = await registerUser("counters-other");
    const deck = (await post(user, "/decks", { name: "Languages" })).body.id as string;
    const sub = (await post(user, "/decks", { name: "Polish", parent_id: deck })).body.id as string;
    const doomed = (await post(user, "/decks", { name: "Doomed" })).body.id as string;
    const created = await post(user, "/flashcards", {
      flashcards: Array.from({ length: 12 }, (_, i) => ({
        front: `Q${i}`,
        back: "A",
        source: "manual",
        deck_id: [null, deck, sub, doomed][i % 4],
      })),
    });
    expect(created.status).toBe(201);
    const ids = created.body.data.map((card: { id: string }) => card.id) as string[];
    await post(other, "/flashcards", { flashcards: [{ front: "theirs", back: "x", source: "manual" }] });
    const imported = await api("POST", "/api/v1/imports", {
      token: user.accessToken,
      rawBody: "#separator:tab\n#deck column:1\nLanguages::Polish\tkot\tcat\nNew deck\tpies\tdog\n",
      headers: { "content-type": "text/plain" },
    });
    expect(imported.status).toBe(201);
    await expectCountersMatchRecount(user);

    // Reviews move cards between states (single and batch), card states, undo.
    for (const id of ids.slice(0, 6))
      expect((await post(user, `/flashcards/${id}/reviews`, { rating: "good" })).status).toBe(200);
    const batch = await post(user, "/reviews/batch", {
      reviews: ids.slice(6, 9).map((id) => ({
        id: crypto.randomUUID(),
        flashcard_id: id,
        rating: "easy",
        reviewed_at: new Date(Date.now() - 60_000).toISOString(),
      })),
    });
    expect(batch.status).toBe(200);
    await post(user, `/flashcards/${ids[0]}/suspend`);
    await post(user, `/flashcards/${ids[1]}/suspend`);
    await post(user, `/flashcards/${ids[1]}/unsuspend`);
    await post(user, `/flashcards/${ids[2]}/forget`, { reset_counts: true });
    await post(user, `/flashcards/${ids[3]}/reschedule`, { due: "2030-01-01" });
    await post(user, `/flashcards/${ids[4]}/bury`);
    expect(
      (await api("DELETE", `/api/v1/flashcards/${ids[5]}/reviews/latest`, { token: user.accessToken })).status,
    ).toBe(200);
    await expectCountersMatchRecount(user);

    // Moves, deletes, a deck deleted with its cards.
    await api("PATCH", `/api/v1/flashcards/${ids[0]}`, { token: user.accessToken, body: { deck_id: sub } });
    await api("PATCH", `/api/v1/flashcards/${ids[6]}`, { token: user.accessToken, body: { deck_id: null } });
    await api("DELETE", `/api/v1/flashcards/${ids[7]}`, { token: user.accessToken });
    const cascade = await api("DELETE", `/api/v1/decks/${doomed}?cascade=true`, { token: user.accessToken });
    expect(cascade.status).toBe(204);
    await expectCountersMatchRecount(user);
    const rowsOfDoomed = await env.DB.prepare("SELECT count(*) AS n FROM card_counts WHERE deck_key = ?")
      .bind(doomed)
      .first<{ n: number }>();
    expect(rowsOfDoomed?.n).toBe(0);

    // What GET /stats and GET /decks answer agrees with the cards.
    const stats = await api("GET", "/api/v1/stats", { token: user.accessToken });
    const total = await env.DB.prepare("SELECT count(*) AS n FROM flashcards WHERE user_id = ?")
      .bind(user.id)
      .first<{ n: number }>();
    expect(stats.body.total_cards).toBe(total?.n);
    const decks = await api("GET", "/api/v1/decks", { token: user.accessToken });
    const languages = decks.body.data.find((d: { id: string }) => d.id === deck);
    const inLanguages = await env.DB.prepare(
      "SELECT count(*) AS cards, coalesce(sum(suspended), 0) AS suspended FROM flashcards WHERE deck_id IN (?, ?)",
    )
      .bind(deck, sub)
      .first<{ cards: number; suspended: number }>();
    expect(languages.counts).toMatchObject({ cards: inLanguages?.cards, suspended: inLanguages?.suspended });
    expect(languages.counts.suspended).toBe(1);
    // GET /stats?deck_id= reads the deck subtree's counters: the same numbers as the cards.
    const scoped = await api("GET", `/api/v1/stats?deck_id=${deck}`, { token: user.accessToken });
    expect(scoped.status, scoped.text).toBe(200);
    expect(scoped.body.total_cards).toBe(inLanguages?.cards);
    const byState = await env.DB.prepare(
      "SELECT state, count(*) AS n FROM flashcards WHERE deck_id IN (?, ?) GROUP BY state",
    )
      .bind(deck, sub)
      .all<{ state: number; n: number }>();
    const names = ["new", "learning", "review", "relearning"];
    expect(scoped.body.by_state).toEqual(
      Object.fromEntries(names.map((name, i) => [name, byState.results.find((r) => r.state === i)?.n ?? 0])),
    );

    // Deleting the account leaves no counter rows behind.
    const gone = await api("DELETE", "/api/v1/auth/me", { token: user.accessToken, body: { password: user.password } });
    expect(gone.status).toBe(204);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM card_counts WHERE user_id = ?")
      .bind(user.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("GET /stats and deck counts read as many rows at 10,000 cards as at 1,000", async () => {
    const user = await registerUser("counters-flat");
    const deck = (await post(user, "/decks", { name: "Big" })).body.id as string;
    const seed = (count: number) =>
      env.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?3 - 1)
         INSERT INTO flashcards (id, user_id, front, front_key, back, source, created_at, updated_at, due, state, deck_id)
         SELECT lower(hex(randomblob(16))), ?1, 'f' || i, 'f' || i, 'b', 'manual', 1, 1, 4102444800000, i % 3, ?2 FROM n`,
      )
        .bind(user.id, deck, count)
        .run();
    const statsRows = "SELECT state, sum(n) FROM card_counts WHERE user_id = ? GROUP BY state";
    const rowsRead = async () =>
      (await env.DB.prepare(statsRows).bind(user.id).all()).meta.rows_read as number | undefined;
    await seed(1_000);
    const atThousand = await rowsRead();
    await seed(9_000);
    const atTenThousand = await rowsRead();
    expect(atTenThousand).toBe(atThousand);
    expect(atTenThousand).toBeLessThan(20);
    const stats = await api("GET", "/api/v1/stats", { token: user.accessToken });
    expect(stats.body.total_cards).toBe(10_000);
    const decks = await api("GET", "/api/v1/decks", { token: user.accessToken });
    expect(decks.body.data[0].counts).toMatchObject({ cards: 10_000, suspended: 0 });
  });
});
