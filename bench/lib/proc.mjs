/**
 * Processes: wrangler commands and `wrangler dev` servers started in their own process groups, a
 * registry that stops every group on exit or Ctrl-C, free ports, and CPU time from /proc.
 */
import { execFileSync, spawn } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (the directory holding package.json). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER_JS = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/** Quiet, offline-safe wrangler: no metrics, no banner, no update check, no prompts, no colours. */
export const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  CI: "true",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

/** Process groups this runner started and has not stopped yet (pgid = leader pid). */
const liveGroups = new Set();

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs` if anything in it is still alive. */
export async function stopGroup(pgid, graceMs = 3000) {
  if (!liveGroups.has(pgid)) return;
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupAlive(pgid)) await sleep(100);
  if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
  liveGroups.delete(pgid);
}

/** Synchronous last resort for `exit` handlers: SIGKILL every group still registered. */
export function killAllGroupsNow() {
  for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  liveGroups.clear();
}

/** Stops every registered group (used at the end of a run and on signals). */
export async function stopAllGroups() {
  await Promise.all([...liveGroups].map((pgid) => stopGroup(pgid)));
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** True while any process of the group exists (zombies excluded). */
function groupAlive(pgid) {
  return processTable().some((p) => p.pgid === pgid && p.state !== "Z");
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `node <script> <args>` to completion in its own process group; resolves with its output.
 * @throws Error with the output tail when it exits non-zero or outlives `timeoutMs`.
 */
export function runNode(script, args, { timeoutMs = 300_000, cwd = ROOT, label = script } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd,
      env: WRANGLER_ENV,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    liveGroups.add(child.pid);
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n[bench] timed out after ${timeoutMs} ms`;
      signalGroup(child.pid, "SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      liveGroups.delete(child.pid);
      if (code === 0) resolve(output);
      else reject(new Error(`${label} failed (exit ${code}):\n${output.slice(-4000)}`));
    });
  });
}

/** Runs `wrangler <args>` to completion (see runNode). */
export const runWrangler = (args, options = {}) =>
  runNode(WRANGLER_JS, args, { label: `wrangler ${args.slice(0, 2).join(" ")}`, ...options });

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `wrangler dev` in its own process group, logging to `logFile`, and waits until
 * `healthPath` answers 200 (on `port`, or a free one). Returns { pid, port, url, stop() }.
 * @throws Error (with the log tail) when it exits early or is not healthy within `timeoutMs`.
 */
export async function startWranglerDev({
  name,
  args,
  logFile,
  healthPath,
  timeoutMs = 90_000,
  cwd = ROOT,
  port: wanted,
}) {
  const port = wanted ?? (await freePort());
  // wrangler dev always opens a devtools inspector; give each server its own free port for it.
  const inspectorPort = await freePort();
  const log = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [
      WRANGLER_JS,
      "dev",
      ...args,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd, env: WRANGLER_ENV, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  liveGroups.add(child.pid);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  child.on("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const server = { name, pid: child.pid, port, inspectorPort, url, logFile, stop: () => stopGroup(child.pid) };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(url + healthPath);
      await res.arrayBuffer();
      if (res.status === 200) return server;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  await server.stop();
  const tail = readFileSync(logFile, "utf8").slice(-3000);
  throw new Error(
    `${name}: wrangler dev ${exited ? "exited early" : "did not become healthy"}; log ${logFile}:\n${tail}`,
  );
}

/** Every process: pid, ppid, pgid, state and command name, from /proc (Linux). */
export function processTable() {
  const rows = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) rows.push(stat);
  }
  return rows;
}

/**
 * Parses /proc/<pid>/stat. Fields after the command name: state, ppid, pgrp, ..., utime (14th field
 * of the file), stime (15th), in clock ticks. Returns null when the process is gone.
 */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: fields[0],
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    utime: Number(fields[11]),
    stime: Number(fields[12]),
  };
}

/** User + system CPU time of a process in clock ticks, or null when it is gone. */
export function cpuTicks(pid) {
  const stat = readStat(pid);
  return stat ? stat.utime + stat.stime : null;
}

