/**
 * Settings: the clinical folder, idle auto-lock, transcription engines and the retention of raw
 * audio. Settings never hold clinical data or secrets. The settings are described once
 * (getSettingDefinitions, in the shape Obsidian 1.13+ renders and indexes for settings search) and
 * display() draws the same definitions for older versions. Each setting is read, checked and
 * written by its one field (fields()); the controls' checks are those fields' writes, so what the
 * tab says under a control is what saving would say. Defaults, the check of stored data and the
 * versioned migrations are core's (src/core/settings.ts).
 */
import { PluginSettingTab, Setting, type App, type Plugin } from "obsidian";
import { checkEndpoint, parseAllowEntry } from "../../core/net/endpoint";
import { ENGINE_PRESETS, presetFor, type LlmEngineKind } from "../../core/llm/engines";
import { engineCollisions, type ClinicalVaultSettings, type EmbeddingEngineChoice, type EngineChoice, type NoteFormatSetting } from "../../core/settings";
import { NOTE_FORMATS } from "../../core/drafting/templates";
import { FORMAT_NAMES } from "../notes/noteModals";

type SettingKey =
	| "clinicalRoot"
	| "autoLockMinutes"
	| "transcriptionEngine"
	| "whisperBinary"
	| "whisperModel"
	| "whisperThreads"
	| "whisperServerUrl"
	| "openaiUrl"
	| "openaiModel"
	| "ffmpegPath"
	| "language"
	| "speakerLeft"
	| "speakerRight"
	| "audioRetentionHours"
	| "engineAllowlist"
	| "practiceTokenSecret"
	| "sessionToken"
	| "llmPreset"
	| "llmEngine"
	| "llmUrl"
	| "llmModel"
	| "llmContextTokens"
	| "embeddingEngine"
	| "embeddingUrl"
	| "embeddingModel"
	| "defaultNoteFormat"
	| "sectionWordLimit"
	| "templatesFolder"
	| "signerName";

interface ControlDefinition {
	name: string;
	desc: string | DocumentFragment;
	control: {
		type: "text" | "number" | "dropdown" | "textarea";
		key: SettingKey;
		placeholder?: string;
		min?: number;
		max?: number;
		step?: number;
		rows?: number;
		options?: Record<string, string>;
		disabled?: () => boolean;
		validate?: (value: unknown) => string | undefined;
	};
}

interface GroupDefinition {
	type: "group";
	heading: string;
	items: ControlDefinition[];
}

type DefinitionItem = ControlDefinition | GroupDefinition;

/** One setting's read and write (SettingsTab.fields). */
interface SettingField {
	read: () => unknown;
	/** Checks the value and writes it into `next`; throws the message for the clinician. False: nothing to save. */
	write?: (value: unknown, next: ClinicalVaultSettings) => boolean | void;
	/** Keeps a value that lives outside the settings. */
	store?: (value: unknown) => Promise<void>;
}

export interface SettingsHost {
	readonly settings: ClinicalVaultSettings;
	readonly configDir: string;
	isUnlocked(): boolean;
	/** Persists and applies new settings (rebuilding the record for a new folder). */
	updateSettings(next: ClinicalVaultSettings): Promise<void>;
	/** Which audio decoder transcription uses with the current settings, for the clinician. */
	describeDecoder?: () => Promise<string>;
	/** The models the model server at the current address has (throws when it does not answer). */
	listModels?: () => Promise<string[]>;
	/** Asks the model server for its models and the model's context: one line for the clinician (throws with the reason). */
	testConnection?: () => Promise<string>;
	/** Where ffmpeg, whisper-cli and whisper-server were found (PATH, then the usual install folders), null when not found. */
	findPrograms?: () => Promise<Record<"ffmpeg" | "whisper-cli" | "whisper-server", string | null>>;
	/** False on an Obsidian without a keychain (SecretStorage): the token is then entered per session. */
	hasKeychain?: () => boolean;
	setSessionToken?: (token: string) => void;
	/** The signer's name for "Sign note" (kept in the plugin's data next to the settings). */
	signerName?: () => string;
	setSignerName?: (name: string) => Promise<void>;
}

