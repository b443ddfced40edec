/**
 * The model client for an engine: Ollama's API or the OpenAI-compatible one, one factory for the
 * plugin and the CLI, so both shells build the same client from the same settings.
 */
import type { LlmClient } from "../core/llm/LlmClient";
import type { EngineSpec } from "../core/llm/engines";
import type { EndpointPolicy } from "../core/net/endpoint";
import { OllamaClient } from "./ollama";
import { OpenAiCompatibleClient } from "./openaiCompatible";

export interface LlmClientOptions extends EngineSpec {
	policy: EndpointPolicy;
	/** Bearer token or API key; sent, never shown. */
	token?: string;
	/** An OpenAI-compatible server's model context when it does not report one (0: none). Ollama is told the context per request. */
	contextTokens?: number;
}

export function createLlmClient(options: LlmClientOptions): LlmClient {
	const token = options.token ? { token: options.token } : {};
	if (options.kind === "openai") {
		return new OpenAiCompatibleClient({
			url: options.url,
			policy: options.policy,
			...token,
			...(options.preset ? { preset: options.preset } : {}),
			...(options.contextTokens ? { contextTokens: options.contextTokens } : {}),
		});
	}
	return new OllamaClient({ host: options.url, policy: options.policy, ...token });
}
