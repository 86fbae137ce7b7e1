/**
 * HTTP contract of the generations endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import { selectProvider } from "../../ai/select-provider";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { idParamSchema, pageQuerySchema } from "../../lib/params";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { createGeneration, getGeneration, listGenerations, startGeneration } from "./generations.handlers";
import {
  createGenerationSchema,
  generationListSchema,
  generationResponseSchema,
  generationSchema,
  idempotencyHeaderSchema,
} from "./generations.schemas";
import { streamGeneration, wantsEventStream } from "./generations.stream";

/** Generate proposals from text and read past generations, under `/api/v1/generations`. */
export const generationRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "createGeneration",
        summary: "Generate flashcard proposals from 1,000–10,000 characters of text",
        description:
          "Proposals are not saved: accept them through `POST /flashcards` with the generation's id. `count` trims the proposals (1–50), `language` asks for cards in a BCP 47 language (`auto`: the text's). Each proposal's `duplicate_of` names a card already in the caller's collection with the same front (case, spacing and punctuation aside), or is null. `deck_id` and `tags` are stored on the generation: cards accepted from it through `POST /flashcards` without a `deck_id` / `tags` of their own get them (another user's deck: 404). Send `Idempotency-Key` to retry safely: its request hash covers the text and the options.",
        tag: "generations",
        success: {
          status: 201,
          description: "The generation record and its proposals (a replay carries `Idempotent-Replayed: true`).",
          schema: generationResponseSchema,
          headers: {
            "Idempotent-Replayed": {
              description: "Present on a replayed response.",
              schema: { type: "string", enum: ["true"] },
            },
          },
        },
        alternatives: [
          {
            status: 200,
            description:
              "With `Accept: text/event-stream`: a server-sent event stream. `event: proposal` per card (`{ index, front, back }`) as the provider yields it, then `event: generation` whose data is exactly the 201 body, or `event: error` whose data is the problem document (the failure is logged either way). Failures before the stream starts (validation, auth, idempotency, quota) are ordinary problem responses. The generation completes even if the client disconnects; a replay streams the stored body.",
            content: {
              "text/event-stream": {
                schema: { type: "string" },
                example:
                  'event: proposal\ndata: {"index":0,"front":"Wann wurde Bach geboren?","back":"31. März 1685"}\n\nevent: generation\ndata: {"generation":{…},"proposals":[{"front":"…","back":"…","duplicate_of":null}]}\n\n',
              },
            },
          },
        ],
        errors: [404, 409, 422, 429, 502, 504],
      },
    ),
    requireAuth("generate"),
    validate("header", idempotencyHeaderSchema),
    jsonBody(createGenerationSchema),
    async (c) => {
      const body = c.req.valid("json");
      const input = {
        sourceText: body.source_text,
        count: body.count,
        language: body.language,
        deckId: body.deck_id ?? undefined,
        tags: body.tags,
        idempotencyKey: c.req.valid("header")["idempotency-key"],
      };
      const provider = await selectProvider(c.get("config"), c.env);
      if (wantsEventStream(c.req.header("accept"))) {
        return streamGeneration(c, await startGeneration(authedDeps(c), provider, input));
      }
      const result = await createGeneration(authedDeps(c), provider, input);
      if (result.replayed) c.header("Idempotent-Replayed", "true");
      return c.json(result.body, 201);
    },
  )
  .get(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "listGenerations",
        summary: "The caller's generations, newest first",
        tag: "generations",
        success: { status: 200, description: "A page of generations.", schema: generationListSchema },
      },
    ),
    requireAuth(),
    validate("query", pageQuerySchema),
    async (c) => {
      return c.json(await listGenerations(authedDeps(c), c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getGeneration",
        summary: "Read a generation",
        tag: "generations",
        success: { status: 200, description: "The generation.", schema: generationSchema },
        errors: [404],
      },
    ),
    requireAuth(),
    validate("param", idParamSchema),
    async (c) => {
      return c.json(await getGeneration(authedDeps(c), c.req.valid("param").id), 200);
    },
  );
