#!/usr/bin/env node
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
/**
 * Load test: holds a mixed, authenticated workload against `wrangler dev` on loopback and fails unless
 * the service answered every request without a 5xx, an error or a timeout, and every write it
 * acknowledged is in D1 afterwards (and no write it did not acknowledge).
 *
 *   npm run load                      # 30 s at 20 connections (the documented run)
 *   npm run load -- --quick           # 5 s, for a smoke check
 *   npm run load -- --duration 60 --connections 40 --users 10 --cards 200
 *
 * What it does:
 * 1. applies the migrations to a fresh local D1 under bench/.state/load and starts `wrangler dev`
 *    there (free port, random JWT_SECRET), in its own process group;
 * 2. registers N users through the API (each from its own `cf-connecting-ip`, below the auth
 *    throttle) and gives each one C cards;
 * 3. runs autocannon: every connection cycles list → create 1 card → review a card → study queue, as
 *    a user picked round-robin; every review rates a card nobody has reviewed yet (no 409 by design);
 *    every 2xx write acknowledgement (created card ids, review ids) is recorded;
 * 4. stops the server and reads D1 with `wrangler d1 execute --local`: every acknowledged card and
 *    review must be there, and the row counts must equal seeded + acknowledged exactly;
 * 5. prints a summary (requests, rps, p50/p99, statuses) and writes bench/results/load.json.
 *
 * Exit code 1 on any 5xx, connection error, timeout, unexpected status or missing write. Every process
 * it started is killed (by process group) on exit, on failure and on Ctrl-C.
 */
