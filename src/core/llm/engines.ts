/**
 * Which local model server a request goes to: its kind (the API it speaks) and its address. Ollama
 * speaks its own API; LM Studio, llama.cpp's llama-server, Jan, vLLM, KoboldCpp, LocalAI and the MLX
 * servers speak the OpenAI-compatible one (/v1/chat/completions, /v1/embeddings, /v1/models).
 * Presets are the servers' documented default addresses on this computer; each is only a starting
 * point for the address setting.
 */
import { ClinicalVaultError } from "../errors";

export type LlmEngineKind = "ollama" | "openai";
export const LLM_ENGINE_KINDS: readonly LlmEngineKind[] = ["ollama", "openai"];

export interface EnginePreset {
	id: string;
	label: string;
	kind: LlmEngineKind;
	url: string;
	/** The server refuses requests without an API key (Jan's local API server). */
	keyRequired?: boolean;
	/** One line for the settings: how to start it so the plugin can reach it. */
	hint: string;
}

export const ENGINE_PRESETS: readonly EnginePreset[] = [
	{ id: "ollama", label: "Ollama", kind: "ollama", url: "http://127.0.0.1:11434", hint: "Open the Ollama app, or run: ollama serve" },
	{
		id: "lmstudio",
		label: "LM Studio",
		kind: "openai",
		url: "http://127.0.0.1:1234",
		hint: "In LM Studio: Developer → Start server (or run: lms server start)",
	},
	{
		id: "llama-server",
		label: "llama.cpp (llama-server)",
		kind: "openai",
		url: "http://127.0.0.1:8080",
		hint: "Run: llama-server -m MODEL.gguf --port 8080 (add --embeddings to serve embeddings)",
	},
	{
		id: "jan",
		label: "Jan",
		kind: "openai",
		url: "http://127.0.0.1:1337",
		keyRequired: true,
		hint: "In Jan: Settings → Local API Server → set an API key, then Start server",
	},
	{ id: "vllm", label: "vLLM", kind: "openai", url: "http://127.0.0.1:8000", hint: "Run: vllm serve MODEL --host 127.0.0.1 --port 8000" },
	{ id: "koboldcpp", label: "KoboldCpp", kind: "openai", url: "http://127.0.0.1:5001", hint: "Run: koboldcpp --model MODEL.gguf --port 5001" },
];

export interface EngineSpec {
	kind: LlmEngineKind;
	url: string;
	/** The preset it was chosen by (its name and hints in messages), when one was named. */
	preset?: string;
}

/** The preset whose kind and address these are, if any. */
export function presetFor(spec: EngineSpec): EnginePreset | undefined {
	const url = spec.url.replace(/\/+$/, "").replace(/\/v1$/, "");
	return ENGINE_PRESETS.find((p) => p.kind === spec.kind && p.url === url);
}

/**
 * `--llm KIND=URL` (ollama=http://127.0.0.1:11434, openai=http://127.0.0.1:1234) or a preset's name
 * with or without an address (lmstudio, llama-server=http://127.0.0.1:8081). Throws a usage error
 * naming what is accepted.
 */
export function parseEngineSpec(text: string, flag = "--llm"): EngineSpec {
	const raw = text.trim();
	const eq = raw.indexOf("=");
	const name = (eq === -1 ? raw : raw.slice(0, eq)).trim().toLowerCase();
	const url = eq === -1 ? "" : raw.slice(eq + 1).trim();
	const accepted = `ollama=URL, openai=URL, or a preset (${ENGINE_PRESETS.map((p) => p.id).join(", ")}) with an optional =URL`;
	const preset = ENGINE_PRESETS.find((p) => p.id === name);
	if (name === "ollama" || name === "openai") {
		if (url === "" && name === "openai")
			throw new ClinicalVaultError("usage", `${flag} openai needs the server's address: ${flag} openai=http://127.0.0.1:1234 (${accepted}).`);
		return { kind: name, url: url || ENGINE_PRESETS[0]!.url };
	}
	if (!preset) throw new ClinicalVaultError("usage", `${flag} "${raw}" is not an engine: use ${accepted}.`);
	return { kind: preset.kind, url: url || preset.url, preset: preset.id };
}
