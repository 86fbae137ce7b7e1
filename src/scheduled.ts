/**
 * The Cron Trigger (wrangler.toml `[triggers]`, hourly): prunes what expires, with bounded work per run
 * (src/db/prune.ts), on the primary (`first-primary`: deletes are writes). Logs one JSON line with what
 * went, for Workers Logs.
 */
import { createDb } from "./db/client";
import { pruneExpired } from "./db/prune";
import type { Bindings } from "./env";

/** The `scheduled` handler: the run's instant is the controller's scheduled time (a controlled clock in tests). */
export async function scheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  const db = createDb(env.DB.withSession("first-primary"));
  const pruned = await pruneExpired(db, controller.scheduledTime);
  console.log(JSON.stringify({ level: "info", msg: "pruned", cron: controller.cron, ...pruned }));
}
