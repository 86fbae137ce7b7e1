/**
 * Settings: read and change the caller's study settings (time zone, day start, limits, FSRS).
 */
import { sql } from "drizzle-orm";
import { type UserSettingsRow, userSettings } from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import type { AuthedDeps } from "../../lib/deps";
import { resolveSettings } from "../../study/settings";
import { rememberSettingsRow, selectSettingsRow } from "../../study/user-settings";
import type { SettingsJson, UpdateSettingsInput } from "./settings.schemas";
import { toSettingsJson } from "./settings-view";

/** The caller's settings, server defaults filled in. One round trip. */
export async function getSettings(deps: AuthedDeps): Promise<SettingsJson> {
  const [rows] = await authedBatch(deps.db, deps.auth, deps.now, [selectSettingsRow(deps.db, deps.auth.userId)]);
  rememberSettingsRow(deps.auth.userId, rows[0]);
  return toSettingsJson(resolveSettings(rows[0], deps.config));
}

/**
 * Changes the settings sent (and only those), creating the row on first use; the version grows so
 * reads that guessed the old settings notice. One round trip (upsert … RETURNING).
 */
export async function updateSettings(deps: AuthedDeps, patch: UpdateSettingsInput): Promise<SettingsJson> {
  const { db, auth, now } = deps;
  const fields: Partial<typeof userSettings.$inferInsert> = {
    timezone: patch.timezone,
    dayStartsAt: patch.day_starts_at,
    desiredRetention: patch.desired_retention,
    maximumIntervalDays: patch.maximum_interval_days,
    newCardsPerDay: patch.new_cards_per_day,
    reviewsPerDay: patch.reviews_per_day,
    learningSteps: patch.learning_steps,
    relearningSteps: patch.relearning_steps,
    enableFuzz: patch.enable_fuzz,
    leechThreshold: patch.leech_threshold,
    leechAction: patch.leech_action,
    fsrsParameters: patch.fsrs_parameters,
  };
  const sent: Record<string, unknown> = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  );
  // `fsrs_parameters: null` means "back to the defaults": a NULL column, which drizzle's json mode
  // would otherwise store as the text 'null'.
  if (patch.fsrs_parameters === null) sent.fsrsParameters = sql`NULL`;
  const [rows] = await authedBatch(db, auth, now, [
    db
      .insert(userSettings)
      .values({ ...sent, userId: auth.userId, version: 1, updatedAt: now })
      .onConflictDoUpdate({
        target: userSettings.userId,
        set: { ...sent, version: sql`${userSettings.version} + 1`, updatedAt: now },
      })
      .returning(),
  ]);
  const row = rows[0] as UserSettingsRow | undefined;
  rememberSettingsRow(auth.userId, row);
  return toSettingsJson(resolveSettings(row, deps.config));
}
