/**
 * The request shapes the benchmark drives. Each scenario gives the i-th request for a target
 * ("app" or "baseline"); both targets get byte-identical requests except the health probe's path.
 */

const bearer = (user) => ({ authorization: `Bearer ${user.token}` });
const jsonHeaders = (user) => ({ ...bearer(user), "content-type": "application/json" });

/** Review ratings in a realistic mix: mostly good, some hard, easy and again. */
const RATINGS = ["good", "good", "again", "good", "good", "hard", "good", "good", "easy", "good"];

/** GET the first page of a user's cards (20, newest first). */
const list = (user) => () => ({ method: "GET", path: "/api/v1/flashcards", headers: bearer(user) });

/** GET a search for `term` (first page). */
const search = (user, term) => () => ({
  method: "GET",
  path: `/api/v1/flashcards?q=${encodeURIComponent(term)}`,
  headers: bearer(user),
});

/** GET the study queue (20 cards and the counts). */
const queue = (user) => () => ({ method: "GET", path: "/api/v1/study/queue", headers: bearer(user) });

/** GET every deck of the user with paths and counts. */
const decks = (user) => () => ({ method: "GET", path: "/api/v1/decks", headers: bearer(user) });

/** GET the first page of the benchmarked deck with its subdecks (250 cards at every collection size). */
const deckList = (user) => () => ({
  method: "GET",
  path: `/api/v1/flashcards?deck_id=${user.deckId}`,
  headers: bearer(user),
});

/** GET the study queue of the benchmarked deck with its subdecks. */
const deckQueue = (user) => () => ({
  method: "GET",
  path: `/api/v1/study/queue?deck_id=${user.deckId}`,
  headers: bearer(user),
});

/** GET one card, a different one each request (cycling through `ids`). */
const read = (user, ids) => (i) => ({
  method: "GET",
  path: `/api/v1/flashcards/${ids[i % ids.length]}`,
  headers: bearer(user),
});

/** POST one new manual card with realistic text. */
const create = (user, texts) => (i) => {
  const { front, back } = texts[i % texts.length];
  return {
    method: "POST",
    path: "/api/v1/flashcards",
    headers: jsonHeaders(user),
    body: JSON.stringify({ flashcards: [{ front, back, source: "manual" }] }),
  };
};

/**
 * POST a review of a different card each request. The cycle is far longer than the connection count,
 * so no card is reviewed twice at once (which would rightly answer 409).
 */
const review = (user, ids) => (i) => ({
  method: "POST",
  path: `/api/v1/flashcards/${ids[i % ids.length]}/reviews`,
  headers: jsonHeaders(user),
  body: JSON.stringify({ rating: RATINGS[i % RATINGS.length], duration_ms: 4_000 + (i % 7) * 1_000 }),
});

/** GET the first page of the change feed without `since`: 1,000 changes (an initial sync's first page). */
const feed = (user) => () => ({ method: "GET", path: "/api/v1/sync/changes?limit=1000", headers: bearer(user) });

/** Reviews per card and cards per offline upload: 500 reviews in all. */
const BATCH_CARDS = 25;
const BATCH_REVIEWS_PER_CARD = 20;

/**
 * POST /reviews/batch: 500 reviews made offline (20 of each of 25 cards, 10 ms apart, new client ids).
 * Request i takes the i-th block of 25 cards, so concurrent uploads touch different cards and each
 * card's reviews come after its previous ones (in order, as a day of study uploads).
 */
const reviewBatch = (user, ids) => {
  const blocks = Math.max(1, Math.floor(ids.length / BATCH_CARDS));
  return (i) => {
    const start = (i % blocks) * BATCH_CARDS;
    const cards = ids.slice(start, start + BATCH_CARDS);
    const base = Date.now();
    const reviews = [];
    for (let r = 0; r < BATCH_REVIEWS_PER_CARD; r++) {
      for (const [c, card] of cards.entries()) {
        reviews.push({
          id: crypto.randomUUID(),
          flashcard_id: card,
          rating: RATINGS[(i + r + c) % RATINGS.length],
          reviewed_at: new Date(base + r * 10).toISOString(),
          duration_ms: 4_000,
        });
      }
    }
    return {
      method: "POST",
      path: "/api/v1/reviews/batch",
      headers: jsonHeaders(user),
      body: JSON.stringify({ reviews }),
    };
  };
};

/** Reviews in one `review-batch` request (the report divides its CPU by this). */
export const REVIEWS_PER_BATCH = BATCH_CARDS * BATCH_REVIEWS_PER_CARD;

/**
 * All scenarios. `hot` rows are compared app vs baseline; `scale` rows rerun a hot path on the large
 * collection (paired with the hot row of the same `path` on the small one); `health` measures the
 * fixed cost of a request that touches neither auth nor D1; `sync` rows run the app alone (`load`
 * scales their request count: a batch is 500 reviews).
 * @param ctx { small, large, writer: users {id, token, ids}; texts; searchTerm; missingTerm; shortTerm }
 */
