/**
 * Serves the OpenAPI document. The document is built from the app's declared routes (their
 * `describeRoute` docs and the zod schemas their validators check) at build time, by
 * `npm run openapi:build` (scripts/openapi-build.mjs; wrangler's `[build]` command and the test setup run
 * it), into the static asset `OPENAPI_ASSET`: the builder and zod's JSON Schema conversion never enter the
 * worker bundle. This route adds the deployment's `PUBLIC_URL` as its server, once per isolate.
 */
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { describeRoute } from "../../lib/route-docs";
import { OPENAPI_ASSET, PUBLIC_URL_SLOT } from "../../openapi/asset";

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.looseObject({}),
});

/** The serialised document per public URL (one per deployment in practice). */
const documents = new Map<string, string>();

/** `GET /api/v1/openapi.json`. */
export const openApiRoutes = new Hono<AppEnv>().get(
  "/",
  describeRoute(
    ROUTE_DOCS && {
      operationId: "getOpenApiDocument",
      summary: "This OpenAPI 3.1 document",
      tag: "health",
      success: { status: 200, description: "The document.", schema: openApiDocumentSchema },
    },
  ),
  async (c) => {
    const { publicUrl } = c.get("config");
    let documentJson = documents.get(publicUrl);
    if (documentJson === undefined) {
      const asset = await c.env.ASSETS.fetch(new URL(OPENAPI_ASSET, c.req.url));
      if (!asset.ok) throw new Error(`${OPENAPI_ASSET} is missing from the static assets: run npm run openapi:build`);
      documentJson = (await asset.text()).replace(JSON.stringify(PUBLIC_URL_SLOT), JSON.stringify(publicUrl));
      documents.set(publicUrl, documentJson);
    }
    return c.body(documentJson, 200, {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "public, max-age=300",
    });
  },
);
