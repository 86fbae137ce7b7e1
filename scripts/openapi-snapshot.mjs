// Rewrites test/fixtures/openapi-snapshot.json from the document the app serves (in the Workers pool,
// like the tests), after an intended change to an existing operation. Usage: npm run openapi:snapshot
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";

const run = spawnSync("npx", ["vitest", "run", "test/openapi-snapshot.test.ts"], {
  env: { ...process.env, VITE_OPENAPI_SNAPSHOT: "1" },
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
const match = /OPENAPI-SNAPSHOT>>>([\s\S]*?)<<<OPENAPI-SNAPSHOT/.exec(run.stdout + run.stderr);
if (!match) {
  console.error(run.stdout, run.stderr);
  throw new Error("the served document was not printed");
}
const sortKeys = (value) =>
  Array.isArray(value)
    ? value.map(sortKeys)
    : value && typeof value === "object"
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, sortKeys(value[key])]),
        )
      : value;
const fixture = "test/fixtures/openapi-snapshot.json";
writeFileSync(fixture, `${JSON.stringify(sortKeys(JSON.parse(match[1])), null, 2)}\n`);
// The tree is formatted by Biome (biome ci in CI): format the fixture the same way.
spawnSync("npx", ["biome", "format", "--write", fixture], { stdio: "inherit" });
console.log("wrote test/fixtures/openapi-snapshot.json; review the diff and commit it with the change");
