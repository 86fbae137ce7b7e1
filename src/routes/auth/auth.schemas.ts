/**
 * Request and response schemas of the accounts endpoints. Request types come from these via z.infer.
 */
import * as z from "zod";
import { isWellFormed } from "../../lib/text";

/** The shortest password accepted, in characters. */
export const PASSWORD_MIN = 12;
/** The longest password accepted, in characters (bounds the hashing cost). */
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

/** RFC 5321 §4.5.3.1.1: a local part (before the @) is at most 64 octets. */
export const EMAIL_LOCAL_PART_MAX = 64;

/**
 * A new account's email also keeps the local-part limit. Only at registration: an account registered
 * before the rule must still be able to log in.
 */
const newEmail = email.refine(
  (address) => new TextEncoder().encode(address.slice(0, address.lastIndexOf("@"))).length <= EMAIL_LOCAL_PART_MAX,
  `The part before @ must be at most ${EMAIL_LOCAL_PART_MAX} characters.`,
);

/** The body of `POST /auth/register`. */
export const registerSchema = z
  .strictObject({ email: newEmail, password })
  .refine((body) => body.password.trim().toLowerCase() !== body.email, {
    path: ["password"],
    message: "Must not be the same as the email.",
  });

/** The body of `POST /auth/login`. */
// Login does not re-apply the length rules: a wrong password is a 401, not a hint about the rules.
export const loginSchema = z.strictObject({
  email,
  password: z
    .string()
    .min(1, "Is required.")
    .max(PASSWORD_MAX * 4, "Is too long."),
});

/** Refresh tokens are 32 random bytes in base64url (43 characters). */
export const refreshTokenSchema = z.strictObject({
  refresh_token: z.string().min(1, "Is required.").max(256, "Is too long."),
});

/** The body of `DELETE /auth/me`: the password, re-entered. */
export const deleteAccountSchema = z.strictObject({
  password: z
    .string()
    .min(1, "Is required.")
    .max(PASSWORD_MAX * 4, "Is too long."),
});

/** A validated registration body. */
export type RegisterInput = z.infer<typeof registerSchema>;
/** A validated login body. */
export type LoginInput = z.infer<typeof loginSchema>;

/** A user as the API shows it. */
export const publicUserSchema = z.object({ id: z.uuid(), email: z.email(), created_at: z.iso.datetime() });

/** What register, login and refresh return. */
export const tokenPairSchema = z.object({
  user: publicUserSchema,
  access_token: z
    .string()
    .meta(ROUTE_DOCS ? { description: "HS256 JWT; send as `Authorization: Bearer <token>`." } : {}),
  refresh_token: z
    .string()
    .meta(ROUTE_DOCS ? { description: "Opaque; single use: every refresh returns a new one." } : {}),
  token_type: z.literal("Bearer"),
  expires_in: z.int().meta(ROUTE_DOCS ? { description: "Seconds until the access token expires." } : {}),
});

/** A user as the API shows it. */
export type PublicUser = z.infer<typeof publicUserSchema>;
/** The body of a successful registration, login or refresh. */
export type TokenPair = z.infer<typeof tokenPairSchema>;
