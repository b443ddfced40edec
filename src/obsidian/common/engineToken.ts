/**
 * The practice server's bearer token in the plugin. It lives in Obsidian's keychain (SecretStorage,
 * Obsidian 1.11.4 and later: encrypted by the operating system, outside data.json) under the name
 * set in the settings; the plugin reads it when it builds an engine client and never writes it to
 * data.json, the console or an error. On an older Obsidian without a keychain it can be entered
 * for this session only: it is then held in memory and gone when Obsidian quits.
 */
import type { App } from "obsidian";
import type { ClinicalVaultSettings } from "../../core/settings";
import type { LlmClient } from "../../core/llm/LlmClient";
import { chatEngineOf, embeddingEngineOf } from "../../core/settings";
import { createLlmClient } from "../../engines/llm";

interface SecretStorageLike {
	getSecret(id: string): string | null;
}

let sessionToken: string | null = null;

/** The keychain, where this Obsidian has one. */
export function keychain(app: App): SecretStorageLike | null {
	const storage = (app as unknown as { secretStorage?: unknown }).secretStorage;
	return storage && typeof (storage as SecretStorageLike).getSecret === "function" ? (storage as SecretStorageLike) : null;
}

/** For an Obsidian without a keychain: the token for this session only ("" forgets it). */
export function setSessionToken(token: string): void {
	sessionToken = token.trim() === "" ? null : token.trim();
}

/** The token to send to engines, or undefined when none is configured. */
export function engineToken(app: App, settings: ClinicalVaultSettings): string | undefined {
	const store = keychain(app);
	if (store && settings.practiceTokenSecret !== "") {
		const secret = store.getSecret(settings.practiceTokenSecret);
		if (secret && secret.trim() !== "") return secret.trim();
	}
	return sessionToken ?? undefined;
}

/** The model client for the current settings (Ollama or an OpenAI-compatible server), with the token or API key when there is one. */
export function llmClient(app: App, settings: ClinicalVaultSettings): LlmClient {
	const token = engineToken(app, settings);
	return createLlmClient({
		...chatEngineOf(settings),
		policy: { allowlist: settings.engineAllowlist },
		...(token ? { token } : {}),
		...(settings.llmContextTokens > 0 ? { contextTokens: settings.llmContextTokens } : {}),
	});
}

/** The embedding client: the model engine, or the separate embedding engine the settings name. */
export function embeddingClient(app: App, settings: ClinicalVaultSettings): LlmClient {
	const token = engineToken(app, settings);
	return createLlmClient({ ...embeddingEngineOf(settings), policy: { allowlist: settings.engineAllowlist }, ...(token ? { token } : {}) });
}
