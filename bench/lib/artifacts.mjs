/**
 * Bundle and startup: the production build's raw and gzip size (with what it is made of, from
 * esbuild's metafile), and the startup CPU profile written by `wrangler check startup`.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { runWrangler } from "./proc.mjs";

/**
 * Builds the production bundle (`wrangler deploy --dry-run --env production`, minified as deployed)
 * into `dir`: index.js, the upload bundle `worker.bundle` for `check startup`, and `meta.json`.
 */
export async function buildProduction(dir) {
  const output = await runWrangler([
    "deploy",
    "--dry-run",
    "--env",
    "production",
    "--outdir",
    dir,
    "--outfile",
    join(dir, "worker.bundle"),
    "--metafile",
    join(dir, "meta.json"),
  ]);
  return { dir, wranglerSays: /Total Upload: ([^\n]+)/.exec(output)?.[1]?.trim() ?? null };
}

/** Raw and gzip (zlib default level, as `wrangler deploy` computes it) size of the bundle, and bytes per package. */
export function bundleSize(dir) {
  const code = readFileSync(join(dir, "index.js"));
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  const [, output] = Object.entries(meta.outputs).find(([file]) => file.endsWith("index.js"));
  const byPackage = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
    const key = pkg ?? (file.startsWith("src/") ? "src (the app)" : file);
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return {
    rawBytes: code.length,
    gzipBytes: gzipSync(code).length,
    sha256: createHash("sha256").update(code).digest("hex").slice(0, 16),
    byPackage: [...byPackage].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, bytes })),
  };
}

/**
 * Runs `wrangler check startup` on the built upload bundle `times` times and summarises each
 * profile: its span, the sampled busy time (samples not in "(idle)"), GC time, and the top
 * functions by self time (minified names; see the .cpuprofile for the flame graph).
 */
export async function startupProfiles(dir, times) {
  const runs = [];
  for (let i = 0; i < times; i++) {
    const file = join(dir, `startup-${i + 1}.cpuprofile`);
    await runWrangler(["check", "startup", "--worker", join(dir, "worker.bundle"), "--outfile", file]);
    runs.push({ file, bytes: statSync(file).size, ...summariseProfile(JSON.parse(readFileSync(file, "utf8"))) });
  }
  return runs;
}

/** Totals of a V8 .cpuprofile: span, sampled busy time, idle, GC, and the top self-time frames (ms). */
export function summariseProfile(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let sampled = 0;
  let idle = 0;
  let gc = 0;
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = nodes.get(id)?.callFrame ?? { functionName: "?" };
    const name = frame.functionName || "(anonymous)";
    sampled += delta;
    if (name === "(idle)") idle += delta;
    if (name === "(garbage collector)") gc += delta;
    const key = frame.url ? `${name} (${frame.url.split("/").pop()}:${frame.lineNumber + 1})` : name;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  return {
    spanMs: (profile.endTime - profile.startTime) / 1000,
    samples: profile.samples.length,
    busyMs: sampled - idle,
    gcMs: gc,
    top: [...self]
      .filter(([name]) => name !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, ms]) => ({ name, ms })),
  };
}
