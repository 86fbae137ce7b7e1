#!/usr/bin/env node
/**
 * CPU profile of the app's fixed per-request JavaScript (issue #19: the gap to the hand-written
 * baseline), taken inside workerd through the devtools inspector, on the production bundle as it ships.
 *
 *   node bench/profile.mjs [--port 8712] [--requests 2000] [--only health,get,list,search]
 *   node bench/profile.mjs --against <other index.js> [--rounds 5] [--requests 2000]
 *
 * Builds the bundle, starts `wrangler dev` on a fresh local D1 (bench/.state/profile/), registers one
 * user with 100 cards, then per scenario: warms up, records a V8 CPU profile while sending `--requests`
 * requests over 4 connections, writes it to bench/.state/profile/<scenario>.cpuprofile (open it in
 * Chrome DevTools or speedscope) and prints the functions with the most self time and the inclusive time
 * of every named function (the profile's build is unminified so that every function has its name).
 *
 * With `--against`, no profiler: an A/B of this worktree's production bundle (minified, as shipped)
 * against another built bundle (e.g. a copy of main's `bench/.state/profile/dist/index.js` saved
 * earlier), both on the same D1 and token, rounds alternating, CPU of each workerd runtime per request
 * from /proc. Only the ratio of the two columns means something on a shared machine.
 * Not a test and not part of `npm run bench`: a tool to find what to cut and check that a cut pays.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { call } from "./lib/http.mjs";
import {
  CLK_TCK,
  cpuTicks,
  freePort,
  ROOT,
  runWrangler,
  startWranglerDev,
  stopAllGroups,
  withoutAssets,
  workerdProcesses,
} from "./lib/proc.mjs";

const STATE = join(ROOT, "bench", ".state", "profile");

function parseArgs(argv) {
  const options = {
    port: 8712,
    requests: 2000,
    only: "health,get,list",
    connections: 4,
    against: "",
    rounds: 5,
    withoutAssets: 0,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "");
    if (!(name in options)) throw new Error(`unknown option ${argv[i]} (known: ${Object.keys(options).join(", ")})`);
    options[name] = typeof options[name] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  return options;
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  // wrangler's inspector proxy wants a local Origin (undici's WebSocket cannot set one; `ws` comes with wrangler).
  const socket = new WebSocket(target.webSocketDebuggerUrl, { origin: "http://localhost" });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  let nextId = 1;
  const pending = new Map();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data));
    const waiter = message.id !== undefined && pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
    else waiter.resolve(message.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/** Sends `amount` requests over `connections` concurrent loops; every answer must be 2xx. */
async function drive(server, request, amount, connections) {
  let sent = 0;
  const loop = async () => {
    while (sent < amount) {
      const { path, headers } = request(sent++);
      const res = await fetch(server.url + path, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
}

/** Self time per function and inclusive time per named function, in ms per request. */
function summarise(profile, requests) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const label = (node) => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const file = url ? url.split("/").pop() : "";
    return `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}:${columnNumber + 1}`;
  };
  const selfByLabel = new Map();
  const inclusiveByName = new Map();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    total += ms;
    selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + ms);
    // Inclusive: every distinct function name on the stack (counted once per sample stack).
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at).callFrame.functionName;
      if (!name || seen.has(name)) continue;
      seen.add(name);
      inclusiveByName.set(name, (inclusiveByName.get(name) ?? 0) + ms);
    }
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => `  ${((ms / requests) * 1000).toFixed(1).padStart(7)} µs/req  ${name}`)
      .join("\n");
  const idle = selfByLabel.get("(idle) :0:1") ?? 0;
  return [
    `sampled ${(((total - idle) / requests) * 1000).toFixed(1)} µs/req busy (${requests} requests)`,
    "self time:",
    top(selfByLabel, 40),
    "inclusive time:",
    top(inclusiveByName, 60),
  ].join("\n");
}

/** Starts `wrangler dev` on `bundle` (an index.js) with the shared D1 and secret. */
function startApp(name, bundle, port, persist, config = "wrangler.profile.toml") {
  return startWranglerDev({
    name,
    port,
    args: [
      "-c",
      config,
      bundle,
      "--no-bundle",
      "--persist-to",
      persist,
      "--var",
      "JWT_SECRET:profile-secret-profile-secret-profile-secret",
      "--var",
      "ACCESS_TOKEN_TTL_SECONDS:3600",
      "--var",
      "REQUEST_LOG_MIN_MS:1000",
    ],
    logFile: join(STATE, `${name}.log`),
    healthPath: "/api/v1/health",
  });
}

