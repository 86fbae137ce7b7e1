// scripts/openapi-build.mjs runs when imported (vitest.config.ts); it exports nothing.
export {};
