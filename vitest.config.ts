import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // The served OpenAPI document is a static asset built from the routes' declarations by wrangler's [build]
  // command, which the pool does not run: build it before the pool reads public/.
  await import("./scripts/openapi-build.mjs");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: await readD1Migrations("migrations"),
            // A fixed test secret; real deployments use `wrangler secret put JWT_SECRET`.
            JWT_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
          },
        },
      }),
    ],
    test: {
      // Rate-limit tests may wait up to 15 s for a fresh limiter window (test/helpers/rate-window.ts).
      testTimeout: 30_000,
      setupFiles: ["./test/apply-migrations.ts"],
      // The app logs one JSON line per request; keep test output readable (errors still show).
      onConsoleLog: (log: string) => !log.includes('"msg":"request"'),
    },
  };
});
