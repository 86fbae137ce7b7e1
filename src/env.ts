/**
 * Worker bindings, per-request variables and the typed configuration parsed from `[vars]` and secrets.
 */
import * as z from "zod";

/** What wrangler.toml and the secrets give the worker. */
export type Bindings = {
  DB: D1Database;
  AUTH_RATE_LIMITER: RateLimit;
  JWT_SECRET: string;
  CORS_ORIGINS?: string;
  MAX_BODY_BYTES?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  REFRESH_TOKEN_TTL_DAYS?: string;
};

/** The authenticated caller, taken from a verified access token. */
export type AuthContext = { userId: string; sessionId: string };

export type Variables = {
  requestId: string;
  config: Config;
  auth: AuthContext;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };

const intVar = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const configSchema = z.object({
  JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters of random data"),
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((origin) => origin.trim())
        .filter((origin) => origin.length > 0),
    ),
  MAX_BODY_BYTES: intVar(524_288, 1_024, 10_485_760),
  ACCESS_TOKEN_TTL_SECONDS: intVar(900, 60, 3_600),
  REFRESH_TOKEN_TTL_DAYS: intVar(30, 1, 365),
}).transform((vars) => ({
  jwtSecret: vars.JWT_SECRET,
  corsOrigins: vars.CORS_ORIGINS,
  maxBodyBytes: vars.MAX_BODY_BYTES,
  accessTokenTtlSeconds: vars.ACCESS_TOKEN_TTL_SECONDS,
  refreshTokenTtlMs: vars.REFRESH_TOKEN_TTL_DAYS * 86_400_000,
}));

/** The validated configuration every module reads instead of raw strings. */
export type Config = z.output<typeof configSchema>;

const cache = new WeakMap<object, Config>();

/**
 * Parses the environment once per isolate (cached by the env object).
 * @throws Error naming every invalid variable: a deployment mistake, answered as 500 and logged.
 */
export function readConfig(env: Bindings): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${fields.join("; ")}`);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
