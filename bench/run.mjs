#!/usr/bin/env node
/**
 * The benchmark runner (`npm run bench`, `npm run bench -- --quick`). See BENCHMARKS.md.
 *
 * 1. Builds the production bundle (its size, its startup profile, and the code the load test runs)
 *    and the baseline, and applies the migrations to a fresh local D1 under bench/.state/run/.
 * 2. Counts D1 round trips per endpoint (bench/round-trips.test.ts) while the servers start.
 * 3. Starts the app and the baseline under `wrangler dev` on free local ports, on the same D1.
 * 4. Registers the users through the app, seeds their cards, checks both servers see the same rows
 *    and answer the same JSON.
 * 5. Drives every scenario with autocannon (fixed connections and requests), app and baseline
 *    alternating, for several rounds (reads first, then writes), reading the workerd runtime's CPU
 *    time from /proc around each run.
 * 6. Stops everything it started and writes the report to bench/results/.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildProduction, bundleSize, startupProfiles } from "./lib/artifacts.mjs";
import { call } from "./lib/http.mjs";
import { measureWithRetry } from "./lib/load.mjs";
import { killAllGroupsNow, ROOT, runWrangler, startServers, stopAllGroups } from "./lib/proc.mjs";
import { renderReport } from "./lib/report.mjs";
import { countRoundTrips } from "./lib/round-trips.mjs";
import { buildScenarios, forTarget } from "./lib/scenarios.mjs";
import { deckLayout, deckStatements, generateCollection, seedStatements } from "./lib/seed.mjs";
import { cardText, MISSING_TERM, prng, SEARCH_TERM, SHORT_TERM } from "./lib/text.mjs";

/** This runner's state (local D1, builds, logs); bench/.state/ also holds other tools' state. */
const STATE = join(ROOT, "bench", ".state", "run");
const RESULTS = join(ROOT, "bench", "results");

/**
 * Modes: full (the reference run, < 10 min) and quick (one short round, no large collection and no
 * health probe, < 60 s). `health: 1` adds the no-auth, no-D1 probe that shows the fixed per-request cost.
 */
const MODES = {
  full: {
    rounds: 3,
    requests: 600,
    scaleRequests: 300,
    warmup: 50,
    connections: 10,
    small: 1_000,
    large: 100_000,
    startupRuns: 3,
    health: 1,
    // 1: run the app with its [assets] table, i.e. with local workerd's assets router in front of it
    // (bench/lib/proc.mjs withoutAssets: about 0.6 ms per request that production does not bill the worker).
    assets: 0,
    // Offline uploads of 500 reviews per run (each takes 1–2 s): `sync` rows use this count.
    syncRequests: 60,
  },
  quick: {
    rounds: 1,
    requests: 150,
    scaleRequests: 100,
    warmup: 15,
    connections: 10,
    small: 1_000,
    large: 0,
    startupRuns: 1,
    health: 0,
    assets: 0,
    syncRequests: 3,
  },
};

/** Parses `--quick` and `--name value` overrides of the mode's numbers. */
function parseArgs(argv) {
  const mode = argv.includes("--quick") ? "quick" : "full";
  const options = { mode, ...MODES[mode] };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (name !== "quick" && name in options) options[name] = Number(argv[++i]);
    else if (name !== "quick")
      throw new Error(
        `unknown option ${argv[i]} (known: --quick ${Object.keys(MODES.full)
          .map((k) => `--${k} <n>`)
          .join(" ")})`,
      );
  }
  return options;
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (message) => console.error(`[bench ${elapsed()}] ${message}`);

/** Stops every process group this run started, on any way out. */
function installCleanup() {
  process.on("exit", killAllGroupsNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, async () => {
      log(`${signal}: stopping everything this run started`);
      await stopAllGroups();
      process.exit(130);
    });
  }
}

/** Fresh state: builds, the local D1 with migrations, logs. */
async function prepare() {
  rmSync(STATE, { recursive: true, force: true });
  for (const dir of ["d1", "dist", "baseline-dist", "logs"]) mkdirSync(join(STATE, dir), { recursive: true });
  const persist = join(STATE, "d1");
  const [production] = await Promise.all([
    buildProduction(join(STATE, "dist")),
    runWrangler([
      "deploy",
      "--dry-run",
      "-c",
      "bench/baseline/wrangler.toml",
      "--minify",
      "--outdir",
      join(STATE, "baseline-dist"),
    ]),
    runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]),
  ]);
  return { persist, production };
}

