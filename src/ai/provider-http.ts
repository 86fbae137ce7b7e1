/**
 * Helpers shared by the LLM providers: timeouts, Retry-After, JSON content.
 */
import { ProviderError } from "./provider";

/** Default wait when a provider says 429 without Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 30;

/** Rethrows an abort caused by our time budget as a `timeout` ProviderError. */
export function throwForAbort(error: unknown, signal: AbortSignal): void {
  if (signal.aborted || (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError"))) {
    throw new ProviderError("timeout", "The provider did not answer within the time limit.");
  }
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), clamped to 1..3600. */
export function retryAfterSeconds(response: Response, nowMs = Date.now()): number {
  const header = response.headers.get("retry-after");
  if (!header) return DEFAULT_RETRY_AFTER_SECONDS;
  const seconds = /^\d+$/.test(header.trim()) ? Number(header) : Math.ceil((Date.parse(header) - nowMs) / 1000);
  return Number.isFinite(seconds) ? Math.min(3600, Math.max(1, seconds)) : DEFAULT_RETRY_AFTER_SECONDS;
}

/** Parses model output that should be JSON; tolerates a ```json fence some models add anyway. */
export function parseJsonOutput(content: string): unknown {
  const unfenced = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, "$1");
  try {
    return JSON.parse(unfenced);
  } catch {
    throw new ProviderError("invalid_output", "The provider output is not valid JSON.");
  }
}
