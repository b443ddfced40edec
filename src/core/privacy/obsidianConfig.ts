/**
 * Obsidian settings that put the record at risk, read from the vault's config folder(s) through the
 * VaultStore (no Node): File recovery on, Sync leaving out "other" file types, the audio recorder,
 * and community plugins that copy files elsewhere or send them to a model.
 *
 * The config folder is ".obsidian" by default but Obsidian lets the user rename it; the plugin passes
 * `app.vault.configDir`, the CLI every top-level hidden folder that has `app.json` or `plugins/`
 * (`findConfigDirs`).
 *
 * Formats:
 *  - core-plugins.json: an array of enabled ids (older Obsidian) or an object of id → boolean
 *    (newer); both are read. A missing file means Obsidian's defaults, where File recovery is on.
 *  - community-plugins.json: an array of enabled plugin ids.
 *  - Sync: where Obsidian keeps "Sync all other types" is not documented. The file types Sync knows
 *    are image, audio, video, pdf and "unsupported" (everything else, which includes .cvault; that
 *    is the vocabulary of Obsidian's headless sync tool). When `sync.json` holds a list of those
 *    names, "unsupported" missing from it is a sure finding; when it cannot be told, the finding says
 *    to check the setting.
 */
import { baseName, type VaultStore } from "../store/VaultStore";
import type { PrivacyFinding } from "./finding";

export interface RiskyPluginKind {
	kind: string;
	/** Why this kind matters, for the finding. */
	why: string;
	/** Whole words of the plugin id (split at - _ .). */
	words: string[];
	/** Substrings of the plugin id. */
	contains: string[];
}

/**
 * Maintained list of community-plugin kinds that can read the vault's files and send or copy them
 * elsewhere. Matching is on the plugin id (what community-plugins.json holds).
 */
export const RISKY_PLUGIN_KINDS: readonly RiskyPluginKind[] = [
	{
		kind: "git",
		why: "commits vault files to a git repository, often pushed to a remote",
		words: ["git", "github", "gitlab", "fit"],
		contains: ["obsidian-git", "gitsync"],
	},
	{
		kind: "sync",
		why: "copies vault files to another service or device",
		words: ["s3", "drive", "gdrive", "webdav", "icloud", "dropbox", "onedrive", "nextcloud", "cloud", "syncthing"],
		contains: ["sync", "remotely", "dropbox", "onedrive", "nextcloud", "cloudsync"],
	},
	{ kind: "backup", why: "copies vault files to a backup location", words: ["backup", "backups"], contains: ["backup"] },
	{
		kind: "AI",
		why: "can send note text to a language model, often a cloud service",
		words: [
			"ai",
			"gpt",
			"llm",
			"claude",
			"gemini",
			"ollama",
			"copilot",
			"openai",
			"chatgpt",
			"assistant",
			"whisper",
			"anthropic",
			"mistral",
			"bmo",
			"khoj",
		],
		contains: ["copilot", "gpt", "openai", "text-generator", "textgenerator", "smart-connections", "smart-composer", "llm", "chatbot"],
	},
	{
		kind: "publish",
		why: "publishes or shares notes on the web",
		words: ["publish", "publisher", "share", "garden", "notion", "wordpress", "blog"],
		contains: ["digital-garden", "share-note", "publish"],
	},
];

/** The risky kind of a community plugin id, or null. */
export function riskyPluginKind(id: string): RiskyPluginKind | null {
	const lower = id.toLowerCase();
	const parts = lower.split(/[-_.]+/);
	return RISKY_PLUGIN_KINDS.find((k) => k.words.some((w) => parts.includes(w)) || k.contains.some((c) => lower.includes(c))) ?? null;
}

/** Top-level hidden folders that look like an Obsidian config folder (app.json or plugins/ inside). */
export async function findConfigDirs(store: VaultStore): Promise<string[]> {
	const out: string[] = [];
	for (const folder of (await store.list("")).folders) {
		if (!baseName(folder).startsWith(".") || baseName(folder) === ".trash") continue;
		const inside = await store.list(folder);
		if (inside.files.includes(`${folder}/app.json`) || inside.folders.includes(`${folder}/plugins`)) out.push(folder);
	}
	return out;
}

type Json = { ok: true; value: unknown } | { ok: false; missing: boolean };

async function readJson(store: VaultStore, path: string): Promise<Json> {
	if (!(await store.exists(path))) return { ok: false, missing: true };
	try {
		return { ok: true, value: JSON.parse(new TextDecoder().decode(await store.read(path))) as unknown };
	} catch {
		return { ok: false, missing: false };
	}
}