const MAX_MINUTES = 24 * 60;
const MAX_RETENTION_HOURS = 24 * 365;
const ENGINES: Record<EngineChoice, string> = {
	auto: "Automatic (whisper-cli, else a local server)",
	cli: "whisper.cpp command line (whisper-cli)",
	server: "whisper.cpp server (whisper-server)",
	openai: "OpenAI-compatible local server",
};

/** Returns the cleaned folder path, or an error message. */
export function checkRootInput(value: unknown, configDir: string): { root: string } | { error: string } {
	const root = (typeof value === "string" ? value : "")
		.trim()
		.replace(/\\/g, "/")
		.replace(/^\/+|\/+$/g, "");
	const segments = root.split("/");
	if (root === "" || segments.some((s) => s === "" || s === "." || s === ".." || s.startsWith("."))) {
		return { error: "Use a plain folder path inside the vault, like Clinical." };
	}
	if (root === configDir || root.startsWith(`${configDir}/`)) return { error: "The clinical folder cannot be inside the configuration folder." };
	return { root };
}

function wholeNumber(value: unknown): number {
	return typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value.trim()) : Number.NaN;
}

export function checkMinutesInput(value: unknown): { minutes: number } | { error: string } {
	const minutes = wholeNumber(value);
	if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_MINUTES) return { error: `Enter whole minutes from 0 to ${MAX_MINUTES}.` };
	return { minutes };
}

export function checkThreadsInput(value: unknown): { threads: number } | { error: string } {
	const threads = wholeNumber(value);
	if (!Number.isInteger(threads) || threads < 0 || threads > 64) return { error: "Enter a whole number from 0 (one per core) to 64." };
	return { threads };
}

/** Negative hours (any) keep raw audio; they are stored as -1. */
export function checkRetentionInput(value: unknown): { hours: number } | { error: string } {
	const hours = wholeNumber(value);
	if (!Number.isInteger(hours) || hours > MAX_RETENTION_HOURS) return { error: `Enter whole hours up to ${MAX_RETENTION_HOURS}, or -1 to keep recordings.` };
	return { hours: Math.max(-1, hours) };
}

/** One host per line; blank lines are ignored. Invalid lines are reported and nothing is saved. */
export function checkAllowlistInput(value: unknown): { hosts: string[] } | { error: string } {
	const lines = (typeof value === "string" ? value : "")
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter((line) => line !== "");
	const reasons: string[] = [];
	const invalid = lines.filter((line) => {
		try {
			parseAllowEntry(line);
			return false;
		} catch (error) {
			reasons.push(error instanceof Error ? error.message : String(error));
			return true;
		}
	});
	if (invalid.length > 0) {
		return {
			error: `Not saved. Not a valid entry: ${invalid.map((line) => `"${line}"`).join(", ")}. ${reasons[0] ?? ""} Use one host per line, optionally with a port (practice.lan:8080).`,
		};
	}
	return { hosts: lines };
}

/** An engine address: a URL this computer (or an allowlisted practice server) answers on. */
export function checkEngineUrlInput(value: unknown, allowlist: string[]): { url: string } | { error: string } {
	const raw = typeof value === "string" ? value.trim() : "";
	try {
		return { url: checkEndpoint(raw, { allowlist }, "engine").toString().replace(/\/$/, "") };
	} catch (error) {
		return { error: error instanceof Error ? error.message : String(error) };
	}
}

export function checkLanguageInput(value: unknown): { language: string } | { error: string } {
	const language = typeof value === "string" ? value.trim().toLowerCase() : "";
	if (!/^[a-z]{2,3}$/.test(language)) return { error: "Use a language code such as en, de or fr." };
	return { language };
}

function checkNameInput(value: unknown): { name: string } | { error: string } {
	const name = typeof value === "string" ? value.trim() : "";
	if (name === "" || name.length > 40) return { error: "Enter a short label such as Therapist or Client." };
	return { name };
}

