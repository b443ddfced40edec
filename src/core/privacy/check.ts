/**
 * The privacy check: what in and around the vault puts the clinical record at risk, each finding
 * with a one-line fix. Shared by the plugin's command and `clinical-vault privacy-check`. It reads
 * and reports; it changes nothing (no file is moved or deleted, nothing is decrypted to disk).
 *
 * What it looks at:
 *  - plaintext in the clinical root: every file there that is not the key file, the audit log, an
 *    encrypted record file (*.cvault) or OS clutter (.DS_Store…) is read and flagged unless it starts
 *    with the encrypted-file magic. *.cvault files are not opened here (`verify` decrypts them all);
 *  - a client's name in any vault path, inside or outside the clinical root, files and folders,
 *    the vault's .trash too (rules in ./names.ts). Needs the record unlocked (names live in the
 *    encrypted profiles);
 *  - leftover temporary audio and engine files: (1) audio files lying unencrypted anywhere in the
 *    vault outside the record (Obsidian's audio recorder writes "Recording 20260901101500.webm";
 *    Clinical Vault itself never writes audio in plain), and (2) engine temporary folders that a
 *    crashed run left behind (whisper-cli's private folder, which can hold transcript text), found
 *    by the caller on Node (`leftoverTempDirs`). Plaintext audio inside the clinical root is
 *    already reported as plaintext;
 *  - recordings past their retention date (src/core/transcribe/retention.ts; needs the key);
 *  - the audit chain (needs the key);
 *  - sync conflict copies waiting for the clinician's choice (../record/syncConflicts.ts; needs the
 *    key, since a copy counts only when it decrypts as the record file it was written for): each one
 *    is a finding until it is resolved, and a copy that does not decrypt says so;
 *  - Obsidian settings (./obsidianConfig.ts).
 *
 * A report is clean when it has no "high" or "medium" finding; "info" findings are notes.
 * Checks that need the key are listed as skipped when the record is locked.
 */
import { AUDIO_EXTENSIONS } from "../audio/decode";
import { toClinicalError } from "../errors";
import { looksEncrypted } from "../crypto/fileformat";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { ENCRYPTED_EXTENSION } from "../record/layout";
import { findConflicts } from "../record/syncConflicts";
import { baseName, type VaultStore } from "../store/VaultStore";
import { planRetention } from "../transcribe/retention";
import { nameMatcher, type NameMatcher } from "./names";
import { checkObsidianConfig } from "./obsidianConfig";
import type { PrivacyFinding, Severity } from "./finding";

export type { PrivacyFinding, Severity } from "./finding";

export type CheckName = "plaintext" | "names" | "temp-audio" | "retention" | "audit" | "sync-conflicts" | "obsidian-settings";

export interface CheckStatus {
	check: CheckName;
	ran: boolean;
	/** Why it did not run. */
	note?: string;
}

export interface PrivacyReport {
	/** No high or medium finding. */
	clean: boolean;
	/** High first, then medium, then info. */
	findings: PrivacyFinding[];
	checks: CheckStatus[];
}

/** An engine temporary folder left behind (found on Node by the caller). */
export interface LeftoverTempDir {
	path: string;
	files: number;
}

export interface PrivacyCheckOptions {
	/** The record (its store is the whole vault). Unlocked for the name, retention and audit checks. */
	record: ClinicalRecord;
	/** Vault-relative config folders (".obsidian"); none: the Obsidian settings are not checked. */
	configDirs: readonly string[];
	/** Hours after signing that recordings are kept (the plugin's setting); negative: retention is off. */
	retentionHours: number;
	now?: Date;
	/** Engine temporary folders left behind; absent: not checked (a store-only caller). */
	leftoverTempDirs?: () => Promise<LeftoverTempDir[]>;
}

const OS_CLUTTER = new Set([".DS_Store", "Thumbs.db", "desktop.ini"]);
const OBSIDIAN_RECORDING = /^Recording \d{14}\.[a-z0-9]+$/i;
const RANK: Record<Severity, number> = { high: 0, medium: 1, info: 2 };

interface VaultPaths {
	files: string[];
	folders: string[];
}

/** Files and folders of the vault, without hidden folders other than .trash (config, .git). */
async function vaultPaths(store: VaultStore): Promise<VaultPaths> {
	const out: VaultPaths = { files: [], folders: [] };
	const visit = async (folder: string): Promise<void> => {
		const listing = await store.list(folder);
		out.files.push(...listing.files);
		for (const sub of listing.folders) {
			const name = baseName(sub);
			if (name.startsWith(".") && !(folder === "" && name === ".trash")) continue;
			out.folders.push(sub);
			await visit(sub);
		}
	};
	await visit("");
	return out;
}

