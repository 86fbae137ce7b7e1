import { env } from "cloudflare:test";
import {
  type Card,
  CLAMP_PARAMETERS,
  createEmptyCard,
  default_w,
  fsrs,
  generatorParameters,
  Rating,
  W17_W18_Ceiling,
} from "ts-fsrs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  canonicalTimeZone,
  learnerDate,
  learnerDay,
  learnerDayWindows,
  startOfLearnerDate,
} from "../src/lib/zoned-days";
import {
  type ApiOptions,
  createCards,
  expectProblem,
  freshToken,
  api as rawApi,
  registerUser,
  type TestUser,
} from "./helpers/api";
import { countingD1 } from "./helpers/d1-counter";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

const at = (ms: number) => vi.setSystemTime(ms);
const owners = new Map<string, TestUser>();
/** Calls the API with a token signed at the faked time. */
async function api(method: string, path: string, options: ApiOptions = {}) {
  const user = options.token ? owners.get(options.token) : undefined;
  return rawApi(method, path, { ...options, token: user ? await freshToken(user) : options.token });
}
async function newUser() {
  const user = await registerUser("settings");
  owners.set(user.accessToken, user);
  await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
    .bind(Date.UTC(2036, 0, 1), user.id)
    .run();
  return user;
}
const patch = (user: TestUser, body: unknown) => api("PATCH", "/api/v1/settings", { token: user.accessToken, body });
const review = (user: TestUser, id: string, rating: string) =>
  api("POST", `/api/v1/flashcards/${id}/reviews`, { token: user.accessToken, body: { rating } });
const queue = (user: TestUser) => api("GET", "/api/v1/study/queue?limit=100", { token: user.accessToken });

const DEFAULTS = {
  timezone: "UTC",
  day_starts_at: 4,
  desired_retention: 0.9,
  maximum_interval_days: 36500,
  new_cards_per_day: 20,
  reviews_per_day: 9999,
  learning_steps: ["1m", "10m"],
  relearning_steps: ["10m"],
  enable_fuzz: true,
  leech_threshold: 8,
  leech_action: "tag",
  fsrs_parameters: null,
};