/** Enabled ids from core-plugins.json in either format. */
export function enabledIds(value: unknown): Set<string> {
	if (Array.isArray(value)) return new Set(value.filter((v): v is string => typeof v === "string"));
	if (typeof value === "object" && value !== null) {
		return new Set(
			Object.entries(value as Record<string, unknown>)
				.filter(([, on]) => on === true)
				.map(([id]) => id),
		);
	}
	return new Set();
}

const SYNC_TYPES = new Set(["image", "audio", "video", "pdf", "unsupported"]);

/** Lists of Sync file-type names anywhere in sync.json (at most two levels deep). */
function syncTypeLists(value: unknown, depth = 0): string[][] {
	if (Array.isArray(value)) {
		const names = value.filter((v): v is string => typeof v === "string");
		return names.length > 0 && names.length === value.length && names.every((n) => SYNC_TYPES.has(n)) ? [names] : [];
	}
	if (depth >= 2 || typeof value !== "object" || value === null) return [];
	return Object.values(value as Record<string, unknown>).flatMap((v) => syncTypeLists(v, depth + 1));
}

/** Findings for one config folder. */
export async function checkObsidianConfig(store: VaultStore, dir: string): Promise<PrivacyFinding[]> {
	const findings: PrivacyFinding[] = [];
	const unreadable = (file: string) =>
		findings.push({
			id: "config-unreadable",
			severity: "info",
			what: `${file} is not valid JSON, so it was not checked.`,
			path: file,
			fix: "Open Obsidian once so it rewrites the file, then run the check again.",
		});

	const corePath = `${dir}/core-plugins.json`;
	const core = await readJson(store, corePath);
	let enabled = new Set<string>();
	if (core.ok) enabled = enabledIds(core.value);
	else if (!core.missing) unreadable(corePath);
	const fileRecovery = core.ok ? enabled.has("file-recovery") : core.missing;
	if (fileRecovery) {
		findings.push({
			id: "file-recovery",
			severity: "high",
			what: core.ok
				? "Obsidian's File recovery is on: it keeps plaintext snapshots of notes outside the vault, where the record's encryption does not reach."
				: "Obsidian's core plugin settings are missing, so Obsidian's defaults apply, and File recovery is on by default.",
			path: corePath,
			fix: "Settings → Core plugins → turn off File recovery (then Settings → File recovery → Clear history).",
		});
	}
	if (enabled.has("sync")) findings.push(await syncFinding(store, dir));
	if (enabled.has("audio-recorder")) {
		findings.push({
			id: "audio-recorder",
			severity: "info",
			what: "Obsidian's Audio recorder is on: it saves recordings into the vault unencrypted.",
			path: corePath,
			fix: "Record sessions with Clinical Vault's recorder (encrypted from the start), or move each recording into the record at once.",
		});
	}

	const communityPath = `${dir}/community-plugins.json`;
	const community = await readJson(store, communityPath);
	if (community.ok) {
		for (const id of enabledIds(community.value)) {
			if (id === "clinical-vault") continue;
			const kind = riskyPluginKind(id);
			if (!kind) continue;
			findings.push({
				id: "risky-plugin",
				severity: "medium",
				what: `Community plugin "${id}" is enabled (${kind.kind}): it ${kind.why}.`,
				path: communityPath,
				fix: `Settings → Community plugins → turn off "${id}", or configure it to leave out the clinical folder and any plaintext drafts.`,
			});
		}
	} else if (!community.missing) unreadable(communityPath);
	return findings;
}

async function syncFinding(store: VaultStore, dir: string): Promise<PrivacyFinding> {
	const path = `${dir}/sync.json`;
	const sync = await readJson(store, path);
	const lists = sync.ok ? syncTypeLists(sync.value) : [];
	if (lists.length > 0 && lists.every((l) => !l.includes("unsupported"))) {
		return {
			id: "sync-other-types",
			severity: "high",
			what: "Obsidian Sync is on but does not sync other file types, so the encrypted record files (.cvault) and the key file stay behind: another device gets a broken record.",
			path,
			fix: "Settings → Sync → turn on 'Sync all other types'.",
		};
	}
	if (lists.some((l) => l.includes("unsupported"))) {
		return {
			id: "sync-on",
			severity: "info",
			what: "Obsidian Sync is on and syncs other file types (the record travels encrypted).",
			path,
			fix: "Nothing to do; keep 'Sync all other types' on.",
		};
	}
	return {
		id: "sync-other-types-unknown",
		severity: "medium",
		what: "Obsidian Sync is on; whether it syncs other file types (the encrypted record files) could not be read from the settings.",
		path: `${dir}/core-plugins.json`,
		fix: "Settings → Sync → make sure 'Sync all other types' is enabled.",
	};
}
