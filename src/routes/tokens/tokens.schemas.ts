/**
 * Request and response schemas of the personal access token endpoints (`/auth/tokens`).
 */
import * as z from "zod";
import { TOKEN_SCOPES } from "../../lib/scopes";
import { hasNoControlCharacters, isWellFormed } from "../../lib/text";

/** Most tokens one user may hold (GET /auth/tokens lists them all, unpaged). */
export const TOKENS_PER_USER_MAX = 100;

/** The body of `POST /auth/tokens`. */
export const createTokenSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "Must not be empty.")
    .max(100, "Must be at most 100 characters.")
    .refine(isWellFormed, "Must be valid Unicode (no lone surrogates).")
    .refine(hasNoControlCharacters, "Must not contain control characters."),
  scopes: z
    .array(z.enum(TOKEN_SCOPES, `Must be one of ${TOKEN_SCOPES.join(", ")}.`))
    .min(1, "Must grant at least one scope.")
    .max(TOKEN_SCOPES.length, `Must have at most ${TOKEN_SCOPES.length} scopes.`)
    .refine((scopes) => new Set(scopes).size === scopes.length, "Must not repeat a scope."),
  expires_in_days: z
    .int("Must be a whole number of days.")
    .min(1, "Must be at least 1.")
    .max(365, "Must be at most 365.")
    .nullable()
    .optional()
    .meta(ROUTE_DOCS ? { description: "Days until the token expires (1–365); null or absent: it never expires." } : {}),
});

/** A validated token creation body. */
export type CreateTokenInput = z.infer<typeof createTokenSchema>;

const tokenFields = {
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(z.enum(TOKEN_SCOPES)),
  prefix: z.string().meta(ROUTE_DOCS ? { description: "The token's first characters, to tell tokens apart." } : {}),
  created_at: z.iso.datetime(),
  expires_at: z.iso.datetime().nullable(),
};

/** A token as listed: never the secret. */
export const tokenSchema = z.object({
  ...tokenFields,
  last_used_at: z.iso
    .datetime()
    .nullable()
    .meta(ROUTE_DOCS ? { description: "When the token was last used, to the hour (refreshed at most hourly)." } : {}),
});

/** A new token: the only response that ever carries the secret. */
export const createdTokenSchema = z.object({
  ...tokenFields,
  token: z
    .string()
    .meta(
      ROUTE_DOCS ? { description: "The secret (`fcpat_…`), shown once: send as `Authorization: Bearer <token>`." } : {},
    ),
});

/** The body of `GET /auth/tokens`. */
export const tokenListSchema = z.object({ data: z.array(tokenSchema) });

/** A personal access token as a handler returns it (never its secret). */
export type TokenView = z.infer<typeof tokenSchema>;
/** A new personal access token with its secret, shown once. */
export type CreatedToken = z.infer<typeof createdTokenSchema>;
