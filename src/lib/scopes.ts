/**
 * Personal access token scopes and which one each route needs. A route's scope is part of its
 * declaration (`requireAuth(scope)` on its chain); `registerRouteScopes` indexes `authenticatedRoutes(app)`
 * once at app assembly and `requireAuth()` looks the matched route up, so the table in the plan, the OpenAPI
 * document (`declaredRoutes`), the enforcement and the tests all read the same declaration.
 */

/** What a token may be granted. */
export const TOKEN_SCOPES = ["cards:read", "cards:write", "study", "generate"] as const;
/** One scope a personal access token may hold. */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * What a route needs from a token: one scope, `any` (every valid token: e.g. who am I), or `session`
 * (a password-authenticated session only: tokens, sessions, password, account deletion).
 */
export type RouteScope = TokenScope | "any" | "session";

type Declared = { method: string; path: string; auth?: boolean; scope?: RouteScope };

/**
 * The scope of a declared authenticated route. Explicit when given; otherwise by convention: a GET
 * reads (`cards:read`), anything else writes cards (`cards:write`).
 */
export const declaredScope = (doc: Declared): RouteScope =>
  doc.scope ?? (doc.method.toLowerCase() === "get" ? "cards:read" : "cards:write");

const byRoute = new Map<string, RouteScope>();
const routeKey = (method: string, path: string) =>
  `${method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase()} ${path}`;

/** Indexes the declarations' scopes (called once by the app factory). */
export function registerRouteScopes(docs: readonly Declared[]): void {
  for (const doc of docs) if (doc.auth !== false) byRoute.set(routeKey(doc.method, doc.path), declaredScope(doc));
}

/** The scope a route needs; an undeclared route needs a session (fail closed). */
export const scopeOf = (method: string, routePath: string): RouteScope =>
  byRoute.get(routeKey(method, routePath)) ?? "session";