export function checkWordLimitInput(value: unknown): { words: number } | { error: string } {
	const words = wholeNumber(value);
	if (!Number.isInteger(words) || words < 20 || words > 2000) return { error: "Enter whole words from 20 to 2000." };
	return { words };
}

const ENGINE_KINDS: Record<LlmEngineKind, string> = { ollama: "Ollama", openai: "OpenAI-compatible (LM Studio, llama-server, Jan, vLLM, KoboldCpp)" };
const EMBEDDING_ENGINES: Record<EmbeddingEngineChoice, string> = {
	same: "The model server above",
	ollama: "Ollama at the address below",
	openai: "An OpenAI-compatible server at the address below",
};

function presetOptions(): Record<string, string> {
	const out: Record<string, string> = {};
	for (const p of ENGINE_PRESETS) out[p.id] = `${p.label} (${p.url.replace(/^https?:\/\//, "")})`;
	out.custom = "Other address";
	return out;
}

export function checkContextInput(value: unknown): { tokens: number } | { error: string } {
	const tokens = wholeNumber(value);
	if (!Number.isInteger(tokens) || (tokens !== 0 && (tokens < 512 || tokens > 10_000_000)))
		return { error: "Enter the context in tokens (512 or more), or 0 to use what the server reports." };
	return { tokens };
}

function formatOptions(): Record<string, string> {
	const out: Record<string, string> = {};
	for (const format of NOTE_FORMATS) out[format] = FORMAT_NAMES[format];
	return out;
}

export class ClinicalVaultSettingTab extends PluginSettingTab {
	constructor(
		app: App,
		plugin: Plugin,
		private readonly host: SettingsHost,
	) {
		super(app, plugin);
	}

	/** The ffmpeg description, completed with the decoder actually in use once that is known. */
	private decoderDescription(): DocumentFragment {
		const fragment = createFragment();
		fragment.appendText(
			"Path of ffmpeg, which decodes webm, m4a, mp3 and ogg recordings while streaming, so long sessions need little memory. Empty looks for ffmpeg on the PATH; without it, Obsidian's built-in Web Audio decoder is used. ",
		);
		const inUse = fragment.createSpan({ cls: "clinical-vault-setting-decoder", text: "Checking which decoder is used…" });
		const describe = this.host.describeDecoder;
		if (describe) {
			describe().then(
				(text) => inUse.setText(`In use: ${text}`),
				() => inUse.setText(""),
			);
		} else {
			inUse.setText("");
		}
		return fragment;
	}

