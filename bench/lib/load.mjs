/**
 * Measured runs: autocannon drives one request shape at a server with a fixed number of connections
 * and requests, while the CPU time of the server's processes is read from /proc before and after.
 */
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { CLK_TCK, cpuTicks, descendants, readStat, workerdProcesses } from "./proc.mjs";

/** Busy clock ticks of the whole machine (all CPUs) from /proc/stat (idle, iowait and steal excluded). */
function machineBusyTicks() {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq] = fields;
  return user + nice + system + irq + softirq;
}

/** Ticks of the wrangler node processes of a server (the CLI and its child; not the workerds). */
function wranglerNodeTicks(server) {
  const nodes = [readStat(server.pid), ...descendants(server.pid)].filter(
    (p) => p && p.comm !== "workerd" && p.comm !== "esbuild",
  );
  return nodes.reduce((sum, p) => sum + p.utime + p.stime, 0);
}

/** The runner's own CPU (autocannon included), in ticks. */
const ownTicks = () => {
  const { user, system } = process.cpuUsage();
  return ((user + system) / 1e6) * CLK_TCK;
};

/**
 * Sends `amount` requests of `scenario` to `server` over `connections` connections.
 * `scenario.request(i)` returns { method, path, headers, body } for the i-th request sent.
 * Resolves with autocannon's result and the wall time from start to the last response (autocannon
 * notices the end only on its sampling tick, so its own duration overstates short runs), and the first
 * non-2xx answer (status and the start of its body) for the error message.
 */
export async function drive(server, scenario, { connections, amount }) {
  let sent = 0;
  let lastResponse = 0;
  let firstFailure = null;
  const started = performance.now();
  const result = await autocannon({
    url: server.url,
    connections,
    amount,
    timeout: 30,
    sampleInt: 100,
    requests: [
      {
        ...scenario.request(0),
        setupRequest: (request) => ({ ...request, ...scenario.request(sent++) }),
        onResponse: (status, body) => {
          lastResponse = performance.now();
          if (status >= 300 && !firstFailure) firstFailure = `${status} ${String(body ?? "").slice(0, 300)}`;
        },
      },
    ],
  });
  return { result, seconds: (lastResponse - started) / 1000, firstFailure };
}

/**
 * One measured run. Returns requests/s, latency percentiles (ms), CPU ms per request of the worker
 * runtime (the number compared) and of wrangler's dev proxy and CLI (reported for context), and how
 * many CPU cores other programs used meanwhile.
 * @throws Error when any response is not 2xx, a request failed, or the runtime restarted mid-run.
 */
export async function measure(server, scenario, options) {
  const procs = workerdProcesses(server);
  const before = {
    runtime: cpuTicks(procs.runtime),
    proxy: procs.proxy ? cpuTicks(procs.proxy) : 0,
    cli: wranglerNodeTicks(server),
    machine: machineBusyTicks(),
    own: ownTicks(),
  };
  const { result, seconds, firstFailure } = await drive(server, scenario, options);
  const after = {
    runtime: cpuTicks(procs.runtime),
    proxy: procs.proxy ? cpuTicks(procs.proxy) : 0,
    cli: wranglerNodeTicks(server),
    machine: machineBusyTicks(),
    own: ownTicks(),
  };
  if (after.runtime === null || workerdProcesses(server).runtime !== procs.runtime) {
    throw new RestartedError(`${server.name}: the workerd runtime restarted during ${scenario.name}`);
  }
  const responses = result.requests.total;
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0 || responses < options.amount) {
    const codes = Object.entries(result.statusCodeStats ?? {})
      .map(([code, { count }]) => `${code}×${count}`)
      .join(", ");
    throw new Error(
      `${server.name} ${scenario.name}: ${result.non2xx} non-2xx (${codes}), ${result.errors} errors, ${result.timeouts} timeouts, ${responses}/${options.amount} responses${firstFailure ? `; first: ${firstFailure}` : ""}`,
    );
  }
  const msPerTick = 1000 / CLK_TCK;
  const ours =
    after.runtime - before.runtime + (after.proxy - before.proxy) + (after.cli - before.cli) + (after.own - before.own);
  return {
    requests: responses,
    seconds,
    rps: responses / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMs: ((after.runtime - before.runtime) * msPerTick) / responses,
    proxyCpuMs: ((after.proxy - before.proxy) * msPerTick) / responses,
    cliCpuMs: ((after.cli - before.cli) * msPerTick) / responses,
    runtimeTicks: after.runtime - before.runtime,
    otherCores: Math.max(0, (after.machine - before.machine - ours) / CLK_TCK / seconds),
  };
}

/** The workerd runtime was replaced mid-run (wrangler reloaded the worker): the run is void. */
export class RestartedError extends Error {}

/**
 * `measure` with up to `attempts` tries when the runtime restarts mid-run (wrangler dev reloads on
 * file changes); other failures are not retried.
 */
export async function measureWithRetry(server, scenario, options, attempts = 3, onRetry = () => {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await measure(server, scenario, options);
    } catch (error) {
      if (!(error instanceof RestartedError) || attempt >= attempts) throw error;
      onRetry(error);
    }
  }
}
