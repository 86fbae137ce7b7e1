// The worker entry: only the default export is allowed here (wrangler dev rejects other exports).
import { createApp } from "./app";

export default createApp();
