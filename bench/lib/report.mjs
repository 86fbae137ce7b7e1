/**
 * The report: medians and spread over rounds, app ÷ baseline and large ÷ small ratios, the targets
 * and whether each is met, as Markdown (printed and saved) plus a machine-readable summary.
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { REVIEWS_PER_BATCH } from "./scenarios.mjs";
import { summary } from "./stats.mjs";

/** The issue's targets. */
export const TARGETS = {
  cpuRatio: 1.15,
  healthRatio: 1.5,
  scaleRatio: 1.5,
  gzipKiB: 130,
  trips: { read: 1, write: 1, review: 2 },
};
// #19: every hot path, the feature issues' included (deck list, deck-filtered list and queue, change feed).
const CPU_TARGET_PATHS = [
  "list",
  "get",
  "search",
  "create",
  "review",
  "queue",
  "decks",
  "deck-list",
  "deck-queue",
  "feed",
];
const SCALE_TARGET_PATHS = [
  "list",
  "search",
  "search-none",
  "search-short",
  "queue",
  "review",
  "decks",
  "deck-list",
  "deck-queue",
  "feed",
];

const f2 = (n) => n.toFixed(2);
const f0 = (n) => n.toFixed(0);
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const spread = (s, fmt) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
const mark = (ok) => (ok === null ? "– skipped" : ok ? "✅ met" : "❌ missed");

/** Per-metric summaries of the runs of one scenario and target. */
function aggregate(runs, scenario, target) {
  const mine = runs.filter((r) => r.scenario === scenario && r.target === target);
  if (mine.length === 0) return null;
  const of = (key) => summary(mine.map((r) => r[key]));
  return {
    rounds: mine.length,
    cpuMs: of("cpuMs"),
    rps: of("rps"),
    p50: of("p50"),
    p99: of("p99"),
    proxyCpuMs: of("proxyCpuMs"),
    cliCpuMs: of("cliCpuMs"),
    otherCores: of("otherCores"),
    byRound: mine,
  };
}

/** App ÷ baseline CPU per round (same round, so the same background load), summarised. */
function pairedRatios(app, baseline) {
  const ratios = app.byRound.map((a) => a.cpuMs / baseline.byRound.find((b) => b.round === a.round).cpuMs);
  return summary(ratios);
}

/** The machine: cores, CPU model, memory, kernel, Node. */
function machine() {
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8" }).trim();
    } catch {
      return "?";
    }
  };
  return {
    nproc: sh("nproc", []),
    cpu: cpus()[0]?.model ?? "?",
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    uname: sh("uname", ["-a"]),
    node: process.version,
  };
}

/**
 * The hot statements' D1 execution time (ms, whole milliseconds as D1 reports them; median of 5)
 * and query plan, for the small collection alone in the database, then for both collections.
 */
function sqlTable(sql, seeded) {
  const columns = [["smallAlone", `${seeded.small.cards} cards, alone in the DB`]];
  if (sql.small)
    columns.push(
      ["small", `${seeded.small.cards} cards, ${seeded.large.cards} more in the DB`],
      ["large", `${seeded.large.cards} cards`],
    );
  const lines = ["## SQL: D1 execution time (ms) / rows read per statement, and query plan", ""];
  lines.push(
    "Measured through the baseline's D1 binding with the app's SQL and parameters: `meta.duration` (whole ms, median of 5) / `meta.rows_read` (what D1 bills reads by).",
    "",
  );
  lines.push(`| statement | ${columns.map(([, label]) => label).join(" | ")} | plan (${columns.at(-1)[1]}) |`);
  lines.push(`|---|${columns.map(() => "---|").join("")}---|`);
  for (const name of Object.keys(sql.smallAlone)) {
    const last = sql[columns.at(-1)[0]][name];
    const cells = columns.map(([key]) => `${sql[key][name].ms} / ${sql[key][name].rowsRead}`);
    lines.push(`| ${name} | ${cells.join(" | ")} | \`${last.plan.replaceAll("|", "\\|")}\` |`);
  }
  lines.push("");
  return lines;
}