	getSettingDefinitions(): DefinitionItem[] {
		const text = (key: SettingKey, name: string, desc: string | DocumentFragment, placeholder?: string): ControlDefinition => ({
			name,
			desc,
			control: { type: "text", key, ...(placeholder ? { placeholder } : {}) },
		});
		const items: DefinitionItem[] = [
			{
				name: "Clinical folder",
				desc: "Vault folder that holds the encrypted record. Lock the record before changing it; files are not moved.",
				control: {
					type: "text",
					key: "clinicalRoot",
					placeholder: "Clinical",
					disabled: () => this.host.isUnlocked(),
					validate: (value) => {
						const checked = checkRootInput(value, this.host.configDir);
						if ("error" in checked) return checked.error;
						return this.host.isUnlocked() ? "Lock the record before changing the clinical folder." : undefined;
					},
				},
			},
			{
				name: "Auto-lock after idle minutes",
				desc: "Lock the record after this many minutes without keyboard, mouse or touch activity. A session being recorded or transcribed counts as activity. 0 turns idle locking off; the record still locks when Obsidian quits.",
				control: {
					type: "number",
					key: "autoLockMinutes",
					min: 0,
					max: MAX_MINUTES,
					step: 1,
				},
			},
			{
				type: "group",
				heading: "Transcription",
				items: [
					{
						name: "Transcription engine",
						desc: "Everything runs on this computer (or an allowlisted practice server). Automatic uses whisper-cli when its program and model are found, else a whisper-server or OpenAI-compatible server running at the addresses below.",
						control: { type: "dropdown", key: "transcriptionEngine", options: ENGINES },
					},
					text(
						"whisperBinary",
						"Whisper-cli path",
						this.programDescription(
							"Path of whisper.cpp's whisper-cli program. Empty looks for whisper-cli on the PATH, then in the usual install folders (Homebrew, MacPorts, /usr/local, winget, Scoop). ",
							"whisper-cli",
						),
						"/usr/local/bin/whisper-cli",
					),
					text(
						"whisperModel",
						"Whisper model path",
						"Path of a ggml model file for whisper-cli. English-only models such as ggml-base.en.bin or ggml-medium.en.bin are more accurate for English sessions.",
						"ggml-medium.en.bin",
					),
					{
						name: "Whisper threads",
						desc: "CPU threads for whisper-cli. 0 uses one per core (up to 8).",
						control: { type: "number", key: "whisperThreads", min: 0, max: 64, step: 1 },
					},
					text(
						"whisperServerUrl",
						"Whisper-server address",
						this.programDescription(
							"Where whisper.cpp's whisper-server listens (POST /inference). Must be this computer unless its host is allowlisted below. ",
							"whisper-server",
						),
					),
					text(
						"openaiUrl",
						"OpenAI-compatible server address",
						"A local server with /v1/audio/transcriptions, such as speaches or LocalAI. Must be this computer unless its host is allowlisted below.",
					),
					text("openaiModel", "OpenAI-compatible model", "The model name that server expects."),
					text("ffmpegPath", "Ffmpeg path", this.decoderDescription(), "/usr/bin/ffmpeg"),
					text("language", "Session language", "Language code of the sessions, such as en or de.", "en"),
					text("speakerLeft", "Speaker on the left channel", "Label for the left channel of stereo recordings.", "Therapist"),
					text("speakerRight", "Speaker on the right channel", "Label for the right channel of stereo recordings.", "Client"),
					{
						name: "Practice-server allowlist",
						desc: "Hosts besides this computer that engines may be reached at, one per line (practice.lan or 10.0.0.5:8080). They need https; plain http only when the line says so: http://10.0.0.5:8080 (insecure-ok).",
						control: {
							type: "textarea",
							key: "engineAllowlist",
							rows: 3,
							placeholder: "practice.lan:8080",
						},
					},
					this.host.hasKeychain?.() === false
						? {
								name: "Practice-server token (this session only)",
								desc: "This version of Obsidian has no keychain, so the token is kept in memory until Obsidian quits and never saved. Sent as a bearer token to the engines above.",
								control: { type: "text", key: "sessionToken", placeholder: "Token" },
							}
						: {
								name: "Practice-server token",
								desc: "The name of the token in Obsidian's keychain (Settings → Keychain), not the token itself. Sent as a bearer token to the engines above; never saved in the plugin's data or shown.",
								control: {
									type: "text",
									key: "practiceTokenSecret",
									placeholder: "practice-server-token",
								},
							},
				],
			},
			{
				type: "group",
				heading: "Model server",
				items: [
					{
						name: "Server",
						desc: "The local model server that drafts notes, documents and proposals. Presets fill in the server's usual address on this computer.",
						control: { type: "dropdown", key: "llmPreset", options: presetOptions() },
					},
					{
						name: "Server kind",
						desc: "The API it speaks: Ollama's own, or the OpenAI-compatible one that LM Studio, llama-server, Jan, vLLM, KoboldCpp and LocalAI speak.",
						control: { type: "dropdown", key: "llmEngine", options: ENGINE_KINDS },
					},
					text("llmUrl", "Server address", this.engineDescription(), "http://127.0.0.1:11434"),
					{
						name: "Model",
						desc: "The model that drafts notes. With Ollama, llama3.1:8b suits 16 GB of memory, qwen2.5:14b 32 GB.",
						control: {
							type: "text",
							key: "llmModel",
						},
					},
					{
						name: "Model context (tokens)",
						desc: "For an OpenAI-compatible server that does not say how much context it loaded the model with: set it here (a smaller number than the server reports caps it). 0 uses what the server reports; a prompt is never sent when the context is unknown.",
						control: { type: "number", key: "llmContextTokens", min: 0, step: 1024 },
					},
					{
						name: "Embedding engine",
						desc: "Semantic search embeds passages with a model. An OpenAI-compatible server may serve chat but not embeddings (llama-server needs --embeddings): then name another one here.",
						control: { type: "dropdown", key: "embeddingEngine", options: EMBEDDING_ENGINES },
					},
					text("embeddingUrl", "Embedding server address", "Used when the embedding engine is not the model server.", "http://127.0.0.1:11434"),
					text(
						"embeddingModel",
						"Embedding model",
						"nomic-embed-text with Ollama; the embedding model's name on other servers. Changing it embeds the index again.",
					),
				],
			},
			{
				type: "group",
				heading: "Drafting",
				items: [
					{
						name: "Default note format",
						desc: "The format offered first when drafting.",
						control: { type: "dropdown", key: "defaultNoteFormat", options: formatOptions() },
					},
					{
						name: "Words per section",
						desc: "The most words the model may write in a section.",
						control: {
							type: "number",
							key: "sectionWordLimit",
							min: 20,
							max: 2000,
							step: 10,
						},
					},
					text(
						"templatesFolder",
						"Templates folder",
						"Vault folder with the editable note templates (plain markdown, never client data). Missing templates are written there when the record is unlocked.",
						"Clinical Vault templates",
					),
					text("signerName", "Signer name", "Your name as stamped into signed notes."),
				],
			},
			{
				type: "group",
				heading: "Raw audio",
				items: [
					{
						name: "Delete recordings after signing (hours)",
						desc: "Raw session audio is deleted (its key destroyed, the file removed, the deletion audit-logged) this many hours after the session's note is signed. Checked each time the record is unlocked. -1 keeps recordings.",
						control: {
							type: "number",
							key: "audioRetentionHours",
							min: -1,
							max: MAX_RETENTION_HOURS,
							step: 1,
						},
					},
				],
			},
		];
		// Each control is checked by its own field's write (the same check that saves it), so
		// Obsidian's settings renderer and display() show the reason before anything is saved.
		for (const item of items) {
			for (const { control } of "type" in item ? item.items : [item]) control.validate ??= (value) => this.problemOf(control.key, value);
		}
		return items;
	}

