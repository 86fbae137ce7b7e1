/**
 * Card states: suspend, unsuspend, bury (until the learner's next day), forget (back to new via
 * ts-fsrs `forget`, history kept) and reschedule (due at the learner's day start on a date). Forget and
 * reschedule are manual review-log entries (rating 0 = ts-fsrs `Rating.Manual`) written with the card
 * update under the same version check as reviews, with the card's pre-entry snapshot: undo
 * (DELETE /flashcards/:id/reviews/latest) takes them back like a review.
 */
import { sql } from "drizzle-orm";
import { ownedBy } from "../../db/ownership";
import { flashcardColumns } from "../../db/projections";
import { flashcards } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { notFound, reviewConflict } from "../../lib/errors";
import { learnerDay } from "../../lib/zoned-days";
import { type CardChange, type LogEntry, logEntryStatements } from "../../study/log-entry";
import { forgetEntry, rescheduleEntry } from "../../study/manual-entries";
import { dayClockOf, resolveSettings, type StudySettings } from "../../study/settings";
import { batchWithSettings, selectSettingsRow, settingsVersionIs } from "../../study/user-settings";
import { type FlashcardJson, toFlashcardJson } from "../flashcards/flashcard-view";
import type { ForgetInput, RescheduleInput } from "./card-states.schemas";

/**
 * Suspends or unsuspends one of the caller's cards. One round trip (UPDATE … RETURNING).
 * @throws ApiError 404 when the card is not the caller's.
 */
export async function setSuspended(deps: AuthedDeps, id: string, suspended: boolean): Promise<FlashcardJson> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [
    deps.db
      .update(flashcards)
      .set({ suspended, version: sql`${flashcards.version} + 1` })
      .where(ownedBy(flashcards, id, deps.auth.userId))
      .returning(flashcardColumns),
  ]);
  const card = rows[0];
  if (!card) throw notFound("flashcard", id);
  return toFlashcardJson(card);
}

/**
 * Hides a card until the learner's next day starts (their zone and day start). One round trip: the
 * update is built on the guessed settings and applies only if they held (see batchWithSettings).
 * @throws ApiError 404 when the card is not the caller's.
 */
export async function buryCard(deps: AuthedDeps, id: string): Promise<FlashcardJson> {
  const { db, auth, now } = deps;
  const { results } = await batchWithSettings(deps, (guess: StudySettings) => [
    db
      .update(flashcards)
      .set({ buriedUntil: learnerDay(now, dayClockOf(guess)).end, version: sql`${flashcards.version} + 1` })
      .where(sql`${ownedBy(flashcards, id, auth.userId)} AND ${settingsVersionIs(auth.userId, guess.version)}`)
      .returning(flashcardColumns),
  ]);
  const card = results[0][0];
  if (!card) throw notFound("flashcard", id);
  return toFlashcardJson(card);
}

/** Reads the card (with its version) and the settings: the first round trip of a manual entry. */
async function readCardAndSettings(deps: AuthedDeps, id: string) {
  const { db, auth, now } = deps;
  const [cards, settingsRows] = await authedBatch(db, auth, now, [
    db
      .select({ ...flashcardColumns, version: flashcards.version })
      .from(flashcards)
      .where(ownedBy(flashcards, id, auth.userId)),
    selectSettingsRow(db, auth.userId),
  ]);
  const card = cards[0];
  if (!card) throw notFound("flashcard", id);
  return { card, settings: resolveSettings(settingsRows[0], deps.config) };
}

/** Writes a manual entry and the card change; the second round trip. */
async function writeManualEntry(
  deps: AuthedDeps,
  version: number,
  entry: LogEntry,
  change: CardChange,
): Promise<FlashcardJson> {
  const [, updated] = await authedBatch(deps.db, deps.auth, deps.now, [
    ...logEntryStatements(deps.db, deps.auth.userId, version, entry, change),
  ]);
  const card = updated[0];
  if (!card) throw reviewConflict();
  return toFlashcardJson(card);
}

/**
 * Sends a card back to new with ts-fsrs `forget` (due now; reps and lapses reset only with
 * `reset_counts`); its history stays and a manual entry records the state before. Two round trips.
 * @throws ApiError 404 when the card is not the caller's; 409 `review_conflict` on a concurrent write.
 */
export async function forgetCard(deps: AuthedDeps, id: string, input: ForgetInput): Promise<FlashcardJson> {
  const { card, settings } = await readCardAndSettings(deps, id);
  const { entry, after } = forgetEntry(card, settings, deps.now, input.reset_counts ?? false);
  return writeManualEntry(deps, card.version, entry, after);
}

/**
 * Makes a card due at the learner's day start on `due` (their zone), memory state kept, and records
 * a manual entry (ts-fsrs `Rating.Manual`). Two round trips.
 * @throws ApiError 404 when the card is not the caller's; 409 `review_conflict` on a concurrent write.
 */
export async function rescheduleCard(deps: AuthedDeps, id: string, input: RescheduleInput): Promise<FlashcardJson> {
  const { card, settings } = await readCardAndSettings(deps, id);
  const { entry, after } = rescheduleEntry(card, settings, deps.now, input.due);
  return writeManualEntry(deps, card.version, entry, after);
}
