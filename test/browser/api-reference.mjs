/**
 * The API reference in a real browser: starts `wrangler dev`, opens GET /api/v1/docs in Debian's
 * headless Chromium (driven by playwright-core; no browser download), checks that every operation of
 * the served OpenAPI document is listed, that "try it out" on GET /health shows the answer, and that
 * the page logged no error (a Content-Security-Policy violation would be one).
 * Run by `.ci/browser.sh` (after `npm run predev`). Needs /usr/bin/chromium (`apt-get install chromium`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { freePort, startWranglerDev, stopAllGroups } from "../../bench/lib/proc.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const failures = [];
const check = (ok, message) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${message}`);
  if (!ok) failures.push(message);
};

const dir = mkdtempSync(join(tmpdir(), "api-reference-"));
// The document's server must be this very server, so "try it" calls it (same origin).
const port = await freePort();
let server;
let browser;
try {
  server = await startWranglerDev({
    name: "app",
    args: ["--var", `PUBLIC_URL:http://127.0.0.1:${port}`],
    port,
    logFile: join(dir, "wrangler.log"),
    healthPath: "/api/v1/health",
  });
  const document = await (await fetch(`${server.url}/api/v1/openapi.json`)).json();
  const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));

  // A fresh profile directory per run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("response", (response) => response.status() >= 400 && errors.push(`${response.status()} ${response.url()}`));
  const external = [];
  page.on("request", (request) => {
    if (!request.url().startsWith(server.url) && !request.url().startsWith("data:")) external.push(request.url());
  });

  await page.goto(`${server.url}/api/v1/docs`, { waitUntil: "networkidle" });
  await page.waitForSelector(".opblock", { timeout: 30_000 });

  // Every operation is listed (Swagger UI gives each block the id operations-<tag>-<operationId>).
  const listed = await page.$$eval(".opblock", (blocks) => blocks.map((block) => block.id));
  const missing = operations.filter((op) => !listed.includes(`operations-${op.tags[0]}-${op.operationId}`));
  check(operations.length > 10, `the document has ${operations.length} operations`);
  check(
    missing.length === 0,
    `every operation is listed (missing: ${missing.map((op) => op.operationId).join(", ") || "none"})`,
  );

  // Try it out on GET /health.
  const health = page.locator("#operations-health-getHealth");
  await health.locator(".opblock-summary").click();
  await health.locator("button.try-out__btn").click();
  await health.locator("button.execute").click();
  const body = health.locator(".live-responses-table .response-col_description pre").first();
  await body.waitFor({ timeout: 15_000 });
  const text = (await body.textContent()) ?? "";
  check(
    /"status":\s*"ok"/.test(text),
    `try it on GET /health shows the answer (${text.replace(/\s+/g, " ").slice(0, 80)})`,
  );
  const status = (await health.locator(".live-responses-table tbody .response-col_status").first().textContent()) ?? "";
  check(status.trim() === "200", `try it on GET /health shows status 200 (${status.trim()})`);

  check(external.length === 0, `nothing loaded from outside this worker (${external.join(", ") || "none"})`);
  check(errors.length === 0, `no console errors (${errors.join(" | ") || "none"})`);
} catch (error) {
  failures.push(String(error?.stack ?? error));
  console.error(error);
} finally {
  await browser?.close();
  await server?.stop();
  await stopAllGroups();
  rmSync(dir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`browser test failed: ${failures.length} check(s)`);
  process.exit(1);
}
console.log("browser test passed");