/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux almost everywhere). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** All descendants of `pid` (children, grandchildren, ...). */
export function descendants(pid) {
  const table = processTable();
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const p of table) {
      if (p.ppid === parent) {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

const cmdline = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
};

/**
 * The two workerd processes of a `wrangler dev` server: `runtime` runs the worker (and the local D1
 * it queries); `proxy` is wrangler's ProxyWorker, the one listening on the public port, which only
 * forwards requests. Measured separately: the worker's cost is the runtime's.
 */
export function workerdProcesses(server) {
  const workerds = descendants(server.pid).filter((p) => p.comm === "workerd" && p.state !== "Z");
  const publicSocket = `--socket-addr=entry=127.0.0.1:${server.port}`;
  const proxy = workerds.find((p) => cmdline(p.pid).includes(publicSocket));
  const runtime = workerds.find((p) => p !== proxy);
  if (!runtime) throw new Error(`${server.name}: no workerd runtime process under pid ${server.pid}`);
  return { runtime: runtime.pid, proxy: proxy?.pid ?? null };
}

/**
 * A wrangler.toml without its `[assets]` table. With static assets, local workerd runs the assets router
 * (and the asset worker's lookup) in front of the worker on every request, in the same runtime process
 * whose CPU the benchmark reads: about 0.6 ms per request on this machine (bench/profile.mjs
 * `--withoutAssets 2`), most of the app's fixed gap to the baseline, which has no assets. In production
 * that router is Cloudflare's, outside the worker's isolate and its billed CPU. The benchmark never asks
 * for an asset.
 */
export function withoutAssets(config) {
  const stripped = config.replace(/^\[assets\]\n(?:(?!\[).*\n)*/m, "");
  if (stripped === config || /^\[assets\]/m.test(stripped)) throw new Error("bench: no [assets] table to leave out");
  return stripped;
}

/**
 * Starts the app (the production bundle in `state`/dist) and the baseline (`state`/baseline-dist) under
 * `wrangler dev` on the shared D1 at `persist`; logs go to `state`/logs. The app runs without its
 * `[assets]` table (see `withoutAssets`) unless `assets` is true, so both sides run as bare workers.
 */
export async function startServers(state, persist, secret, { assets = false } = {}) {
  // REQUEST_LOG_MIN_MS as deployed (wrangler.toml [env.production.vars]): a log line only for errors and
  // slow requests, so the app is measured as it runs in production.
  const vars = [
    "--var",
    `JWT_SECRET:${secret}`,
    "--var",
    "ACCESS_TOKEN_TTL_SECONDS:3600",
    "--var",
    "REQUEST_LOG_MIN_MS:1000",
  ];
  // The load sends thousands of requests a minute as one user: the app still asks its per-user Rate Limiting
  // binding on every request (same CPU), but with a limit the benchmark never reaches. Written beside
  // wrangler.toml because its paths are relative to the config file.
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const config = (assets ? toml : withoutAssets(toml)).replace(
    /(name = "USER_RATE_LIMITER"[^[]*?simple = \{ limit = )\d+/,
    "$11000000000",
  );
  if (!config.includes("limit = 1000000000")) throw new Error("bench: USER_RATE_LIMITER not found in wrangler.toml");
  writeFileSync(join(ROOT, "wrangler.bench.toml"), config);
  return Promise.all([
    startWranglerDev({
      name: "app",
      args: [
        "-c",
        "wrangler.bench.toml",
        join(state, "dist", "index.js"),
        "--no-bundle",
        "--persist-to",
        persist,
        ...vars,
      ],
      logFile: join(state, "logs", "app.log"),
      healthPath: "/api/v1/health",
    }),
    startWranglerDev({
      name: "baseline",
      args: [
        "-c",
        "bench/baseline/wrangler.toml",
        join(state, "baseline-dist", "worker.js"),
        "--no-bundle",
        "--persist-to",
        persist,
        ...vars,
      ],
      logFile: join(state, "logs", "baseline.log"),
      healthPath: "/health",
    }),
  ]);
}
