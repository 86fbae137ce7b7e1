// Build-time constants: wrangler.toml's `[define]` sets them `true` for development and tests (and
// scripts/openapi-build.mjs), `false` in the staging and production builds, so the minifier drops what they
// guard from the deployed bundle (issue #19's bundle budget).

/** The deterministic local AI provider and its language data (src/ai/select-provider.ts). */
declare const LOCAL_AI_PROVIDER: boolean;
/**
 * The route descriptions and the schemas' documentation, read only to build the OpenAPI document:
 * `describeRoute(ROUTE_DOCS && {...})`, `.meta(ROUTE_DOCS ? {...} : {})`.
 */
declare const ROUTE_DOCS: boolean;
