/**
 * Engine clients for the CLI: the model engine (`--llm KIND=URL`, or `--ollama URL` for Ollama, else
 * $OLLAMA_HOST for an Ollama engine, else the plugin's settings), its model and context, and the
 * embedding engine. A practice server's bearer token or a server's API key comes from the
 * environment (CLINICAL_VAULT_ENGINE_TOKEN), never from a flag: flags end up in shell history and in
 * the process list, where other users of the machine can read them. It is sent, never printed.
 */
import type { LlmClient } from "../core/llm/LlmClient";
import { parseEngineSpec, type EngineSpec } from "../core/llm/engines";
import { chatEngineOf, embeddingEngineOf, type ClinicalVaultSettings } from "../core/settings";
import { createLlmClient } from "../engines/llm";
import { stringOption, usageError, type OptionSpec, type OptionValues } from "./args";

export const ENGINE_TOKEN_ENV = "CLINICAL_VAULT_ENGINE_TOKEN";

export function engineTokenFrom(env: NodeJS.ProcessEnv): string | undefined {
	const token = env[ENGINE_TOKEN_ENV]?.trim();
	return token ? token : undefined;
}

/** The model to use (commands that ask the model). */
export const MODEL_OPTION: OptionSpec = { name: "model", value: "NAME", description: "Model (default: the plugin's setting, e.g. llama3.1:8b)." };

/** Which model server, and where. */
export const LLM_OPTION: OptionSpec = {
	name: "llm",
	value: "KIND=URL",
	description:
		"Model server: ollama=URL, openai=URL (any OpenAI-compatible server), or a preset: lmstudio, llama-server, jan, vllm, koboldcpp (optionally =URL). Default: the plugin's setting.",
};

/** Where Ollama is: the same as --llm ollama=URL. */
export const OLLAMA_OPTION: OptionSpec = {
	name: "ollama",
	value: "URL",
	description: "The same as --llm ollama=URL (default: $OLLAMA_HOST when the engine is Ollama, else the plugin's setting).",
};

export const CONTEXT_OPTION: OptionSpec = {
	name: "context",
	value: "TOKENS",
	description: "The model's context, for an OpenAI-compatible server that does not report it (default: the plugin's setting).",
};

/** The options of every command that asks the model. */
export const LLM_OPTIONS: readonly OptionSpec[] = [MODEL_OPTION, LLM_OPTION, OLLAMA_OPTION, CONTEXT_OPTION];

export const EMBED_LLM_OPTION: OptionSpec = {
	name: "embed-llm",
	value: "KIND=URL",
	description: "Embedding server, as --llm (default: the plugin's embedding engine, else the model server).",
};
export const EMBED_MODEL_OPTION: OptionSpec = {
	name: "embed-model",
	value: "NAME",
	description: "Embedding model (default: the plugin's setting, nomic-embed-text).",
};

/** OLLAMA_HOST=0.0.0.0 means "Ollama listens on every interface"; this computer reaches it on loopback. */
export function ollamaAddress(raw: string): string {
	return raw.replace(/^(https?:\/\/)?0\.0\.0\.0(?=[:/]|$)/, (_, scheme: string | undefined) => `${scheme ?? ""}127.0.0.1`);
}

/** The model engine the command line and the settings name. */
export function chatEngineFrom(options: OptionValues, env: NodeJS.ProcessEnv, settings: ClinicalVaultSettings): EngineSpec {
	const llm = stringOption(options, "llm");
	const ollama = stringOption(options, "ollama");
	if (llm !== undefined && ollama !== undefined) throw usageError("Give either --llm or --ollama, not both.");
	if (llm !== undefined) {
		const spec = parseEngineSpec(llm);
		return spec.kind === "ollama" ? { kind: "ollama", url: ollamaAddress(spec.url) } : spec;
	}
	if (ollama !== undefined) return { kind: "ollama", url: ollamaAddress(ollama) };
	const setting = chatEngineOf(settings);
	const fromEnv = env.OLLAMA_HOST?.trim();
	if (setting.kind === "ollama" && fromEnv) return { kind: "ollama", url: ollamaAddress(fromEnv) };
	return setting;
}

function contextFrom(options: OptionValues, settings: ClinicalVaultSettings): number {
	const flag = stringOption(options, "context");
	if (flag === undefined) return settings.llmContextTokens;
	const n = Number(flag);
	if (!Number.isInteger(n) || n < 512 || n > 10_000_000)
		throw usageError(`--context takes the model's context in tokens (a whole number from 512), not "${flag}".`);
	return n;
}

/** The model client and model for a command that asks the model. */
export function cliLlm(options: OptionValues, env: NodeJS.ProcessEnv, settings: ClinicalVaultSettings): { llm: LlmClient; model: string; engine: EngineSpec } {
	const engine = chatEngineFrom(options, env, settings);
	const token = engineTokenFrom(env);
	const contextTokens = contextFrom(options, settings);
	const llm = createLlmClient({
		...engine,
		policy: { allowlist: settings.engineAllowlist },
		...(token ? { token } : {}),
		...(contextTokens > 0 ? { contextTokens } : {}),
	});
	return { llm, model: stringOption(options, "model") ?? settings.llmModel, engine };
}

/** The embedding client and model: --embed-llm, else the settings' embedding engine ("same": the model engine, as --llm or --ollama name it). */
export function cliEmbedding(
	options: OptionValues,
	env: NodeJS.ProcessEnv,
	settings: ClinicalVaultSettings,
): { llm: LlmClient; model: string; engine: EngineSpec } {
	const flag = stringOption(options, "embed-llm");
	let engine: EngineSpec;
	if (flag !== undefined) {
		engine = parseEngineSpec(flag, "--embed-llm");
		if (engine.kind === "ollama") engine = { kind: "ollama", url: ollamaAddress(engine.url) };
	} else if (settings.embeddingEngine === "same") engine = chatEngineFrom(options, env, settings);
	else engine = embeddingEngineOf(settings);
	const token = engineTokenFrom(env);
	const llm = createLlmClient({ ...engine, policy: { allowlist: settings.engineAllowlist }, ...(token ? { token } : {}) });
	return { llm, model: stringOption(options, "embed-model") ?? settings.embeddingModel, engine };
}
