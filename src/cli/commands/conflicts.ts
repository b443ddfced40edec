/**
 * `clinical-vault conflicts <vault> [--json]`: the copies a sync tool (Syncthing, Dropbox, iCloud
 * Drive, OneDrive, Nextcloud…) left beside record files, each decrypted against the record file it
 * was written for (src/core/record/syncConflicts.ts).
 *
 *   no flag                 lists them: the copy's path, the record file, the tool, and whether it decrypts.
 *   --show PATH             prints both versions line by line ("  " both, "- " only the record
 *                           file, "+ " only the copy); both reads are audited as opens.
 *   --resolve PATH --keep original|copy|both
 *                           keeps the record file (the copy is crypto-erased), puts the copy in its
 *                           place (never over a signed note), or keeps both (the copy becomes
 *                           "<name>.conflict-<time>.md" beside it); audited.
 *
 * PATH is the copy's path as listed (relative to the vault), or its path on disk. A copy that does
 * not decrypt is listed with the reason; --show and --resolve refuse it (exit 4) and keep it.
 */
import * as nodePath from "node:path";
import { fromUtf8 } from "../../core/bytes";
import {
	countConflicts,
	findConflicts,
	lineDiff,
	readConflict,
	resolveConflict,
	versionText,
	type ConflictChoice,
	type ConflictVersions,
	type SyncConflict,
} from "../../core/record/syncConflicts";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, withUnlocked, type OpenVault } from "../vault";

const CHOICES: Record<string, ConflictChoice> = { original: "original", copy: "copy", both: "both" };

