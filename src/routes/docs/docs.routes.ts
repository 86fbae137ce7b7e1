/**
 * The interactive API reference: `GET /api/v1/docs` is a small HTML page that loads Swagger UI from
 * this worker's static assets (public/docs/, not the code bundle, not a CDN) and points it at the
 * served OpenAPI document, so it also works offline under `npm run dev`. The assets under /docs/* are
 * routed through the worker (`run_worker_first` in wrangler.toml) only so they carry the same
 * security headers as every other response.
 */
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { routeNotFound } from "../../lib/errors";
import { describeRoute } from "../../lib/route-docs";
import { OPENAPI_ASSET } from "../../openapi/asset";

/**
 * Only this origin's scripts and styles (Swagger UI sets style attributes, hence 'unsafe-inline' for
 * styles only); requests ("try it") only to this origin; never framed.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flashcards API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/vendor/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/docs/vendor/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** `GET /api/v1/docs`: the reference page. */
export const docsRoutes = new Hono<AppEnv>().get(
  "/",
  describeRoute(
    ROUTE_DOCS && {
      operationId: "getApiReference",
      summary: "This reference, interactive (Swagger UI)",
      tag: "health",
      success: {
        status: 200,
        description: "An HTML page that renders this document and can call the API (try it out).",
        mediaType: "text/html",
        schema: z.string(),
      },
    },
  ),
  (c) =>
    c.body(PAGE, 200, {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": DOCS_CSP,
      "Cache-Control": "public, max-age=300",
    }),
);

/** `/docs/*`: the page's static assets, fetched from the ASSETS binding with the app's headers added. */
export const docsAssetRoutes = new Hono<AppEnv>().get("/*", async (c) => {
  // The prebuilt OpenAPI document is served at /api/v1/openapi.json only, with the deployment's server.
  const asset = c.req.path === OPENAPI_ASSET ? null : await c.env.ASSETS.fetch(c.req.raw);
  // Like every other miss, a missing asset is a problem document.
  if (!asset || asset.status === 404) throw routeNotFound(c.req.method, c.req.path);
  // Responses from a binding have immutable headers; copy so the app's middleware can add its own.
  const response = new Response(asset.body, asset);
  response.headers.set("Content-Security-Policy", DOCS_CSP);
  return response;
});
