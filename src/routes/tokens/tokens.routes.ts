/**
 * HTTP contract of the personal access token endpoints (`/auth/tokens`): session-only (a token can
 * never mint, list or delete tokens).
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema } from "../../lib/params";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { createToken, deleteToken, listTokens } from "./tokens.handlers";
import { createdTokenSchema, createTokenSchema, tokenListSchema } from "./tokens.schemas";

/** Create, list and revoke personal access tokens, under `/api/v1/auth/tokens`. */
export const tokenRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "createAccessToken",
        summary: "Create a personal access token (the secret is shown once)",
        description:
          "For scripts and integrations: send it as `Authorization: Bearer fcpat_…` to the endpoints its scopes cover. Needs a logged-in session (a token cannot create tokens).",
        tag: "accounts",
        example: { name: "anki sync script", scopes: ["cards:read", "cards:write"], expires_in_days: 90 },
        success: { status: 201, description: "The token, with its secret in `token`.", schema: createdTokenSchema },
        errors: [409],
      },
    ),
    requireAuth("session"),
    jsonBody(createTokenSchema),
    async (c) => {
      return c.json(await createToken(authedDeps(c), c.req.valid("json")), 201);
    },
  )
  .get(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listAccessTokens",
        summary: "The caller's personal access tokens (never their secrets)",
        tag: "accounts",
        success: { status: 200, description: "Newest first.", schema: tokenListSchema },
      },
    ),
    requireAuth("session"),
    async (c) => {
      return c.json(await listTokens(authedDeps(c)), 200);
    },
  )
  .delete(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "deleteAccessToken",
        summary: "Revoke a personal access token",
        tag: "accounts",
        success: { status: 204, description: "Revoked; the token answers 401 from the next request on." },
        errors: [404],
      },
    ),
    requireAuth("session"),
    validate("param", idParamSchema),
    async (c) => {
      await deleteToken(authedDeps(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
