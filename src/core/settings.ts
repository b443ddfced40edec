/**
 * Plugin settings: defaults and a pure migration from whatever data.json holds (any older version,
 * partial, or garbage) to the current shape. Settings never hold clinical data or secrets.
 */
import { ENGINE_PRESETS, type LlmEngineKind } from "./llm/engines";
export const SETTINGS_VERSION = 6;
// Version history: 2 transcription settings; 3 drafting (Ollama, formats, word limits, templates);
// 4 embeddingModel (search); 5 practiceTokenSecret (the keychain name of a practice server's token);
// 6 the model engine's kind (Ollama or OpenAI-compatible): ollamaUrl and ollamaModel became llmUrl
// and llmModel with llmEngine "ollama", so an Ollama user's set-up is unchanged; llmContextTokens;
// a separate embedding engine (embeddingEngine "same" keeps using the chat engine).
// Older data gets the new fields' defaults.

export type NoteFormatSetting = "soap" | "dap" | "birp" | "narrative" | "ifs";
const FORMATS: readonly NoteFormatSetting[] = ["soap", "dap", "birp", "narrative", "ifs"];

export type EngineChoice = "auto" | "cli" | "server" | "openai";

/** Where embeddings for semantic search come from: the chat engine, or another server. */
export type EmbeddingEngineChoice = "same" | LlmEngineKind;

export interface ClinicalVaultSettings {
	settingsVersion: number;
	/** Vault-relative folder that holds the encrypted record. */
	clinicalRoot: string;
	/** Lock after this many idle minutes; 0 disables idle locking (locking on quit always happens). */
	autoLockMinutes: number;

	/** Transcription engine; "auto" picks whisper-cli when its binary and model are set, else a running server. */
	transcriptionEngine: EngineChoice;
	/** Path of whisper.cpp's whisper-cli; empty = look for whisper-cli on the PATH. */
	whisperBinary: string;
	/** Path of a ggml model file (ggml-base.en.bin, ggml-medium.en.bin, …). */
	whisperModel: string;
	/** Threads for whisper-cli; 0 = one per core. */
	whisperThreads: number;
	whisperServerUrl: string;
	openaiUrl: string;
	openaiModel: string;
	/** Path of ffmpeg; empty = look for ffmpeg on the PATH (used by the CLI; Obsidian decodes with Web Audio). */
	ffmpegPath: string;
	/** Session language (ISO 639-1). English prefers English-only models. */
	language: string;
	/** Names for the left and right channel of stereo recordings. */
	channelSpeakers: [string, string];
	/** Delete raw audio this many hours after the session's note is signed; negative = keep. */
	audioRetentionHours: number;
	/** Practice servers the clinician allows besides this computer (host or host:port; "http://host:port (insecure-ok)" = plain-http exception). */
	engineAllowlist: string[];

	/** The API the model server speaks: Ollama's, or the OpenAI-compatible one (LM Studio, llama-server, Jan, vLLM, KoboldCpp). */
	llmEngine: LlmEngineKind;
	/** The model server's address (loopback unless allowlisted). */
	llmUrl: string;
	/** Model for drafting; llama3.1:8b suits 16 GB of memory, qwen2.5:14b 32 GB. */
	llmModel: string;
	/**
	 * The model's context in tokens, for an OpenAI-compatible server that does not report the context
	 * it loaded the model with (and a cap below the one it reports); 0 = as the server reports it.
	 */
	llmContextTokens: number;
	/** Where embeddings come from: "same" (the engine above) or another server of either kind. */
	embeddingEngine: EmbeddingEngineChoice;
	/** The embedding server's address when embeddingEngine is not "same". */
	embeddingUrl: string;
	/** Embedding model for semantic search; changing it (or its vectors' size) re-embeds the index. */
	embeddingModel: string;
	/**
	 * The NAME of the practice server's bearer token in Obsidian's keychain (SecretStorage), never
	 * the token itself: data.json is synced and backed up with the vault. "" = no token.
	 */
	practiceTokenSecret: string;
	defaultNoteFormat: NoteFormatSetting;
	/** Words per section unless a section has its own limit. */
	sectionWordLimit: number;
	/** Per-section word limits by section key (subjective, plan, parts, …). */
	wordLimits: Record<string, number>;
	/** Vault folder with the editable note templates (never holds client data). */
	templatesFolder: string;
	/** The clinician's name and credentials as stamped into signed notes (plugin and CLI). */
	signerName: string;
}

export const DEFAULT_SETTINGS: Readonly<ClinicalVaultSettings> = Object.freeze<ClinicalVaultSettings>({
	settingsVersion: SETTINGS_VERSION,
	clinicalRoot: "Clinical",
	autoLockMinutes: 15,
	transcriptionEngine: "auto",
	whisperBinary: "",
	whisperModel: "",
	whisperThreads: 0,
	whisperServerUrl: "http://127.0.0.1:8080",
	openaiUrl: "http://127.0.0.1:8000",
	openaiModel: "Systran/faster-whisper-small.en",
	ffmpegPath: "",
	language: "en",
	channelSpeakers: ["Therapist", "Client"] as [string, string],
	audioRetentionHours: 24,
	engineAllowlist: [] as string[],
	llmEngine: "ollama",
	llmUrl: "http://127.0.0.1:11434",
	llmModel: "llama3.1:8b",
	llmContextTokens: 0,
	embeddingEngine: "same",
	embeddingUrl: ENGINE_PRESETS[0]!.url,
	embeddingModel: "nomic-embed-text",
	practiceTokenSecret: "",
	defaultNoteFormat: "soap",
	sectionWordLimit: 150,
	wordLimits: {},
	templatesFolder: "Clinical Vault templates",
	signerName: "",
});

