/**
 * Engine clients for the CLI. A practice server's bearer token comes from the environment
 * (CLINICAL_VAULT_ENGINE_TOKEN), never from a flag: flags end up in shell history and in the
 * process list, where other users of the machine can read them. It is sent, never printed.
 */
import type { ClinicalVaultSettings } from "../core/settings";
import { OllamaClient } from "../engines/ollama";

export const ENGINE_TOKEN_ENV = "CLINICAL_VAULT_ENGINE_TOKEN";

export function engineTokenFrom(env: NodeJS.ProcessEnv): string | undefined {
	const token = env[ENGINE_TOKEN_ENV]?.trim();
	return token ? token : undefined;
}

export function cliOllama(host: string, settings: ClinicalVaultSettings, env: NodeJS.ProcessEnv): OllamaClient {
	const token = engineTokenFrom(env);
	return new OllamaClient({ host, policy: { allowlist: settings.engineAllowlist }, ...(token ? { token } : {}) });
}
