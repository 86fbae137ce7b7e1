/**
 * D1 round trips per endpoint: runs bench/round-trips.test.ts (vitest, Workers pool, the project's
 * countingD1 wrapper) and reads the table it prints as `ROUND_TRIPS_JSON [...]`.
 */
import { join } from "node:path";
import { ROOT, runNode } from "./proc.mjs";

const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");
const MARKER = "ROUND_TRIPS_JSON ";

/**
 * Runs the round-trip test; resolves with its rows ({ kind, endpoint, trips, statements, budget,
 * target, status }).
 * @throws Error when the test fails (a budget was exceeded) or printed no table.
 */
export async function countRoundTrips() {
  const output = await runNode(VITEST, ["run", "bench/round-trips.test.ts"], {
    timeoutMs: 180_000,
    label: "vitest bench/round-trips.test.ts",
  });
  const line = output.split("\n").find((l) => l.includes(MARKER));
  if (!line) throw new Error(`bench/round-trips.test.ts printed no ${MARKER.trim()} line:\n${output.slice(-3000)}`);
  return JSON.parse(line.slice(line.indexOf(MARKER) + MARKER.length));
}