/** One user with 100 cards, and the request of each scenario. */
async function seed(server) {
  const registered = await call(server, "POST", "/api/v1/auth/register", {
    body: { email: `profile-${Date.now()}@example.com`, password: "profile password 0123" },
  });
  const token = registered.access_token;
  const created = await call(server, "POST", "/api/v1/flashcards", {
    token,
    body: {
      flashcards: Array.from({ length: 100 }, (_, i) => ({
        front: `Question ${i} about mitochondria`,
        back: `Answer ${i}`,
        source: "manual",
      })),
    },
  });
  const ids = created.data.map((card) => card.id);
  const auth = { authorization: `Bearer ${token}` };
  return {
    health: () => ({ path: "/api/v1/health", headers: {} }),
    get: (i) => ({ path: `/api/v1/flashcards/${ids[i % ids.length]}`, headers: auth }),
    list: () => ({ path: "/api/v1/flashcards", headers: auth }),
    search: () => ({ path: "/api/v1/flashcards?q=xylophone", headers: auth }),
  };
}

/** Records one CPU profile per scenario through the devtools inspector. */
async function profileScenarios(server, scenarios, options) {
  const devtools = await inspector(server.inspectorPort);
  await devtools.send("Profiler.enable");
  await devtools.send("Profiler.setSamplingInterval", { interval: 50 });
  for (const key of options.only.split(",")) {
    const request = scenarios[key];
    if (!request) throw new Error(`unknown scenario ${key} (known: ${Object.keys(scenarios).join(", ")})`);
    await drive(server, request, 300, options.connections);
    await devtools.send("Profiler.start");
    await drive(server, request, options.requests, options.connections);
    const { profile } = await devtools.send("Profiler.stop");
    const file = join(STATE, `${key}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`\n== ${key} (${file})\n${summarise(profile, options.requests)}`);
  }
  devtools.close();
}

/** CPU ms per request of the server's workerd runtime over `amount` requests. */
async function cpuPerRequest(server, request, options) {
  const { runtime } = workerdProcesses(server);
  const before = cpuTicks(runtime);
  await drive(server, request, options.requests, options.connections);
  return (((cpuTicks(runtime) - before) / CLK_TCK) * 1000) / options.requests;
}

/** A/B: both servers, rounds alternating which goes first; prints CPU ms per request and the ratio. */
async function compare(servers, scenarios, options) {
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const key of options.only.split(",")) {
    const request = scenarios[key];
    for (const server of servers) await drive(server, request, 300, options.connections);
    const results = servers.map(() => []);
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) results[i].push(await cpuPerRequest(servers[i], request, options));
    }
    const [mine, theirs] = results.map(median);
    console.log(
      `${key.padEnd(8)} this ${mine.toFixed(3)} ms/req  against ${theirs.toFixed(3)} ms/req  ratio ${(mine / theirs).toFixed(3)}` +
        `  (rounds: ${results.map((r) => r.map((v) => v.toFixed(2)).join(" ")).join(" | ")}; load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})`,
    );
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(join(STATE, "d1"), { recursive: true });
  const persist = join(STATE, "d1");
  await Promise.all([
    options.against
      ? // The A/B measures the production bundle as it ships (minified).
        runWrangler(["deploy", "--dry-run", "--env", "production", "--outdir", join(STATE, "dist")])
      : // The production build unminified, so the profile names every function (the code is the same).
        runWrangler(["deploy", "--dry-run", "--env", "production", "--no-minify", "--outdir", join(STATE, "dist")]),
    runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]),
  ]);
  // The per-user rate limit must not stop thousands of requests (as in bench/lib/proc.mjs).
  const config = readFileSync(join(ROOT, "wrangler.toml"), "utf8").replace(
    /(name = "USER_RATE_LIMITER"[^[]*?simple = \{ limit = )\d+/,
    "$11000000000",
  );
  writeFileSync(join(ROOT, "wrangler.profile.toml"), config);
  // `--withoutAssets 1`: both servers run without the [assets] block (the assets router in front of the
  // worker, which local workerd runs in the same process); `2`: only the `--against` server (its cost).
  writeFileSync(join(ROOT, "wrangler.profile-noassets.toml"), withoutAssets(config));
  try {
    const noAssets = "wrangler.profile-noassets.toml";
    const ownConfig = options.withoutAssets === 1 ? noAssets : "wrangler.profile.toml";
    const server = await startApp("app", join(STATE, "dist", "index.js"), options.port, persist, ownConfig);
    const scenarios = await seed(server);
    if (!options.against) await profileScenarios(server, scenarios, options);
    else {
      mkdirSync(join(STATE, "against"), { recursive: true });
      copyFileSync(options.against, join(STATE, "against", "index.js"));
      const againstConfig = options.withoutAssets ? noAssets : "wrangler.profile.toml";
      const other = await startApp(
        "against",
        join(STATE, "against", "index.js"),
        await freePort(),
        persist,
        againstConfig,
      );
      await compare([server, other], scenarios, options);
    }
  } finally {
    await stopAllGroups();
  }
}

main().catch(async (error) => {
  console.error(error);
  await stopAllGroups();
  process.exit(1);
});
