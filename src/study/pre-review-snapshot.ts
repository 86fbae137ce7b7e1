/**
 * The card's study state as it was before a review-log entry, stored with the entry so that undo is
 * exact. ts-fsrs `rollback` is lossy (it rebuilds `due` from the log's review time) and refuses manual
 * entries, so we never derive the previous state: we keep it.
 *
 * This is the one list of snapshotted fields. A feature that adds study state to `flashcards` (a leech
 * flag, a suspension, …) adds a `before_<column>` column to `review_logs` and one line to
 * SNAPSHOT_FIELDS; every writer of review logs (single review, batch, manual entries) and undo then
 * carry it without further changes.
 */
import type { FlashcardRow, ReviewLogRow } from "../db/schema";

/** Flashcard field → the review-log field that keeps its value from before the entry. */
export const SNAPSHOT_FIELDS = {
  state: "beforeState",
  due: "beforeDue",
  stability: "beforeStability",
  difficulty: "beforeDifficulty",
  elapsedDays: "beforeElapsedDays",
  scheduledDays: "beforeScheduledDays",
  learningSteps: "beforeLearningSteps",
  reps: "beforeReps",
  lapses: "beforeLapses",
  lastReview: "beforeLastReview",
  suspended: "beforeSuspended",
  buriedUntil: "beforeBuriedUntil",
  leech: "beforeLeech",
} as const satisfies Partial<Record<keyof FlashcardRow, keyof ReviewLogRow>>;

type CardField = keyof typeof SNAPSHOT_FIELDS;
type LogField = (typeof SNAPSHOT_FIELDS)[CardField];

/** The study fields of a card that a snapshot covers. */
export type StudySnapshot = Pick<FlashcardRow, CardField>;
/** The snapshot as stored on a review-log row. */
export type StoredSnapshot = { [K in LogField]: ReviewLogRow[K] };

const CARD_FIELDS = Object.keys(SNAPSHOT_FIELDS) as CardField[];

/** The snapshot columns to store with a new log row, from the card's state before the entry. */
export function snapshotOf(card: StudySnapshot): StoredSnapshot {
  const stored: Record<string, unknown> = {};
  for (const field of CARD_FIELDS) stored[SNAPSHOT_FIELDS[field]] = card[field];
  return stored as StoredSnapshot;
}

/**
 * Snapshot fields whose NULL is a value, not a missing snapshot: `last_review` and `buried_until` are
 * legitimately NULL; the card-state flags were added after the first snapshots (migration 0023), and
 * no card could be suspended or a leech before they existed.
 */
const UNSET_MEANS = { lastReview: null, buriedUntil: null, suspended: false, leech: false } as const;

/**
 * The card's study fields as the log row remembers them, or null when the row predates snapshots
 * (such an entry cannot be undone or replayed through).
 */
export function restoredCard(log: StoredSnapshot): StudySnapshot | null {
  const card: Record<string, unknown> = {};
  for (const field of CARD_FIELDS) {
    const value = log[SNAPSHOT_FIELDS[field]];
    if (value === null && field in UNSET_MEANS) {
      card[field] = UNSET_MEANS[field as keyof typeof UNSET_MEANS];
      continue;
    }
    // The others are NOT NULL on flashcards: NULL means the row predates snapshots.
    if (value === null) return null;
    card[field] = value;
  }
  return card as StudySnapshot;
}

/** SQL column names (snake_case) of the snapshot, for hand-written set-based statements. */
export const SNAPSHOT_SQL_COLUMNS: ReadonlyArray<{ card: string; log: string; key: CardField }> = CARD_FIELDS.map(
  (key) => ({ key, card: snake(key), log: snake(SNAPSHOT_FIELDS[key]) }),
);

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
