/**
 * Every route's documentation, in the order the document lists them.
 */

import * as z from "zod";
import type { RouteDoc } from "../openapi/route-doc";
import { authDocs } from "./auth/auth.routes";
import { deckDocs } from "./decks/decks.routes";
import { docsDocs } from "./docs/docs.routes";
import { exportDocs } from "./exports/exports.routes";
import { flashcardDocs } from "./flashcards/flashcards.routes";
import { generationErrorLogDocs } from "./generation-error-logs/generation-error-logs.routes";
import { generationDocs } from "./generations/generations.routes";
import { healthDocs } from "./health/health.routes";
import { importDocs } from "./imports/imports.routes";
import { reviewBatchDocs } from "./review-batch/review-batch.routes";
import { reviewDocs } from "./reviews/reviews.routes";
import { accountSecurityDocs } from "./sessions/sessions.routes";
import { settingsDocs } from "./settings/settings.routes";
import { studyDocs } from "./study/study.routes";
import { studySessionDocs } from "./study-sessions/study-sessions.routes";
import { tagDocs } from "./tags/tags.routes";
import { tokenDocs } from "./tokens/tokens.routes";

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
  ...accountSecurityDocs,
  ...tokenDocs,
  ...flashcardDocs,
  ...reviewDocs,
  ...deckDocs,
  ...tagDocs,
  ...reviewBatchDocs,
  ...generationDocs,
  ...generationErrorLogDocs,
  ...studyDocs,
  ...studySessionDocs,
  ...exportDocs,
  ...settingsDocs,
  ...importDocs,
];
