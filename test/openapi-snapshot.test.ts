/**
 * The served OpenAPI document keeps every operation and schema of `test/fixtures/openapi-snapshot.json`,
 * the document as served before routes were declared once (issue #11), modulo ordering of keys and
 * arrays. New operations and schemas may be added; changing an existing one on purpose means updating
 * the fixture in the same commit: `npm run openapi:snapshot` (scripts/openapi-snapshot.mjs) rewrites it
 * from the served document.
 */
import { describe, expect, it } from "vitest";
import snapshot from "./fixtures/openapi-snapshot.json";
import { api } from "./helpers/api";

/** Sorts object keys and array elements recursively, so only content is compared. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(normalise).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, normalise(inner)]),
    );
  }
  return value;
}

type Doc = {
  info: unknown;
  servers: unknown;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; securitySchemes: unknown };
};

describe("the served OpenAPI document against the snapshot", async () => {
  const response = await api("GET", "/api/v1/openapi.json");
  const served = response.body as Doc;
  const before = snapshot as unknown as Doc;

  // `npm run openapi:snapshot` sets this to capture the served document (see the script).
  if (import.meta.env.VITE_OPENAPI_SNAPSHOT) console.log(`OPENAPI-SNAPSHOT>>>${response.text}<<<OPENAPI-SNAPSHOT`);

  it("keeps info, servers, security schemes and every tag", () => {
    expect(normalise(served.info)).toEqual(normalise(before.info));
    expect(normalise(served.servers)).toEqual(normalise(before.servers));
    expect(served.components.securitySchemes).toEqual(before.components.securitySchemes);
    expect(normalise(served.tags)).toEqual(expect.arrayContaining(normalise(before.tags) as unknown[]));
  });

  const operations = Object.entries(before.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => [method, path] as const),
  );
  it.each(operations)("keeps %s %s unchanged", (method, path) => {
    expect(normalise(served.paths[path]?.[method])).toEqual(normalise(before.paths[path]?.[method]));
  });

  it("keeps every component schema", () => {
    for (const [name, schema] of Object.entries(before.components.schemas)) {
      expect(normalise(served.components.schemas[name]), name).toEqual(normalise(schema));
    }
  });
});
