/**
 * HTTP contract of the generations endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { selectProvider } from "../../ai/select-provider";
import { createDb } from "../../db/client";
import type { AppEnv } from "../../env";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { idParamSchema } from "../flashcards/flashcards.schemas";
import { createGeneration, getGeneration, listGenerations } from "./generations.handlers";
import { createGenerationSchema, idempotencyHeaderSchema, newestFirstQuerySchema } from "./generations.schemas";
import type { RouteDoc } from "../../openapi/route-doc";
import { generationListSchema, generationResponseSchema, generationSchema } from "./generations.schemas";

const deps = (c: Context<AppEnv>) => ({ db: createDb(c.env.DB), config: c.get("config"), now: Date.now(), auth: c.get("auth") });

export const generationRoutes = new Hono<AppEnv>()
  .post("/", requireAuth(), validate("header", idempotencyHeaderSchema), jsonBody(createGenerationSchema), async (c) => {
    const result = await createGeneration(deps(c), selectProvider(c.get("config"), c.env), {
      sourceText: c.req.valid("json").source_text,
      idempotencyKey: c.req.valid("header")["idempotency-key"],
    });
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(result.body, 201);
  })
  .get("/", requireAuth(), validate("query", newestFirstQuerySchema), async (c) => {
    return c.json(await listGenerations(deps(c), c.req.valid("query")), 200);
  })
  .get("/:id", requireAuth(), validate("param", idParamSchema), async (c) => {
    return c.json(await getGeneration(deps(c), c.req.valid("param").id), 200);
  });

export const generationDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/v1/generations",
    operationId: "createGeneration",
    summary: "Generate flashcard proposals from 1,000–10,000 characters of text",
    description: "Proposals are not saved: accept them through `POST /flashcards` with the generation's id. Send `Idempotency-Key` to retry safely.",
    tag: "generations",
    headers: idempotencyHeaderSchema,
    body: createGenerationSchema,
    success: {
      status: 201,
      description: "The generation record and its proposals (a replay carries `Idempotent-Replayed: true`).",
      schema: generationResponseSchema,
      headers: { "Idempotent-Replayed": { description: "Present on a replayed response.", schema: { type: "string", enum: ["true"] } } },
    },
    errors: [409, 422, 429, 502, 504],
  },
  {
    method: "get",
    path: "/api/v1/generations",
    operationId: "listGenerations",
    summary: "The caller's generations, newest first",
    tag: "generations",
    query: newestFirstQuerySchema,
    success: { status: 200, description: "A page of generations.", schema: generationListSchema },
  },
  {
    method: "get",
    path: "/api/v1/generations/:id",
    operationId: "getGeneration",
    summary: "Read a generation",
    tag: "generations",
    params: idParamSchema,
    success: { status: 200, description: "The generation.", schema: generationSchema },
    errors: [404],
  },
];
