/**
 * Plugin settings: defaults and a pure migration from whatever data.json holds (any older version,
 * partial, or garbage) to the current shape. Settings never hold clinical data or secrets.
 */
export const SETTINGS_VERSION = 2;

export type EngineChoice = "auto" | "cli" | "server" | "openai";

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
	/** Practice servers the clinician allows besides this computer (host or host:port; http:// prefix = plain-http exception). */
	engineAllowlist: string[];
}

export const DEFAULT_SETTINGS: Readonly<ClinicalVaultSettings> = Object.freeze({
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
});

function cleanRoot(value: unknown): string {
	if (typeof value !== "string") return DEFAULT_SETTINGS.clinicalRoot;
	const root = value.trim().replace(/\\/g, "/").replace(/^\/+|\/+$/g, "");
	if (root === "" || root.split("/").some((s) => s === "." || s === ".." || s.startsWith("."))) return DEFAULT_SETTINGS.clinicalRoot;
	return root;
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

/** Pure: returns current-version settings for any input, keeping every valid value it finds. */
export function migrateSettings(raw: unknown): ClinicalVaultSettings {
	const data = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
	const engine = data.transcriptionEngine;
	const speakers = Array.isArray(data.channelSpeakers) && data.channelSpeakers.length === 2 && data.channelSpeakers.every((s) => typeof s === "string" && s.trim() !== "")
		? ([String(data.channelSpeakers[0]).trim(), String(data.channelSpeakers[1]).trim()] as [string, string])
		: ([...DEFAULT_SETTINGS.channelSpeakers] as [string, string]);
	const language = cleanString(data.language, DEFAULT_SETTINGS.language).toLowerCase();
	return {
		settingsVersion: SETTINGS_VERSION,
		clinicalRoot: cleanRoot(data.clinicalRoot),
		autoLockMinutes: cleanNumber(data.autoLockMinutes, DEFAULT_SETTINGS.autoLockMinutes, 0, 24 * 60),
		transcriptionEngine: engine === "cli" || engine === "server" || engine === "openai" || engine === "auto" ? engine : "auto",
		whisperBinary: cleanString(data.whisperBinary, ""),
		whisperModel: cleanString(data.whisperModel, ""),
		whisperThreads: cleanNumber(data.whisperThreads, 0, 0, 64),
		whisperServerUrl: cleanUrl(data.whisperServerUrl, DEFAULT_SETTINGS.whisperServerUrl),
		openaiUrl: cleanUrl(data.openaiUrl, DEFAULT_SETTINGS.openaiUrl),
		openaiModel: cleanString(data.openaiModel, DEFAULT_SETTINGS.openaiModel) || DEFAULT_SETTINGS.openaiModel,
		ffmpegPath: cleanString(data.ffmpegPath, ""),
		language: /^[a-z]{2,3}$/.test(language) ? language : DEFAULT_SETTINGS.language,
		channelSpeakers: speakers,
		audioRetentionHours: cleanNumber(data.audioRetentionHours, DEFAULT_SETTINGS.audioRetentionHours, -1, 24 * 365),
		engineAllowlist: Array.isArray(data.engineAllowlist) ? data.engineAllowlist.filter((e): e is string => typeof e === "string" && e.trim() !== "").map((e) => e.trim()) : [],
	};
}
