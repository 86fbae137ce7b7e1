/**
 * The common-password gate (migrations/0013): inserting a candidate into the `common_password_gate`
 * view aborts the whole batch with `common_password` when it is on the list. Registration puts it first
 * in its own batch, so the check costs one primary-key lookup and no extra round trip.
 */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { normalizePassword } from "../lib/password";
import type { Db } from "./client";
import { causeMessages } from "./d1-errors";

// The view as drizzle sees it, only to build the INSERT; not in schema.ts (drizzle-kit would create a table).
const commonPasswordGateView = sqliteTable("common_password_gate", { password: text("password").notNull() });

/** The form the list is compared in: NFC, lower-cased (the list is lower-case). */
export const commonPasswordForm = (password: string) => normalizePassword(password).toLowerCase();

/** The gate statement for one candidate password. */
export const commonPasswordGate = (db: Db, password: string) =>
  db.insert(commonPasswordGateView).values({ password: commonPasswordForm(password) });

/** True when a batch failed because the gate found the password on the list. */
export const isCommonPassword = (error: unknown) =>
  // The trigger's exact word: "no such table: common_password_gate" (a missing migration) must not match.
  causeMessages(error).some((message) => /\bcommon_password\b/.test(message));
