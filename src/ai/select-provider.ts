/**
 * Picks the provider named by `AI_PROVIDER`.
 */
import type { Bindings, Config } from "../env";
import { createOpenAiProvider } from "./openai-provider";
import type { FlashcardProvider } from "./provider";
import { createWorkersAiProvider } from "./workers-ai-provider";

/**
 * The configured provider for this request. The local provider is imported only when it is used: in the
 * staging and production builds `LOCAL_AI_PROVIDER` (src/build-flags.d.ts) is false, and the minifier drops
 * it and its language data from the bundle.
 * @throws Error when `AI_PROVIDER` is "local" in a build without the local provider (a deployment mistake, 500).
 */
export async function selectProvider(config: Config, env: Pick<Bindings, "AI">): Promise<FlashcardProvider> {
  switch (config.ai.provider) {
    case "workers-ai":
      return createWorkersAiProvider(env.AI, config.ai.workersAiModel);
    case "openai":
      return createOpenAiProvider({
        baseUrl: config.ai.openaiBaseUrl,
        model: config.ai.openaiModel,
        apiKey: config.ai.openaiApiKey,
      });
    case "local":
      if (LOCAL_AI_PROVIDER) return (await import("./local-provider")).createLocalProvider();
      throw new Error('Invalid configuration: AI_PROVIDER "local" is not in this build; use "workers-ai" or "openai"');
  }
}
