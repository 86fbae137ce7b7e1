/**
 * Checks real responses against the served OpenAPI document: the response's status must be
 * documented for the operation, its media type must match, and its body must validate against the
 * schema of that status (JSON Schema 2020-12, @cfworker/json-schema: no eval, runs in workerd).
 */
import { Validator } from "@cfworker/json-schema";
import { type ApiResponse, api } from "./api";

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: object }> }> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

let documentPromise: Promise<Document> | undefined;

/** The served document (fetched once per test file). */
export function openApiDocument(): Promise<Document> {
  documentPromise ??= api<Document>("GET", "/api/v1/openapi.json").then((res) => res.body);
  return documentPromise;
}

/** Every operation of the document by operationId, with its method and path. */
export async function operations(): Promise<Map<string, Operation & { method: string; path: string }>> {
  const doc = await openApiDocument();
  const map = new Map<string, Operation & { method: string; path: string }>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods))
      map.set(operation.operationId, { ...operation, method, path });
  }
  return map;
}

/**
 * Throws unless the response matches the document for `operationId`.
 * Returns the media type checked, for the caller's bookkeeping.
 */
export async function assertMatchesContract(operationId: string, res: ApiResponse): Promise<void> {
  const doc = await openApiDocument();
  const operation = (await operations()).get(operationId);
  if (!operation) throw new Error(`operation ${operationId} is not documented`);
  const response = operation.responses[String(res.status)];
  if (!response) throw new Error(`${operationId}: status ${res.status} is not documented (${res.text.slice(0, 200)})`);
  if (!response.content) {
    if (res.text.length > 0) throw new Error(`${operationId}: ${res.status} should have no body`);
    return;
  }
  const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const content = response.content[mediaType];
  if (!content)
    throw new Error(
      `${operationId}: ${res.status} answered ${mediaType}, documented ${Object.keys(response.content).join(", ")}`,
    );
  // Refs point at #/components/...: validate against a root that carries the components.
  const validator = new Validator({ ...content.schema, components: doc.components } as never, "2020-12", false);
  const result = validator.validate(mediaType.includes("json") ? res.body : res.text);
  if (!result.valid) {
    const errors = result.errors
      .slice(0, 5)
      .map((e) => `${e.instanceLocation}: ${e.error}`)
      .join("; ");
    throw new Error(`${operationId} ${res.status} does not match the document: ${errors}`);
  }
}
