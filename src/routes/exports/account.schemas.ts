/**
 * The account.json document (format_version 1): what `GET /exports/account.json` streams and what
 * `POST /imports` with `Content-Type: application/json` reads. One schema for both, so the export and
 * the import cannot drift apart, and the OpenAPI document shows it once (`AccountDocument`).
 *
 * It is strict (unknown members are 400) and checks every rule a stored row must satisfy (text lengths,
 * names, counts), so nothing the database would refuse reaches the write batch. Ids are any short
 * strings: the importer never stores them, it remaps every one (see imports/account-import.ts).
 */
import * as z from "zod";
import { MAX_PROPOSALS } from "../../ai/proposals";
import { FLASHCARD_SOURCES } from "../../db/schema";
import { cardBack, cardFront } from "../../lib/card-text";
import { DECK_DESCRIPTION_MAX, deckNameSchema, tagNameSchema } from "../../lib/name-key";
import { RATINGS } from "../../study/scheduler";
import { STUDY_STATES } from "../flashcards/flashcards.schemas";
import { errorLogSchema } from "../generations/generations.schemas";
import { updateSettingsSchema } from "../settings/settings.schemas";

/** The name of the format and its version (bumped only for changes an importer of version 1 would misread). */
export const ACCOUNT_FORMAT = "flashcards-api.account";
/** The version of the account.json format (see `ACCOUNT_FORMAT`). */
export const ACCOUNT_FORMAT_VERSION = 1;

/** Deck levels (issue #13). */
const DECK_DEPTH_MAX = 8;
/** Tags per card (issue #13). */
const CARD_TAGS_MAX = 20;

const id = z.string().min(1, "Must not be empty.").max(128, "Must be at most 128 characters.");
const time = z.iso.datetime("Must be an ISO 8601 date-time in UTC.");
const count = z.int("Must be a whole number.").min(0, "Must be at least 0.");
// FSRS day counts and weights as the scheduler stored them: a reschedule can leave a negative interval.
const days = z.int("Must be a whole number.");

/** A deck path: names joined by `::`, each a valid deck name, at most 8 levels. */
export const deckPathSchema = z
  .string()
  .max((100 + 2) * DECK_DEPTH_MAX)
  .superRefine((path, ctx) => {
    const names = path.split("::");
    if (names.length > DECK_DEPTH_MAX) {
      ctx.addIssue({ code: "custom", message: `Must have at most ${DECK_DEPTH_MAX} levels.` });
      return;
    }
    for (const name of names) {
      const checked = deckNameSchema.safeParse(name);
      if (!checked.success || checked.data !== name) {
        ctx.addIssue({ code: "custom", message: "Every level must be a valid deck name (1–100 characters, trimmed)." });
        return;
      }
    }
  });

/** A card's study state (the `study` member of a card, and a review log's `card_before`). */
export const accountStudySchema = z.strictObject({
  state: z.enum(STUDY_STATES),
  due: time,
  stability: z.number(),
  difficulty: z.number(),
  elapsed_days: days,
  scheduled_days: days,
  learning_steps: days,
  reps: count,
  lapses: count,
  last_review: time.nullable(),
  // Card states (#15), added within format_version 1: absent in older documents, where they are the defaults.
  suspended: z.boolean().default(false),
  buried_until: time.nullable().default(null),
  leech: z.boolean().default(false),
});

const settingsFields = updateSettingsSchema.shape;
/** The stored study settings: each `null` means "the server's default". */
export const accountSettingsSchema = z.strictObject({
  timezone: settingsFields.timezone.unwrap().nullable(),
  day_starts_at: settingsFields.day_starts_at.unwrap().nullable(),
  desired_retention: settingsFields.desired_retention.unwrap().nullable(),
  maximum_interval_days: settingsFields.maximum_interval_days.unwrap().nullable(),
  new_cards_per_day: settingsFields.new_cards_per_day.unwrap().nullable(),
  reviews_per_day: settingsFields.reviews_per_day.unwrap().nullable(),
  learning_steps: settingsFields.learning_steps.unwrap().nullable(),
  relearning_steps: settingsFields.relearning_steps.unwrap().nullable(),
  enable_fuzz: settingsFields.enable_fuzz.unwrap().nullable(),
  leech_threshold: settingsFields.leech_threshold.unwrap().nullable(),
  leech_action: settingsFields.leech_action.unwrap().nullable(),
  fsrs_parameters: settingsFields.fsrs_parameters.unwrap(),
});

/** A deck in account.json, with its path. */
export const accountDeckSchema = z.strictObject({
  id,
  parent_id: id.nullable(),
  name: deckNameSchema,
  path: deckPathSchema,
  description: z.string().max(DECK_DESCRIPTION_MAX).nullable(),
  created_at: time,
});

/** A card in account.json: its text, deck path, tags and study state. */
export const accountCardSchema = z
  .strictObject({
    id,
    front: cardFront,
    back: cardBack,
    source: z.enum(FLASHCARD_SOURCES),
    generation_id: id.nullable(),
    deck_id: id
      .nullable()
      .meta(
        ROUTE_DOCS ? { description: "The deck's id in the exporting account (the importer uses `deck_path`)." } : {},
      ),
    deck_path: deckPathSchema.nullable(),
    tags: z.array(tagNameSchema).max(CARD_TAGS_MAX, `Must contain at most ${CARD_TAGS_MAX} tags.`),
    created_at: time,
    updated_at: time,
    study: accountStudySchema,
  })
  .refine((card) => card.generation_id === null || card.source === "ai-full" || card.source === "ai-edited", {
    message: "Only ai-full and ai-edited cards name a generation.",
    path: ["generation_id"],
  });

