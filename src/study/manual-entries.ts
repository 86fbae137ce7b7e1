/**
 * Manual review-log entries (ts-fsrs `Rating.Manual`, stored as rating 0): forget and reschedule. Each
 * gives the log row to write — with the card's pre-entry snapshot, so undo takes it back like a
 * review — and the card's study state after it. Shared by the single-card routes and the bulk actions.
 */
import type { FlashcardRow } from "../db/schema";
import { daysBetween, learnerDate, startOfLearnerDate } from "../lib/zoned-days";
import type { LogEntry } from "./log-entry";
import { type StudySnapshot, snapshotOf } from "./pre-review-snapshot";
import { fromFsrsCard, fromFsrsLog, getScheduler, toFsrsCard } from "./scheduler";
import { dayClockOf, type StudySettings } from "./settings";

const DAY_MS = 86_400_000;

/** A card as the manual entries read it: its id and study state. */
export type ManualEntryCard = Pick<FlashcardRow, "id"> & StudySnapshot;

/** The entry and the card after it. */
export type ManualEntry = { entry: LogEntry; after: StudySnapshot };

/**
 * Back to new with ts-fsrs `forget` (due now; reps and lapses reset only with `resetCounts`); the
 * card's other states (suspended, buried, leech) stay.
 */
export function forgetEntry(
  card: ManualEntryCard,
  settings: StudySettings,
  now: number,
  resetCounts: boolean,
): ManualEntry {
  const { card: next, log } = getScheduler(settings).forget(toFsrsCard(card), new Date(now), resetCounts);
  const after = { ...card, ...fromFsrsCard(next) };
  return {
    entry: {
      id: crypto.randomUUID(),
      flashcardId: card.id,
      sessionId: null,
      ...fromFsrsLog(log),
      nextDue: after.due,
      durationMs: null,
      reviewedAt: now,
      ...snapshotOf(card),
    },
    after,
  };
}

/**
 * Due at the learner's day start on `date` (their zone), memory state kept; `scheduled_days` = whole
 * learner days from today to that date (≥ 0).
 */
export function rescheduleEntry(
  card: ManualEntryCard,
  settings: StudySettings,
  now: number,
  date: string,
): ManualEntry {
  const clock = dayClockOf(settings);
  const due = startOfLearnerDate(date, clock);
  const scheduledDays = Math.max(0, daysBetween(learnerDate(now, clock), date));
  return {
    entry: {
      id: crypto.randomUUID(),
      flashcardId: card.id,
      sessionId: null,
      rating: 0,
      state: card.state,
      due: card.due,
      stability: card.stability,
      difficulty: card.difficulty,
      elapsedDays: card.lastReview === null ? 0 : Math.max(0, Math.floor((now - card.lastReview) / DAY_MS)),
      lastElapsedDays: card.elapsedDays,
      scheduledDays: card.scheduledDays,
      learningSteps: card.learningSteps,
      nextDue: due,
      durationMs: null,
      reviewedAt: now,
      ...snapshotOf(card),
    },
    after: { ...card, due, scheduledDays },
  };
}
