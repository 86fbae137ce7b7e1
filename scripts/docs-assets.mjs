/**
 * Copies Swagger UI's browser bundle and stylesheet from node_modules/swagger-ui-dist into
 * public/docs/vendor/, where wrangler serves them as Workers static assets (never in the worker's code
 * bundle, never from a CDN). Runs after `npm install`/`npm ci` and before `npm run dev`; the copies are
 * not committed (.gitignore).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "node_modules", "swagger-ui-dist");
const to = join(root, "public", "docs", "vendor");
mkdirSync(to, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"])
  copyFileSync(join(from, file), join(to, file));
