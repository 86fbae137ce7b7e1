/**
 * What the OpenAPI document says about one route. Each routes module exports its docs next to the
 * routes, using the very zod schemas its validators use; src/openapi/document.ts assembles them.
 */
import type * as z from "zod";
import type { RouteScope } from "../lib/scopes";

export type HttpMethod = "get" | "post" | "patch" | "delete";

export type RouteDoc = {
  method: HttpMethod;
  /** The full Hono path, e.g. "/api/v1/flashcards/:id" (converted to "{id}" in the document). */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Bearer token required (default true). */
  auth?: boolean;
  /**
   * What a personal access token needs here (src/lib/scopes.ts): a scope, `any` valid token, or
   * `session` (tokens refused). Default: `cards:read` for GET, `cards:write` otherwise.
   */
  scope?: RouteScope;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** Non-JSON request bodies by media type (e.g. an import file as text/csv), beside `body`'s JSON. */
  rawBodies?: Record<string, MediaDoc>;
  success: {
    status: 200 | 201 | 204;
    description: string;
    schema?: z.ZodType;
    /** The success body's media type (default application/json). */
    mediaType?: string;
    /** Non-JSON response bodies by media type (e.g. a streamed CSV export); replaces `schema`'s JSON. */
    content?: Record<string, MediaDoc>;
    headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
  };
  /** Other success answers, e.g. the 200 event stream beside a 201 JSON body (content negotiated by Accept). */
  alternatives?: Array<{ status: 200 | 201; description: string; content: Record<string, MediaDoc> }>;
  /** Error statuses beyond those implied (400 with input, 401 with auth, 413/415 with a body, 500, 503). */
  errors?: number[];
  /** An example request body. */
  example?: unknown;
};

/** A non-JSON body: its JSON Schema (usually `{ type: "string" }`) and an example. */
export type MediaDoc = { schema: Record<string, unknown>; example?: unknown };