import autocannon from "autocannon";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const STATE = join(ROOT, "bench", ".state", "load");
const RESULTS = join(ROOT, "bench", "results");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const WRANGLER_ENV = {
  ...process.env,
  CI: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

// ------------------------------------------------------------------------------------------------
// Options
// ------------------------------------------------------------------------------------------------

/** Parses `--quick`, `--duration s`, `--connections n`, `--users n`, `--cards n`. */
function parseOptions(argv) {
  const options = { duration: 30, connections: 20, users: 10, cards: 200 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") options.duration = 5;
    else if (["--duration", "--connections", "--users", "--cards"].includes(arg)) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a positive whole number`);
      options[arg.slice(2)] = value;
    } else throw new Error(`unknown option ${arg} (try --quick, --duration, --connections, --users, --cards)`);
  }
  return options;
}

// ------------------------------------------------------------------------------------------------
// Processes: every child in its own process group, all killed on exit
// ------------------------------------------------------------------------------------------------

const groups = new Set();

/** Kills every process group still running (SIGTERM, SIGKILL after a grace period). */
async function stopAll(graceMs = 3_000) {
  const pending = [...groups];
  for (const pgid of pending) signal(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pending.some(alive)) await sleep(100);
  for (const pgid of pending) {
    if (alive(pgid)) signal(pgid, "SIGKILL");
    groups.delete(pgid);
  }
}

function signal(pgid, name) {
  try {
    process.kill(-pgid, name);
  } catch {
    // Already gone.
  }
}

function alive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

process.on("exit", () => {
  for (const pgid of groups) signal(pgid, "SIGKILL");
});
for (const name of ["SIGINT", "SIGTERM"]) {
  process.on(name, async () => {
    console.error(`\n[load] ${name}: stopping`);
    await stopAll(1_000);
    process.exit(130);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `wrangler <args>` to completion in its own process group; resolves with stdout. */
function wrangler(args, { timeoutMs = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: WRANGLER_ENV,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    groups.add(child.pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => signal(child.pid, "SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      groups.delete(child.pid);
      if (code === 0) resolve(stdout);
      else
        reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} exited ${code}:\n${(stdout + stderr).slice(-3_000)}`));
    });
  });
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `wrangler dev` on the load state and waits for /api/v1/health. Returns { url, stop }. */
async function startServer(secret) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const logFile = join(STATE, "wrangler-dev.log");
  const log = createWriteStream(logFile);
  const args = [
    WRANGLER,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    STATE,
    "--var",
    `JWT_SECRET:${secret}`,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: WRANGLER_ENV,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  groups.add(child.pid);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!groups.has(child.pid)) return;
    signal(child.pid, "SIGTERM");
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && alive(child.pid)) await sleep(100);
    if (alive(child.pid)) signal(child.pid, "SIGKILL");
    groups.delete(child.pid);
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${url}/api/v1/health`);
      await res.arrayBuffer();
      if (res.status === 200) return { url, stop, logFile };
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  await stop();
  throw new Error(
    `wrangler dev ${exited ? "exited early" : "did not become healthy"}; log:\n${readFileSync(logFile, "utf8").slice(-3_000)}`,
  );
}

// ------------------------------------------------------------------------------------------------
// Seeding through the API
// ------------------------------------------------------------------------------------------------

/** Calls the API; retries a 429 once after its Retry-After. */
async function call(base, method, path, { token, body, ip } = {}) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const headers = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (ip) headers["cf-connecting-ip"] = ip;
    const res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status === 429 && attempt < 2) {
      await sleep((Number(res.headers.get("retry-after")) || 60) * 1000);
      continue;
    }
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  }
  throw new Error("unreachable");
}

/** Registers a user and creates their cards; returns { token, pool } (pool: card ids not reviewed yet). */
async function seedUser(base, index, cards) {
  const email = `load-${index}-${randomBytes(4).toString("hex")}@example.com`;
  const registered = await call(base, "POST", "/api/v1/auth/register", {
    body: { email, password: `load test password ${index}` },
    ip: `198.18.0.${index + 1}`,
  });
  if (registered.status !== 201) throw new Error(`register ${email}: ${registered.status} ${registered.text}`);
  const token = registered.body.access_token;
  const pool = [];
  for (let start = 0; start < cards; start += 100) {
    const n = Math.min(100, cards - start);
    const flashcards = Array.from({ length: n }, (_, i) => ({
      front: `Seed ${index}.${start + i}: what is ${start + i} squared?`,
      back: String((start + i) ** 2),
      source: "manual",
    }));
    const created = await call(base, "POST", "/api/v1/flashcards", { token, body: { flashcards } });
    if (created.status !== 201) throw new Error(`seed cards: ${created.status} ${created.text}`);
    pool.push(...created.body.data.map((card) => card.id));
  }
  return { email, token, pool };
}

// ------------------------------------------------------------------------------------------------
// The workload
// ------------------------------------------------------------------------------------------------

/**
 * The autocannon request cycle. Each cycle picks the next user round-robin (autocannon resets the
 * per-connection context at the start of every cycle); `pending` tells `onResponse` what was sent.
 */
function workload(users, tally) {
  let nextUser = 0;
  let serial = 0;
  const auth = (user) => ({ authorization: `Bearer ${user.token}`, "content-type": "application/json" });
  const record = (op) => (status, body, context) => {
    const kind = context.pending?.kind ?? op;
    tally.status(kind, status);
    if (kind === "create") tally.unansweredCreates--;
    if (kind === "review") tally.unansweredReviews.delete(context.pending.cardId);
    if (kind === "create" && status === 201) {
      const [card] = JSON.parse(body).data;
      tally.cards.push(card.id);
      // A card acknowledged as created is a card the workload may review later.
      context.user.pool.push(card.id);
    } else if (kind === "review" && status === 200) {
      const { review } = JSON.parse(body);
      tally.reviews.push({ id: review.id, cardId: context.pending.cardId });
    }
  };
  return [
    {
      method: "GET",
      setupRequest: (req, context) => {
        context.user = users[nextUser++ % users.length];
        context.pending = { kind: "list" };
        return { ...req, path: "/api/v1/flashcards?limit=20", headers: auth(context.user) };
      },
      onResponse: record("list"),
    },
    {
      method: "POST",
      setupRequest: (req, context) => {
        context.pending = { kind: "create" };
        tally.unansweredCreates++;
        const n = ++serial;
        const body = JSON.stringify({
          flashcards: [
            { front: `Load card ${n}: capital of country #${n}?`, back: `Answer ${n} 🦊`, source: "manual" },
          ],
        });
        return { ...req, path: "/api/v1/flashcards", headers: auth(context.user), body };
      },
      onResponse: record("create"),
    },
    {
      method: "POST",
      setupRequest: (req, context) => {
        const cardId = context.user.pool.shift();
        if (!cardId) {
          // Nothing left to review for this user: read the queue instead (never reuse a card).
          context.pending = { kind: "queue" };
          return {
            ...req,
            method: "GET",
            path: "/api/v1/study/queue?limit=20",
            headers: auth(context.user),
            body: undefined,
          };
        }
        context.pending = { kind: "review", cardId };
        tally.unansweredReviews.add(cardId);
        const rating = ["again", "hard", "good", "easy"][cardId.charCodeAt(0) % 4];
        return {
          ...req,
          path: `/api/v1/flashcards/${cardId}/reviews`,
          headers: auth(context.user),
          body: JSON.stringify({ rating, duration_ms: 1500 }),
        };
      },
      onResponse: record("review"),
    },
    {
      method: "GET",
      setupRequest: (req, context) => {
        context.pending = { kind: "queue" };
        return { ...req, path: "/api/v1/study/queue?limit=20", headers: auth(context.user) };
      },
      onResponse: record("queue"),
    },
  ];
}