/** The report's opening lines: when, where, how much load, which data, which code, how quiet. */
function headerLines({ options, runs, bundle, seeded, wallSeconds }) {
  const m = machine();
  const other = summary(runs.map((r) => r.otherCores));
  return [
    `# Benchmark report (${options.mode} mode)`,
    "",
    `- Date: ${new Date().toISOString()}; wall time ${wallSeconds.toFixed(0)} s`,
    `- Machine: ${m.nproc} cores (${m.cpu}), ${m.memGiB} GiB RAM; Node ${m.node}; \`${m.uname}\``,
    `- Load: ${options.connections} connections, ${options.requests} requests per run (${options.scaleRequests} on the large collection), ${options.rounds} round(s), ${options.warmup} warm-up requests per scenario and target`,
    `- Collections: ${Object.entries(seeded)
      .map(([k, v]) => `${k} ${v.cards} cards / ${v.logs} review logs`)
      .join(
        "; ",
      )}${options.large ? "" : " (the 100,000-card collection and the scale section are skipped in this mode)"}`,
    `- Production bundle sha256 ${bundle.sha256} (the code under test)`,
    `- The app runs ${options.assets === 1 ? "with its [assets] table (local workerd's assets router in front of it, in the measured process)" : "without its [assets] table, as a bare worker like the baseline (local workerd's assets router is not the worker's CPU in production; `--assets 1` keeps it)"}`,
    `- Other programs' CPU during runs: median ${f2(other.median)} cores (max ${f2(other.max)}) of ${m.nproc}`,
    "",
  ];
}

/** App vs baseline per hot path, and the CPU-ratio targets. */
function hotSection({ runs, scenarios, sameSql }) {
  const lines = ["## Hot paths: app vs baseline", ""];
  lines.push(
    "Median over rounds (min–max). CPU = the workerd runtime's user+system time per request (it runs the worker and the local D1).",
    "",
  );
  lines.push(
    "| path | app CPU ms/req | baseline CPU ms/req | CPU app ÷ baseline (per-round range) | app − baseline ms | app req/s | baseline req/s | app p50 / p99 ms | baseline p50 / p99 ms |",
  );
  lines.push("|---|---|---|---|---|---|---|---|---|");
  const rows = [];
  const tooling = [];
  for (const s of scenarios.filter((x) => x.group !== "scale")) {
    const app = aggregate(runs, s.key, "app");
    const baseline = aggregate(runs, s.key, "baseline");
    if (!app || !baseline) continue;
    const ratio = app.cpuMs.median / baseline.cpuMs.median;
    const perRound = pairedRatios(app, baseline);
    rows.push({ path: s.key, ratio, perRound, app: app.cpuMs.median, baseline: baseline.cpuMs.median });
    tooling.push(
      `${s.key} proxy ${f2(app.proxyCpuMs.median)}/${f2(baseline.proxyCpuMs.median)} ms, CLI ${f2(app.cliCpuMs.median)}/${f2(baseline.cliCpuMs.median)} ms`,
    );
    const warning = sameSql.some((c) => c.path === s.key && !c.same) ? " ⚠ baseline SQL differs" : "";
    lines.push(
      `| ${s.label}${warning} | ${spread(app.cpuMs, f2)} | ${spread(baseline.cpuMs, f2)} | **${f2(ratio)}** (${f2(perRound.min)}–${f2(perRound.max)}) | ${f2(app.cpuMs.median - baseline.cpuMs.median)} | ${spread(app.rps, f0)} | ${spread(baseline.rps, f0)} | ${f0(app.p50.median)} / ${f0(app.p99.median)} | ${f0(baseline.p50.median)} / ${f0(baseline.p99.median)} |`,
    );
  }
  lines.push("");
  const targets = rows
    .filter((r) => CPU_TARGET_PATHS.includes(r.path) || r.path === "health")
    .map((r) => {
      const limit = r.path === "health" ? TARGETS.healthRatio : TARGETS.cpuRatio;
      return {
        target: `CPU per request app ÷ baseline ≤ ${limit}: ${r.path}`,
        measured: f2(r.ratio),
        met: r.ratio <= limit,
      };
    });
  return { lines, targets, rows, tooling };
}

