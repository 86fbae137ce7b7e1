import type { D1Migration } from "cloudflare:test";

// The worker's bindings and `GlobalProps.mainModule` come from worker-configuration.d.ts (`npm run types`);
// the tests add the migrations the pool reads.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