describe("GET/PATCH /settings", () => {
  it("answers the server defaults to a user who set nothing, in one round trip", async () => {
    const user = await newUser();
    const { db, counter } = countingD1(env.DB);
    const res = await api("GET", "/api/v1/settings", { token: user.accessToken, env: { ...env, DB: db } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(DEFAULTS);
    expect(counter).toMatchObject({ trips: 1, statements: 2 });
    // The server variables are the defaults: another deployment's values show through.
    const other = await api("GET", "/api/v1/settings", {
      token: user.accessToken,
      env: { ...env, NEW_CARDS_PER_DAY: "7", FSRS_REQUEST_RETENTION: "0.85" },
    });
    expect(other.body).toMatchObject({ new_cards_per_day: 7, desired_retention: 0.85 });
  });

  it("changes only the fields sent, canonicalises the time zone, and keeps users apart", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { db, counter } = countingD1(env.DB);
    const res = await api("PATCH", "/api/v1/settings", {
      token: alice.accessToken,
      body: { timezone: "US/Eastern", day_starts_at: 0, new_cards_per_day: 5 },
      env: { ...env, DB: db },
    });
    expect(res.status).toBe(200);
    expect(counter).toMatchObject({ trips: 1, statements: 2 });
    expect(res.body).toEqual({ ...DEFAULTS, timezone: "America/New_York", day_starts_at: 0, new_cards_per_day: 5 });
    const second = await patch(alice, { leech_action: "suspend", fsrs_parameters: [...default_w] });
    expect(second.body).toEqual({
      ...DEFAULTS,
      timezone: "America/New_York",
      day_starts_at: 0,
      new_cards_per_day: 5,
      leech_action: "suspend",
      fsrs_parameters: [...default_w],
    });
    // null takes the weights back to ts-fsrs's defaults.
    expect((await patch(alice, { fsrs_parameters: null })).body.fsrs_parameters).toBeNull();
    expect((await api("GET", "/api/v1/settings", { token: bob.accessToken })).body).toEqual(DEFAULTS);
    const row = await env.DB.prepare("SELECT version, fsrs_parameters FROM user_settings WHERE user_id = ?")
      .bind(alice.id)
      .first();
    expect(row).toEqual({ version: 3, fsrs_parameters: null });
  });

  it("stores the canonical name Intl.DateTimeFormat resolves", async () => {
    const user = await newUser();
    for (const zone of ["UTC", "Europe/Warsaw", "US/Eastern", "Asia/Kathmandu", "Etc/GMT+5"]) {
      const res = await patch(user, { timezone: zone });
      expect(res.status).toBe(200);
      expect(res.body.timezone).toBe(new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone);
    }
    expect(canonicalTimeZone("Mars/Olympus")).toBeUndefined();
  });

  it("refuses every out-of-range value with 400 naming the field and the rule", async () => {
    const user = await newUser();
    const bad: [Record<string, unknown>, string, RegExp][] = [
      [{}, "body", /at least one/],
      [{ timezone: "Mars/Olympus" }, "timezone", /time zone/],
      [{ timezone: "" }, "timezone", /time zone/],
      [{ day_starts_at: 24 }, "day_starts_at", /at most 23/],
      [{ day_starts_at: 1.5 }, "day_starts_at", /whole number/],
      [{ desired_retention: 0.69 }, "desired_retention", /at least 0.70/],
      [{ desired_retention: 0.995 }, "desired_retention", /at most 0.99/],
      [{ maximum_interval_days: 0 }, "maximum_interval_days", /at least 1/],
      [{ maximum_interval_days: 36_501 }, "maximum_interval_days", /at most 36500/],
      [{ new_cards_per_day: 10_000 }, "new_cards_per_day", /at most 9999/],
      [{ reviews_per_day: 100_000 }, "reviews_per_day", /at most 99999/],
      [{ learning_steps: ["10x"] }, "learning_steps.0", /step/],
      [{ learning_steps: ["366d"] }, "learning_steps.0", /365 days/],
      [{ relearning_steps: Array(11).fill("1m") }, "relearning_steps", /at most 10/],
      [{ enable_fuzz: "yes" }, "enable_fuzz", /true or false/],
      [{ leech_threshold: 2 }, "leech_threshold", /at least 3/],
      [{ leech_threshold: 100 }, "leech_threshold", /at most 99/],
      [{ leech_action: "delete" }, "leech_action", /tag, suspend/],
      [{ fsrs_parameters: default_w.slice(0, 16) }, "fsrs_parameters", /17, 19 or 21/],
      [{ fsrs_parameters: [...default_w, 0.5] }, "fsrs_parameters", /17, 19 or 21/],
      [{ fsrs_parameters: default_w.slice(0, 18) }, "fsrs_parameters", /17, 19 or 21/],
      [{ user_id: "x", timezone: "UTC" }, "user_id", /Unknown field/],
    ];
    for (const [body, path, message] of bad) {
      const problem = expectProblem(await patch(user, body), 400, "validation_failed");
      expect(problem.errors, JSON.stringify(body)).toContainEqual(
        expect.objectContaining({ path, message: expect.stringMatching(message) }),
      );
    }
    // Each weight against ts-fsrs's own clamp range, by index.
    const ranges = CLAMP_PARAMETERS(W17_W18_Ceiling);
    for (const index of [0, 4, 10, 16, 20]) {
      const weights = [...default_w];
      weights[index] = (ranges[index]?.[1] ?? 0) + 0.5;
      const problem = expectProblem(await patch(user, { fsrs_parameters: weights }), 400, "validation_failed");
      expect(problem.errors).toContainEqual(
        expect.objectContaining({ path: `fsrs_parameters.${index}`, message: expect.stringMatching(/between/) }),
      );
    }
    // Lengths 17 and 19 are FSRS-4.5/5 weights: accepted and stored as sent.
    for (const length of [17, 19]) {
      const res = await patch(user, { fsrs_parameters: default_w.slice(0, length) });
      expect(res.status).toBe(200);
      expect(res.body.fsrs_parameters).toEqual(default_w.slice(0, length));
    }
    expect((await api("GET", "/api/v1/settings", { token: user.accessToken })).body.timezone).toBe("UTC");
  });
});

describe("the learner's scheduler", () => {
  /** The card a client sees, as the ts-fsrs input it stands for. */
  const asCard = (study: any): Card => ({
    due: new Date(study.due),
    stability: study.stability,
    difficulty: study.difficulty,
    elapsed_days: study.elapsed_days,
    scheduled_days: study.scheduled_days,
    learning_steps: study.learning_steps,
    reps: study.reps,
    lapses: study.lapses,
    state: ["new", "learning", "review", "relearning"].indexOf(study.state),
    last_review: study.last_review ? new Date(study.last_review) : undefined,
  });

  it("uses personal weights, retention, maximum interval and steps exactly as ts-fsrs does", async () => {
    const user = await newUser();
    const weights = default_w.map((w, i) => (i === 2 ? w * 1.5 : w));
    const settings = {
      desired_retention: 0.8,
      maximum_interval_days: 120,
      enable_fuzz: false,
      learning_steps: ["5m", "30m", "2h"],
      relearning_steps: ["15m"],
      fsrs_parameters: weights,
    };
    expect((await patch(user, settings)).status).toBe(200);
    const scheduler = fsrs(
      generatorParameters({
        request_retention: 0.8,
        maximum_interval: 120,
        enable_fuzz: false,
        learning_steps: ["5m", "30m", "2h"],
        relearning_steps: ["15m"],
        w: weights,
      }),
    );
    const defaults = fsrs(generatorParameters({ enable_fuzz: false }));
    const [card] = await createCards(user, 1);
    let expected = createEmptyCard(new Date(T0));
    let now = T0;
    const ratings = [Rating.Good, Rating.Good, Rating.Good, Rating.Good, Rating.Again, Rating.Good, Rating.Easy];
    let differs = false;
    for (const rating of ratings) {
      now += expected.due.getTime() > now ? expected.due.getTime() - now + 60_000 : 60_000;
      at(now);
      const preview = await api("GET", `/api/v1/flashcards/${card.id}/schedule-preview`, { token: user.accessToken });
      const repeat = scheduler.repeat(expected, new Date(now));
      expect(preview.body.good.due).toBe(repeat[Rating.Good].card.due.toISOString());
      expect(preview.body.again.due).toBe(repeat[Rating.Again].card.due.toISOString());
      const name = ["", "again", "hard", "good", "easy"][rating]!;
      const res = await review(user, card.id, name);
      expect(res.status).toBe(200);
      const next = scheduler.next(expected, new Date(now), rating as never).card;
      expect(asCard(res.body.flashcard.study)).toEqual({ ...next, last_review: next.last_review });
      if (defaults.next(expected, new Date(now), rating as never).card.due.getTime() !== next.due.getTime())
        differs = true;
      expected = next;
    }
    // The settings mattered: the defaults would have scheduled differently.
    expect(differs).toBe(true);
    // A review after a parameter change uses the new parameters at once.
    expect((await patch(user, { fsrs_parameters: null, desired_retention: 0.95 })).status).toBe(200);
    now = expected.due.getTime() + 60_000;
    at(now);
    const after = await review(user, card.id, "good");
    const changed = fsrs(
      generatorParameters({
        request_retention: 0.95,
        maximum_interval: 120,
        enable_fuzz: false,
        learning_steps: ["5m", "30m", "2h"],
        relearning_steps: ["15m"],
      }),
    ).next(expected, new Date(now), Rating.Good).card;
    expect(after.body.flashcard.study.due).toBe(changed.due.toISOString());
  });
});

describe("learner days across daylight-saving changes (4 a.m. start)", () => {
  const warsaw = { timeZone: "Europe/Warsaw", dayStartsAt: 4 };
  const newYork = { timeZone: "America/New_York", dayStartsAt: 4 };

  it("Europe/Warsaw: 23 hours in spring, 25 in autumn", () => {
    // Spring forward: 2026-03-29 02:00 CET → 03:00 CEST, inside the learner's 28 March.
    expect(startOfLearnerDate("2026-03-28", warsaw)).toBe(Date.UTC(2026, 2, 28, 3));
    expect(startOfLearnerDate("2026-03-29", warsaw)).toBe(Date.UTC(2026, 2, 29, 2));
    expect(learnerDay(Date.UTC(2026, 2, 29, 1, 59), warsaw)).toEqual({
      date: "2026-03-28",
      start: Date.UTC(2026, 2, 28, 3),
      end: Date.UTC(2026, 2, 29, 2),
    });
    expect(learnerDate(Date.UTC(2026, 2, 29, 2), warsaw)).toBe("2026-03-29");
    // Fall back: 2026-10-25 03:00 CEST → 02:00 CET, inside the learner's 24 October.
    const autumn = learnerDay(Date.UTC(2026, 9, 25, 2, 30), warsaw);
    expect(autumn).toEqual({ date: "2026-10-24", start: Date.UTC(2026, 9, 24, 2), end: Date.UTC(2026, 9, 25, 3) });
    expect(autumn.end - autumn.start).toBe(25 * HOUR);
    expect(learnerDate(Date.UTC(2026, 9, 25, 3), warsaw)).toBe("2026-10-25");
  });

  it("America/New_York: 23 hours in spring, 25 in autumn", () => {
    const spring = learnerDay(Date.UTC(2026, 2, 8, 7, 59), newYork);
    expect(spring).toEqual({ date: "2026-03-07", start: Date.UTC(2026, 2, 7, 9), end: Date.UTC(2026, 2, 8, 8) });
    expect(spring.end - spring.start).toBe(23 * HOUR);
    const autumn = learnerDay(Date.UTC(2026, 10, 1, 8, 59), newYork);
    expect(autumn).toEqual({ date: "2026-10-31", start: Date.UTC(2026, 9, 31, 8), end: Date.UTC(2026, 10, 1, 9) });
    // Windows chain without gaps or overlaps across both changes.
    const windows = learnerDayWindows("2026-03-06", "2026-03-09", newYork);
    for (let i = 1; i < windows.length; i++) expect(windows[i]![1]).toBe(windows[i - 1]![2]);
    expect(windows.map(([, start, end]) => (end - start) / HOUR)).toEqual([24, 23, 24, 24]);
  });

  it("a start hour skipped by the change moves forward by the gap; a repeated one takes the first", () => {
    // New York, 2 a.m. start: 2026-03-08 02:00 does not exist (clocks jump to 03:00 EDT = 07:00 UTC).
    expect(startOfLearnerDate("2026-03-08", { timeZone: "America/New_York", dayStartsAt: 2 })).toBe(
      Date.UTC(2026, 2, 8, 7),
    );
    // 1 a.m. on 2026-11-01 happens twice: the first (EDT, 05:00 UTC).
    expect(startOfLearnerDate("2026-11-01", { timeZone: "America/New_York", dayStartsAt: 1 })).toBe(
      Date.UTC(2026, 10, 1, 5),
    );
  });

  it("the daily new-card limit resets at the learner's 4 a.m. on a spring-forward day (Warsaw)", async () => {
    const user = await newUser();
    await patch(user, { timezone: "Europe/Warsaw", new_cards_per_day: 2 });
    // 01:30 UTC on 29 March = 03:30 CEST: still the learner's 28 March.
    at(Date.UTC(2026, 2, 29, 1, 30));
    const cards = await createCards(user, 4);
    for (const card of cards.slice(0, 2)) expect((await review(user, card.id, "easy")).status).toBe(200);
    at(Date.UTC(2026, 2, 29, 1, 59));
    expect((await queue(user)).body.counts.new).toBe(0);
    // 02:00 UTC = 04:00 CEST: a new learner day, one hour earlier in UTC than the day before.
    at(Date.UTC(2026, 2, 29, 2, 0));
    expect((await queue(user)).body.counts.new).toBe(2);
    const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: {} });
    expect(session.body.session.cards.map((c: any) => c.id).sort()).toEqual([cards[2].id, cards[3].id].sort());
  });

  it("a fall-back day lasts 25 hours for the limit and the stats (New York)", async () => {
    const user = await newUser();
    await patch(user, { timezone: "America/New_York", new_cards_per_day: 1 });
    // 08:30 UTC on 31 October = 04:30 EDT: the learner's 31 October starts at 08:00 UTC.
    at(Date.UTC(2026, 9, 31, 8, 30));
    const [first] = await createCards(user, 2);
    await review(user, first.id, "easy");
    // 24.5 hours later (03:30 EST on 1 November) it is still the learner's 31 October.
    at(Date.UTC(2026, 10, 1, 8, 59));
    expect((await queue(user)).body.counts.new).toBe(0);
    const stats = await api("GET", "/api/v1/stats", { token: user.accessToken });
    expect(stats.body).toMatchObject({ reviews_today: 1, streak_days: 1 });
    at(Date.UTC(2026, 10, 1, 9, 0));
    expect((await queue(user)).body.counts.new).toBe(1);
    const next = await api("GET", "/api/v1/stats", { token: user.accessToken });
    expect(next.body).toMatchObject({ reviews_today: 0, streak_days: 1 });
  });

  it("reviews_per_day stops the queue offering reviews past it", async () => {
    const user = await newUser();
    const cards = await createCards(user, 3);
    at(T0 + 60_000);
    for (const card of cards) await review(user, card.id, "again");
    await patch(user, { reviews_per_day: 1, new_cards_per_day: 0 });
    at(T0 + 20 * 60_000);
    expect((await queue(user)).body.data).toHaveLength(1);
    await review(user, cards[0].id, "good");
    at(T0 + 21 * 60_000);
    expect((await queue(user)).body.data).toHaveLength(0);
    const session = await api("POST", "/api/v1/study-sessions", { token: user.accessToken, body: {} });
    expect(session.body.session.cards).toEqual([]);
  });
});