export function buildScenarios({ small, large, writer, texts, searchTerm, missingTerm, shortTerm }) {
  const scenarios = [
    {
      key: "health",
      path: "health",
      label: "health (no auth, no D1)",
      group: "diagnostic",
      phase: "read",
      request: {
        app: () => ({ method: "GET", path: "/api/v1/health" }),
        baseline: () => ({ method: "GET", path: "/health" }),
      },
    },
    { key: "list", path: "list", label: "list a page of cards", group: "hot", phase: "read", make: list(small) },
    { key: "get", path: "get", label: "read one card", group: "hot", phase: "read", make: read(small, small.ids) },
    {
      key: "search",
      path: "search",
      label: `search "${searchTerm}"`,
      group: "hot",
      phase: "read",
      make: search(small, searchTerm),
    },
    {
      key: "search-none",
      path: "search-none",
      label: `search "${missingTerm}" (no match)`,
      group: "hot",
      phase: "read",
      make: search(small, missingTerm),
    },
    {
      key: "search-short",
      path: "search-short",
      label: `search "${shortTerm}" (2 characters)`,
      group: "hot",
      phase: "read",
      make: search(small, shortTerm),
    },
    { key: "queue", path: "queue", label: "read the study queue", group: "hot", phase: "read", make: queue(small) },
    {
      key: "decks",
      path: "decks",
      label: `list the decks (${small.decks} decks, ${small.cards} cards)`,
      group: "hot",
      phase: "read",
      // A quarter of the requests: each answer is ~0.6 MB (2,000 decks); at full count the full run's
      // third round lost wrangler's dev proxy mid-run (189 socket errors in 300 requests).
      load: 0.25,
      make: decks(small),
    },
    {
      key: "deck-list",
      path: "deck-list",
      label: "list a deck with its subdecks (250 cards)",
      group: "hot",
      phase: "read",
      make: deckList(small),
    },
    {
      key: "deck-queue",
      path: "deck-queue",
      label: "read a deck's study queue (250 cards)",
      group: "hot",
      phase: "read",
      make: deckQueue(small),
    },
    {
      key: "create",
      path: "create",
      label: "create a card",
      group: "hot",
      phase: "write",
      make: create(writer, texts),
    },
    {
      key: "review",
      path: "review",
      label: "submit a review",
      group: "hot",
      phase: "write",
      make: review(small, small.ids),
    },
    {
      key: "feed",
      path: "feed",
      label: "change feed: a page of 1,000 changes",
      group: "hot",
      phase: "read",
      // A page costs 15–20 ms of CPU: a quarter of the requests still counts hundreds of clock ticks.
      load: 0.25,
      make: feed(small),
    },
    {
      key: "review-batch",
      path: "review-batch",
      label: `upload ${REVIEWS_PER_BATCH} offline reviews`,
      group: "sync",
      phase: "write",
      load: 0.1,
      connections: 1,
      make: reviewBatch(small, small.ids),
    },
  ];
  if (large) {
    scenarios.push(
      {
        key: "list@large",
        path: "list",
        label: "list a page of cards",
        group: "scale",
        phase: "read",
        make: list(large),
      },
      {
        key: "search@large",
        path: "search",
        label: `search "${searchTerm}"`,
        group: "scale",
        phase: "read",
        make: search(large, searchTerm),
      },
      {
        key: "search-none@large",
        path: "search-none",
        label: `search "${missingTerm}" (no match)`,
        group: "scale",
        phase: "read",
        make: search(large, missingTerm),
      },
      {
        key: "search-short@large",
        path: "search-short",
        label: `search "${shortTerm}" (2 characters)`,
        group: "scale",
        phase: "read",
        make: search(large, shortTerm),
      },
      {
        key: "queue@large",
        path: "queue",
        label: "read the study queue",
        group: "scale",
        phase: "read",
        make: queue(large),
      },
      {
        key: "decks@large",
        path: "decks",
        label: `list the decks (${large.decks} decks)`,
        group: "scale",
        phase: "read",
        load: 0.25,
        make: decks(large),
      },
      {
        key: "deck-list@large",
        path: "deck-list",
        label: "list a deck with its subdecks (250 cards)",
        group: "scale",
        phase: "read",
        make: deckList(large),
      },
      {
        key: "deck-queue@large",
        path: "deck-queue",
        label: "read a deck's study queue (250 cards)",
        group: "scale",
        phase: "read",
        make: deckQueue(large),
      },
      {
        key: "review@large",
        path: "review",
        label: "submit a review",
        group: "scale",
        phase: "write",
        make: review(large, large.ids),
      },
      {
        key: "feed@large",
        path: "feed",
        label: "change feed: a page of 1,000 changes",
        group: "scale",
        phase: "read",
        load: 0.25,
        make: feed(large),
      },
      {
        key: "review-batch@large",
        path: "review-batch",
        label: `upload ${REVIEWS_PER_BATCH} offline reviews`,
        group: "sync",
        phase: "write",
        load: 0.1,
        connections: 1,
        make: reviewBatch(large, large.ids),
      },
    );
  }
  return scenarios.map((s) => ({ ...s, request: s.request ?? { app: s.make, baseline: s.make } }));
}

/** The scenario as `measure` wants it for one target: a name and request(i). */
export const forTarget = (scenario, target) => ({
  name: `${scenario.key} (${target})`,
  request: scenario.request[target],
});
