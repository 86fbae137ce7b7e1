/**
 * Serves the OpenAPI document, generated once per isolate from the route docs and zod schemas.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { allRouteDocs } from "../../openapi/all-docs";
import { buildOpenApiDocument } from "../../openapi/document";

let documentJson: string | undefined;

export const openApiRoutes = new Hono<AppEnv>().get("/", (c) => {
  documentJson ??= JSON.stringify(buildOpenApiDocument(allRouteDocs));
  return c.body(documentJson, 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "public, max-age=300",
  });
});
