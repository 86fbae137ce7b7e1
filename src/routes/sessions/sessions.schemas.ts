/**
 * Request and response schemas of the account-security endpoints: sessions, logout everywhere and
 * password change.
 */
import * as z from "zod";
import { isWellFormed } from "../../lib/text";
import { PASSWORD_MAX, PASSWORD_MIN } from "../auth/auth.schemas";

/** The body of `POST /auth/password`. */
export const changePasswordSchema = z.strictObject({
  current_password: z
    .string()
    .min(1, "Is required.")
    .max(PASSWORD_MAX * 4, "Is too long."),
  // The same rules as at registration (the email and common-password rules are checked by the handler).
  new_password: z
    .string()
    .min(PASSWORD_MIN, `Must be at least ${PASSWORD_MIN} characters.`)
    .max(PASSWORD_MAX, `Must be at most ${PASSWORD_MAX} characters.`)
    .refine(isWellFormed, "Must be valid Unicode (no lone surrogates)."),
});

/** A validated password change. */
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;

/** A login session as the API shows it. */
export const sessionSchema = z.object({
  id: z.uuid(),
  created_at: z.iso.datetime(),
  last_refreshed_at: z.iso
    .datetime()
    .nullable()
    .meta(ROUTE_DOCS ? { description: "The last refresh-token rotation." } : {}),
  expires_at: z.iso.datetime(),
  user_agent: z.string().nullable(),
  current: z.boolean().meta(ROUTE_DOCS ? { description: "True for the session making this request." } : {}),
});

/** The body of `GET /auth/sessions`. */
export const sessionListSchema = z.object({ data: z.array(sessionSchema) });

/** A login session as a handler returns it. */
export type SessionView = z.infer<typeof sessionSchema>;
