/**
 * HTTP contract of the study-session endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema } from "../../lib/params";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { finishSession, getSession, startSession } from "./study-sessions.handlers";
import {
  createSessionSchema,
  finishedSessionSchema,
  sessionProgressSchema,
  startedSessionSchema,
} from "./study-sessions.schemas";

/** Start, read and finish study sessions, under `/api/v1/study-sessions`. */
export const studySessionRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "startStudySession",
        summary: "Start a study session with the current queue",
        tag: "study",
        example: { limit: 20 },
        success: { status: 201, description: "The session and its planned cards.", schema: startedSessionSchema },
      },
    ),
    requireAuth("study"),
    jsonBody(createSessionSchema),
    async (c) => {
      return c.json(await startSession(authedDeps(c), c.req.valid("json")), 201);
    },
  )
  .get(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getStudySession",
        summary: "A session's progress: reviewed vs remaining",
        tag: "study",
        success: { status: 200, description: "The progress.", schema: sessionProgressSchema },
        errors: [404],
      },
    ),
    requireAuth("study"),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await getSession(authedDeps(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/finish",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "finishStudySession",
        summary: "Finish a session and get its results",
        tag: "study",
        success: { status: 200, description: "The session and its results.", schema: finishedSessionSchema },
        errors: [404, 409],
      },
    ),
    requireAuth("study"),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await finishSession(authedDeps(c), c.req.valid("param").id), 200);
    },
  );