/** The app on the large collection vs the small one, and the scale targets. */
function scaleSection({ runs, scenarios, seeded }) {
  const rows = [];
  const lines = [];
  for (const s of scenarios.filter((x) => x.group === "scale")) {
    const small = aggregate(runs, s.path, "app");
    const large = aggregate(runs, s.key, "app");
    if (!small || !large) continue;
    const ratio = large.cpuMs.median / small.cpuMs.median;
    rows.push({ path: s.path, ratio, small: small.cpuMs.median, large: large.cpuMs.median });
    lines.push(
      `| ${s.label} (${seeded.small.cards} → ${seeded.large.cards}) | ${spread(small.cpuMs, f2)} | ${spread(large.cpuMs, f2)} | **${f2(ratio)}** | ${f0(small.p50.median)} → ${f0(large.p50.median)} | ${f0(small.rps.median)} → ${f0(large.rps.median)} |`,
    );
  }
  if (rows.length === 0) {
    const skipped = {
      target: `100,000 ÷ 1,000 cards ≤ ${TARGETS.scaleRatio}: ${SCALE_TARGET_PATHS.join(", ")}`,
      measured: "not measured (no large collection in this mode)",
      met: null,
    };
    return { lines: [], targets: [skipped], rows };
  }
  const header = [
    "## Scale: the app at 1,000 vs 100,000 cards",
    "",
    "| path | CPU ms/req small | CPU ms/req large | CPU large ÷ small | p50 ms small → large | req/s small → large |",
    "|---|---|---|---|---|---|",
  ];
  const targets = rows
    .filter((r) => SCALE_TARGET_PATHS.includes(r.path))
    .map((r) => ({
      target: `${seeded.large.cards} ÷ ${seeded.small.cards} cards ≤ ${TARGETS.scaleRatio}: ${r.path}`,
      measured: f2(r.ratio),
      met: r.ratio <= TARGETS.scaleRatio,
    }));
  return { lines: [...header, ...lines, ""], targets, rows };
}

/**
 * Offline uploads (issue #14): the CPU of a 500-review POST /reviews/batch per review, against the
 * single-review path on the same collection (the app's own `review` / `review@large` rows). The change
 * feed's page of 1,000 changes is in the hot table (vs the baseline) and the scale table (100,000 cards).
 */
function syncSection({ runs, scenarios, seeded }) {
  const rows = [];
  const lines = [];
  for (const s of scenarios.filter((x) => x.group === "sync")) {
    const batch = aggregate(runs, s.key, "app");
    const single = aggregate(runs, s.key.endsWith("@large") ? "review@large" : "review", "app");
    if (!batch || !single) continue;
    const perReview = batch.cpuMs.median / REVIEWS_PER_BATCH;
    const ratio = perReview / single.cpuMs.median;
    const cards = s.key.endsWith("@large") ? seeded.large?.cards : seeded.small.cards;
    rows.push({ path: s.key, perReview, single: single.cpuMs.median, ratio });
    lines.push(
      `| ${s.label} (${cards} cards) | ${spread(batch.cpuMs, f2)} | **${f2(perReview)}** | ${f2(single.cpuMs.median)} | **${f2(ratio)}** | ${f0(batch.p50.median)} / ${f0(batch.p99.median)} |`,
    );
  }
  if (rows.length === 0) return { lines: [], rows };
  return {
    lines: [
      "## Offline upload: CPU per review, batch vs single review",
      "",
      `| path | CPU ms per request (${REVIEWS_PER_BATCH} reviews) | CPU ms per review | single review CPU ms/req | per review ÷ single | p50 / p99 ms |`,
      "|---|---|---|---|---|---|",
      ...lines,
      "",
    ],
    rows,
  };
}

