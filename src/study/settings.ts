/**
 * A learner's study settings as the code uses them: the stored row (NULL = server default) merged
 * with the configuration's defaults, plus the rules ts-fsrs would otherwise bend silently.
 */
import { CLAMP_PARAMETERS, W17_W18_Ceiling } from "ts-fsrs";
import type { LEECH_ACTIONS, UserSettingsRow } from "../db/schema";
import type { Config } from "../env";
import type { DayClock } from "../lib/zoned-days";

/** What happens to a card that becomes a leech. */
export type LeechAction = (typeof LEECH_ACTIONS)[number];

/** Every setting resolved (no NULLs), with the row version it came from (0: no row). */
export type StudySettings = {
  version: number;
  timezone: string;
  dayStartsAt: number;
  desiredRetention: number;
  maximumIntervalDays: number;
  newCardsPerDay: number;
  reviewsPerDay: number;
  learningSteps: string[];
  relearningSteps: string[];
  enableFuzz: boolean;
  leechThreshold: number;
  leechAction: LeechAction;
  fsrsParameters: number[] | null;
};

/** Defaults that are not server variables (Anki's and ts-fsrs's). */
export const SETTING_DEFAULTS = {
  timezone: "UTC",
  dayStartsAt: 4,
  reviewsPerDay: 9_999,
  learningSteps: ["1m", "10m"],
  relearningSteps: ["10m"],
  leechThreshold: 8,
  leechAction: "tag" as LeechAction,
};

/** The settings of a user from their row (or none), defaults taken from the configuration. */
export function resolveSettings(row: UserSettingsRow | undefined, config: Config): StudySettings {
  return {
    version: row?.version ?? 0,
    timezone: row?.timezone ?? SETTING_DEFAULTS.timezone,
    dayStartsAt: row?.dayStartsAt ?? SETTING_DEFAULTS.dayStartsAt,
    desiredRetention: row?.desiredRetention ?? config.study.requestRetention,
    maximumIntervalDays: row?.maximumIntervalDays ?? config.study.maximumInterval,
    newCardsPerDay: row?.newCardsPerDay ?? config.study.newCardsPerDay,
    reviewsPerDay: row?.reviewsPerDay ?? SETTING_DEFAULTS.reviewsPerDay,
    learningSteps: row?.learningSteps ?? SETTING_DEFAULTS.learningSteps,
    relearningSteps: row?.relearningSteps ?? SETTING_DEFAULTS.relearningSteps,
    enableFuzz: row?.enableFuzz ?? config.study.enableFuzz,
    leechThreshold: row?.leechThreshold ?? SETTING_DEFAULTS.leechThreshold,
    leechAction: row?.leechAction ?? SETTING_DEFAULTS.leechAction,
    fsrsParameters: row?.fsrsParameters ?? null,
  };
}

/** Where the learner's days start. */
export const dayClockOf = (settings: StudySettings): DayClock => ({
  timeZone: settings.timezone,
  dayStartsAt: settings.dayStartsAt,
});

/** ts-fsrs accepts weight arrays of these lengths (FSRS-4.5/5, 6 with and without short-term). */
export const FSRS_PARAMETER_LENGTHS = [17, 19, 21] as const;

/** The allowed range of each weight, from ts-fsrs's own clamp table (21 entries). */
export const FSRS_PARAMETER_RANGES: readonly (readonly [number, number])[] = CLAMP_PARAMETERS(W17_W18_Ceiling).map(
  ([min, max]) => [min ?? 0, max ?? 0] as const,
);

/**
 * Why `weights` would not be used as sent, or undefined when ts-fsrs takes them unchanged: ts-fsrs
 * falls back to its defaults on a wrong length and clamps out-of-range values without a word.
 */
export function fsrsParametersProblem(weights: readonly number[]): { index?: number; message: string } | undefined {
  if (!(FSRS_PARAMETER_LENGTHS as readonly number[]).includes(weights.length)) {
    return { message: `Must contain exactly 17, 19 or 21 numbers (got ${weights.length}).` };
  }
  for (const [index, value] of weights.entries()) {
    const [min, max] = FSRS_PARAMETER_RANGES[index] ?? [0, 0];
    if (!Number.isFinite(value) || value < min || value > max) {
      return { index, message: `Must be between ${min} and ${max} (ts-fsrs CLAMP_PARAMETERS, index ${index}).` };
    }
  }
  return undefined;
}
