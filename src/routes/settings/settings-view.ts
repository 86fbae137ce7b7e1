/**
 * How a learner's study settings are shown to clients (GET/PATCH /settings and the change feed).
 */
import type { StudySettings } from "../../study/settings";
import type { SettingsJson } from "./settings.schemas";

/** Renders resolved settings as the API shows them. */
export function toSettingsJson(settings: StudySettings): SettingsJson {
  return {
    timezone: settings.timezone,
    day_starts_at: settings.dayStartsAt,
    desired_retention: settings.desiredRetention,
    maximum_interval_days: settings.maximumIntervalDays,
    new_cards_per_day: settings.newCardsPerDay,
    reviews_per_day: settings.reviewsPerDay,
    learning_steps: settings.learningSteps,
    relearning_steps: settings.relearningSteps,
    enable_fuzz: settings.enableFuzz,
    leech_threshold: settings.leechThreshold,
    leech_action: settings.leechAction,
    fsrs_parameters: settings.fsrsParameters,
  };
}
