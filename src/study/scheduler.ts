/**
 * FSRS through ts-fsrs: parameters from the learner's settings, and conversion between our rows and ts-fsrs cards.
 * We never compute intervals ourselves.
 */
import {
  type Card,
  type FSRS,
  fsrs,
  type Grade,
  generatorParameters,
  Rating,
  type ReviewLog,
  type State,
} from "ts-fsrs";
import type { FlashcardRow } from "../db/schema";
import type { StudySettings } from "./settings";

type StepUnit = `${number}${"m" | "h" | "d"}`;

/** The ratings a learner gives, by name. */
export const RATINGS = ["again", "hard", "good", "easy"] as const;
/** One rating by name. */
export type RatingName = (typeof RATINGS)[number];

/** A rating name as the ts-fsrs grade. */
export const GRADE: Record<RatingName, Grade> = {
  again: Rating.Again,
  hard: Rating.Hard,
  good: Rating.Good,
  easy: Rating.Easy,
};
/** A stored ts-fsrs rating as its name. */
export const RATING_NAME: Record<number, RatingName> = { 1: "again", 2: "hard", 3: "good", 4: "easy" };

const schedulers = new Map<string, FSRS>();
const MAX_CACHED_SCHEDULERS = 256;

/**
 * The scheduler for a learner's settings (retention, maximum interval, fuzz, steps, personal weights),
 * built once per isolate and settings. ts-fsrs migrates 17/19 weights to 21 itself; the settings
 * validation has already refused what it would silently change.
 */
export function getScheduler(settings: StudySettings): FSRS {
  const key = JSON.stringify([
    settings.desiredRetention,
    settings.maximumIntervalDays,
    settings.enableFuzz,
    settings.learningSteps,
    settings.relearningSteps,
    settings.fsrsParameters,
  ]);
  let scheduler = schedulers.get(key);
  if (!scheduler) {
    scheduler = fsrs(
      generatorParameters({
        request_retention: settings.desiredRetention,
        maximum_interval: settings.maximumIntervalDays,
        enable_fuzz: settings.enableFuzz,
        learning_steps: settings.learningSteps as StepUnit[],
        relearning_steps: settings.relearningSteps as StepUnit[],
        ...(settings.fsrsParameters ? { w: settings.fsrsParameters } : {}),
      }),
    );
    // Personal weights make the key space open-ended: keep the cache bounded.
    if (schedulers.size >= MAX_CACHED_SCHEDULERS) schedulers.delete(schedulers.keys().next().value ?? "");
    schedulers.set(key, scheduler);
  }
  return scheduler;
}

/** The FSRS columns of a flashcard row. */
export type FsrsColumns = Pick<
  FlashcardRow,
  | "state"
  | "due"
  | "stability"
  | "difficulty"
  | "elapsedDays"
  | "scheduledDays"
  | "learningSteps"
  | "reps"
  | "lapses"
  | "lastReview"
>;

/** A row's FSRS state as a ts-fsrs card. */
export function toFsrsCard(row: FsrsColumns): Card {
  return {
    due: new Date(row.due),
    stability: row.stability,
    difficulty: row.difficulty,
    elapsed_days: row.elapsedDays,
    scheduled_days: row.scheduledDays,
    learning_steps: row.learningSteps,
    reps: row.reps,
    lapses: row.lapses,
    state: row.state as State,
    last_review: row.lastReview === null ? undefined : new Date(row.lastReview),
  };
}

/** A ts-fsrs card as our FSRS columns. */
export function fromFsrsCard(card: Card): FsrsColumns {
  return {
    state: card.state,
    due: card.due.getTime(),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsedDays: card.elapsed_days,
    scheduledDays: card.scheduled_days,
    learningSteps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    lastReview: card.last_review ? card.last_review.getTime() : null,
  };
}

/** The review-log columns of a ts-fsrs `ReviewLog` (the card's FSRS state before the entry). */
export function fromFsrsLog(log: ReviewLog) {
  return {
    rating: log.rating as number,
    state: log.state as number,
    due: log.due.getTime(),
    stability: log.stability,
    difficulty: log.difficulty,
    elapsedDays: log.elapsed_days,
    lastElapsedDays: log.last_elapsed_days,
    scheduledDays: log.scheduled_days,
    learningSteps: log.learning_steps,
  };
}
