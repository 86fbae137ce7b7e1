/**
 * Picks the provider named by `AI_PROVIDER`.
 */
import type { Bindings, Config } from "../env";
import { createLocalProvider } from "./local-provider";
import { createOpenAiProvider } from "./openai-provider";
import type { FlashcardProvider } from "./provider";
import { createWorkersAiProvider } from "./workers-ai-provider";

/**
 * Whether this build carries the local provider: wrangler.toml's `[define]` sets it `true` for development and
 * tests and `false` in the staging and production builds, so the minifier drops the local provider and its
 * language data (about 20 KiB) from the deployed bundle. Undefined (a build without wrangler) keeps it.
 */
declare const LOCAL_AI_PROVIDER: boolean | undefined;

/**
 * The configured provider for this request.
 * @throws Error when `AI_PROVIDER` is "local" in a build without the local provider (a deployment mistake, 500).
 */
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
      if (typeof LOCAL_AI_PROVIDER === "undefined" || LOCAL_AI_PROVIDER) return createLocalProvider();
      throw new Error('Invalid configuration: AI_PROVIDER "local" is not in this build; use "workers-ai" or "openai"');
  }
}
