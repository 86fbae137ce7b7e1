/**
 * CORS `exposeHeaders` stays true to the headers the API sends: nothing is exposed that no code sends
 * (the old list had `Location`), and `Idempotent-Replayed` reaches browser clients (issue #11).
 */
import { describe, expect, it } from "vitest";
import { EXPOSED_HEADERS } from "../src/app";
import { api } from "./helpers/api";

const sources = import.meta.glob<string>("../src/**/*.ts", { query: "?raw", import: "default", eager: true });

/** Header names as quoted literals anywhere in the source but app.ts (where the exposed list itself lives). */
function quotedOutsideApp(name: string): boolean {
  return Object.entries(sources).some(([path, text]) => !path.endsWith("/src/app.ts") && text.includes(`"${name}"`));
}

describe("CORS exposed headers", () => {
  it("expose only headers that some part of the API sends", () => {
    // X-Request-Id is set by hono's requestId middleware; every other header is set by our own code.
    const phantom = EXPOSED_HEADERS.filter((name) => name !== "X-Request-Id" && !quotedOutsideApp(name));
    expect(phantom).toEqual([]);
  });

  it("are announced to an allowed origin, with Idempotent-Replayed and without Location", async () => {
    const res = await api("GET", "/api/v1/health", { headers: { origin: "http://localhost:5173" } });
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/\s*,\s*/);
    expect(exposed).toContain("idempotent-replayed");
    expect(exposed).not.toContain("location");
  });
});