/** Per-operation status counts and the acknowledged writes. */
function newTally() {
  const byOp = {};
  return {
    byOp,
    cards: [],
    reviews: [],
    /** Writes sent but never answered (in flight when the run stopped): they may or may not have landed. */
    unansweredCreates: 0,
    unansweredReviews: new Set(),
    status(op, status) {
      byOp[op] ??= {};
      byOp[op][status] = (byOp[op][status] ?? 0) + 1;
    },
  };
}

function runAutocannon(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

// ------------------------------------------------------------------------------------------------
// Verification in D1
// ------------------------------------------------------------------------------------------------

/** Runs one SELECT against the local D1 and returns its rows. */
async function d1(sql) {
  const out = await wrangler(["d1", "execute", "DB", "--local", "--persist-to", STATE, "--json", "--command", sql]);
  const parsed = JSON.parse(out.slice(out.indexOf("[")));
  return parsed[0].results;
}

/** Compares D1 with the acknowledgements; returns a list of problems (empty when all is well). */
async function verify(tally, seeded) {
  const problems = [];
  const cardRows = await d1("SELECT id, reps FROM flashcards");
  const reviewRows = await d1("SELECT id, flashcard_id FROM review_logs");
  const cards = new Map(cardRows.map((row) => [row.id, row.reps]));
  const reviews = new Map(reviewRows.map((row) => [row.id, row.flashcard_id]));

  // Every acknowledged write is there...
  const missingCards = tally.cards.filter((id) => !cards.has(id));
  if (missingCards.length)
    problems.push(
      `${missingCards.length} acknowledged cards missing in D1 (e.g. ${missingCards.slice(0, 3).join(", ")})`,
    );
  const missingReviews = tally.reviews.filter((r) => reviews.get(r.id) !== r.cardId);
  if (missingReviews.length)
    problems.push(
      `${missingReviews.length} acknowledged reviews missing in D1 (e.g. ${missingReviews
        .slice(0, 3)
        .map((r) => r.id)
        .join(", ")})`,
    );
  const wrongReps = tally.reviews.filter((r) => cards.get(r.cardId) !== 1);
  if (wrongReps.length) problems.push(`${wrongReps.length} reviewed cards without exactly one rep`);
  // ...and nothing else landed, except writes still in flight when autocannon stopped (no answer either way).
  const minCards = seeded + tally.cards.length;
  if (cards.size < minCards || cards.size > minCards + tally.unansweredCreates) {
    problems.push(
      `flashcards: ${cards.size} rows, expected ${seeded} seeded + ${tally.cards.length} acknowledged (+ up to ${tally.unansweredCreates} unanswered)`,
    );
  }
  const acknowledgedReviews = new Set(tally.reviews.map((r) => r.id));
  const unexplained = reviewRows.filter(
    (row) => !acknowledgedReviews.has(row.id) && !tally.unansweredReviews.has(row.flashcard_id),
  );
  if (unexplained.length) problems.push(`${unexplained.length} review logs in D1 that no request wrote`);
  return { problems, rows: { flashcards: cards.size, review_logs: reviews.size } };
}

// ------------------------------------------------------------------------------------------------
// Main
// ------------------------------------------------------------------------------------------------

async function main() {
  const options = parseOptions(process.argv.slice(2));
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });

  console.log(`[load] migrations → ${STATE}`);
  await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE]);
  const server = await startServer(randomBytes(32).toString("base64url"));
  console.log(`[load] wrangler dev at ${server.url}`);

  let result;
  let tally;
  let seeded;
  try {
    const users = [];
    for (let i = 0; i < options.users; i++) users.push(await seedUser(server.url, i, options.cards));
    seeded = options.users * options.cards;
    console.log(
      `[load] ${options.users} users, ${seeded} cards; running ${options.duration} s at ${options.connections} connections`,
    );

    tally = newTally();
    result = await runAutocannon({
      url: server.url,
      connections: options.connections,
      duration: options.duration,
      timeout: 10,
      requests: workload(users, tally),
    });
  } finally {
    await server.stop();
  }

  const { problems, rows } = await verify(tally, seeded);
  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
  );
  const fiveXx = Object.entries(statusCounts)
    .filter(([code]) => Number(code) >= 500)
    .reduce((sum, [, n]) => sum + n, 0);
  const unexpected = Object.entries(tally.byOp).flatMap(([op, byStatus]) =>
    Object.entries(byStatus)
      .filter(([status]) => !(Number(status) >= 200 && Number(status) < 300))
      .map(([status, n]) => `${op} ${status} ×${n}`),
  );
  const summary = {
    when: new Date().toISOString(),
    options,
    requests: result.requests.total,
    rps_average: result.requests.average,
    latency_ms: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    status_codes: statusCounts,
    by_operation: tally.byOp,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    acknowledged: { cards: tally.cards.length, reviews: tally.reviews.length },
    unanswered_at_stop: { creates: tally.unansweredCreates, reviews: tally.unansweredReviews.size },
    d1_rows: rows,
    problems,
  };
  writeFileSync(join(RESULTS, "load.json"), `${JSON.stringify(summary, null, 2)}\n`);

  console.log("\n[load] summary");
  console.log(
    `  requests      ${summary.requests} in ${options.duration} s (${summary.rps_average.toFixed(1)} req/s average) at ${options.connections} connections`,
  );
  console.log(
    `  latency       p50 ${summary.latency_ms.p50} ms, p90 ${summary.latency_ms.p90} ms, p99 ${summary.latency_ms.p99} ms, max ${summary.latency_ms.max} ms`,
  );
  console.log(`  statuses      ${JSON.stringify(statusCounts)}`);
  console.log(`  by operation  ${JSON.stringify(tally.byOp)}`);
  console.log(`  errors ${result.errors}, timeouts ${result.timeouts}, 5xx ${fiveXx}, non-2xx ${result.non2xx}`);
  console.log(
    `  acknowledged  ${tally.cards.length} cards created, ${tally.reviews.length} reviews (unanswered at stop: ${tally.unansweredCreates} creates, ${tally.unansweredReviews.size} reviews)`,
  );
  console.log(`  D1            ${rows.flashcards} cards (${seeded} seeded), ${rows.review_logs} review logs`);
  console.log(`  written       bench/results/load.json`);

  const failures = [...problems];
  if (fiveXx > 0) failures.push(`${fiveXx} responses were 5xx`);
  if (result.errors > 0) failures.push(`${result.errors} connection errors`);
  if (result.timeouts > 0) failures.push(`${result.timeouts} timeouts`);
  if (unexpected.length > 0) failures.push(`unexpected statuses: ${unexpected.join(", ")}`);
  if (result.requests.total === 0) failures.push("no request completed");
  if (failures.length > 0) {
    console.error(`\n[load] FAIL\n  - ${failures.join("\n  - ")}\n  server log: ${server.logFile}`);
    return 1;
  }
  console.log("\n[load] PASS: zero 5xx, zero errors, zero timeouts; every acknowledged write is in D1");
  return 0;
}

main()
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  })
  .catch(async (error) => {
    console.error(`[load] ${error.stack ?? error}`);
    await stopAll();
    process.exit(1);
  });
