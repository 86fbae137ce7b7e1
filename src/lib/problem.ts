/**
 * Renders an ApiError as an `application/problem+json` response (RFC 9457).
 */
import * as z from "zod";
import { type ApiError, fieldErrorSchema } from "./errors";

/** Where the `type` URIs of our problems point; one page per `code` in the API docs. */
const PROBLEM_TYPE_BASE = "https://flashcards-api.dev/problems/";

/** The body of every non-2xx response (RFC 9457 plus `code`, `request_id` and field `errors`). */
export const problemDocumentSchema = z
  .object({
    type: z.url(),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    code: z
      .string()
      .meta(ROUTE_DOCS ? { description: "Stable machine-readable error code; clients branch on it." } : {}),
    request_id: z.string(),
    errors: z
      .array(fieldErrorSchema)
      .optional()
      .meta(ROUTE_DOCS ? { description: "One entry per invalid field, at most 20." } : {}),
    errors_omitted: z
      .int()
      .min(1)
      .optional()
      .meta(
        ROUTE_DOCS ? { description: "How many more invalid fields there were beyond the 20 listed in `errors`." } : {},
      ),
  })
  .meta(ROUTE_DOCS ? { id: "Problem", title: "Problem document" } : {});

/** The JSON body of every error response. */
export type ProblemDocument = z.infer<typeof problemDocumentSchema>;

/** Builds the problem document body for an error. */
export function toProblem(error: ApiError, requestId: string): ProblemDocument {
  return {
    type: PROBLEM_TYPE_BASE + error.code,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    request_id: requestId,
    ...(error.errors && error.errors.length > 0 ? { errors: error.errors } : {}),
    ...(error.errorsOmitted ? { errors_omitted: error.errorsOmitted } : {}),
  };
}

/** The full response: problem body, its media type, and the error's own headers (Allow, Retry-After, ...). */
export function problemResponse(error: ApiError, requestId: string): Response {
  const headers = new Headers(error.headers);
  headers.set("Content-Type", "application/problem+json");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(toProblem(error, requestId)), { status: error.status, headers });
}
