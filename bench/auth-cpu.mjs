/**
 * CPU per request of register and login (PBKDF2-SHA256, 100,000 iterations) against GET /health, in
 * the workerd process that runs the worker under `wrangler dev` (user + system time from /proc, as
 * bench/run.mjs measures). Linux only. Usage: `node bench/auth-cpu.mjs [requests per kind, default 40]`.
 * Run `npm run predev` first (local secrets and migrations). The Free plan stops a request at 10 ms of CPU; see README "CPU of register and login".
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLK_TCK, cpuTicks, startWranglerDev, stopAllGroups, workerdProcesses } from "./lib/proc.mjs";

const perKind = Number(process.argv[2] ?? 40);
const dir = mkdtempSync(join(tmpdir(), "auth-cpu-"));
const server = await startWranglerDev({
  name: "app",
  args: [],
  logFile: join(dir, "wrangler.log"),
  healthPath: "/api/v1/health",
});

let ip = 0;
/** One request from a fresh client address (the auth limiter counts per address). */
async function call(method, path, body) {
  ip++;
  const res = await fetch(server.url + path, {
    method,
    headers: { "content-type": "application/json", "cf-connecting-ip": `10.9.${ip >> 8}.${ip & 255}` },
    body: body ? JSON.stringify(body) : undefined,
  });
  await res.arrayBuffer();
  return res.status;
}

try {
  const { runtime } = workerdProcesses(server);
  // Migrations and warm-up: one of each, not measured.
  const password = "benchmark password 0123";
  const email = `cpu-${Date.now()}@example.com`;
  await call("GET", "/api/v1/health");
  if ((await call("POST", "/api/v1/auth/register", { email, password })) !== 201) throw new Error("register failed");
  const kinds = {
    health: () => call("GET", "/api/v1/health"),
    register: () => call("POST", "/api/v1/auth/register", { email: `cpu-${Date.now()}-${ip}@example.com`, password }),
    login: () => call("POST", "/api/v1/auth/login", { email, password }),
  };
  const results = {};
  for (const [kind, run] of Object.entries(kinds)) {
    const before = cpuTicks(runtime);
    for (let i = 0; i < perKind; i++) {
      const status = await run();
      if (status >= 300) throw new Error(`${kind}: ${status}`);
    }
    results[kind] = (((cpuTicks(runtime) - before) / CLK_TCK) * 1000) / perKind;
  }
  for (const [kind, ms] of Object.entries(results)) console.log(`${kind.padEnd(9)} ${ms.toFixed(1)} ms CPU/request`);
  console.log(
    `PBKDF2 share: register ${(results.register - results.health).toFixed(1)} ms, login ${(results.login - results.health).toFixed(1)} ms above health`,
  );
} finally {
  await server.stop();
  await stopAllGroups();
}
