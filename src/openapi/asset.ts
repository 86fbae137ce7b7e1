/**
 * Where the prebuilt OpenAPI document lives among the static assets (`public/`, written by
 * scripts/openapi-build.mjs, not committed), and the placeholder its server URL carries until
 * `GET /api/v1/openapi.json` puts the deployment's `PUBLIC_URL` there.
 */

/** The asset's path (under /docs/, which only the worker serves: the file itself answers 404). */
export const OPENAPI_ASSET = "/docs/openapi.json";

/** The document's server URL as built; replaced by `PUBLIC_URL` when served. */
export const PUBLIC_URL_SLOT = "{PUBLIC_URL}";
