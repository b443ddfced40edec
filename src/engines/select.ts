/**
 * Builds the transcription engine from settings (plugin) or flags (CLI). "auto" picks whisper-cli
 * when its binary and model are found, else a whisper-server answering at its URL, else an
 * OpenAI-compatible server; when none is there it says exactly what to set.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ClinicalVaultError } from "../core/errors";
import type { EndpointPolicy } from "../core/net/endpoint";
import type { ClinicalVaultSettings } from "../core/settings";
import { preferEnglishModel, type Transcriber } from "../core/transcribe/Transcriber";
import { request } from "./http";
import { WhisperCliTranscriber } from "./whisperCli";
import { OpenAiCompatibleTranscriber, WhisperServerTranscriber } from "./serverTranscribers";

export type TranscriberSettings = Pick<
	ClinicalVaultSettings,
	| "transcriptionEngine"
	| "whisperBinary"
	| "whisperModel"
	| "whisperThreads"
	| "whisperServerUrl"
	| "openaiUrl"
	| "openaiModel"
	| "language"
	| "engineAllowlist"
>;

async function isFile(p: string): Promise<boolean> {
	try {
		return (await fs.stat(p)).isFile();
	} catch {
		return false;
	}
}

/**
 * Where desktop programs live beside the PATH. Obsidian started from the Dock (macOS) or the Start
 * menu gets the login environment's short PATH, without Homebrew's or MacPorts' folders, so a
 * clinician's ffmpeg or whisper-cli from Homebrew would not be found; these folders are searched
 * after the PATH, in this order.
 */
export function usualProgramFolders(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
	const home = env.HOME ?? env.USERPROFILE ?? "";
	if (platform === "darwin") return ["/opt/homebrew/bin", "/usr/local/bin", "/opt/local/bin", ...(home ? [path.join(home, ".local", "bin")] : [])];
	if (platform === "win32") {
		const local = env.LOCALAPPDATA ?? "";
		const programFiles = env.ProgramFiles ?? "C:\\Program Files";
		return [
			...(local ? [path.join(local, "Microsoft", "WinGet", "Links"), path.join(local, "Programs", "whisper.cpp")] : []),
			...(home ? [path.join(home, "scoop", "shims")] : []),
			"C:\\ProgramData\\chocolatey\\bin",
			path.join(programFiles, "ffmpeg", "bin"),
			path.join(programFiles, "whisper.cpp"),
		];
	}
	return ["/usr/local/bin", "/usr/bin", "/home/linuxbrew/.linuxbrew/bin", "/snap/bin", ...(home ? [path.join(home, ".local", "bin")] : [])];
}

/** The first of `names` found as an executable file on the PATH, then in the usual program folders (usualProgramFolders). */
export async function findOnPath(
	names: string[],
	dirs: readonly string[] = [...(process.env.PATH ?? "").split(path.delimiter), ...usualProgramFolders()],
): Promise<string | null> {
	const exts = process.platform === "win32" ? [".exe", ".cmd", ""] : [""];
	const seen = new Set<string>();
	for (const name of names) {
		for (const dir of dirs) {
			if (dir === "" || seen.has(`${name}\u0000${dir}`)) continue;
			seen.add(`${name}\u0000${dir}`);
			for (const ext of exts) {
				const candidate = path.join(dir, name + ext);
				try {
					await fs.access(candidate, fs.constants.X_OK);
					if (await isFile(candidate)) return candidate;
				} catch {
					// not here
				}
			}
		}
	}
	return null;
}

/** Where each engine program was found: the setting when set, else the PATH, else the usual install folders; null when nowhere. */
export async function findPrograms(
	settings: Pick<ClinicalVaultSettings, "ffmpegPath" | "whisperBinary">,
): Promise<Record<"ffmpeg" | "whisper-cli" | "whisper-server", string | null>> {
	return {
		ffmpeg: settings.ffmpegPath || (await findOnPath(["ffmpeg"])),
		"whisper-cli": settings.whisperBinary || (await findOnPath(["whisper-cli", "whisper-cpp"])),
		"whisper-server": await findOnPath(["whisper-server"]),
	};
}

async function answers(policy: EndpointPolicy, url: string): Promise<boolean> {
	try {
		const res = await request(policy, { url, method: "GET", timeoutMs: 1500, purpose: "engine-probe" });
		return res.status > 0 && res.status < 500;
	} catch {
		return false;
	}
}

/**
 * The model setting names a ggml file, or a folder of them: then the English-only model
 * (ggml-base.en.bin, ggml-medium.en.bin, …) is preferred for English sessions and a multilingual
 * one for other languages, larger models first.
 */
export async function chooseModel(setting: string, language: string): Promise<string | null> {
	let stat;
	try {
		stat = await fs.stat(setting);
	} catch {
		return setting; // reported as missing, with the setting to fix, when transcription starts
	}
	if (!stat.isDirectory()) return setting;
	const order = ["large", "medium", "small", "base", "tiny"];
	const size = (name: string) => {
		const i = order.findIndex((o) => name.includes(o));
		return i === -1 ? order.length : i;
	};
	const models = (await fs.readdir(setting)).filter((n) => /^ggml-.*\.bin$/.test(n)).sort((a, b) => size(a) - size(b) || a.localeCompare(b));
	const chosen = preferEnglishModel(models, language);
	return chosen ? path.join(setting, chosen) : null;
}

export interface SelectOptions {
	tempRoot?: string;
	/** Bearer token for an allowlisted practice server. */
	token?: string;
}

export async function selectTranscriber(settings: TranscriberSettings, options: SelectOptions = {}): Promise<Transcriber> {
	const policy: EndpointPolicy = { allowlist: settings.engineAllowlist };
	const threads = settings.whisperThreads > 0 ? settings.whisperThreads : Math.max(1, Math.min(8, os.cpus().length));
	const cli = async (): Promise<Transcriber | null> => {
		const binary = settings.whisperBinary || (await findOnPath(["whisper-cli", "whisper-cpp"]));
		const model = settings.whisperModel ? await chooseModel(settings.whisperModel, settings.language) : null;
		if (!binary || !model) return null;
		return new WhisperCliTranscriber({ binary, model, threads, ...(options.tempRoot ? { tempRoot: options.tempRoot } : {}) });
	};
	const token = options.token ? { token: options.token } : {};
	const server = () => new WhisperServerTranscriber({ url: settings.whisperServerUrl, policy, ...token });
	const openai = () => new OpenAiCompatibleTranscriber({ url: settings.openaiUrl, policy, model: settings.openaiModel, ...token });

	switch (settings.transcriptionEngine) {
		case "cli": {
			const engine = await cli();
			if (engine) return engine;
			throw new ClinicalVaultError(
				"engine",
				settings.whisperModel
					? "whisper-cli was not found. Set the path of whisper.cpp's whisper-cli in settings (or --whisper-bin)."
					: "No whisper model is set. Download a model such as ggml-base.en.bin from whisper.cpp's model list and set its path (or --model).",
			);
		}
		case "server":
			return server();
		case "openai":
			return openai();
		case "auto": {
			const engine = await cli();
			if (engine) return engine;
			if (await answers(policy, settings.whisperServerUrl)) return server();
			if (await answers(policy, new URL("v1/models", `${settings.openaiUrl}/`).toString())) return openai();
			throw new ClinicalVaultError(
				"engine",
				`No transcription engine found: set whisper-cli and a model (for example ggml-base.en.bin) in settings, or start whisper-server at ${settings.whisperServerUrl}.`,
			);
		}
	}
}
