/**
 * Reading a learner's settings without an extra round trip. A read that needs "today" must know the
 * learner's zone before it can build its statements, and the zone is in D1. So it guesses (the last
 * settings this isolate saw for the user, else the defaults of a user without a row), runs its
 * statements for the guess in the same batch as the settings row, and only when the row's version
 * differs (a PATCH served by another isolate) rebuilds and runs once more.
 */
import { eq, sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { type UserSettingsRow, userSettings } from "../db/schema";
import { authedBatch } from "../db/session-gate";
import { slot, statementTemplate } from "../db/statement-template";
import type { AuthedDeps } from "../lib/deps";
import { serviceUnavailable } from "../lib/errors";
import { resolveSettings, type StudySettings } from "./settings";

const MAX_REMEMBERED = 10_000;
const MAX_ATTEMPTS = 3;
const remembered = new Map<string, UserSettingsRow | undefined>();

/** Remembers the row this isolate last saw for a user (bounded; oldest entries go first). */
export function rememberSettingsRow(userId: string, row: UserSettingsRow | undefined): void {
  remembered.delete(userId);
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value ?? "");
  remembered.set(userId, row);
}

/** The settings row statement (user-scoped). */
export const selectSettingsRow = (db: Db, userId: string) =>
  db.select().from(userSettings).where(eq(userSettings.userId, userId));

/** The settings row every study read runs, built once per isolate (#19). */
const settingsRowTemplate = statementTemplate((db: Db) => selectSettingsRow(db, slot("userId")));

/**
 * SQL that is true when the caller's settings row still has `version` (0: no row): a write built on
 * guessed settings is conditional on it, so a wrong guess writes nothing.
 */
export const settingsVersionIs = (userId: string, version: number) =>
  sql`coalesce((SELECT ${userSettings.version} FROM ${userSettings} WHERE ${userSettings.userId} = ${userId}), 0) = ${version}`;

/**
 * Runs `build(settings)` behind the session gate in one batch with the settings row: one round trip
 * when the guess holds, two when the settings changed in another isolate.
 */
export async function batchWithSettings<const T extends readonly BatchItem<"sqlite">[]>(
  deps: AuthedDeps,
  build: (settings: StudySettings) => T,
): Promise<{ settings: StudySettings; results: BatchResponse<T> }> {
  const { db, auth, now, config } = deps;
  let guess = resolveSettings(remembered.get(auth.userId), config);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const [rows, ...results] = (await authedBatch(db, auth, now, [
      settingsRowTemplate(db, { userId: auth.userId }),
      ...build(guess),
    ])) as unknown as [UserSettingsRow[], ...unknown[]];
    const row = rows[0];
    rememberSettingsRow(auth.userId, row);
    const actual = resolveSettings(row, config);
    if (actual.version === guess.version) {
      return { settings: actual, results: results as unknown as BatchResponse<T> };
    }
    guess = actual;
  }
  // Settings changed under every attempt: something is rewriting them in a loop. Safe to retry later.
  throw serviceUnavailable("The study settings are changing; retry shortly.");
}