/** A vault-relative folder: no leading or trailing slash, no "..", no hidden segment; else the fallback. */
function cleanFolder(value: unknown, fallback: string): string {
	if (typeof value !== "string") return fallback;
	const folder = value
		.trim()
		.replace(/\\/g, "/")
		.replace(/^\/+|\/+$/g, "");
	if (folder === "" || folder.split("/").some((s) => s === "." || s === ".." || s.startsWith("."))) return fallback;
	return folder;
}

function cleanNumber(value: unknown, fallback: number, min: number, max: number): number {
	const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
	if (!Number.isFinite(n) || n < min) return fallback;
	return Math.min(max, Math.round(n));
}

function cleanString(value: unknown, fallback: string): string {
	return typeof value === "string" ? value.trim() : fallback;
}

function cleanUrl(value: unknown, fallback: string): string {
	if (typeof value !== "string" || value.trim() === "") return fallback;
	try {
		return new URL(value.trim()).toString().replace(/\/$/, "");
	} catch {
		return fallback;
	}
}

function cleanWordLimits(value: unknown): Record<string, number> {
	const out: Record<string, number> = {};
	if (typeof value !== "object" || value === null || Array.isArray(value)) return out;
	for (const [key, n] of Object.entries(value as Record<string, unknown>)) {
		if (/^[a-z][a-z0-9_]*$/.test(key) && typeof n === "number" && Number.isFinite(n) && n >= 10 && n <= 2000) out[key] = Math.round(n);
	}
	return out;
}

/** A keychain entry's name: lower-case letters, digits and dashes (as Obsidian's keychain names them); anything else is dropped. */
function cleanSecretName(value: unknown): string {
	const name = typeof value === "string" ? value.trim().toLowerCase() : "";
	return /^[a-z0-9][a-z0-9-]{0,63}$/.test(name) ? name : "";
}

/**
 * What changed in the stored data at each version, as a step from the version before: applied in
 * order to data of an older version, before every value is checked. Versions 2 to 5 only added
 * settings (their defaults come from SETTING_CHECKS); version 6 renamed the model engine's fields.
 */
export const MIGRATIONS: readonly { to: number; what: string; step: (data: Record<string, unknown>) => Record<string, unknown> }[] = [
	{
		to: 6,
		what: "the model engine named by its kind: ollamaUrl and ollamaModel became llmUrl and llmModel, with llmEngine ollama",
		step: ({ ollamaUrl, ollamaModel, ...data }) => ({
			...data,
			llmEngine: data.llmEngine ?? "ollama",
			...(data.llmUrl === undefined && ollamaUrl !== undefined ? { llmUrl: ollamaUrl } : {}),
			...(data.llmModel === undefined && ollamaModel !== undefined ? { llmModel: ollamaModel } : {}),
		}),
	},
];

type Checked = Omit<ClinicalVaultSettings, "settingsVersion">;

/**
 * One check per setting: the stored value if it is valid, else the default. A mapped type, so a
 * setting added to ClinicalVaultSettings without its check does not compile.
 */
