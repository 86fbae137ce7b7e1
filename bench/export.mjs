/**
 * The export benchmark (issues #16, #15): CPU and peak memory of streaming a 100,000-card account (with
 * its review history) out of `GET /exports/account.json`, `GET /exports/cards.csv`, `GET /exports/anki.txt`
 * and the review log `GET /reviews/export.csv` (≈160,000 reviews), under `wrangler
 * dev` on the production bundle. Run with `npm run bench:export` (minutes: it seeds 100,000 cards);
 * `CARDS=10000 npm run bench:export` for a quick look. Writes bench/.state/export/report.json.
 *
 * CPU is the workerd runtime process's user+system time across the request (the worker's own cost plus
 * the runtime's, including local D1); memory is that process's resident set sampled every 20 ms, its
 * peak minus the idle level before the request. Workers allow 128 MB per isolate: the stream keeps one
 * page (1,000 cards or 5,000 review logs) in memory, so the peak should not grow with the account.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { buildProduction } from "./lib/artifacts.mjs";
import { call } from "./lib/http.mjs";
import {
  CLK_TCK,
  cpuTicks,
  killAllGroupsNow,
  ROOT,
  runWrangler,
  sleep,
  startServers,
  stopAllGroups,
  workerdProcesses,
} from "./lib/proc.mjs";
import { generateCollection, seedStatements } from "./lib/seed.mjs";

const STATE = join(ROOT, "bench", ".state", "export");
const CARDS = Number(process.env.CARDS ?? 100_000);
// reviews.csv (issue #15): the review log in the FSRS optimizer's layout; 100,000 cards carry about
// 160,000 review logs (1–3 per reviewed card), so this row exports more than 100,000 reviews.
const EXPORTS = [
  "/api/v1/exports/account.json",
  "/api/v1/exports/cards.csv",
  "/api/v1/exports/anki.txt",
  "/api/v1/reviews/export.csv",
];

/** Resident set size of a process in KiB (VmRSS), or null when it is gone. */
function rssKiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Streams one export to nowhere, measuring bytes, wall time, runtime CPU and peak RSS. */
async function measureExport(app, runtimePid, token, path) {
  const idle = rssKiB(runtimePid);
  let peak = idle;
  const sampler = setInterval(() => {
    const now = rssKiB(runtimePid);
    if (now !== null && now > peak) peak = now;
  }, 20);
  const cpuBefore = cpuTicks(runtimePid);
  const started = performance.now();
  // node:http rather than fetch: fetch gives up after 300 s without headers or between chunks, and a
  // slow export should be measured, not cut off.
  const { status, headersMs, bytes } = await new Promise((resolve, reject) => {
    const req = get(app.url + path, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const headersMs = performance.now() - started;
      let bytes = 0;
      res.on("data", (chunk) => {
        bytes += chunk.length;
      });
      res.on("end", () => resolve({ status: res.statusCode, headersMs, bytes }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  const wallMs = performance.now() - started;
  await sleep(50);
  clearInterval(sampler);
  const cpuMs = ((cpuTicks(runtimePid) - cpuBefore) * 1000) / CLK_TCK;
  return {
    path,
    status,
    bytes,
    headersMs: Math.round(headersMs),
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpuMs),
    idleRssKiB: idle,
    peakRssKiB: peak,
    peakAboveIdleKiB: peak - idle,
  };
}

async function main() {
  rmSync(STATE, { recursive: true, force: true });
  for (const dir of ["d1", "dist", "baseline-dist", "logs"]) mkdirSync(join(STATE, dir), { recursive: true });
  const persist = join(STATE, "d1");
  await Promise.all([
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
  const secret = randomBytes(32).toString("hex");
  const [app, baseline] = await startServers(STATE, persist, secret);

  const registered = await call(app, "POST", "/api/v1/auth/register", {
    body: { email: `bench-export-${Date.now()}@example.com`, password: "benchmark password 0123" },
  });
  const user = { id: registered.user.id, token: registered.access_token };
  console.log(`seeding ${CARDS} cards and their review history…`);
  const pending = [];
  const flush = async () => {
    const statements = pending.splice(0);
    if (statements.length > 0)
      await call(baseline, "POST", "/__bench/seed", { body: { statements }, headers: { "x-bench-secret": secret } });
  };
  for (const statement of seedStatements(generateCollection(user.id, CARDS, Date.now(), 16), () => {})) {
    pending.push(statement);
    if (pending.length === 40) await flush();
  }
  await flush();
  const counts = await call(baseline, "GET", `/__bench/counts?user=${user.id}`, {
    headers: { "x-bench-secret": secret },
  });

  console.log(`seeded ${counts.cards} cards and ${counts.logs} review logs`);
  const { runtime } = workerdProcesses(app);
  const results = [];
  for (const path of EXPORTS) {
    console.log(`exporting ${path}…`);
    await measureExport(app, runtime, user.token, path); // warm-up (isolate, code, page cache)
    results.push(await measureExport(app, runtime, user.token, path));
  }
  const report = { cards: counts.cards, reviewLogs: counts.logs, exports: results };
  writeFileSync(join(STATE, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.table(results.map((r) => ({ ...r, MB: (r.bytes / 1e6).toFixed(1) })));
  await stopAllGroups();
}

process.on("exit", killAllGroupsNow);
main().catch(async (error) => {
  console.error(error);
  await stopAllGroups();
  process.exit(1);
});
