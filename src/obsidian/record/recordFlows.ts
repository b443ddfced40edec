/**
 * The record's flows: set up, unlock, lock, clients, a new session note, the passphrase and the
 * vault key, encrypting a vault file into the record, verify and sync conflicts (registered in
 * feature.ts). Commands that need the record unlocked ask for the passphrase first.
 */
import { normalizePath, type TFile } from "obsidian";
import { fingerprintProblems } from "../../core/audit/fingerprints";
import { localDay } from "../../core/calendar";
import { checkPassphraseStrength } from "../../core/crypto/keyfile";
import { ClinicalVaultError } from "../../core/errors";
import type { ClinicalRecord } from "../../core/record/ClinicalRecord";
import { freeRecordPath } from "../../core/record/freePath";
import { ENCRYPTED_EXTENSION, checkRecordPath } from "../../core/record/layout";
import { findConflicts, readConflict, resolveConflict, type ConflictChoice } from "../../core/record/syncConflicts";
import type { CommandContext } from "../common/context";
import { SummaryModal, chooseFile, confirm, type ClientChoice } from "../common/modals";
import { inform } from "../common/notify";
import { moveIntoRecord, pickClient as pickClientFor } from "./clients";
import { openRecordFile } from "./EncryptedView";
import { askChangePassphrase, askNewClient, askNewPassphrase, askRecordPath, askRotateVaultKey, showRecoveryKey } from "./recordModals";
import { showSyncConflicts } from "./syncConflictModal";

/** A file name made safe for a record path segment (letters, digits, dot, dash, underscore). */
export function safeSegment(name: string): string {
	const cleaned = name
		.normalize("NFKD")
		.replace(/[^A-Za-z0-9._-]+/g, "-")
		.replace(/-{2,}/g, "-")
		.replace(/^[^A-Za-z0-9]+/, "")
		.replace(/-+(\.[A-Za-z0-9]+)?$/, "$1");
	return cleaned === "" || cleaned.startsWith(".") ? "file" : cleaned;
}

/** The record path proposed for a plaintext file encrypted into a client's folder. */
export async function proposeRecordPath(record: ClinicalRecord, code: string, file: TFile, today: string): Promise<string> {
	if (file.extension === "md") return freeRecordPath(record, `${code}/notes/${today}.md`);
	return freeRecordPath(record, `${code}/attachments/${safeSegment(file.name)}`);
}

function pickClient(ctx: CommandContext, record: ClinicalRecord): Promise<ClientChoice | null> {
	return pickClientFor(ctx.app, record);
}

function isInRecord(record: ClinicalRecord, path: string): boolean {
	return path === record.layout.root || path.startsWith(`${record.layout.root}/`);
}

/** Plaintext vault files that may be encrypted into the record (not the note templates, which hold no client data). */
function encryptableFiles(ctx: CommandContext, record: ClinicalRecord): TFile[] {
	const configDir = ctx.app.vault.configDir;
	const templates = normalizePath(ctx.drafting.settings().templatesFolder);
	return ctx.app.vault
		.getFiles()
		.filter(
			(file) =>
				file.extension !== ENCRYPTED_EXTENSION &&
				!isInRecord(record, file.path) &&
				!file.path.startsWith(`${configDir}/`) &&
				!file.path.startsWith(`${templates}/`),
		)
		.sort((a, b) => b.stat.mtime - a.stat.mtime);
}

export async function setUpRecord(ctx: CommandContext): Promise<void> {
	const { session } = ctx;
	const record = session.record;
	if (await record.isInitialized()) {
		throw new ClinicalVaultError(
			"already-initialized",
			`A clinical record already exists in ${record.layout.root}/. Unlock it instead; nothing was changed.`,
		);
	}
	const result: { recoveryKey?: string } = {};
	const created = await askNewPassphrase(ctx.app, async (passphrase) => {
		checkPassphraseStrength(passphrase);
		const kdf = await session.kdfForSetup();
		result.recoveryKey = (await session.track(record.init(passphrase, { kdf }))).recoveryKey;
	});
	if (!created || result.recoveryKey === undefined) return;
	await showRecoveryKey(ctx.app, result.recoveryKey);
	delete result.recoveryKey;
	inform("Clinical record created and unlocked.");
}