/** Registers a user through the app's API (real password hash, real session). */
async function register(app, label) {
  const email = `bench-${label}-${Date.now()}@example.com`;
  const res = await call(app, "POST", "/api/v1/auth/register", {
    body: { email, password: "benchmark password 0123" },
  });
  return { label, id: res.user.id, token: res.access_token };
}

/**
 * Seeds `cards` cards (and review history) for `user` through the baseline's bench-only seed route,
 * 40 literal INSERT statements per D1 batch. Returns the card ids in creation order.
 */
async function seedUser(baseline, secret, user, cards, seed) {
  const ids = [];
  const pending = [];
  const flush = async () => {
    const statements = pending.splice(0);
    if (statements.length > 0)
      await call(baseline, "POST", "/__bench/seed", { body: { statements }, headers: { "x-bench-secret": secret } });
  };
  // Decks first (the cards point at them), the benchmarked deck subtree first.
  const decks = deckLayout(user.id, user.decks, Date.now());
  user.deckId = decks[0].id;
  for (const statement of deckStatements(decks)) pending.push(statement);
  await flush();
  const deckIds = decks.map((deck) => deck.id);
  for (const statement of seedStatements(generateCollection(user.id, cards, Date.now(), seed, deckIds), (card) =>
    ids.push(card.id),
  )) {
    pending.push(statement);
    if (pending.length === 40) await flush();
  }
  await flush();
  return ids;
}

/** Checks app and baseline both see the seeded rows. @throws Error on any mismatch. */
async function verifySeed(app, baseline, secret, user, expectedCards) {
  const counts = await call(baseline, "GET", `/__bench/counts?user=${user.id}`, {
    headers: { "x-bench-secret": secret },
  });
  const stats = await call(app, "GET", "/api/v1/stats", { token: user.token });
  if (counts.cards !== expectedCards || stats.total_cards !== expectedCards) {
    throw new Error(
      `seed check for ${user.label}: expected ${expectedCards} cards, baseline sees ${counts.cards}, app sees ${stats.total_cards}`,
    );
  }
  return { cards: counts.cards, logs: counts.logs, byState: stats.by_state, dueToday: stats.due_today };
}

/** EXPLAIN QUERY PLAN and D1's execution time (median of 5) of each hot statement for a user. */
const sqlProfile = (baseline, secret, user) =>
  call(baseline, "POST", "/__bench/plans", {
    body: { userId: user.id, now: Date.now(), q: SEARCH_TERM, missing: MISSING_TERM, short: SHORT_TERM },
    headers: { "x-bench-secret": secret },
  });

/** Which round-trip row holds the app's SQL for each benchmarked path. */
const SQL_ENDPOINTS = {
  list: "GET /flashcards (first page)",
  search: "GET /flashcards?q= (search)",
  "search-short": "GET /flashcards?q= (1–2 characters)",
  get: "GET /flashcards/:id",
  create: "POST /flashcards (1 card)",
  review: "POST /flashcards/:id/reviews",
  queue: "GET /study/queue",
  feed: "GET /sync/changes (a page of 1,000)",
  decks: "GET /decks",
  "deck-list": "GET /flashcards?deck_id= (deck)",
  "deck-queue": "GET /study/queue?deck_id= (deck)",
};

/**
 * Checks the baseline prepares exactly the app's statements (as recorded by the round-trip test),
 * timestamps the app inlines aside. A difference makes the comparison unfair: the report says so.
 */
function compareSql(trips, baselineSql) {
  const normalise = (statements) => statements.map((text) => text.replace(/\b\d{10,}\b/g, "<now>")).join(";\n");
  return Object.entries(SQL_ENDPOINTS).map(([path, endpoint]) => {
    const app = trips.find((row) => row.endpoint === endpoint);
    return { path, same: Boolean(app) && normalise(app.sql) === normalise(baselineSql[path] ?? []) };
  });
}

