/**
 * Request schemas of the study-session endpoints.
 */
import * as z from "zod";
import { cardScopeBody } from "../../lib/card-scope-params";
import { PAGE_DEFAULT, PAGE_MAX } from "../../lib/params";
import { flashcardSchema } from "../flashcards/flashcards.schemas";

/** The body of `POST /study-sessions`. */
export const createSessionSchema = z.strictObject({
  limit: z
    .number()
    .int("Must be a whole number.")
    .min(1, "Must be at least 1.")
    .max(PAGE_MAX, `Must be at most ${PAGE_MAX}.`)
    .default(PAGE_DEFAULT),
  ...cardScopeBody,
});

/** The body of `POST /study-sessions`: the session and its planned cards. */
export const startedSessionSchema = z.object({
  session: z.object({
    id: z.uuid(),
    started_at: z.iso.datetime(),
    finished_at: z.null(),
    cards: z.array(flashcardSchema),
  }),
});

/** The body of `GET /study-sessions/:id`: reviewed versus remaining. */
export const sessionProgressSchema = z
  .object({
    id: z.uuid(),
    started_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
    total: z.int(),
    reviewed: z.int(),
    remaining: z.int(),
    cards_remaining: z.array(z.uuid()),
  })
  .meta(ROUTE_DOCS ? { id: "StudySessionProgress" } : {});

/** The body of `POST /study-sessions/:id/finish`: the session and its results. */
export const finishedSessionSchema = z.object({
  session: sessionProgressSchema,
  results: z.object({
    reviewed: z.int(),
    again: z.int(),
    hard: z.int(),
    good: z.int(),
    easy: z.int(),
    duration_ms: z.int(),
    next_due: z.iso.datetime().nullable(),
  }),
});

/** A validated session start. */
export type CreateSessionInput = z.infer<typeof createSessionSchema>;
