// Runs before every test file: the real migrations on the file's own, isolated local D1.
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
