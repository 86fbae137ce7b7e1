/**
 * Picks the provider named by `AI_PROVIDER`.
 */
import type { Bindings, Config } from "../env";
import { createLocalProvider } from "./local-provider";
import { createOpenAiProvider } from "./openai-provider";
import type { FlashcardProvider } from "./provider";
import { createWorkersAiProvider } from "./workers-ai-provider";

/** The configured provider for this request. */
export function selectProvider(config: Config, env: Pick<Bindings, "AI">): FlashcardProvider {
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
      return createLocalProvider();
  }
}