/** Compares the app's and the baseline's JSON for the read paths; returns one line per path. */
async function compareAnswers(app, baseline, scenarios) {
  const lines = [];
  for (const scenario of scenarios.filter((s) => s.group === "hot" && s.phase === "read")) {
    const request = scenario.request.app(0);
    // One after the other: two workerd processes on one SQLite file answer SQLITE_BUSY when they overlap.
    const a = await call(app, request.method, request.path, { headers: request.headers });
    const b = await call(baseline, request.method, request.path, { headers: request.headers });
    const same = JSON.stringify(a) === JSON.stringify(b);
    lines.push({ path: `${request.method} ${request.path.replace(/[0-9a-f-]{36}/, ":id")}`, same });
  }
  return lines;
}

/**
 * Runs every scenario for every round: reads first (all rounds), then writes, so no read sees the
 * benchmark's own writes. App and baseline alternate which goes first.
 */
async function runRounds(servers, scenarios, options, quiet) {
  const runs = [];
  const targetsOf = (scenario) =>
    scenario.group === "scale" || scenario.group === "sync" ? ["app"] : ["app", "baseline"];
  // The large collection's runs are slower (the queue especially): fewer requests keep the run short.
  // A scenario's `load` scales its count further (an offline upload is 500 reviews) and its
  // `connections` replaces the connection count (uploads one after the other: ten 500-review
  // transactions at once only measure local SQLite's lock waits, answered 503).
  // A `sync` row (500-review uploads) sends `syncRequests` per run: quick mode stays under a minute.
  const loadOf = (scenario) => {
    const connections = scenario.connections ?? options.connections;
    const base =
      scenario.group === "scale" || scenario.key.endsWith("@large") ? options.scaleRequests : options.requests;
    const amount =
      scenario.group === "sync"
        ? Math.round((options.syncRequests * base) / options.requests)
        : Math.round(base * (scenario.load ?? 1));
    return { connections, amount: Math.max(connections, amount) };
  };
  for (const phase of ["read", "write"]) {
    const inPhase = scenarios.filter((s) => s.phase === phase);
    log(`warm-up (${phase}s): ${options.warmup} requests per scenario and target`);
    const warmupStarted = Date.now();
    for (const scenario of inPhase) {
      for (const target of targetsOf(scenario)) {
        await measureWithRetry(servers[target], forTarget(scenario, target), {
          connections: scenario.connections ?? options.connections,
          amount: Math.max(
            scenario.connections ?? options.connections,
            Math.round(options.warmup * (scenario.load ?? 1)),
          ),
        });
      }
    }
    log(`warm-up (${phase}s) took ${((Date.now() - warmupStarted) / 1000).toFixed(1)} s`);
    // Nothing else of ours may run while measuring (the round-trip test overlaps the warm-up only).
    await quiet;
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, scenario] of inPhase.entries()) {
        const targets = targetsOf(scenario);
        if ((round + index) % 2 === 0) targets.reverse();
        for (const target of targets) {
          const result = await measureWithRetry(
            servers[target],
            forTarget(scenario, target),
            loadOf(scenario),
            3,
            (e) => log(`retrying: ${e.message}`),
          );
          runs.push({ round, scenario: scenario.key, target, ...result });
          log(
            `round ${round} ${scenario.key.padEnd(13)} ${target.padEnd(8)} ${result.rps.toFixed(0).padStart(4)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  CPU ${result.cpuMs.toFixed(2)} ms/req`,
          );
        }
      }
    }
  }
  return runs;
}

/**
 * Registers the users through the app and seeds their collections through the baseline; returns the
 * users ({ id, token, cards, ids }), what the servers report back, and the hot SQL's plans and times
 * (the small collection alone in the database, then both collections).
 */
