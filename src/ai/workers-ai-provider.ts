/**
 * Workers AI through the `AI` binding, with JSON-schema structured output; in event-stream mode with
 * `stream: true` (server-sent events of `response` tokens), read incrementally.
 */
import { OUTPUT_JSON_SCHEMA, SYSTEM_PROMPT, userPrompt } from "./prompt";
import { readStreamedOutput } from "./proposal-stream";
import { type FlashcardProvider, type GenerateOptions, ProviderError } from "./provider";
import { parseJsonOutput } from "./provider-http";

/** The slice of the AI binding we use (a fake implements just this in tests). */
export type AiBinding = { run(model: string, inputs: Record<string, unknown>): Promise<unknown> };

/** Creates the provider over an AI binding; a missing binding is a deployment error (502, logged). */
export function createWorkersAiProvider(ai: AiBinding | undefined, model: string): FlashcardProvider {
  return {
    model,
    async generate(sourceText: string, { signal, count, language, onProposal }: GenerateOptions): Promise<unknown> {
      if (!ai) throw new ProviderError("upstream_error", "The Workers AI binding (AI) is not configured.");
      const messages = [
        { role: "system", content: SYSTEM_PROMPT },
        { role: "user", content: userPrompt(sourceText, { count, language }) },
      ];
      const run = ai.run(
        model,
        onProposal
          ? // Workers AI's JSON mode does not stream: the streaming request relies on the prompt's JSON-only
            // rule, and the whole output is validated by the same schema at the end.
            { messages, stream: true, max_tokens: 4096, temperature: 0.2 }
          : {
              messages,
              response_format: { type: "json_schema", json_schema: OUTPUT_JSON_SCHEMA },
              max_tokens: 4096,
              temperature: 0.2,
            },
      );
      // The binding takes no AbortSignal: race it against ours.
      const aborted = new Promise<never>((_, reject) => {
        const fail = () => reject(new ProviderError("timeout", "The provider did not answer within the time limit."));
        if (signal.aborted) fail();
        else signal.addEventListener("abort", fail, { once: true });
      });
      let result: unknown;
      try {
        result = await Promise.race([run, aborted]);
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        const message = error instanceof Error ? error.message : "";
        // Workers AI reports capacity and rate limits as errors with code 3040 / "Capacity" / 429.
        if (/\b(429|3040)\b|capacity|rate limit/i.test(message)) {
          throw new ProviderError("rate_limited", "Workers AI is out of capacity or rate-limited.", 30);
        }
        throw new ProviderError("upstream_error", "Workers AI failed to run the model.");
      }
      if (onProposal && result instanceof ReadableStream) {
        return readStreamedOutput(result as ReadableStream<Uint8Array>, signal, onProposal, (chunk) => {
          const text = (chunk as { response?: unknown } | null)?.response;
          return { text: typeof text === "string" ? text : "", finished: false };
        });
      }
      const response = (result as { response?: unknown } | null)?.response;
      if (typeof response === "string") return parseJsonOutput(response);
      if (response && typeof response === "object") return response;
      throw new ProviderError("invalid_output", "Workers AI returned no response.");
    },
  };
}