	/**
	 * Each setting the tab shows, read and written in one place: `read` gives the control its value;
	 * `write` checks a new value and puts it into `next` (a copy of the settings), throwing the
	 * message shown under the control; `store` keeps a value that lives outside the settings (the
	 * session token, the signer's name). The defaults, the checks of stored data and the migrations
	 * are core's (src/core/settings.ts); a key without its entry here does not compile.
	 */
	private fields(): Record<SettingKey, SettingField> {
		const s = this.host.settings;
		const text = (value: unknown) => (typeof value === "string" ? value.trim() : "");
		const take = <T extends object>(checked: T | { error: string }): T => {
			if ("error" in checked) throw new Error(checked.error);
			return checked;
		};
		const modelName = (value: unknown) => {
			if (text(value) === "") throw new Error("Enter the model name.");
			return text(value);
		};
		const plain = <K extends keyof ClinicalVaultSettings>(
			key: K,
			write: (value: unknown, next: ClinicalVaultSettings) => ClinicalVaultSettings[K],
		): SettingField => ({
			read: () => s[key],
			write: (value, next) => {
				next[key] = write(value, next);
			},
		});
		return {
			clinicalRoot: plain("clinicalRoot", (value, next) => {
				const { root } = take(checkRootInput(value, this.host.configDir));
				if (this.host.isUnlocked() && root !== next.clinicalRoot) throw new Error("Lock the record before changing the clinical folder.");
				return root;
			}),
			autoLockMinutes: plain("autoLockMinutes", (value) => take(checkMinutesInput(value)).minutes),
			transcriptionEngine: plain("transcriptionEngine", (value) => {
				if (typeof value !== "string" || !(value in ENGINES)) throw new Error("Choose one of the engines.");
				return value as EngineChoice;
			}),
			whisperBinary: plain("whisperBinary", text),
			whisperModel: plain("whisperModel", text),
			ffmpegPath: plain("ffmpegPath", text),
			whisperThreads: plain("whisperThreads", (value) => take(checkThreadsInput(value)).threads),
			whisperServerUrl: plain("whisperServerUrl", (value, next) => take(checkEngineUrlInput(value, next.engineAllowlist)).url),
			openaiUrl: plain("openaiUrl", (value, next) => take(checkEngineUrlInput(value, next.engineAllowlist)).url),
			openaiModel: plain("openaiModel", modelName),
			language: plain("language", (value) => take(checkLanguageInput(value)).language),
			speakerLeft: {
				read: () => s.channelSpeakers[0],
				write: (value, next) => {
					next.channelSpeakers = [take(checkNameInput(value)).name, next.channelSpeakers[1]];
				},
			},
			speakerRight: {
				read: () => s.channelSpeakers[1],
				write: (value, next) => {
					next.channelSpeakers = [next.channelSpeakers[0], take(checkNameInput(value)).name];
				},
			},
			audioRetentionHours: plain("audioRetentionHours", (value) => take(checkRetentionInput(value)).hours),
			engineAllowlist: {
				read: () => s.engineAllowlist.join("\n"),
				write: (value, next) => {
					next.engineAllowlist = take(checkAllowlistInput(value)).hosts;
				},
			},
			practiceTokenSecret: plain("practiceTokenSecret", (value) => {
				if (text(value) !== "" && !/^[a-z0-9][a-z0-9-]{0,63}$/.test(text(value).toLowerCase()))
					throw new Error("Use the keychain entry's name: letters, digits and dashes.");
				return text(value).toLowerCase();
			}),
			// Never shown back, never saved: held in memory for this session.
			sessionToken: { read: () => "", store: (value) => Promise.resolve(this.host.setSessionToken?.(text(value))) },
			llmPreset: {
				read: () => presetFor({ kind: s.llmEngine, url: s.llmUrl })?.id ?? "custom",
				write: (value, next) => {
					if (value === "custom") return false;
					const preset = ENGINE_PRESETS.find((p) => p.id === value);
					if (!preset) throw new Error("Choose one of the servers.");
					next.llmEngine = preset.kind;
					next.llmUrl = preset.url;
				},
			},
			llmEngine: plain("llmEngine", (value) => {
				if (value !== "ollama" && value !== "openai") throw new Error("Choose Ollama or OpenAI-compatible.");
				return value;
			}),
			llmUrl: plain("llmUrl", (value, next) => take(checkEngineUrlInput(value, next.engineAllowlist)).url),
			llmModel: plain("llmModel", modelName),
			llmContextTokens: plain("llmContextTokens", (value) => take(checkContextInput(value)).tokens),
			embeddingEngine: plain("embeddingEngine", (value) => {
				if (value !== "same" && value !== "ollama" && value !== "openai") throw new Error("Choose one of the embedding engines.");
				return value;
			}),
			embeddingUrl: plain("embeddingUrl", (value, next) => take(checkEngineUrlInput(value, next.engineAllowlist)).url),
			embeddingModel: plain("embeddingModel", modelName),
			defaultNoteFormat: plain("defaultNoteFormat", (value) => {
				if (typeof value !== "string" || !(NOTE_FORMATS as readonly string[]).includes(value)) throw new Error("Choose one of the formats.");
				return value as NoteFormatSetting;
			}),
			sectionWordLimit: plain("sectionWordLimit", (value) => take(checkWordLimitInput(value)).words),
			templatesFolder: plain("templatesFolder", (value, next) => {
				const { root } = take(checkRootInput(value, this.host.configDir));
				if (root === next.clinicalRoot || root.startsWith(`${next.clinicalRoot}/`))
					throw new Error("The templates folder must be outside the clinical folder.");
				return root;
			}),
			signerName: { read: () => this.host.signerName?.() ?? "", store: async (value) => this.host.setSignerName?.(text(value)) },
		};
	}

