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
  AI_PROVIDER?: string;
  AI_TIMEOUT_MS?: string;
  GENERATIONS_PER_HOUR?: string;
  WORKERS_AI_MODEL?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_MODEL?: string;
  OPENAI_API_KEY?: string;
  FSRS_REQUEST_RETENTION?: string;
  FSRS_MAXIMUM_INTERVAL?: string;
  FSRS_ENABLE_FUZZ?: string;
  NEW_CARDS_PER_DAY?: string;
  /** Workers AI: bound only in the production environment (a top-level binding demands a login locally). */
  AI?: Ai;
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

const configSchema = z
  .object({
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
    AI_PROVIDER: z.enum(["local", "workers-ai", "openai"]).default("local"),
    AI_TIMEOUT_MS: intVar(60_000, 1, 300_000),
    GENERATIONS_PER_HOUR: intVar(20, 1, 10_000),
    WORKERS_AI_MODEL: z.string().min(1).default("@cf/meta/llama-3.3-70b-instruct-fp8-fast"),
    OPENAI_BASE_URL: z.url().default("https://openrouter.ai/api/v1"),
    OPENAI_MODEL: z.string().min(1).default("openai/gpt-4o-mini"),
    OPENAI_API_KEY: z.string().optional(),
    FSRS_REQUEST_RETENTION: z.coerce.number().min(0.7).max(0.99).default(0.9),
    FSRS_MAXIMUM_INTERVAL: intVar(36_500, 1, 36_500),
    FSRS_ENABLE_FUZZ: z
      .enum(["true", "false"])
      .default("true")
      .transform((value) => value === "true"),
    NEW_CARDS_PER_DAY: intVar(20, 0, 9_999),
  })
  .transform((vars) => ({
    jwtSecret: vars.JWT_SECRET,
    corsOrigins: vars.CORS_ORIGINS,
    maxBodyBytes: vars.MAX_BODY_BYTES,
    accessTokenTtlSeconds: vars.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlMs: vars.REFRESH_TOKEN_TTL_DAYS * 86_400_000,
    ai: {
      provider: vars.AI_PROVIDER,
      timeoutMs: vars.AI_TIMEOUT_MS,
      generationsPerHour: vars.GENERATIONS_PER_HOUR,
      workersAiModel: vars.WORKERS_AI_MODEL,
      openaiBaseUrl: vars.OPENAI_BASE_URL.replace(/\/+$/, ""),
      openaiModel: vars.OPENAI_MODEL,
      openaiApiKey: vars.OPENAI_API_KEY,
    },
    study: {
      requestRetention: vars.FSRS_REQUEST_RETENTION,
      maximumInterval: vars.FSRS_MAXIMUM_INTERVAL,
      enableFuzz: vars.FSRS_ENABLE_FUZZ,
      newCardsPerDay: vars.NEW_CARDS_PER_DAY,
    },
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
