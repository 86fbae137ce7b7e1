/**
 * Builds the OpenAPI 3.1 document from the route docs and the same zod schemas the validators use,
 * so the contract cannot drift from the code. Built once per isolate, on first request.
 */
import * as z from "zod";
import { version } from "../../package.json";
import { problemDocumentSchema } from "../lib/problem";
import type { RouteDoc } from "../lib/route-docs";
import { declaredScope } from "../lib/scopes";

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: `errors` names each invalid field and rule (`validation_failed`; at most 20, `errors_omitted` counts the rest; field code `common_password` at registration), malformed JSON (`malformed_json`), a bad cursor (`invalid_cursor`) or a malformed `X-D1-Bookmark` (`invalid_bookmark`).",
  401: "Missing, invalid or expired credentials, or an ended session.",
  403: "The re-entered password is wrong (`invalid_password`), or a personal access token lacks the scope or may not do this at all (`insufficient_scope`).",
  404: "Not found, or not yours (the two are indistinguishable).",
  409: "Conflict with the current state (the `code` says which, e.g. `email_taken`, `review_conflict`, `session_finished`, `card_not_in_session`, `idempotency_key_in_use`, `proposal_already_accepted`).",
  413: "Request body over the size limit.",
  415: "The body is not `application/json`.",
  304: "Not modified: the row is still at the version named in `If-None-Match` (no body).",
  410: "Gone: the cursor is older than the pruned change history (`cursor_expired`); sync again from the start.",
  412: "The row changed since the version named in `If-Match` (`precondition_failed`).",
  422: "The Idempotency-Key was used with another body (`idempotency_key_reused`), the review is dated in the future (`review_in_future`), or an AI card is not a proposal of its generation (`not_a_proposal`).",
  429: "Too many requests: per-network throttling or the per-caller limit of 600 a minute (`rate_limited`), an account in login back-off (`login_throttled`) or the generation quota (`quota_exceeded`); see `Retry-After`.",
  500: "Unexpected error; quote `request_id` when reporting it.",
  502: "The AI provider failed or answered unusable output.",
  503: "Temporarily unavailable (database or AI provider); see `Retry-After`.",
  504: "The AI provider did not answer in time.",
};

const TAG_DESCRIPTIONS: Record<string, string> = {
  health: "Liveness and this contract.",
  accounts:
    "Registration, login, rotating refresh tokens, logout, sessions, password change, personal access tokens, account deletion.",
  flashcards: "Create (by hand or from AI proposals), list, search, edit and delete cards.",
  generations: "AI flashcard proposals from pasted text, and the record of failures.",
  study: "FSRS reviews, the study queue, study sessions and statistics.",
  portability: "Imports from Anki and spreadsheets, streamed exports, and the whole-account round trip.",
};

/** Every operation accepts and answers the D1 bookmark (src/middleware/d1-session.ts). */
const BOOKMARK_PARAMETER = { $ref: "#/components/parameters/D1Bookmark" };
const BOOKMARK_HEADER = { $ref: "#/components/headers/D1Bookmark" };
const D1_BOOKMARK_DESCRIPTION =
  "D1 read replication: send back the `X-D1-Bookmark` of an earlier response to read at least that state (your own writes, your logout) on any replica. A malformed value is refused with 400 `invalid_bookmark`.";

const RETRY_AFTER = { description: "Seconds to wait before retrying.", schema: { type: "integer", minimum: 1 } };
const WWW_AUTHENTICATE = { description: '`Bearer realm="flashcards-api"`', schema: { type: "string" } };

/** Converts a zod schema; named sub-schemas (meta id) go to `components` and are referenced. */
function converter(components: Record<string, JsonSchema>) {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        if (key === "$schema") continue;
        if (key === "$defs") {
          for (const [name, def] of Object.entries(value as Record<string, unknown>))
            components[name] = rewrite(def) as JsonSchema;
          continue;
        }
        out[key] =
          key === "$ref" && typeof value === "string"
            ? value.replace("#/$defs/", "#/components/schemas/")
            : rewrite(value);
      }
      return out;
    }
    return node;
  };
  return (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
    // A schema with a meta id comes back as a $ref into its own $defs, which rewrite() has just
    // moved into components: the $ref is the answer.
    return rewrite(z.toJSONSchema(schema, { io, unrepresentable: "any" })) as JsonSchema;
  };
}

/** Turns an object schema's properties into OpenAPI parameters. */
function parameters(
  convert: ReturnType<typeof converter>,
  schema: z.ZodObject | undefined,
  location: "path" | "query" | "header",
) {
  if (!schema) return [];
  const json = convert(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || (json.required ?? []).includes(name),
    ...(typeof property.description === "string" ? { description: property.description } : {}),
    schema: property,
  }));
}