	private copyOfSettings(): ClinicalVaultSettings {
		return { ...this.host.settings, channelSpeakers: [...this.host.settings.channelSpeakers], engineAllowlist: [...this.host.settings.engineAllowlist] };
	}

	/** Why `value` cannot be saved for `key` (the field's own check, run on a copy), or undefined. */
	private problemOf(key: SettingKey, value: unknown): string | undefined {
		const write = this.fields()[key].write;
		if (!write) return undefined;
		try {
			write(value, this.copyOfSettings());
			return undefined;
		} catch (error) {
			return error instanceof Error ? error.message : String(error);
		}
	}

	getControlValue(key: string): unknown {
		return (this.fields() as Partial<Record<string, SettingField>>)[key]?.read();
	}

	/** Validates and applies one value; throws the validation message so the caller can show it. */
	async setControlValue(key: string, value: unknown): Promise<void> {
		const field = (this.fields() as Partial<Record<string, SettingField>>)[key];
		if (!field) return;
		if (field.store) {
			await field.store(value);
			return;
		}
		const next = this.copyOfSettings();
		if (field.write?.(value, next) === false) return;
		await this.host.updateSettings(next);
		// A preset or a new kind changes the fields below it: draw them again with the new values.
		if ((key === "llmPreset" || key === "llmEngine") && this.containerEl.childElementCount > 0) this.display();
	}