/** "Rotate vault key": a new vault key and recovery key; every file's key re-wrapped (src/core/record/ClinicalRecord.ts). */
export async function rotateVaultKey(ctx: CommandContext): Promise<void> {
	const { session } = ctx;
	const record = await session.ensureUnlocked();
	const result: { recoveryKey?: string; rewrapped?: number } = {};
	const done = await askRotateVaultKey(ctx.app, async (passphrase) => {
		const rotated = await session.track(record.rotateVaultKey(passphrase));
		result.recoveryKey = rotated.recoveryKey;
		result.rewrapped = rotated.rewrapped;
	});
	if (!done || result.recoveryKey === undefined) return;
	await showRecoveryKey(ctx.app, result.recoveryKey);
	delete result.recoveryKey;
	inform(
		`The vault key was rotated (${result.rewrapped ?? 0} files re-wrapped). Old copies of the key file no longer open today's record; use the new recovery key from now on.`,
	);
}

export async function unlockRecord(ctx: CommandContext): Promise<void> {
	if (ctx.session.isUnlocked) {
		inform("The clinical record is already unlocked.");
		return;
	}
	await ctx.session.ensureUnlocked();
	inform("Clinical record unlocked.");
}

export async function lockRecord(ctx: CommandContext): Promise<void> {
	await ctx.session.lock();
	inform("Clinical record locked.");
}

export async function newClient(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const result: { code?: string } = {};
	const done = await askNewClient(ctx.app, async ({ code, name, modality }) => {
		result.code = (await record.addClient({ code, name, ...(modality ? { modality } : {}) })).code;
	});
	if (!done || result.code === undefined) return;
	inform(`Client ${result.code} added.`);
	await openRecordFile(ctx.app, ctx.session, record.layout.profilePath(result.code));
}

export async function openClient(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await pickClient(ctx, record);
	if (!client) return;
	await openRecordFile(ctx.app, ctx.session, record.layout.profilePath(client.code));
}

export async function changePassphrase(ctx: CommandContext): Promise<void> {
	const record = ctx.session.record;
	if (!(await record.isInitialized())) {
		throw new ClinicalVaultError("not-initialized", `There is no clinical record in ${record.layout.root}/ yet. Run "Set up encrypted record" first.`);
	}
	const changed = await askChangePassphrase(ctx.app, (current, next) => ctx.session.changePassphrase(current, next));
	if (changed) inform("Passphrase changed. The recovery key is unchanged.");
}

/**
 * Encrypts a plaintext vault file into the record. The encrypted copy is written, read back and
 * compared before the original is removed with the adapter (permanently: never the system trash
 * or the vault's .trash folder, where the plaintext would survive).
 */
export async function encryptFileInto(ctx: CommandContext, source: TFile, recordPath: string): Promise<string> {
	const record = await ctx.session.ensureUnlocked();
	const path = checkRecordPath(recordPath);
	const code = path.split("/")[0] ?? "";
	if (!(await record.exists(record.layout.profilePath(code)))) {
		throw new ClinicalVaultError("not-found", `There is no client ${code}. Add the client first; nothing was changed.`);
	}
	if (await record.exists(path))
		throw new ClinicalVaultError("already-exists", `${path} already exists in the record. Choose another path; nothing was changed.`);
	return moveIntoRecord(ctx.session, normalizePath(source.path), async (bytes) => {
		await record.write(path, bytes, { action: "import" });
		return path;
	});
}

