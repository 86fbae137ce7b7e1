/**
 * Builds the OpenAPI document from the app's declared routes (`declaredRoutes(createApp())`, the same
 * builder the tests check) into public/docs/openapi.json, the static asset `GET /api/v1/openapi.json`
 * serves (src/routes/openapi/), so neither the builder nor the route descriptions are in the worker bundle.
 * Runs as wrangler's `[build]` command (dev, deploy, `npm run build`) and in the test setup
 * (vitest.config.ts); by hand: `npm run openapi:build`. The file is not committed (.gitignore). Writes only
 * when the document changed, so `wrangler dev` does not reload for nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const output = join(root, "public", "docs", "openapi.json");
const scratch = mkdtempSync(join(tmpdir(), "openapi-"));
const outfile = join(scratch, "build.mjs");

// The app as the tests see it (every build-time flag on), bundled for Node in memory.
await build({
  stdin: {
    contents: `
      import { createApp } from "./src/app";
      import { declaredRoutes } from "./src/lib/route-docs";
      import { PUBLIC_URL_SLOT } from "./src/openapi/asset";
      import { buildOpenApiDocument } from "./src/openapi/document";
      export const document = buildOpenApiDocument(declaredRoutes(createApp()), PUBLIC_URL_SLOT);`,
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  platform: "neutral",
  mainFields: ["module", "main"],
  format: "esm",
  outfile,
  define: { LOCAL_AI_PROVIDER: "true", ROUTE_DOCS: "true" },
  logLevel: "error",
});
let document;
try {
  ({ document } = await import(pathToFileURL(outfile).href));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const json = JSON.stringify(document);
if (!existsSync(output) || readFileSync(output, "utf8") !== json) {
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, json);
  console.log(`openapi: wrote ${output.slice(root.length + 1)} (${(json.length / 1024).toFixed(1)} KiB)`);
}