/** D1 round trips per endpoint, and the round-trip targets per kind. */
function tripsSection(trips) {
  const lines = [
    "## D1 round trips per request (bench/round-trips.test.ts, countingD1)",
    "",
    "| kind | endpoint | round trips | statements | issue target |",
    "|---|---|---|---|---|",
  ];
  for (const row of trips) {
    const verdict = row.target === null ? "–" : `${row.target} ${row.trips <= row.target ? "✅" : "❌"}`;
    lines.push(`| ${row.kind} | ${row.endpoint} | ${row.trips} | ${row.statements} | ${verdict} |`);
  }
  lines.push("");
  const targets = Object.entries(TARGETS.trips).map(([kind, limit]) => {
    const rows = trips.filter((r) => r.kind === kind);
    const over = rows.filter((r) => r.trips > limit);
    return {
      target: `D1 round trips: ${kind === "review" ? "review write ≤ 2" : `every ${kind} = 1`}`,
      measured: over.length
        ? over.map((r) => `${r.endpoint}: ${r.trips}`).join(", ")
        : `max ${Math.max(...rows.map((r) => r.trips))} over ${rows.length} endpoints`,
      met: over.length === 0,
    };
  });
  return { lines, targets };
}

/** Bundle size and composition, the startup profile, and the bundle target. */
function artifactsSection(bundle, startup) {
  const busy = summary(startup.map((s) => s.busyMs));
  const first = startup[0];
  const lines = [
    "## Bundle and startup (production build, `wrangler deploy --dry-run --env production`)",
    "",
    `- index.js: ${kib(bundle.rawBytes)} raw, **${kib(bundle.gzipBytes)} gzip**`,
    `- Bytes in the bundle by package: ${bundle.byPackage
      .slice(0, 8)
      .map((p) => `${p.name} ${kib(p.bytes)}`)
      .join(", ")}`,
    `- Startup CPU profile (\`wrangler check startup\`, ${startup.length} run(s)): sampled busy time ${spread(busy, f0)} ms, span ${f0(first.spanMs)} ms, GC ${f0(first.gcMs)} ms, ${first.samples} samples; profile ${first.file.replace(/.*bench\//, "bench/")}`,
    `- Top self time at startup: ${first.top.map((t) => `${t.name} ${f0(t.ms)} ms`).join("; ")}`,
    "",
  ];
  const target = {
    target: `Production bundle ≤ ${TARGETS.gzipKiB} KiB gzip`,
    measured: kib(bundle.gzipBytes),
    met: bundle.gzipBytes <= TARGETS.gzipKiB * 1024,
  };
  return { lines, targets: [target], busy };
}

/** What else the run saw: dev-tooling cost, the fairness checks, the SQL table. */
function contextSection({ tooling, answers, sameSql, sql, seeded }) {
  return [
    "## Context",
    "",
    `wrangler dev's own processes per request (same for app and baseline; not in the CPU above): ${tooling.join("; ")} (app/baseline).`,
    "",
    `Same JSON from app and baseline before the runs: ${answers.map((a) => `${a.path} ${a.same ? "same" : "DIFFERENT"}`).join("; ")}.`,
    "",
    `Same SQL statements (the app's as recorded by the round-trip test vs the baseline's): ${sameSql.map((c) => `${c.path} ${c.same ? "same" : "**DIFFERENT: the baseline is out of date**"}`).join("; ")}.`,
    "",
    ...sqlTable(sql, seeded),
  ];
}

/** Builds the whole report: Markdown, and a summary of targets and ratios for the JSON file. */
export function renderReport(data) {
  const hot = hotSection(data);
  const scale = scaleSection(data);
  const sync = syncSection(data);
  const trips = tripsSection(data.trips);
  const artifacts = artifactsSection(data.bundle, data.startup);
  const targets = [...hot.targets, ...scale.targets, ...trips.targets, ...artifacts.targets];
  const targetTable = [
    "## Targets",
    "",
    "| target | measured | status |",
    "|---|---|---|",
    ...targets.map((t) => `| ${t.target} | ${t.measured} | ${mark(t.met)} |`),
    "",
  ];
  const markdown = [
    ...headerLines(data),
    ...targetTable,
    ...hot.lines,
    ...scale.lines,
    ...sync.lines,
    ...trips.lines,
    ...artifacts.lines,
    ...contextSection({ ...data, tooling: hot.tooling }),
  ].join("\n");
  return {
    markdown,
    summary: {
      targets,
      cpu: hot.rows,
      scale: scale.rows,
      offlineUpload: sync.rows,
      bundle: { raw: data.bundle.rawBytes, gzip: data.bundle.gzipBytes },
      startupBusyMs: artifacts.busy,
    },
  };
}
