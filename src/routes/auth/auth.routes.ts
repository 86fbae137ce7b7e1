/**
 * HTTP contract of the accounts endpoints: paths, validators, throttling, status codes.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps, publicDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { rateLimit } from "../../middleware/rate-limit";
import {
  deleteCurrentUser,
  getCurrentUser,
  loginUser,
  logoutSession,
  refreshSession,
  registerUser,
} from "./auth.handlers";
import {
  deleteAccountSchema,
  loginSchema,
  publicUserSchema,
  refreshTokenSchema,
  registerSchema,
  tokenPairSchema,
} from "./auth.schemas";

/** The example password of the documented requests. */
const password = "correct horse battery staple";

/** Registration, login, token refresh, logout and the account itself, under `/api/v1/auth`. */
export const authRoutes = new Hono<AppEnv>()
  .post(
    "/register",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "register",
        summary: "Create an account and its first session",
        tag: "accounts",
        example: { email: "ada@example.com", password },
        success: { status: 201, description: "The new user and a token pair.", schema: tokenPairSchema },
        errors: [409, 429],
      },
    ),
    rateLimit("register"),
    jsonBody(registerSchema),
    async (c) => {
      const client = { address: c.req.header("cf-connecting-ip"), userAgent: c.req.header("user-agent") };
      return c.json(await registerUser(publicDeps(c), c.req.valid("json"), client), 201);
    },
  )
  .post(
    "/login",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "login",
        summary: "Log in with email and password",
        tag: "accounts",
        example: { email: "ada@example.com", password },
        success: { status: 200, description: "A token pair for a new session.", schema: tokenPairSchema },
        errors: [401, 429],
      },
    ),
    rateLimit("login"),
    jsonBody(loginSchema),
    async (c) => {
      const client = { address: c.req.header("cf-connecting-ip"), userAgent: c.req.header("user-agent") };
      return c.json(await loginUser(publicDeps(c), c.req.valid("json"), client), 200);
    },
  )
  .post(
    "/refresh",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "refresh",
        summary: "Trade a refresh token for a new pair (rotation; reuse revokes the session)",
        tag: "accounts",
        success: {
          status: 200,
          description: "A new token pair; the old refresh token is spent.",
          schema: tokenPairSchema,
        },
        errors: [401, 429],
      },
    ),
    rateLimit("refresh"),
    jsonBody(refreshTokenSchema),
    async (c) => {
      return c.json(await refreshSession(publicDeps(c), c.req.valid("json").refresh_token), 200);
    },
  )
  .post(
    "/logout",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "logout",
        summary: "End the session of a refresh token (idempotent)",
        tag: "accounts",
        success: { status: 204, description: "The session has ended; its tokens stop working at once." },
        errors: [429],
      },
    ),
    rateLimit("logout"),
    jsonBody(refreshTokenSchema),
    async (c) => {
      await logoutSession(publicDeps(c), c.req.valid("json").refresh_token);
      return c.body(null, 204);
    },
  )
  .get(
    "/me",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getMe",
        summary: "The caller's account",
        tag: "accounts",
        success: { status: 200, description: "The account.", schema: publicUserSchema },
      },
    ),
    requireAuth("any"),
    async (c) => {
      return c.json(await getCurrentUser(authedDeps(c)), 200);
    },
  )
  .delete(
    "/me",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "deleteMe",
        summary: "Delete the account and everything it owns",
        tag: "accounts",
        success: { status: 204, description: "Deleted; the caller's tokens answer 401 from now on." },
        errors: [403, 429],
      },
    ),
    requireAuth("session"),
    rateLimit("delete-account"),
    jsonBody(deleteAccountSchema),
    async (c) => {
      await deleteCurrentUser(authedDeps(c), c.req.valid("json").password);
      return c.body(null, 204);
    },
  );
