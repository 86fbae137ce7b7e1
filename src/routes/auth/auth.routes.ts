/**
 * HTTP contract of the accounts endpoints: paths, validators, throttling, status codes.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { createDb } from "../../db/client";
import type { AppEnv } from "../../env";
import { jsonBody } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { rateLimit } from "../../middleware/rate-limit";
import { deleteCurrentUser, getCurrentUser, loginUser, logoutSession, refreshSession, registerUser } from "./auth.handlers";
import { deleteAccountSchema, loginSchema, refreshTokenSchema, registerSchema } from "./auth.schemas";

const deps = (c: Context<AppEnv>) => ({ db: createDb(c.env.DB), config: c.get("config"), now: Date.now() });

export const authRoutes = new Hono<AppEnv>()
  .post("/register", rateLimit("register"), jsonBody(registerSchema), async (c) => {
    return c.json(await registerUser(deps(c), c.req.valid("json")), 201);
  })
  .post("/login", rateLimit("login"), jsonBody(loginSchema), async (c) => {
    return c.json(await loginUser(deps(c), c.req.valid("json")), 200);
  })
  .post("/refresh", rateLimit("refresh"), jsonBody(refreshTokenSchema), async (c) => {
    return c.json(await refreshSession(deps(c), c.req.valid("json").refresh_token), 200);
  })
  .post("/logout", jsonBody(refreshTokenSchema), async (c) => {
    await logoutSession(deps(c), c.req.valid("json").refresh_token);
    return c.body(null, 204);
  })
  .get("/me", requireAuth(), async (c) => {
    return c.json(await getCurrentUser(deps(c), c.get("auth")), 200);
  })
  .delete("/me", requireAuth(), rateLimit("delete-account"), jsonBody(deleteAccountSchema), async (c) => {
    await deleteCurrentUser(deps(c), c.get("auth"), c.req.valid("json").password);
    return c.body(null, 204);
  });
