/**
 * FSRS through ts-fsrs: parameters from the config, and conversion between our rows and ts-fsrs cards.
 * We never compute intervals ourselves.
 */
import { type Card, type FSRS, fsrs, type Grade, generatorParameters, Rating, type State } from "ts-fsrs";
import type { FlashcardRow } from "../db/schema";
import type { Config } from "../env";

export const RATINGS = ["again", "hard", "good", "easy"] as const;
export type RatingName = (typeof RATINGS)[number];

export const GRADE: Record<RatingName, Grade> = {
  again: Rating.Again,
  hard: Rating.Hard,
  good: Rating.Good,
  easy: Rating.Easy,
};
export const RATING_NAME: Record<number, RatingName> = { 1: "again", 2: "hard", 3: "good", 4: "easy" };

const schedulers = new Map<string, FSRS>();

/** The scheduler for the configured parameters, built once per isolate. */
export function getScheduler(study: Config["study"]): FSRS {
  const key = `${study.requestRetention}:${study.maximumInterval}:${study.enableFuzz}`;
  let scheduler = schedulers.get(key);
  if (!scheduler) {
    scheduler = fsrs(
      generatorParameters({
        request_retention: study.requestRetention,
        maximum_interval: study.maximumInterval,
        enable_fuzz: study.enableFuzz,
      }),
    );
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