export async function encryptIntoRecord(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const candidates = encryptableFiles(ctx, record);
	const active = ctx.app.workspace.getActiveFile();
	const source = active && candidates.includes(active) ? active : await chooseFile(ctx.app, candidates);
	if (!source) return;
	const client = await pickClient(ctx, record);
	if (!client) return;
	const proposed = await proposeRecordPath(record, client.code, source, localDay(ctx.session.clock.now()));
	const choice: { target?: string } = {};
	const chosen = await askRecordPath(ctx.app, {
		title: "Encrypt into the record",
		description: `"${source.path}" will be encrypted into ${client.code}'s folder.`,
		value: proposed,
		submitText: "Continue",
		onSubmit: async (path) => {
			const checked = checkRecordPath(path);
			if (!checked.startsWith(`${client.code}/`)) throw new ClinicalVaultError("invalid-input", `The path must be inside ${client.code}/.`);
			if (await record.exists(checked)) throw new ClinicalVaultError("already-exists", `${checked} already exists in the record. Choose another path.`);
			choice.target = checked;
		},
	});
	const target = choice.target;
	if (!chosen || target === undefined) return;
	const ok = await confirm(ctx.app, {
		title: "Encrypt and remove the original",
		message: `"${source.path}" will be encrypted to ${target}. Once the encrypted copy has been checked, the plaintext original is deleted permanently: it does not go to the trash.`,
		confirmText: "Encrypt and delete original",
		warning: true,
	});
	if (!ok) return;
	const written = await encryptFileInto(ctx, source, target);
	inform(`Encrypted into the record as ${written}. The plaintext original was removed.`);
	await openRecordFile(ctx.app, ctx.session, written);
}

export async function verifyRecord(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const report = await record.verify();
	const lines: { text: string; cls?: string }[] = [{ text: `${report.filesChecked} encrypted files checked.` }];
	if (report.failures.length === 0) lines.push({ text: "Every file decrypts and passes its integrity check." });
	for (const failure of report.failures) lines.push({ text: `${failure.path}: ${failure.message}`, cls: "clinical-vault-problem" });
	for (const path of report.plaintext) lines.push({ text: `Not encrypted: ${path}`, cls: "clinical-vault-problem" });
	if (report.audit.ok) lines.push({ text: `Audit log: ${report.audit.entries} entries, chain intact.` });
	else for (const problem of report.audit.problems) lines.push({ text: `Audit log: ${problem}`, cls: "clinical-vault-problem" });
	for (const problem of fingerprintProblems(report.history)) lines.push({ text: problem, cls: "clinical-vault-problem" });
	for (const path of report.history.unlogged)
		lines.push({ text: `${path}: a version no audit log names yet (from another computer whose log has not synced, or changed outside Clinical Vault).` });
	for (const problem of report.keyFile) lines.push({ text: `Key file: ${problem}`, cls: "clinical-vault-problem" });
	for (const c of report.conflicts) {
		lines.push(
			c.decrypts
				? { text: `${c.toolName} left a conflict copy of ${c.recordPath}: run "Resolve sync conflicts" to choose.` }
				: {
						text: `${c.storePath} cannot be read as ${c.recordPath} (${c.problem ?? "it does not decrypt"}); it is kept.`,
						cls: "clinical-vault-problem",
					},
		);
	}
	new SummaryModal(ctx.app, report.ok ? "Record verified" : "Record has problems", lines).open();
}

const KEPT: Record<ConflictChoice, string> = {
	original: "Kept the note; the copy was erased.",
	copy: "Kept the copy in the note's place; the copy file was erased.",
	both: "Kept both",
};

/**
 * "Resolve sync conflicts": lists the copies a sync tool left beside record files, shows both
 * versions side by side, and resolves the one the clinician chooses (src/core/record/syncConflicts.ts).
 */
export async function resolveSyncConflicts(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const conflicts = await findConflicts(record);
	if (conflicts.length === 0) {
		inform("No sync conflicts in the record.");
		return;
	}
	await showSyncConflicts(ctx.app, {
		conflicts,
		load: (conflict) => readConflict(record, conflict.storePath, "open"),
		resolve: async (versions, choice) => {
			const done = await resolveConflict(record, versions.conflict.storePath, choice, { expect: versions.fingerprint });
			inform(`${done.recordPath}: ${choice === "both" && done.keptAs ? `${KEPT.both}; the copy is now ${done.keptAs}.` : KEPT[choice]}`);
			return findConflicts(record);
		},
	});
}