function isAudio(path: string): boolean {
	const name = baseName(path);
	const dot = name.lastIndexOf(".");
	return dot > 0 && AUDIO_EXTENSIONS.includes(name.slice(dot + 1).toLowerCase());
}

function inFolder(path: string, folder: string): boolean {
	return path === folder || path.startsWith(`${folder}/`);
}

async function plaintextInRecord(record: ClinicalRecord, paths: VaultPaths): Promise<PrivacyFinding[]> {
	const { layout, store } = record;
	const findings: PrivacyFinding[] = [];
	for (const path of paths.files) {
		if (
			!inFolder(path, layout.root) ||
			path === layout.keyFilePath ||
			path === layout.auditPath ||
			path === layout.formatPath ||
			inFolder(path, layout.auditFolder)
		)
			continue;
		const name = baseName(path);
		if (OS_CLUTTER.has(name) || name.endsWith(`.${ENCRYPTED_EXTENSION}`)) continue;
		if (looksEncrypted(await store.read(path))) continue;
		findings.push({
			id: "plaintext-in-record",
			severity: "high",
			what: `${isAudio(path) ? "An unencrypted recording" : "An unencrypted file"} is in the clinical folder.`,
			path,
			fix: "Bring it into the record with Clinical Vault (it encrypts it), then delete the plain file; or delete it if it is not needed.",
		});
	}
	return findings;
}

async function namesInPaths(record: ClinicalRecord, paths: VaultPaths): Promise<PrivacyFinding[]> {
	const matchers: NameMatcher[] = [];
	for (const code of await record.listClients()) {
		const profile = await record.readProfile(code, "internal");
		const matcher = nameMatcher(code, profile.name);
		if (matcher) matchers.push(matcher);
	}
	const findings: PrivacyFinding[] = [];
	for (const path of [...paths.folders, ...paths.files].sort()) {
		let best: { code: string; kind: "full" | "part" } | null = null;
		for (const m of matchers) {
			const kind = m.match(path);
			if (kind && (!best || (kind === "full" && best.kind === "part"))) best = { code: m.code, kind };
		}
		if (!best) continue;
		findings.push({
			id: "name-in-path",
			severity: best.kind === "full" ? "high" : "medium",
			what:
				best.kind === "full"
					? `The path contains the name of client ${best.code}.`
					: `The path contains part of the name of client ${best.code} (possibly a coincidence).`,
			path,
			fix: `Rename it to use the client code (${best.code}) instead of the name; file and folder names are not encrypted.`,
		});
	}
	return findings;
}

function plaintextAudio(record: ClinicalRecord, paths: VaultPaths): PrivacyFinding[] {
	return paths.files
		.filter((p) => isAudio(p) && !inFolder(p, record.layout.root))
		.map((path) => {
			const recorder = OBSIDIAN_RECORDING.test(baseName(path));
			return {
				id: "plaintext-audio",
				severity: recorder ? "high" : "medium",
				what: recorder
					? "A recording from Obsidian's audio recorder lies unencrypted in the vault."
					: "An unencrypted audio file lies in the vault; if it is a session recording it is exposed.",
				path,
				fix: "If it is a session: Clinical Vault → Move recording into record (encrypts it and deletes the plain file); otherwise delete or move it out of the vault.",
			} satisfies PrivacyFinding;
		});
}

async function staleAudio(record: ClinicalRecord, hours: number, now: Date): Promise<PrivacyFinding[]> {
	const plan = await planRetention(record, hours, now);
	return plan.due.map((item) => ({
		id: "audio-past-retention",
		severity: "medium" as const,
		what: `A recording was kept past its retention date (${item.dueAt}, ${hours} h after its note was signed).`,
		path: item.audioPath,
		fix: "Apply retention: unlock the record in Obsidian, or run clinical-vault retention <vault>.",
	}));
}

async function auditChain(record: ClinicalRecord): Promise<PrivacyFinding[]> {
	const audit = await record.audit.verify();
	if (audit.ok) return [];
	return [
		{
			id: "audit-chain",
			severity: "high",
			what: `The audit log does not verify (${audit.problems.length} problem${audit.problems.length === 1 ? "" : "s"}; the first: ${audit.problems[0] ?? "unknown"}).`,
			path: record.layout.auditFolder,
			fix: 'Run clinical-vault verify for the details. Restore the log from a backup if you have one; otherwise "clinical-vault audit <vault> --repair --reason TEXT" keeps the broken log as evidence and records the reset. Do not delete it.',
		},
	];
}

