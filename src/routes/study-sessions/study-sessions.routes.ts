/**
 * HTTP contract of the study-session endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema } from "../../lib/params";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import type { RouteDoc } from "../../openapi/route-doc";
import { finishSession, getSession, startSession } from "./study-sessions.handlers";
import {
  createSessionSchema,
  finishedSessionSchema,
  sessionProgressSchema,
  startedSessionSchema,
} from "./study-sessions.schemas";

export const studySessionRoutes = new Hono<AppEnv>()
  .post("/", requireAuth(), jsonBody(createSessionSchema), async (c) => {
    return c.json(await startSession(authedDeps(c), c.req.valid("json")), 201);
  })
  .get("/:id", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await getSession(authedDeps(c), c.req.valid("param").id), 200);
  })
  .post("/:id/finish", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await finishSession(authedDeps(c), c.req.valid("param").id), 200);
  });

export const studySessionDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/v1/study-sessions",
    operationId: "startStudySession",
    scope: "study",
    summary: "Start a study session with the current queue",
    tag: "study",
    body: createSessionSchema,
    example: { limit: 20 },
    success: { status: 201, description: "The session and its planned cards.", schema: startedSessionSchema },
  },
  {
    method: "get",
    path: "/api/v1/study-sessions/:id",
    operationId: "getStudySession",
    scope: "study",
    summary: "A session's progress: reviewed vs remaining",
    tag: "study",
    params: idParamSchema,
    success: { status: 200, description: "The progress.", schema: sessionProgressSchema },
    errors: [404],
  },
  {
    method: "post",
    path: "/api/v1/study-sessions/:id/finish",
    operationId: "finishStudySession",
    scope: "study",
    summary: "Finish a session and get its results",
    tag: "study",
    params: idParamSchema,
    success: { status: 200, description: "The session and its results.", schema: finishedSessionSchema },
    errors: [404, 409],
  },
];