async function seedCollections(app, baseline, secret, options) {
  // 2,000 decks (the per-user maximum) at both sizes, so the deck list's scale row compares the same
  // decks at 1,000 and 100,000 cards; the benchmarked deck subtree holds 250 cards at both.
  const decksFor = () => 2000;
  const small = { ...(await register(app, "small")), cards: options.small, decks: decksFor(options.small) };
  const writer = await register(app, "writer");
  const large =
    options.large > 0
      ? { ...(await register(app, "large")), cards: options.large, decks: decksFor(options.large) }
      : null;
  log(`seeding ${options.small} cards${large ? ` and ${options.large} cards` : ""}`);
  small.ids = await seedUser(baseline, secret, small, small.cards, 1);
  const seeded = { small: await verifySeed(app, baseline, secret, small, small.cards) };
  const sql = { smallAlone: await sqlProfile(baseline, secret, small) };
  if (large) {
    const ids = await seedUser(baseline, secret, large, large.cards, 2);
    // Review a spread of 2,000 cards of the large collection (every card would only cost memory).
    large.ids = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 2000)) === 0);
    seeded.large = await verifySeed(app, baseline, secret, large, large.cards);
    sql.small = await sqlProfile(baseline, secret, small);
    sql.large = await sqlProfile(baseline, secret, large);
  }
  log(`seeded and verified: ${JSON.stringify(seeded)}`);
  return { small, large, writer, seeded, sql };
}

/** Writes the report (Markdown and JSON) to bench/results/ and prints the Markdown. */
function writeReport(data) {
  const report = renderReport(data);
  mkdirSync(RESULTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const base = join(RESULTS, `${stamp}-${data.options.mode}`);
  writeFileSync(`${base}.md`, report.markdown);
  const { scenarios, ...raw } = data;
  writeFileSync(`${base}.json`, JSON.stringify({ ...raw, summary: report.summary }, null, 2));
  copyFileSync(`${base}.md`, join(RESULTS, "latest.md"));
  console.log(report.markdown);
  return `${base}.md`;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  installCleanup();
  log(
    `mode ${options.mode}: ${options.rounds} round(s) × ${options.requests} requests, ${options.connections} connections; collections ${options.small} and ${options.large || "(large skipped)"} cards`,
  );
  const secret = randomBytes(32).toString("base64url");

  // Round trips run in vitest's own workerd while the builds, the servers and the seed get ready.
  const roundTrips = countRoundTrips();
  roundTrips.catch(() => {});
  log("building the production bundle and the baseline, applying migrations to a fresh local D1");
  const { persist, production } = await prepare();

  log("starting the app and the baseline under wrangler dev");
  const [app, baseline] = await startServers(STATE, persist, secret, { assets: options.assets === 1 });
  log(`app ${app.url} (pid ${app.pid}), baseline ${baseline.url} (pid ${baseline.pid})`);
  const { small, large, writer, seeded, sql } = await seedCollections(app, baseline, secret, options);

  const rand = prng(99);
  const texts = Array.from({ length: 500 }, () => cardText(rand));
  const scenarios = buildScenarios({
    small,
    large,
    writer,
    texts,
    searchTerm: SEARCH_TERM,
    missingTerm: MISSING_TERM,
    shortTerm: SHORT_TERM,
  }).filter((s) => options.health || s.key !== "health");
  const answers = await compareAnswers(app, baseline, scenarios);
  const baselineSql = await call(baseline, "GET", "/__bench/sql", { headers: { "x-bench-secret": secret } });

  const runs = await runRounds(
    { app, baseline },
    scenarios,
    options,
    roundTrips.then(() => log("round-trip count done")),
  );
  await Promise.all([app.stop(), baseline.stop()]);
  log("servers stopped; profiling startup");
  const trips = await roundTrips;
  const sameSql = compareSql(trips, baselineSql);
  for (const check of sameSql.filter((c) => !c.same))
    log(`WARNING: the baseline's SQL for ${check.path} differs from the app's: update bench/baseline/worker.js`);
  const bundle = bundleSize(production.dir);
  const startup = await startupProfiles(production.dir, options.startupRuns);

  const file = writeReport({
    options,
    runs,
    scenarios,
    trips,
    bundle,
    startup,
    seeded,
    answers,
    sameSql,
    sql,
    wallSeconds: (Date.now() - started) / 1000,
  });
  log(`done in ${elapsed()}; report ${file} (and bench/results/latest.md)`);
}

main().then(
  async () => {
    await stopAllGroups();
    process.exit(0);
  },
  async (error) => {
    console.error(`[bench] failed: ${error.stack ?? error}`);
    await stopAllGroups();
    process.exit(1);
  },
);