/** A generation record in account.json. */
export const accountGenerationSchema = z
  .strictObject({
    id,
    model: z.string().min(1).max(2_000),
    source_text_hash: z.string().min(1).max(128),
    source_text_length: count,
    generated_count: count,
    accepted_unedited_count: count,
    accepted_edited_count: count,
    duration_ms: count,
    created_at: time,
    deck_id: id
      .nullable()
      .default(null)
      .meta(
        ROUTE_DOCS
          ? { description: "The generation's deck (#17) in the exporting account (the importer uses `deck_path`)." }
          : {},
      ),
    deck_path: deckPathSchema
      .nullable()
      .default(null)
      .meta(
        ROUTE_DOCS
          ? { description: "Where cards accepted from the generation without a deck of their own go (#17)." }
          : {},
      ),
    tags: z
      .array(tagNameSchema)
      .max(CARD_TAGS_MAX, `Must contain at most ${CARD_TAGS_MAX} tags.`)
      .default([])
      .meta(
        ROUTE_DOCS
          ? { description: "The tags cards accepted from the generation without tags of their own get (#17)." }
          : {},
      ),
    proposals: z
      .array(
        z.strictObject({
          index: z
            .int()
            .min(0)
            .max(MAX_PROPOSALS - 1),
          text_hash: z.string().regex(/^[0-9a-f]{64}$/, "Must be a SHA-256 in lower-case hex."),
          accepted_at: time.nullable(),
        }),
      )
      .max(MAX_PROPOSALS)
      .default([])
      .meta(
        ROUTE_DOCS
          ? {
              description:
                "What the acceptance rules need (#12): each proposal's index, SHA-256 of `JSON.stringify([front, back])` and when it was accepted (null: still open). Empty for generations made before proposals were kept.",
            }
          : {},
      ),
  })
  .refine((g) => g.accepted_unedited_count + g.accepted_edited_count <= g.generated_count, {
    message: "The accepted counts must not add up to more than generated_count.",
    path: ["generated_count"],
  });

/** A generation error log in account.json. */
export const accountErrorLogSchema = z.strictObject({
  id,
  model: z.string().min(1).max(2_000),
  source_text_hash: z.string().min(1).max(128),
  source_text_length: count,
  error_code: errorLogSchema.shape.error_code,
  error_message: z.string().max(10_000),
  created_at: time,
});

/** Review ratings in the document: the four a learner gives, and `manual` (a forget/reschedule entry). */
export const ACCOUNT_RATINGS = ["manual", ...RATINGS] as const;

/** A review log in account.json, with the card's state before it. */
export const accountReviewLogSchema = z.strictObject({
  id,
  flashcard_id: id,
  session_id: id.nullable(),
  rating: z.enum(ACCOUNT_RATINGS),
  state_before: z.enum(STUDY_STATES),
  due_before: time,
  stability: z.number(),
  difficulty: z.number(),
  elapsed_days: days,
  last_elapsed_days: days,
  scheduled_days: days,
  learning_steps: days,
  next_due: time,
  duration_ms: count.nullable(),
  reviewed_at: time,
  card_before: accountStudySchema
    .nullable()
    .meta(
      ROUTE_DOCS
        ? { description: "The card's study state before this entry (what undo restores); null on old rows." }
        : {},
    ),
});

/** A study session in account.json. */
export const accountStudySessionSchema = z.strictObject({
  id,
  card_ids: z.array(id).max(1000),
  started_at: time,
  finished_at: time.nullable(),
});

/** The whole account.json document (export, and the body of a restore). */
export const accountDocumentSchema = z
  .strictObject({
    format: z.literal(ACCOUNT_FORMAT, `Must be '${ACCOUNT_FORMAT}'.`),
    format_version: z.literal(
      ACCOUNT_FORMAT_VERSION,
      `Must be ${ACCOUNT_FORMAT_VERSION}: this server reads format_version ${ACCOUNT_FORMAT_VERSION}.`,
    ),
    exported_at: time,
    user: z
      .strictObject({ id, email: z.string().max(320), created_at: time })
      .meta(ROUTE_DOCS ? { description: "The exporting user (never a password or token hash); not imported." } : {}),
    settings: accountSettingsSchema
      .nullable()
      .meta(ROUTE_DOCS ? { description: "null: the server's defaults throughout." } : {}),
    decks: z.array(accountDeckSchema).meta(ROUTE_DOCS ? { description: "Parents before children." } : {}),
    tags: z.array(z.strictObject({ name: tagNameSchema })),
    cards: z.array(accountCardSchema).meta(ROUTE_DOCS ? { description: "Oldest first." } : {}),
    generations: z.array(accountGenerationSchema),
    generation_error_logs: z.array(accountErrorLogSchema),
    review_logs: z.array(accountReviewLogSchema).meta(ROUTE_DOCS ? { description: "Oldest first." } : {}),
    study_sessions: z.array(accountStudySessionSchema),
    complete: z.literal(true, "Must be true: a document without it was cut off."),
  })
  .meta(ROUTE_DOCS ? { id: "AccountDocument" } : {});

/** A validated account.json document. */
export type AccountDocument = z.infer<typeof accountDocumentSchema>;
/** A card's study state in account.json. */
export type AccountStudy = z.infer<typeof accountStudySchema>;
/** A card in account.json. */
export type AccountCard = z.infer<typeof accountCardSchema>;
/** A review log in account.json. */
export type AccountReviewLog = z.infer<typeof accountReviewLogSchema>;
/** The study settings in account.json. */
export type AccountSettings = z.infer<typeof accountSettingsSchema>;
