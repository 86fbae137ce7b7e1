/**
 * Serves the OpenAPI document, generated once per isolate from the route docs and zod schemas, with
 * the deployment's `PUBLIC_URL` as its server.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { buildOpenApiDocument } from "../../openapi/document";
import { allRouteDocs } from "../all-docs";

/** The serialised document per public URL (one per deployment in practice). */
const documents = new Map<string, string>();

export const openApiRoutes = new Hono<AppEnv>().get("/", (c) => {
  const { publicUrl } = c.get("config");
  let documentJson = documents.get(publicUrl);
  if (documentJson === undefined) {
    documentJson = JSON.stringify(buildOpenApiDocument(allRouteDocs, publicUrl));
    documents.set(publicUrl, documentJson);
  }
  return c.body(documentJson, 200, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "public, max-age=300",
  });
});
