/**
 * Each route is declared once, on its Hono chain: method and path are written there, and its
 * documentation sits beside it as the first middleware, `describeRoute(ROUTE_DOCS && {...})`. The
 * validators (`validate`, `jsonBody`) and `requireAuth(scope?)` mark themselves with what they check, so the
 * OpenAPI builder reads params, query, headers, body, auth and scope from the very middleware that enforces them.
 * `declaredRoutes(app)` walks the mounted app's routes and returns one `RouteDoc` per described route:
 * the OpenAPI document, the route coverage test, the fuzzer and the fault injector all read that list.
 *
 *   export const thingRoutes = new Hono<AppEnv>()
 *     .get("/:id", describeRoute(ROUTE_DOCS && { operationId: "getThing", summary: "Read a thing", tag: "things",
 *                                  success: { status: 200, description: "The thing.", schema: thingSchema },
 *                                  errors: [404] }),
 *          requireAuth("study"), validate("param", idParamSchema), async (c) => …);
 *
 * `describeRoute` is a pass-through at run time (`return next()`); nothing else changes per request.
 * The document is built at build time (scripts/openapi-build.mjs) and served as a static asset, so the
 * deployed bundle needs no description (`ROUTE_DOCS` is false there: src/build-flags.d.ts).
 */
import type { MiddlewareHandler, ValidationTargets } from "hono";
import type * as z from "zod";
import type { RouteScope } from "./scopes";

/** The methods the API serves. */
export type HttpMethod = "get" | "post" | "patch" | "delete";

/** What a route's documentation says beyond what its validators and `requireAuth()` declare. */
export type RouteDescription = {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
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
  /** Non-JSON request bodies by media type (e.g. an import file as text/csv), beside the JSON body. */
  rawBodies?: Record<string, MediaDoc>;
};

/** A non-JSON body: its JSON Schema (usually `{ type: "string" }`) and an example. */
export type MediaDoc = { schema: Record<string, unknown>; example?: unknown };

/** One declared route: its description plus what the chain declares (method, full path, inputs, auth). */
export type RouteDoc = RouteDescription & {
  method: HttpMethod;
  /** The full Hono path, e.g. "/api/v1/flashcards/:id" (converted to "{id}" in the document). */
  path: string;
  /** Bearer token required (`requireAuth()` on the route). */
  auth: boolean;
  /**
   * What a personal access token needs here (src/lib/scopes.ts), as given to `requireAuth(scope)`: a scope,
   * `any` valid token, or `session` (tokens refused). Default: `cards:read` for GET, `cards:write` otherwise.
   */
  scope?: RouteScope;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
};

const DESCRIPTION = Symbol("route description");
const INPUT = Symbol("validated input");
const AUTH = Symbol("requires a bearer token");

type Marked = {
  [DESCRIPTION]?: RouteDescription;
  [INPUT]?: { target: keyof ValidationTargets; schema: z.ZodType };
  [AUTH]?: { scope?: RouteScope };
};

/**
 * Documents the route it is the first middleware of (a pass-through at run time). Call it as
 * `describeRoute(ROUTE_DOCS && {...})`: `ROUTE_DOCS` (wrangler.toml `[define]`) is false in the staging and
 * production builds, which serve the prebuilt OpenAPI document (src/routes/openapi/), so the minifier drops
 * the descriptions from the deployed bundle; nothing at run time reads them (scopes come from `requireAuth`).
 */
export function describeRoute(description: RouteDescription | false): MiddlewareHandler {
  return Object.assign(
    // Not async: a pass-through need not add a promise of its own to every request.
    function describedRoute(_c: unknown, next: () => Promise<void>) {
      return next();
    },
    { [DESCRIPTION]: description },
  ) as MiddlewareHandler;
}

/** Marks a validator middleware with the target and schema it checks (src/lib/validation.ts). */
export function markInput<T extends object>(middleware: T, target: keyof ValidationTargets, schema: z.ZodType): T {
  return Object.assign(middleware, { [INPUT]: { target, schema } });
}

/** Marks the middleware that requires a bearer token, with the scope a token needs (src/middleware/auth.ts). */
export function markAuth<T extends object>(middleware: T, scope?: RouteScope): T {
  return Object.assign(middleware, { [AUTH]: { scope } });
}

const INPUT_FIELD = { param: "params", query: "query", header: "headers", json: "body" } as const;

type MountedApp = { routes: readonly { method: string; path: string; handler: unknown }[] };

/** The middleware of each method and path of a mounted app, in registration order. */
function handlersByRoute(app: MountedApp) {
  const byRoute = new Map<string, Marked[]>();
  for (const route of app.routes) {
    const key = `${route.method} ${route.path}`;
    const handlers = byRoute.get(key) ?? [];
    handlers.push(route.handler as Marked);
    byRoute.set(key, handlers);
  }
  return [...byRoute].map(([key, handlers]) => {
    const [method, path] = key.split(" ") as [string, string];
    return { method, path, handlers, auth: handlers.find((h) => h[AUTH])?.[AUTH] };
  });
}

/**
 * Every route that requires a bearer token, with the scope its `requireAuth(scope)` names: what the scope
 * check needs at run time (src/lib/scopes.ts), read from the middleware alone, so it holds in a build
 * without the route descriptions.
 */
export const authenticatedRoutes = (app: MountedApp) =>
  handlersByRoute(app).flatMap(({ method, path, auth }) => (auth ? [{ method, path, scope: auth.scope }] : []));

/**
 * Every described route of a mounted app, in registration order, with its inputs and auth read from
 * the middleware on the same method and path.
 */
export function declaredRoutes(app: MountedApp) {
  const declared: RouteDoc[] = [];
  for (const { method, path, handlers, auth } of handlersByRoute(app)) {
    const description = handlers.find((h) => h[DESCRIPTION])?.[DESCRIPTION];
    if (!description) continue;
    const doc: RouteDoc = {
      ...description,
      method: method.toLowerCase() as HttpMethod,
      path,
      auth: auth !== undefined,
      ...(auth?.scope ? { scope: auth.scope } : {}),
    };
    for (const handler of handlers) {
      const input = handler[INPUT];
      const field = input && INPUT_FIELD[input.target as keyof typeof INPUT_FIELD];
      if (field) Object.assign(doc, { [field]: input.schema });
    }
    declared.push(doc);
  }
  return declared;
}
