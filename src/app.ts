/**
 * Assembles the API: middleware, the /api/v1 routes, the error renderer and the 404/405 answers.
 * Everything a request passes through is visible here, in order.
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed as allowHeader } from "hono/method-not-allowed";
import { isTransientD1Error, isUniqueViolation } from "./db/d1-errors";
import type { AppEnv } from "./env";
import {
  ApiError,
  conflict,
  internalError,
  malformedJson,
  methodNotAllowed,
  payloadTooLarge,
  routeNotFound,
  serviceUnavailable,
} from "./lib/errors";
import { problemResponse } from "./lib/problem";
import { authenticatedRoutes } from "./lib/route-docs";
import { registerRouteScopes } from "./lib/scopes";
import { limitBody } from "./middleware/body-limit";
import { d1Session } from "./middleware/d1-session";
import { requestContext } from "./middleware/request-context";
import { requestLog } from "./middleware/request-log";
import { type CorsPolicy, responseHeaders } from "./middleware/response-headers";
import { authRoutes } from "./routes/auth/auth.routes";
import { cardStateRoutes } from "./routes/card-states/card-states.routes";
import { deckRoutes } from "./routes/decks/decks.routes";
import { docsAssetRoutes, docsRoutes } from "./routes/docs/docs.routes";
import { exportRoutes } from "./routes/exports/exports.routes";
import { flashcardRoutes } from "./routes/flashcards/flashcards.routes";
import { generationErrorLogRoutes } from "./routes/generation-error-logs/generation-error-logs.routes";
import { generationRoutes } from "./routes/generations/generations.routes";
import { healthRoutes } from "./routes/health/health.routes";
import { importRoutes } from "./routes/imports/imports.routes";
import { openApiRoutes } from "./routes/openapi/openapi.routes";
import { reviewBatchRoutes } from "./routes/review-batch/review-batch.routes";
import { reviewExportRoutes } from "./routes/review-export/review-export.routes";
import { reviewRoutes } from "./routes/reviews/reviews.routes";
import { accountSecurityRoutes } from "./routes/sessions/sessions.routes";
import { settingsRoutes } from "./routes/settings/settings.routes";
import { statsRoutes, studyRoutes } from "./routes/study/study.routes";
import { studyHistoryRoutes } from "./routes/study-history/study-history.routes";
import { studySessionRoutes } from "./routes/study-sessions/study-sessions.routes";
import { syncRoutes } from "./routes/sync/sync.routes";
import { tagRoutes } from "./routes/tags/tags.routes";
import { tokenRoutes } from "./routes/tokens/tokens.routes";

/** Maps anything thrown to the ApiError the client sees. Unexpected errors become a generic 500. */
function toApiError(error: unknown, c: Context<AppEnv>): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    // hono's own validator and body parsing throw these.
    if (error.status === 400) return malformedJson();
    if (error.status === 413) return payloadTooLarge(c.get("config")?.maxBodyBytes ?? 0);
  }
  if (isUniqueViolation(error)) return conflict("The resource conflicts with an existing one.");
  if (isTransientD1Error(error)) return serviceUnavailable();
  return internalError();
}

/**
 * The response headers a browser client may read: exactly the non-safelisted headers the API sends
 * (test/cors-headers.test.ts checks that each one is sent by some code).
 */
export const EXPOSED_HEADERS = [
  "X-Request-Id",
  "Retry-After",
  "X-D1-Bookmark",
  "Content-Disposition",
  "ETag",
  "Idempotent-Replayed",
];

/** What browsers may do cross-origin (the origins come from `CORS_ORIGINS`, per environment). */
export const CORS_POLICY: CorsPolicy = {
  allowMethods: ["GET", "POST", "PATCH", "DELETE"],
  allowHeaders: [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Request-Id",
    "X-D1-Bookmark",
    "If-Match",
    "If-None-Match",
  ],
  exposeHeaders: EXPOSED_HEADERS,
  maxAgeSeconds: 600,
};

/** Builds the worker's Hono app. */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.use(requestContext());
  app.use(requestLog());
  app.use(responseHeaders(CORS_POLICY));
  app.use(
    allowHeader({
      app,
      onMethodNotAllowed: (c, allowed) => problemResponse(methodNotAllowed(c.req.method, allowed), c.get("requestId")),
    }),
  );
  // An import file has its own, larger limit (src/routes/imports).
  app.use(limitBody(["/api/v1/imports"]));
  app.use(d1Session());

  const routes = app
    .route("/api/v1/health", healthRoutes)
    .route("/api/v1/openapi.json", openApiRoutes)
    .route("/api/v1/docs", docsRoutes)
    .route("/docs", docsAssetRoutes)
    .route("/api/v1/auth", authRoutes)
    .route("/api/v1/auth/tokens", tokenRoutes)
    .route("/api/v1/auth", accountSecurityRoutes)
    .route("/api/v1/flashcards", flashcardRoutes)
    .route("/api/v1/flashcards", reviewRoutes)
    .route("/api/v1/decks", deckRoutes)
    .route("/api/v1/tags", tagRoutes)
    .route("/api/v1/reviews", reviewBatchRoutes)
    .route("/api/v1/reviews", reviewExportRoutes)
    .route("/api/v1/flashcards", cardStateRoutes)
    .route("/api/v1/sync", syncRoutes)
    .route("/api/v1/generations", generationRoutes)
    .route("/api/v1/generation-error-logs", generationErrorLogRoutes)
    .route("/api/v1/study", studyRoutes)
    .route("/api/v1/study-sessions", studySessionRoutes)
    .route("/api/v1/stats", statsRoutes)
    .route("/api/v1/stats", studyHistoryRoutes)
    .route("/api/v1/exports", exportRoutes)
    .route("/api/v1/settings", settingsRoutes)
    .route("/api/v1/imports", importRoutes);

  // Personal access token scopes come from the route declarations (requireAuth looks them up).
  registerRouteScopes(authenticatedRoutes(app));

  app.notFound((c) => problemResponse(routeNotFound(c.req.method, c.req.path), c.get("requestId")));

  app.onError((error, c) => {
    const apiError = toApiError(error, c);
    // Expected failures (ApiErrors such as an AI provider's 502) are in the request log already;
    // anything else is a bug or an outage and gets its stack logged.
    if (apiError.status >= 500 && !(error instanceof ApiError)) {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "unhandled error",
          request_id: c.get("requestId"),
          method: c.req.method,
          path: c.req.path,
          error:
            error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
        }),
      );
    }
    return problemResponse(apiError, c.get("requestId"));
  });

  return routes;
}

/** The app's type, for typed clients (`hc<AppType>` from hono/client). */
export type AppType = ReturnType<typeof createApp>;
