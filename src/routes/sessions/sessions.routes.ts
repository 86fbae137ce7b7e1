/**
 * HTTP contract of the account-security endpoints under `/auth`: sessions, logout everywhere, password
 * change. Session-only: a personal access token can never manage sessions or the password.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema } from "../../lib/params";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { rateLimit } from "../../middleware/rate-limit";
import { changePassword, listSessions, logoutEverywhere, revokeSessionById } from "./sessions.handlers";
import { changePasswordSchema, sessionListSchema } from "./sessions.schemas";

/** Password change, sessions and logout everywhere, under `/api/v1/auth`. */
export const accountSecurityRoutes = new Hono<AppEnv>()
  .post(
    "/password",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "changePassword",
        summary: "Change the password; ends every other session and revokes every personal access token",
        tag: "accounts",
        example: { current_password: "correct horse battery staple", new_password: "a brand new passphrase 7" },
        success: { status: 204, description: "Changed; this session stays, all others and all tokens end." },
        errors: [403, 429],
      },
    ),
    requireAuth("session"),
    rateLimit("password"),
    jsonBody(changePasswordSchema),
    async (c) => {
      await changePassword(authedDeps(c), c.req.valid("json"));
      return c.body(null, 204);
    },
  )
  .get(
    "/sessions",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listSessions",
        summary: "The caller's live sessions (logins), the current one marked",
        tag: "accounts",
        success: { status: 200, description: "Newest first (at most 100).", schema: sessionListSchema },
      },
    ),
    requireAuth("session"),
    async (c) => {
      return c.json(await listSessions(authedDeps(c)), 200);
    },
  )
  .delete(
    "/sessions/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "revokeSession",
        summary: "End one session (log a device out)",
        tag: "accounts",
        success: { status: 204, description: "Ended; its tokens answer 401 from the next request on." },
        errors: [404],
      },
    ),
    requireAuth("session"),
    validate("param", idParamSchema),
    async (c) => {
      await revokeSessionById(authedDeps(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .post(
    "/logout-all",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "logoutAll",
        summary: "End every session, this one too, and revoke every personal access token",
        tag: "accounts",
        success: { status: 204, description: "Everything ended." },
      },
    ),
    requireAuth("session"),
    async (c) => {
      await logoutEverywhere(authedDeps(c));
      return c.body(null, 204);
    },
  );
