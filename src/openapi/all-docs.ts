/**
 * Every route's documentation, in the order the document lists them.
 */

import * as z from "zod";
import { authDocs } from "../routes/auth/auth.routes";
import { docsDocs } from "../routes/docs/docs.routes";
import { flashcardDocs } from "../routes/flashcards/flashcards.routes";
import { generationErrorLogDocs } from "../routes/generation-error-logs/generation-error-logs.routes";
import { generationDocs } from "../routes/generations/generations.routes";
import { healthDocs } from "../routes/health/health.routes";
import { reviewDocs } from "../routes/reviews/reviews.routes";
import { studyDocs } from "../routes/study/study.routes";
import { studySessionDocs } from "../routes/study-sessions/study-sessions.routes";
import type { RouteDoc } from "./route-doc";

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.looseObject({}),
});

const openApiDoc: RouteDoc = {
  method: "get",
  path: "/api/v1/openapi.json",
  operationId: "getOpenApiDocument",
  summary: "This OpenAPI 3.1 document",
  tag: "health",
  auth: false,
  success: { status: 200, description: "The document.", schema: openApiDocumentSchema },
};

export const allRouteDocs: RouteDoc[] = [
  ...healthDocs,
  openApiDoc,
  ...docsDocs,
  ...authDocs,
  ...flashcardDocs,
  ...reviewDocs,
  ...generationDocs,
  ...generationErrorLogDocs,
  ...studyDocs,
  ...studySessionDocs,
];