	/** A program's description, completed with where it was found once that is known. */
	private programDescription(text: string, program: "whisper-cli" | "whisper-server"): DocumentFragment {
		const fragment = createFragment();
		fragment.appendText(text);
		const found = fragment.createSpan({ cls: "clinical-vault-setting-found" });
		this.programs ??= this.host.findPrograms?.() ?? null;
		this.programs?.then(
			(programs) => {
				const where = programs[program];
				found.setText(where ? `Found: ${where}` : `${program} was not found on this computer.`);
			},
			() => found.setText(""),
		);
		return fragment;
	}

	/** The address's description: the preset's hint, engines set to one address, and "Test connection" when the host can. */
	private engineDescription(): DocumentFragment {
		const s = this.host.settings;
		const fragment = createFragment();
		fragment.appendText("Where the model server listens. Must be this computer unless its host is allowlisted. ");
		const preset = presetFor({ kind: s.llmEngine, url: s.llmUrl });
		if (preset)
			fragment.createDiv({
				cls: "clinical-vault-setting-hint",
				text: `${preset.label}: ${preset.hint}.${preset.keyRequired ? " It needs an API key: put it in the keychain entry named under Transcription." : ""}`,
			});
		for (const collision of engineCollisions(s)) fragment.createDiv({ cls: "clinical-vault-setting-error", text: collision });
		return fragment;
	}

	/** Where the engine programs were found, looked up once per drawing of the tab (both descriptions use it). */
	private programs: ReturnType<NonNullable<SettingsHost["findPrograms"]>> | null = null;

	override display(): void {
		this.programs = null;
		const { containerEl } = this;
		containerEl.empty();
		for (const item of this.getSettingDefinitions()) {
			if ("type" in item) {
				new Setting(containerEl).setName(item.heading).setHeading();
				for (const definition of item.items) this.drawControl(containerEl, definition);
			} else {
				this.drawControl(containerEl, item);
			}
		}
	}

	/** "Test connection" beside the server address: the models found and the context, or why not. */
	private drawTestConnection(setting: Setting): void {
		const test = this.host.testConnection;
		if (!test) return;
		const result = setting.descEl.createDiv({ cls: "clinical-vault-setting-test" });
		setting.addButton((button) =>
			button.setButtonText("Test connection").onClick(() => {
				result.removeClass("clinical-vault-setting-error");
				result.setText("Connecting…");
				test().then(
					(line) => result.setText(line),
					(error: unknown) => {
						result.addClass("clinical-vault-setting-error");
						result.setText(error instanceof Error ? error.message : String(error));
					},
				);
			}),
		);
	}

