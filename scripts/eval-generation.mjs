// `npm run eval:generation`: bundles eval/run.ts with esbuild (the TypeScript sources need no build of their
// own), feeds it the corpus files and node's clock, prints the report. See EVALUATION.md.
// Usage: npm run eval:generation [-- --verbose | --json | --check | --provider openai]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const CORPUS_DIR = "test/fixtures/generation-eval";
const texts = {};
const annotations = {};
for (const file of readdirSync(CORPUS_DIR)) {
  const name = file.replace(/\.(txt|json)$/u, "");
  if (file.endsWith(".txt")) texts[name] = readFileSync(join(CORPUS_DIR, file), "utf8");
  if (file.endsWith(".json")) annotations[name] = JSON.parse(readFileSync(join(CORPUS_DIR, file), "utf8"));
}

const dir = mkdtempSync(join(tmpdir(), "eval-generation-"));
const outfile = join(dir, "run.mjs");
try {
  await build({
    entryPoints: ["eval/run.ts"],
    bundle: true,
    platform: "neutral",
    format: "esm",
    outfile,
    // wrangler.toml's [define] build constants (src/build-flags.d.ts), as in development.
    define: { LOCAL_AI_PROVIDER: "true", ROUTE_DOCS: "true" },
    logLevel: "warning",
  });
  const { runEvaluation } = await import(pathToFileURL(outfile).href);
  const { report, failed } = await runEvaluation({
    texts,
    annotations,
    args: process.argv.slice(2),
    env: process.env,
    // Process CPU time, not wall time: the machine is shared and a descheduled run must not look slow.
    clock: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    },
  });
  console.log(report);
  if (failed) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
