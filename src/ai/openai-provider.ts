/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, OpenRouter, a self-hosted server) with a
 * JSON-schema response format; in event-stream mode with `stream: true`, read incrementally.
 */
import { OUTPUT_JSON_SCHEMA, SYSTEM_PROMPT, userPrompt } from "./prompt";
import { readStreamedOutput } from "./proposal-stream";
import { type FlashcardProvider, type GenerateOptions, ProviderError } from "./provider";
import { parseJsonOutput, retryAfterSeconds, throwForAbort } from "./provider-http";

/** Where and how to call an OpenAI-compatible chat completions API. */
export type OpenAiProviderConfig = { baseUrl: string; model: string; apiKey?: string };

/** One chunk of an OpenAI streaming answer (only the fields we read). */
type StreamChunk = { error?: unknown; choices?: Array<{ delta?: { content?: unknown }; finish_reason?: unknown }> };

/** Creates the provider; `fetch` is looked up at call time so tests can spy on it. */
export function createOpenAiProvider(config: OpenAiProviderConfig): FlashcardProvider {
  return {
    model: config.model,
    async generate(sourceText: string, { signal, count, language, onProposal }: GenerateOptions): Promise<unknown> {
      if (!config.apiKey) throw new ProviderError("upstream_error", "OPENAI_API_KEY is not configured.");
      const streaming = onProposal !== undefined;
      let response: Response;
      try {
        response = await fetch(`${config.baseUrl}/chat/completions`, {
          method: "POST",
          signal,
          headers: { "content-type": "application/json", authorization: `Bearer ${config.apiKey}` },
          body: JSON.stringify({
            model: config.model,
            temperature: 0.2,
            messages: [
              { role: "system", content: SYSTEM_PROMPT },
              { role: "user", content: userPrompt(sourceText, { count, language }) },
            ],
            response_format: {
              type: "json_schema",
              json_schema: { name: "flashcard_proposals", strict: true, schema: OUTPUT_JSON_SCHEMA },
            },
            ...(streaming ? { stream: true } : {}),
          }),
        });
      } catch (error) {
        throwForAbort(error, signal);
        throw new ProviderError("upstream_error", "The provider could not be reached (network error).");
      }
      if (response.status === 429) {
        throw new ProviderError(
          "rate_limited",
          "The provider rate-limited the request (429).",
          retryAfterSeconds(response),
        );
      }
      if (!response.ok) {
        throw new ProviderError("upstream_error", `The provider answered HTTP ${response.status}.`);
      }
      // A server that ignores `stream: true` answers one JSON body: read it as in JSON mode.
      if (streaming && response.body && /text\/event-stream/i.test(response.headers.get("content-type") ?? "")) {
        return readStreamedOutput(response.body, signal, onProposal, (chunk) => {
          const parsed = chunk as StreamChunk;
          if (parsed.error !== undefined) {
            throw new ProviderError("upstream_error", "The provider reported an error inside its stream.");
          }
          const choice = parsed.choices?.[0];
          const text = choice?.delta?.content;
          return { text: typeof text === "string" ? text : "", finished: Boolean(choice?.finish_reason) };
        });
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch (error) {
        throwForAbort(error, signal);
        throw new ProviderError("invalid_output", "The provider response is not JSON.");
      }
      const content = (body as { choices?: Array<{ message?: { content?: unknown } }> })?.choices?.[0]?.message
        ?.content;
      if (typeof content !== "string")
        throw new ProviderError("invalid_output", "The provider response has no message content.");
      return parseJsonOutput(content);
    },
  };
}
