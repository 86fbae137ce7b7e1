/**
 * Issue #17's acceptance: the served OpenAPI document documents the generation options, `duplicate_of`, the
 * generation's deck and tags, the text/event-stream response, and the acceptance fields of #12 item 3.
 */
import { describe, expect, it } from "vitest";
import { openApiDocument, operations } from "./helpers/contract";

type Schema = {
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
  anyOf?: Schema[];
  required?: string[];
  [key: string]: unknown;
};

/** Follows a local $ref into components. */
async function resolve(schema: Schema | undefined): Promise<Schema> {
  if (!schema) throw new Error("no schema");
  if (!schema.$ref) return schema;
  const doc = (await openApiDocument()) as unknown as { components: { schemas: Record<string, Schema> } };
  const found = doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")];
  if (!found) throw new Error(`unresolved ${schema.$ref}`);
  return found;
}

async function operation(id: string) {
  const op = (await operations()).get(id) as unknown as {
    requestBody: { content: Record<string, { schema: Schema }> };
    responses: Record<string, { content?: Record<string, { schema: Schema }>; description: string }>;
  };
  expect(op, id).toBeDefined();
  return op;
}

describe("the OpenAPI document of POST /generations", () => {
  it("documents the options count, language, deck_id and tags", async () => {
    const op = await operation("createGeneration");
    const body = await resolve(op.requestBody.content["application/json"]?.schema);
    expect(Object.keys(body.properties ?? {}).sort()).toEqual(["count", "deck_id", "language", "source_text", "tags"]);
    expect(body.properties?.count).toMatchObject({ type: "integer", minimum: 1, maximum: 50 });
    expect(body.properties?.tags).toMatchObject({ type: "array" });
    expect(body.required).toEqual(["source_text"]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["404", "409", "422", "429", "502", "504"]));
  });

  it("documents duplicate_of on each proposal and deck_id / tags on the generation", async () => {
    const op = await operation("createGeneration");
    const created = await resolve(op.responses["201"]?.content?.["application/json"]?.schema);
    const proposal = await resolve((await resolve(created.properties?.proposals)).items);
    expect(Object.keys(proposal.properties ?? {}).sort()).toEqual(["back", "duplicate_of", "front"]);
    const generation = await resolve(created.properties?.generation);
    expect(generation.properties).toHaveProperty("deck_id");
    expect(generation.properties).toHaveProperty("tags");
  });

  it("documents the text/event-stream response beside the JSON one", async () => {
    const op = await operation("createGeneration");
    const stream = op.responses["200"];
    expect(Object.keys(stream?.content ?? {})).toEqual(["text/event-stream"]);
    for (const word of ["event: proposal", "event: generation", "event: error"]) {
      expect(stream?.description).toContain(word);
    }
  });
});

describe("the OpenAPI document of POST /flashcards", () => {
  it("documents proposal_index and the acceptance errors", async () => {
    const op = await operation("createFlashcards");
    const body = await resolve(op.requestBody.content["application/json"]?.schema);
    const item = await resolve((await resolve(body.properties?.flashcards)).items);
    expect(item.properties).toHaveProperty("proposal_index");
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["404", "409", "422"]));
    const doc = JSON.stringify(op);
    expect(doc).toContain("not_a_proposal");
    expect(doc).toContain("proposal_already_accepted");
  });
});