async function syncConflicts(record: ClinicalRecord): Promise<PrivacyFinding[]> {
	return (await findConflicts(record)).map((c) => ({
		id: "sync-conflict",
		severity: "medium" as const,
		what: c.decrypts
			? `${c.toolName} kept two versions of ${c.recordPath}: a conflict copy is waiting for you to choose which to keep${c.originalExists ? "" : " (the record file itself is missing)"}.`
			: `A file named as ${c.toolName}'s conflict copy of ${c.recordPath} cannot be read as that file: ${c.problem ?? "it does not decrypt"}.`,
		path: c.storePath,
		fix: c.decrypts
			? 'Compare both versions and choose: "Resolve sync conflicts" in Obsidian, or clinical-vault conflicts <vault> --show PATH, then --resolve PATH --keep original|copy|both.'
			: "It is kept and never removed by Clinical Vault. If it is not needed, move it out of the clinical folder yourself; otherwise restore the file it belongs to from a backup.",
	}));
}

export async function runPrivacyCheck(options: PrivacyCheckOptions): Promise<PrivacyReport> {
	const { record } = options;
	const now = options.now ?? record.clock.now();
	const findings: PrivacyFinding[] = [];
	const checks: CheckStatus[] = [];
	const paths = await vaultPaths(record.store);
	const run = async (check: CheckName, needsKey: boolean, task: () => Promise<PrivacyFinding[]>): Promise<void> => {
		if (needsKey && !record.isUnlocked) {
			checks.push({ check, ran: false, note: "the record is locked" });
			return;
		}
		try {
			findings.push(...(await task()));
			checks.push({ check, ran: true });
		} catch (error) {
			const e = toClinicalError(error);
			checks.push({ check, ran: false, note: e.message });
			findings.push({
				id: "check-failed",
				severity: "medium",
				what: `The ${check} check could not finish: ${e.message}`,
				fix: "Fix the cause above and run the check again.",
			});
		}
	};

	await run("plaintext", false, () => plaintextInRecord(record, paths));
	await run("names", true, () => namesInPaths(record, paths));
	await run("temp-audio", false, async () => {
		const out = plaintextAudio(record, paths);
		for (const dir of options.leftoverTempDirs ? await options.leftoverTempDirs() : []) {
			out.push({
				id: "leftover-engine-temp",
				severity: "high",
				what: `An engine's temporary folder was left behind by a run that ended abnormally (${dir.files} file${dir.files === 1 ? "" : "s"}; it may hold transcript text).`,
				path: dir.path,
				fix: "Start a transcription or restart Obsidian (both sweep these folders), or delete the folder.",
			});
		}
		return out;
	});
	if (options.retentionHours < 0) checks.push({ check: "retention", ran: false, note: "retention is off (negative hours)" });
	else await run("retention", true, () => staleAudio(record, options.retentionHours, now));
	await run("audit", true, () => auditChain(record));
	await run("sync-conflicts", true, () => syncConflicts(record));
	if (options.configDirs.length === 0) {
		checks.push({ check: "obsidian-settings", ran: false, note: "no Obsidian settings folder in the vault" });
		findings.push({
			id: "no-config-dir",
			severity: "info",
			what: "No Obsidian settings folder was found in the vault, so File recovery, Sync and plugins were not checked.",
			fix: "Open the vault in Obsidian once, then run the check again.",
		});
	} else {
		await run("obsidian-settings", false, async () => (await Promise.all(options.configDirs.map((dir) => checkObsidianConfig(record.store, dir)))).flat());
	}
	findings.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
	return { clean: !findings.some((f) => f.severity !== "info"), findings, checks };
}

/** The report as text: one block per finding (severity, what, path, fix), then the checks that did not run. */
export function renderPrivacyReport(where: string, report: PrivacyReport): string {
	const lines = [`Privacy check: ${where}`];
	for (const f of report.findings) {
		lines.push(`${f.severity.toUpperCase().padEnd(6)} ${f.what}${f.path ? `\n       path: ${f.path}` : ""}\n       fix:  ${f.fix}`);
	}
	for (const c of report.checks.filter((c) => !c.ran)) lines.push(`Not checked: ${c.check} (${c.note ?? "skipped"})`);
	const counted = report.findings.filter((f) => f.severity !== "info").length;
	lines.push(report.clean ? "Result: clean" : `Result: ${counted} finding${counted === 1 ? "" : "s"} to fix`);
	return `${lines.join("\n")}\n`;
}
