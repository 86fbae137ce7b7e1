/**
 * The AI provider interface and its failure kinds. Providers return raw output; the generations
 * handler validates every provider's output with the same schema (src/ai/proposals.ts).
 */

/** Options of one `generate` call. */
export type GenerateOptions = {
  /** Fires when the request's time budget (AI_TIMEOUT_MS) is spent. */
  signal: AbortSignal;
  /** How many proposals the caller wants (1–50); the output is trimmed to it either way. */
  count?: number;
  /** A BCP 47 tag the cards should be written in; absent means the text's own language ("auto"). */
  language?: string;
  /**
   * Given only in event-stream mode: the LLM providers then use their streaming mode and call it with each
   * element of the output's `proposals` array (parsed, not yet validated) as soon as it is complete. The
   * returned output is still the whole one.
   */
  onProposal?: (raw: unknown) => void;
};

/** One way of turning text into proposals. `model` is reported honestly in the generation record. */
export interface FlashcardProvider {
  readonly model: string;
  /** Returns the provider's raw output (parsed JSON), or throws a ProviderError. */
  generate(sourceText: string, options: GenerateOptions): Promise<unknown>;
}

/** What went wrong with a provider, mapped to the client's 502/503/504 and the error log's code. */
export type ProviderFailure = "timeout" | "rate_limited" | "upstream_error" | "invalid_output";

/**
 * A provider failure. `message` is written by our code and safe to store in the error log: never an
 * API key, an upstream body or the source text.
 */
export class ProviderError extends Error {
  readonly kind: ProviderFailure;
  /** For rate limits: how long the provider asked us to wait. */
  readonly retryAfterSeconds?: number;

  constructor(kind: ProviderFailure, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = "ProviderError";
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
