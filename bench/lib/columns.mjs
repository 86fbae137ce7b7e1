/**
 * Column lists of the bench's tables in schema order (src/db/schema.ts), as the seed writes them; the
 * baseline Worker's review statements start from the same log columns.
 */

/** `flashcards` as the seed writes it (no `front_key`: its default, no card states: theirs). */
export const CARD_COLUMNS = [
  "id",
  "user_id",
  "generation_id",
  "front",
  "back",
  "source",
  "created_at",
  "updated_at",
  "state",
  "due",
  "stability",
  "difficulty",
  "elapsed_days",
  "scheduled_days",
  "learning_steps",
  "reps",
  "lapses",
  "last_review",
  "version",
  "deck_id",
];

/** `review_logs` without the pre-review snapshot columns: what the seed writes. */
export const LOG_COLUMNS = [
  "id",
  "user_id",
  "flashcard_id",
  "session_id",
  "rating",
  "state",
  "due",
  "stability",
  "difficulty",
  "elapsed_days",
  "last_elapsed_days",
  "scheduled_days",
  "learning_steps",
  "next_due",
  "duration_ms",
  "reviewed_at",
];