/** The copy's vault-relative path from what was typed: as listed, or a path on disk inside the vault. */
function copyPath(open: OpenVault, vaultArg: string, typed: string): string {
	const slashed = typed.replace(/\\/g, "/");
	if (nodePath.isAbsolute(typed) || slashed.startsWith(`${open.vault.replace(/\\/g, "/")}/`)) {
		const relative = nodePath.relative(nodePath.resolve(vaultArg), nodePath.resolve(typed)).split(nodePath.sep).join("/");
		if (relative.startsWith("../") || relative === "..") throw usageError(`${typed} is not inside the vault ${open.vault}.`);
		return relative;
	}
	return slashed.replace(/^\.\//, "");
}

function madeBy(c: SyncConflict): string {
	const details = [c.device ? `device ${c.device}` : "", c.when ?? ""].filter((d) => d !== "");
	return `${c.toolName}${details.length ? ` (${details.join(", ")})` : ""}`;
}

function renderList(where: string, conflicts: SyncConflict[]): string {
	const counts = countConflicts(conflicts);
	const lines = [`Record: ${where}`, `Sync conflict copies: ${counts.total}${counts.unreadable ? ` (${counts.unreadable} cannot be read)` : ""}`];
	for (const c of conflicts) {
		lines.push(`  ${c.storePath}`);
		lines.push(`    for:     ${c.recordPath}${c.originalExists ? "" : " (missing: the copy is the only version)"}`);
		lines.push(`    made by: ${madeBy(c)}`);
		lines.push(c.decrypts ? "    decrypts: yes" : `    decrypts: NO, ${c.problem ?? "it does not decrypt"} (kept; never removed)`);
	}
	if (counts.total - counts.unreadable > 0)
		lines.push("Compare with --show PATH, then choose with --resolve PATH --keep original|copy|both. Nothing is removed until you choose.");
	return `${lines.join("\n")}\n`;
}

function renderVersions(vault: string, v: ConflictVersions): string {
	const c = v.conflict;
	const lines = [`Sync conflict copy: ${c.storePath}`, `  for:     ${c.recordPath}`, `  made by: ${madeBy(c)}`];
	if (v.originalSigned) lines.push("  The record file is a signed note: it can be kept, or kept beside the copy (--keep both), not replaced.");
	if (v.originalProblem) lines.push(`  The record file cannot be read: ${v.originalProblem}`);
	else if (v.original === null) lines.push("  The record file is missing: the copy is the only version.");
	if (!v.isText) {
		lines.push(
			`  The record file: ${v.original ? `${v.original.length} bytes` : "none"}; the copy: ${v.copy.length} bytes; ${v.fingerprint.original === v.fingerprint.copy ? "identical" : "different"}.`,
		);
	} else {
		lines.push('Lines: "  " in both, "- " only in the record file, "+ " only in the copy.');
		lines.push(`--- ${c.recordPath} (the record file)`);
		lines.push(`+++ ${c.storePath} (the copy)`);
		const diff = lineDiff(versionText(v.original, true), fromUtf8(v.copy));
		for (const line of diff) lines.push(`${line.kind === "same" ? " " : line.kind === "original" ? "-" : "+"} ${line.text}`);
	}
	lines.push(`Choose: clinical-vault conflicts ${vault} --resolve "${c.storePath}" --keep original|copy|both`);
	return `${lines.join("\n")}\n`;
}

export const conflictsCommand: Command = {
	name: "conflicts",
	synopsis: "conflicts <vault> [--json] [--show PATH | --resolve PATH --keep original|copy|both]",
	summary: "List the copies sync tools left beside record files, show both versions, and choose which to keep.",
	args: ["<vault>"],
	options: [
		{ name: "show", value: "PATH", description: "Print the record file and this conflict copy line by line." },
		{ name: "resolve", value: "PATH", description: "Resolve this conflict copy (with --keep)." },
		{
			name: "keep",
			value: "original|copy|both",
			description:
				"original: keep the record file and erase the copy; copy: put the copy in its place; both: keep the copy beside it as <name>.conflict-<time>.",
		},
		{ name: "json", description: "Print the result as JSON." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Recognised: Syncthing (.sync-conflict-…), Dropbox (… conflicted copy …), Nextcloud/ownCloud, iCloud Drive (name 2), OneDrive (name-COMPUTER), numbered copies (name (1)). Obsidian Sync keeps the last writer for encrypted files and leaves no copy.",
		"Every record file is bound to its path, so each copy is decrypted against the file it was written for; a copy that does not decrypt is listed with the reason and never removed. A copy never replaces a signed note (use --keep both).",
	],
	async run({ io, args, options }) {
		const show = stringOption(options, "show");
		const resolve = stringOption(options, "resolve");
		const keep = stringOption(options, "keep");
		if (show !== undefined && resolve !== undefined) throw usageError("Give --show or --resolve, not both.");
		if (keep !== undefined && resolve === undefined) throw usageError("--keep goes with --resolve PATH.");
		if (resolve !== undefined && keep === undefined) throw usageError("--resolve needs --keep original, copy or both.");
		const choice = keep === undefined ? undefined : CHOICES[keep];
		if (keep !== undefined && choice === undefined) throw usageError(`--keep must be original, copy or both, not "${keep}".`);
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const target = show ?? resolve;
		const path = target === undefined ? undefined : copyPath(open, args.vault!, target);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const record = open.record;
		const json = options.json === true;

		if (path !== undefined && choice !== undefined) {
			const done = await withUnlocked(open, passphrase, () => resolveConflict(record, path, choice));
			if (json) return { stdout: `${JSON.stringify(done, null, 2)}\n` };
			const what =
				done.choice === "original"
					? `kept ${done.recordPath}`
					: done.choice === "copy"
						? `the copy is now ${done.recordPath}`
						: `kept both: ${done.recordPath} and ${done.keptAs ?? "?"}`;
			return { stdout: `Resolved: ${what}. The copy ${done.erased} was crypto-erased and removed.\n` };
		}
		if (path !== undefined) {
			return withUnlocked(open, passphrase, async () => {
				const versions = await readConflict(record, path, "open");
				try {
					if (json) {
						const text = (bytes: Uint8Array | null) => (bytes === null ? null : versionText(bytes, versions.isText));
						const { conflict, originalSigned, fingerprint, isText } = versions;
						return {
							stdout: `${JSON.stringify({ conflict, isText, originalSigned, originalProblem: versions.originalProblem ?? null, original: text(versions.original), copy: text(versions.copy), fingerprint }, null, 2)}\n`,
						};
					}
					return { stdout: renderVersions(open.vault, versions) };
				} finally {
					versions.copy.fill(0);
					versions.original?.fill(0);
				}
			});
		}
		const conflicts = await withUnlocked(open, passphrase, () => findConflicts(record));
		if (json) return { stdout: `${JSON.stringify({ vault: open.vault, root: open.root, counts: countConflicts(conflicts), conflicts }, null, 2)}\n` };
		return { stdout: renderList(`${open.vault}/${open.root}/`, conflicts) };
	},
};