const SETTING_CHECKS: { [K in keyof Checked]: (value: unknown) => Checked[K] } = {
	clinicalRoot: (v) => cleanFolder(v, DEFAULT_SETTINGS.clinicalRoot),
	autoLockMinutes: (v) => cleanNumber(v, DEFAULT_SETTINGS.autoLockMinutes, 0, 24 * 60),
	transcriptionEngine: (v) => (v === "cli" || v === "server" || v === "openai" || v === "auto" ? v : "auto"),
	whisperBinary: (v) => cleanString(v, ""),
	whisperModel: (v) => cleanString(v, ""),
	whisperThreads: (v) => cleanNumber(v, 0, 0, 64),
	whisperServerUrl: (v) => cleanUrl(v, DEFAULT_SETTINGS.whisperServerUrl),
	openaiUrl: (v) => cleanUrl(v, DEFAULT_SETTINGS.openaiUrl),
	openaiModel: (v) => cleanString(v, DEFAULT_SETTINGS.openaiModel) || DEFAULT_SETTINGS.openaiModel,
	ffmpegPath: (v) => cleanString(v, ""),
	language: (v) => {
		const language = cleanString(v, DEFAULT_SETTINGS.language).toLowerCase();
		return /^[a-z]{2,3}$/.test(language) ? language : DEFAULT_SETTINGS.language;
	},
	channelSpeakers: (v) =>
		Array.isArray(v) && v.length === 2 && v.every((s) => typeof s === "string" && s.trim() !== "")
			? ([String(v[0]).trim(), String(v[1]).trim()] as [string, string])
			: ([...DEFAULT_SETTINGS.channelSpeakers] as [string, string]),
	audioRetentionHours: (v) => cleanNumber(v, DEFAULT_SETTINGS.audioRetentionHours, -1, 24 * 365),
	llmEngine: (v) => (v === "openai" ? "openai" : "ollama"),
	llmUrl: (v) => cleanUrl(v, DEFAULT_SETTINGS.llmUrl),
	llmModel: (v) => cleanString(v, DEFAULT_SETTINGS.llmModel) || DEFAULT_SETTINGS.llmModel,
	llmContextTokens: (v) => cleanNumber(v, 0, 0, 10_000_000),
	embeddingEngine: (v) => (v === "ollama" || v === "openai" ? v : "same"),
	embeddingUrl: (v) => cleanUrl(v, DEFAULT_SETTINGS.embeddingUrl),
	embeddingModel: (v) => cleanString(v, DEFAULT_SETTINGS.embeddingModel) || DEFAULT_SETTINGS.embeddingModel,
	practiceTokenSecret: (v) => cleanSecretName(v),
	defaultNoteFormat: (v) => (FORMATS.includes(v as NoteFormatSetting) ? (v as NoteFormatSetting) : DEFAULT_SETTINGS.defaultNoteFormat),
	sectionWordLimit: (v) => cleanNumber(v, DEFAULT_SETTINGS.sectionWordLimit, 20, 2000),
	wordLimits: (v) => cleanWordLimits(v),
	templatesFolder: (v) => cleanFolder(v, DEFAULT_SETTINGS.templatesFolder),
	signerName: (v) => cleanString(v, "").slice(0, 200),
	engineAllowlist: (v) => (Array.isArray(v) ? v.filter((e): e is string => typeof e === "string" && e.trim() !== "").map((e) => e.trim()) : []),
};

/** Pure: returns current-version settings for any input, keeping every valid value it finds. */
export function migrateSettings(raw: unknown): ClinicalVaultSettings {
	let data: Record<string, unknown> = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : {};
	// Data with no version is from before versions were written: every step applies.
	const version = typeof data.settingsVersion === "number" && Number.isInteger(data.settingsVersion) ? data.settingsVersion : 1;
	for (const migration of MIGRATIONS) if (version < migration.to) data = migration.step(data);
	const checked = Object.fromEntries(
		Object.entries(SETTING_CHECKS).map(([key, check]) => [key, (check as (value: unknown) => unknown)(data[key])]),
	) as Checked;
	return { settingsVersion: SETTINGS_VERSION, ...checked };
}

/** The chat engine the settings name. */
export function chatEngineOf(settings: Pick<ClinicalVaultSettings, "llmEngine" | "llmUrl">): { kind: LlmEngineKind; url: string } {
	return { kind: settings.llmEngine, url: settings.llmUrl };
}

/** The embedding engine the settings name: the chat engine unless another is set. */
export function embeddingEngineOf(settings: Pick<ClinicalVaultSettings, "llmEngine" | "llmUrl" | "embeddingEngine" | "embeddingUrl">): {
	kind: LlmEngineKind;
	url: string;
} {
	return settings.embeddingEngine === "same" ? chatEngineOf(settings) : { kind: settings.embeddingEngine, url: settings.embeddingUrl };
}

/**
 * Two engines set to one address (whisper-server and llama-server both default to port 8080; the
 * OpenAI-compatible transcription server and vLLM to 8000): one of them would answer for the other.
 * Each collision as a sentence for the settings.
 */
export function engineCollisions(settings: ClinicalVaultSettings): string[] {
	const key = (url: string) => {
		try {
			const u = new URL(url);
			const host = u.hostname === "localhost" ? "127.0.0.1" : u.hostname;
			return `${host}:${u.port || (u.protocol === "https:" ? "443" : "80")}`;
		} catch {
			return url;
		}
	};
	const engines: { what: string; url: string }[] = [{ what: "the model server", url: settings.llmUrl }];
	if (settings.embeddingEngine !== "same") engines.push({ what: "the embedding server", url: settings.embeddingUrl });
	if (settings.transcriptionEngine === "server" || settings.transcriptionEngine === "auto")
		engines.push({ what: "whisper-server", url: settings.whisperServerUrl });
	if (settings.transcriptionEngine === "openai" || settings.transcriptionEngine === "auto")
		engines.push({ what: "the OpenAI-compatible transcription server", url: settings.openaiUrl });
	const out: string[] = [];
	for (let i = 0; i < engines.length; i++) {
		for (let j = i + 1; j < engines.length; j++) {
			const a = engines[i]!;
			const b = engines[j]!;
			if (key(a.url) !== key(b.url)) continue;
			// The model server serving its own embeddings at the same address is one server, not two.
			if (a.what === "the model server" && b.what === "the embedding server" && settings.embeddingEngine === settings.llmEngine) continue;
			out.push(
				`${a.what} and ${b.what} are both set to ${key(a.url)}: one would answer for the other. Start one on another port (for example whisper-server --port 8081) and change its address here.`,
			);
		}
	}
	return out;
}