/** The document for the given route docs; `publicUrl` (config `PUBLIC_URL`) is its one server. */
export function buildOpenApiDocument(docs: RouteDoc[], publicUrl = "http://localhost:8787") {
  const components: Record<string, JsonSchema> = {};
  const convert = converter(components);
  const problem = convert(problemDocumentSchema, "output");
  const paths: Record<string, Record<string, unknown>> = {};

  for (const doc of docs) {
    const { auth } = doc;
    const hasInput = Boolean(doc.params || doc.query || doc.headers || doc.body || doc.rawBodies);
    const statuses = new Set<number>([...(doc.errors ?? []), 500, 503]);
    if (hasInput) statuses.add(400);
    if (auth) {
      statuses.add(401);
      statuses.add(403); // insufficient_scope: a personal access token beyond its scopes
      // The per-caller rate limit (USER_RATE_LIMITER) applies to every authenticated route.
      statuses.add(429);
    }
    const scope = auth ? declaredScope(doc) : null;
    if (doc.body || doc.rawBodies) {
      statuses.add(413);
      statuses.add(415);
    }
    statuses.add(400); // a malformed X-D1-Bookmark, on every operation
    const responses: Record<string, unknown> = {
      [doc.success.status]: {
        description: doc.success.description,
        headers: { ...doc.success.headers, "X-D1-Bookmark": BOOKMARK_HEADER },
        ...(doc.success.content
          ? { content: doc.success.content }
          : doc.success.schema
            ? {
                content: {
                  [doc.success.mediaType ?? "application/json"]: { schema: convert(doc.success.schema, "output") },
                },
              }
            : {}),
      },
    };
    for (const alternative of doc.alternatives ?? []) {
      responses[alternative.status] = {
        description: alternative.description,
        headers: { "X-D1-Bookmark": BOOKMARK_HEADER },
        content: alternative.content,
      };
    }
    for (const status of [...statuses].sort()) {
      const headers: Record<string, unknown> = {};
      if (status === 401) headers["WWW-Authenticate"] = WWW_AUTHENTICATE;
      if (status === 429 || status === 503) headers["Retry-After"] = RETRY_AFTER;
      if (status === 304) {
        responses[status] = { description: ERROR_DESCRIPTIONS[status] };
        continue;
      }
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? "Error.",
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        content: { "application/problem+json": { schema: problem } },
      };
    }
    const path = doc.path.replace(/:(\w+)/g, "{$1}");
    paths[path] ??= {};
    paths[path][doc.method] = {
      operationId: doc.operationId,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags: [doc.tag],
      security: !auth
        ? []
        : scope === "session"
          ? [{ bearerAuth: [] }]
          : [{ bearerAuth: [] }, { personalAccessToken: scope === "any" ? [] : [scope] }],
      parameters: [
        BOOKMARK_PARAMETER,
        ...parameters(convert, doc.params, "path"),
        ...parameters(convert, doc.query, "query"),
        ...parameters(convert, doc.headers, "header"),
      ],
      ...(doc.body || doc.rawBodies
        ? {
            requestBody: {
              required: true,
              content: {
                ...doc.rawBodies,
                ...(doc.body
                  ? {
                      "application/json": {
                        schema: convert(doc.body, "input"),
                        ...(doc.example !== undefined ? { example: doc.example } : {}),
                      },
                    }
                  : {}),
              },
            },
          }
        : {}),
      responses,
    };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Flashcards API",
      version,
      description:
        "Turn pasted text into flashcards with AI, curate them, and learn them with FSRS spaced repetition. Every error is an RFC 9457 problem document with a stable `code`.",
      license: { name: "UNLICENSED", identifier: "LicenseRef-Proprietary" },
    },
    servers: [{ url: publicUrl, description: "This deployment (PUBLIC_URL)" }],
    tags: [...new Set(docs.map((doc) => doc.tag))].map((name) => ({
      name,
      description: TAG_DESCRIPTIONS[name] ?? name,
    })),
    paths,
    components: {
      schemas: components,
      parameters: {
        D1Bookmark: {
          name: "X-D1-Bookmark",
          in: "header",
          required: false,
          description: D1_BOOKMARK_DESCRIPTION,
          schema: { type: "string", pattern: "^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$" },
        },
      },
      headers: {
        D1Bookmark: {
          description: "The request's latest D1 bookmark; send it back to read your own writes on any replica.",
          schema: { type: "string" },
        },
      },
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "The access token of a logged-in session (15 minutes; refresh with the refresh token).",
        },
        personalAccessToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "fcpat_…",
          description:
            "A personal access token (`POST /auth/tokens`). An operation lists the scope it needs (`cards:read`, `cards:write`, `study`, `generate`); operations without this scheme refuse tokens (403 `insufficient_scope`).",
        },
      },
    },
  };
}

/** The served OpenAPI document's type. */
export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
