// The worker entry: only the default export is allowed here (wrangler dev rejects other exports).
// It is the Hono app (fetch) with the Cron Trigger's `scheduled` handler beside it.
import { createApp } from "./app";
import { scheduled } from "./scheduled";

export default Object.assign(createApp(), { scheduled });
