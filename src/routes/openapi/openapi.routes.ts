/**
 * Serves the OpenAPI document, generated once per isolate from the app's declared routes (their
 * `describeRoute` docs and the zod schemas their validators check), with the deployment's
 * `PUBLIC_URL` as its server.
 */
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { describeRoute, type RouteDoc } from "../../lib/route-docs";
import { buildOpenApiDocument } from "../../openapi/document";

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.looseObject({}),
});

/** The serialised document per public URL (one per deployment in practice). */
const documents = new Map<string, string>();

/**
 * `GET /api/v1/openapi.json`. `declared` returns the app's declared routes (`declaredRoutes(app)`); it is
 * called on the first request, once the whole app is mounted.
 */
export const openApiRoutes = (declared: () => RouteDoc[]) =>
  new Hono<AppEnv>().get(
    "/",
    describeRoute({
      operationId: "getOpenApiDocument",
      summary: "This OpenAPI 3.1 document",
      tag: "health",
      success: { status: 200, description: "The document.", schema: openApiDocumentSchema },
    }),
    (c) => {
      const { publicUrl } = c.get("config");
      let documentJson = documents.get(publicUrl);
      if (documentJson === undefined) {
        documentJson = JSON.stringify(buildOpenApiDocument(declared(), publicUrl));
        documents.set(publicUrl, documentJson);
      }
      return c.body(documentJson, 200, {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "public, max-age=300",
      });
    },
  );
