/**
 * Request schemas of the queue and statistics endpoints.
 */
import * as z from "zod";
import { cardScopeQuery } from "../../lib/card-scope-params";
import { limitParam } from "../../lib/params";
import { flashcardSchema } from "../flashcards/flashcards.schemas";

/** The body of `GET /study/queue`: the cards to study now and the counts. */
export const queueSchema = z.object({
  data: z.array(flashcardSchema),
  counts: z.object({
    due: z.int().meta(ROUTE_DOCS ? { description: "Cards in learning, review or relearning due now." } : {}),
    new: z.int().meta(ROUTE_DOCS ? { description: "New cards available today (capped by the daily limit)." } : {}),
    learning: z.int().meta(ROUTE_DOCS ? { description: "Due cards in learning or relearning." } : {}),
  }),
});

/** The body of `GET /stats`. */
export const statsSchema = z.object({
  total_cards: z.int(),
  by_state: z.object({ new: z.int(), learning: z.int(), review: z.int(), relearning: z.int() }),
  due_today: z.int(),
  reviews_today: z.int(),
  retention_last_30_days: z.number().min(0).max(1).nullable(),
  retention: z.object({ young: z.number().min(0).max(1).nullable(), mature: z.number().min(0).max(1).nullable() }).meta(
    ROUTE_DOCS
      ? {
          description:
            "True retention over the last 30 days: reviews of cards in review state not rated again; mature = interval of 21 days or more.",
        }
      : {},
  ),
  streak_days: z.int(),
});

/** The query of `GET /study/queue`: how many cards, and which deck or tag to study. */
export const queueQuerySchema = z.strictObject({ limit: limitParam, ...cardScopeQuery });
/** The query of `GET /stats`: which deck or tag to count (an unknown parameter is a 400). */
export const statsQuerySchema = z.strictObject({ ...cardScopeQuery });

/** A validated queue query. */
export type QueueQuery = z.infer<typeof queueQuerySchema>;
/** A validated stats query. */
export type StatsQuery = z.infer<typeof statsQuerySchema>;
