/**
 * Request and response schemas of the settings endpoints. Every rule is checked here, with a message
 * that names it: ts-fsrs itself would clamp or fall back silently.
 */
import * as z from "zod";
import { LEECH_ACTIONS } from "../../db/schema";
import { canonicalTimeZone } from "../../lib/zoned-days";
import { fsrsParametersProblem } from "../../study/settings";

const STEP_UNIT = /^([1-9]\d{0,5})(m|h|d)$/;
const STEP_MINUTES = { m: 1, h: 60, d: 1440 } as const;
const MAX_STEP_MINUTES = 365 * 1440;
/** Learning or relearning steps at most. */
export const MAX_STEPS = 10;

const stepsSchema = z
  .array(
    z
      .string()
      .regex(STEP_UNIT, "Must be a ts-fsrs step: a whole number followed by m, h or d (e.g. '10m', '1d').")
      .refine((step) => {
        const [, amount, unit] = STEP_UNIT.exec(step) ?? [];
        return Number(amount) * STEP_MINUTES[unit as keyof typeof STEP_MINUTES] <= MAX_STEP_MINUTES;
      }, "Must be at most 365 days."),
  )
  .max(MAX_STEPS, `Must contain at most ${MAX_STEPS} steps.`);

const wholeNumber = (min: number, max: number) =>
  z
    .number("Must be a number.")
    .int("Must be a whole number.")
    .min(min, `Must be at least ${min}.`)
    .max(max, `Must be at most ${max}.`);

const fsrsParametersSchema = z
  .array(z.number("Must be a number."))
  .superRefine((weights, ctx) => {
    const problem = fsrsParametersProblem(weights);
    if (problem) {
      ctx.addIssue({
        code: "custom",
        message: problem.message,
        path: problem.index === undefined ? [] : [problem.index],
      });
    }
  })
  .nullable();

/** The body of `PATCH /settings` (only the fields sent change). */
export const updateSettingsSchema = z
  .strictObject({
    timezone: z
      .string("Must be a string.")
      .transform((value, ctx) => {
        const canonical = canonicalTimeZone(value);
        if (!canonical) {
          ctx.addIssue({
            code: "custom",
            message: "Must be a time zone Intl.DateTimeFormat accepts (e.g. 'Europe/Warsaw', 'UTC').",
          });
          return z.NEVER;
        }
        return canonical;
      })
      .optional(),
    day_starts_at: wholeNumber(0, 23).optional(),
    desired_retention: z
      .number("Must be a number.")
      .min(0.7, "Must be at least 0.70.")
      .max(0.99, "Must be at most 0.99.")
      .optional(),
    maximum_interval_days: wholeNumber(1, 36_500).optional(),
    new_cards_per_day: wholeNumber(0, 9_999).optional(),
    reviews_per_day: wholeNumber(0, 99_999).optional(),
    learning_steps: stepsSchema.optional(),
    relearning_steps: stepsSchema.optional(),
    enable_fuzz: z.boolean("Must be true or false.").optional(),
    leech_threshold: wholeNumber(3, 99).optional(),
    leech_action: z.enum(LEECH_ACTIONS, `Must be one of: ${LEECH_ACTIONS.join(", ")}.`).optional(),
    fsrs_parameters: fsrsParametersSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: "Send at least one setting." });

/** The caller's study settings as the API shows them. */
export const settingsSchema = z
  .object({
    timezone: z.string().meta(ROUTE_DOCS ? { description: "IANA time zone as Intl.DateTimeFormat resolves it." } : {}),
    day_starts_at: z
      .int()
      .meta(ROUTE_DOCS ? { description: "Hour (0–23, local time) at which the learner's day starts." } : {}),
    desired_retention: z.number(),
    maximum_interval_days: z.int(),
    new_cards_per_day: z.int(),
    reviews_per_day: z.int(),
    learning_steps: z.array(z.string()),
    relearning_steps: z.array(z.string()),
    enable_fuzz: z.boolean(),
    leech_threshold: z.int(),
    leech_action: z.enum(LEECH_ACTIONS),
    fsrs_parameters: z
      .array(z.number())
      .nullable()
      .meta(ROUTE_DOCS ? { description: "Personal FSRS weights (17, 19 or 21), or null for ts-fsrs's defaults." } : {}),
  })
  .meta(ROUTE_DOCS ? { id: "Settings" } : {});

/** GET /settings takes no query parameters (unknown ones are 400). */
export const settingsQuerySchema = z.strictObject({});

/** A validated settings change. */
export type UpdateSettingsInput = z.infer<typeof updateSettingsSchema>;
/** The study settings as a handler returns them. */
export type SettingsJson = z.infer<typeof settingsSchema>;