describe("settings guessed by another isolate", () => {
  it("reruns the read with the real settings when its guess is stale, and writes no session on a wrong guess", async () => {
    const user = await newUser();
    const cards = await createCards(user, 3);
    expect((await queue(user)).body.counts.new).toBe(3);
    // Another isolate changed the settings: this one still remembers version 0.
    await env.DB.prepare(
      "INSERT INTO user_settings (user_id, version, updated_at, new_cards_per_day) VALUES (?, 5, 0, 1)",
    )
      .bind(user.id)
      .run();
    const { db, counter } = countingD1(env.DB);
    const res = await api("POST", "/api/v1/study-sessions", {
      token: user.accessToken,
      body: {},
      env: { ...env, DB: db },
    });
    expect(counter.trips).toBe(2);
    const planned = res.body.session.cards.map((c: any) => c.id);
    expect(planned).toHaveLength(1);
    expect(cards.map((c) => c.id)).toContain(planned[0]);
    const sessions = await env.DB.prepare("SELECT card_ids FROM study_sessions WHERE user_id = ?")
      .bind(user.id)
      .all<{ card_ids: string }>();
    expect(sessions.results.map((s) => JSON.parse(s.card_ids))).toEqual([planned]);
    // Now remembered: one round trip again.
    const again = countingD1(env.DB);
    await api("GET", "/api/v1/study/queue", { token: user.accessToken, env: { ...env, DB: again.db } });
    expect(again.counter.trips).toBe(1);
  });
});