	/**
	 * The model picker: a dropdown of the models the server reports, with a refresh button. When it
	 * does not answer, a text field and the reason, so a model can still be named.
	 */
	private drawModelPicker(setting: Setting, errorEl: HTMLElement, current: string, apply: (value: string) => void): void {
		const listModels = this.host.listModels;
		if (!listModels) return;
		const controls = setting.controlEl.createDiv({ cls: "clinical-vault-model-picker" });
		const fill = () => {
			controls.empty();
			errorEl.setText("");
			const loading = controls.createSpan({ cls: "clinical-vault-model-loading", text: "Asking the model server for its models…" });
			listModels().then(
				(models) => {
					loading.remove();
					const select = controls.createEl("select", { cls: "dropdown", attr: { name: "llmModel" } });
					const names = models.includes(current) || current === "" ? models : [current, ...models];
					for (const name of names) select.createEl("option", { text: models.includes(name) ? name : `${name} (not installed)`, value: name });
					select.value = current;
					select.addEventListener("change", () => {
						current = select.value;
						apply(select.value);
					});
					if (models.length === 0) {
						errorEl.setText(
							this.host.settings.llmEngine === "ollama"
								? `Ollama has no models yet. Install one with: ollama pull ${current || "llama3.1:8b"}`
								: "The server lists no models yet: download or load one in it, then refresh.",
						);
					}
				},
				(error: unknown) => {
					loading.remove();
					const input = controls.createEl("input", { attr: { type: "text", name: "llmModel" } });
					input.value = current;
					input.addEventListener("change", () => {
						current = input.value.trim();
						apply(input.value);
					});
					errorEl.setText(`Could not list the server's models: ${error instanceof Error ? error.message : String(error)}`);
				},
			);
		};
		setting.addExtraButton((button) => button.setIcon("refresh-cw").setTooltip("Refresh the model list").onClick(fill));
		fill();
	}

	private drawControl(containerEl: HTMLElement, definition: ControlDefinition): void {
		const { control } = definition;
		const setting = new Setting(containerEl).setName(definition.name).setDesc(definition.desc);
		setting.settingEl.addClass(`clinical-vault-setting-${control.key}`);
		const errorEl = setting.descEl.createDiv({ cls: "clinical-vault-setting-error" });
		const apply = (raw: string) => {
			const value = control.type === "number" ? (raw.trim() === "" ? Number.NaN : Number(raw)) : raw;
			const problem = control.validate?.(value);
			errorEl.setText(problem ?? "");
			if (problem) return;
			this.setControlValue(control.key, value).catch((error: unknown) => errorEl.setText(error instanceof Error ? error.message : String(error)));
		};
		const stored = this.getControlValue(control.key);
		const current = typeof stored === "string" ? stored : typeof stored === "number" ? String(stored) : "";
		if (control.key === "llmModel" && this.host.listModels) {
			this.drawModelPicker(setting, errorEl, current, apply);
			return;
		}
		if (control.type === "dropdown") {
			setting.addDropdown((dropdown) => {
				dropdown.addOptions(control.options ?? {}).setValue(current);
				dropdown.onChange((value) => apply(value));
			});
			return;
		}
		if (control.type === "textarea") {
			setting.addTextArea((area) => {
				if (control.placeholder) area.setPlaceholder(control.placeholder);
				if (control.rows) area.inputEl.rows = control.rows;
				area.setValue(current);
				area.inputEl.addEventListener("change", () => apply(area.getValue()));
			});
			return;
		}
		setting.addText((text) => {
			if (control.type === "number") {
				text.inputEl.type = "number";
				if (control.min !== undefined) text.inputEl.min = String(control.min);
				if (control.max !== undefined) text.inputEl.max = String(control.max);
				if (control.step !== undefined) text.inputEl.step = String(control.step);
			}
			if (control.placeholder) text.setPlaceholder(control.placeholder);
			text.setValue(current);
			text.setDisabled(control.disabled?.() ?? false);
			text.inputEl.addEventListener("change", () => apply(text.getValue()));
		});
		if (control.key === "llmUrl") this.drawTestConnection(setting);
	}
}
