/**
 * Request and response schemas of the accounts endpoints. Request types come from these via z.infer.
 */
import * as z from "zod";
import { isWellFormed } from "../../lib/text";

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/** Trimmed, lower-cased, at most 254 characters (RFC 5321 path limit), a valid address. */
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "Must be at most 254 characters.")
  .pipe(z.email("Must be a valid email address."));

const password = z
  .string()
  .min(PASSWORD_MIN, `Must be at least ${PASSWORD_MIN} characters.`)
  .max(PASSWORD_MAX, `Must be at most ${PASSWORD_MAX} characters.`)
  .refine(isWellFormed, "Must be valid Unicode (no lone surrogates).");

export const registerSchema = z
  .strictObject({ email, password })
  .refine((body) => body.password.trim().toLowerCase() !== body.email, {
    path: ["password"],
    message: "Must not be the same as the email.",
  });

// Login does not re-apply the length rules: a wrong password is a 401, not a hint about the rules.
export const loginSchema = z.strictObject({
  email,
  password: z.string().min(1, "Is required.").max(PASSWORD_MAX * 4, "Is too long."),
});

/** Refresh tokens are 32 random bytes in base64url (43 characters). */
export const refreshTokenSchema = z.strictObject({
  refresh_token: z.string().min(1, "Is required.").max(256, "Is too long."),
});

export const deleteAccountSchema = z.strictObject({
  password: z.string().min(1, "Is required.").max(PASSWORD_MAX * 4, "Is too long."),
});

export type RegisterInput = z.infer<typeof registerSchema>;
export type LoginInput = z.infer<typeof loginSchema>;

/** A user as the API shows it. */
export type PublicUser = { id: string; email: string; created_at: string };

/** What register, login and refresh return. */
export type TokenPair = {
  user: PublicUser;
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
};
