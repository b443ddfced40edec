/**
 * Sync conflicts: the copies a file-sync tool leaves beside a record file when two computers
 * changed it before hearing from each other. Every record file is AES-GCM bound to its record path
 * (docs/FORMAT.md), so a copy under the tool's new name does not decrypt as itself; here it is
 * decrypted against the path it was written for, shown beside the note, and kept until the
 * clinician chooses. Nothing here imports obsidian or Node.
 *
 * How each tool names the copy (the name "2026-09-01.md.cvault" has the extension ".cvault"; the
 * tools insert their mark before the last extension, so the mark lands between ".md" and ".cvault"):
 *
 *  - Syncthing renames the older version to `<name>.sync-conflict-<date>-<time>-<modifiedBy>.<ext>`
 *    (docs.syncthing.net/users/syncing.html, "Conflicting Changes"; modifiedBy is the 7-character
 *    short device ID, absent in old versions), e.g. "2026-09-01.md.sync-conflict-20261205-101010-ABCDEFG.cvault".
 *  - Dropbox keeps the other version as "<name> (<device or person>'s conflicted copy <YYYY-MM-DD>).<ext>"
 *    (help.dropbox.com "What's a conflicted copy?"; the find patterns in common clean-up scripts,
 *    e.g. `*(*'s conflicted copy [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*`), with a number
 *    " (1)" inside the parentheses for a second copy the same day.
 *  - Nextcloud, ownCloud and OpenCloud desktop clients: "<name> (conflicted copy <YYYY-MM-DD> <HHMMSS>).<ext>"
 *    (opencloud-eu/docs, docs/user/desktop-client/conflict-files.md) and, in older clients,
 *    "<name>_conflict-<YYYYMMDD>-<HHMMSS>.<ext>" (owncloud/client issue #3869).
 *  - iCloud Drive keeps both versions as "<name>.<ext>" and "<name> 2.<ext>" (Apple resolves the
 *    conflict into numbered siblings; observed behaviour reported by app developers since 2015).
 *  - OneDrive keeps the other computer's version as "<name>-<COMPUTERNAME>.<ext>", then
 *    "<name>-<COMPUTERNAME>-1.<ext>" (abraunegg/onedrive issues #207 and skilion/onedrive #338:
 *    "<filename>-<hostname>.md or <filename>-<hostname>-1.md"); Windows computer names themselves
 *    contain dashes ("DESKTOP-4F2K9LM").
 *  - Google Drive for desktop (and OneDrive on upload) number a second file "<name> (1).<ext>".
 *  - Obsidian Sync merges Markdown files only; for every other file type the last modified version
 *    wins (help.obsidian.md/sync/troubleshoot, "Conflict resolution"). Record files are .cvault,
 *    so Obsidian Sync keeps the last writer and leaves no copy: there is nothing to detect. Its
 *    optional "Create conflict file" names a copy "<name> (Conflicted copy <device> <YYYYMMDDHHMM>).<ext>";
 *    that name is recognised too in case a version applies it to other files.
 *
 * Names that only look like a copy are not trusted. The explicit marks (Syncthing, Dropbox,
 * Nextcloud/ownCloud, Obsidian Sync) are reported when what is left after taking the mark out is
 * a valid record file name, also when the copy does not decrypt (it is then shown with the reason
 * and never removed). The ambiguous ones (iCloud's " 2", OneDrive's "-NAME", a numbered " (1)")
 * count only when the stripped name is a record file that exists and the copy decrypts, with
 * authentication, as that record file; otherwise the file is what `verify` already calls an
 * encrypted file with an unexpected name. A file whose header names its own record path is a
 * record file in its own right, never a copy.
 */
import { fromUtf8, sha256, toHex, utf8, wipe } from "../bytes";
import { ClinicalVaultError, LockedError, toClinicalError } from "../errors";
import { looksEncrypted, readHeader } from "../crypto/fileformat";
import { splitFrontmatter } from "../markdown/frontmatter";
import { isSigned } from "../notes/signing";
import { baseName, joinPath, parentOf, walk } from "../store/VaultStore";
import type { RecordFiles } from "./files";
import { ENCRYPTED_EXTENSION } from "./layout";

export type SyncTool = "syncthing" | "dropbox" | "nextcloud" | "obsidian-sync" | "icloud" | "onedrive" | "numbered";

export const SYNC_TOOL_NAMES: Record<SyncTool, string> = {
	syncthing: "Syncthing",
	dropbox: "Dropbox",
	nextcloud: "Nextcloud or ownCloud",
	"obsidian-sync": "Obsidian Sync",
	icloud: "iCloud Drive",
	onedrive: "OneDrive",
	numbered: "a numbered copy (Google Drive, OneDrive)",
};

/** Tools whose mark cannot be part of an ordinary file name. */
const EXPLICIT: ReadonlySet<SyncTool> = new Set<SyncTool>(["syncthing", "dropbox", "nextcloud", "obsidian-sync"]);

/** One reading of a file name as a conflict copy. */
export interface ConflictName {
	/** The name the tool started from ("2026-09-01.md.cvault"). */
	originalName: string;
	tool: SyncTool;
	/** The other computer, as the tool wrote it (Syncthing's short device ID, a computer's name). */
	device?: string;
	/** When the copy was made, as the name says ("2026-12-05 10:10:10"), where it says. */
	when?: string;
	/** The mark cannot occur in an ordinary name: the copy is reported even when it does not decrypt. */
	explicit: boolean;
}

interface Mark {
	tool: SyncTool;
	/** Matches a name without its extension; group "base" is the name without the mark. */
	pattern: RegExp;
	device?: (m: RegExpExecArray) => string | undefined;
	when?: (m: RegExpExecArray) => string | undefined;
}

const stamp8 = (d: string, t?: string): string =>
	`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}${t ? ` ${t.slice(0, 2)}:${t.slice(2, 4)}${t.length >= 6 ? `:${t.slice(4, 6)}` : ""}` : ""}`;

const MARKS: readonly Mark[] = [
	{
		tool: "syncthing",
		pattern: /^(?<base>.+)\.sync-conflict-(?<d>\d{8})-(?<t>\d{6})(?:-(?<dev>[A-Z0-9]{7}))?$/,
		device: (m) => m.groups?.dev,
		when: (m) => stamp8(m.groups!.d!, m.groups!.t),
	},
	{
		tool: "dropbox",
		pattern: /^(?<base>.+) \((?<dev>.+?)['\u2019]s conflicted copy(?: (?<d>\d{4}-\d{2}-\d{2}))?(?: \(\d+\))?\)$/i,
		device: (m) => m.groups?.dev,
		when: (m) => m.groups?.d,
	},
	{
		tool: "nextcloud",
		pattern: /^(?<base>.+) \(conflicted copy(?: (?<d>\d{4}-\d{2}-\d{2})(?: (?<t>\d{6}))?)?(?: \(\d+\))?\)$/i,
		when: (m) =>
			m.groups?.d ? `${m.groups.d}${m.groups.t ? ` ${m.groups.t.slice(0, 2)}:${m.groups.t.slice(2, 4)}:${m.groups.t.slice(4, 6)}` : ""}` : undefined,
	},
	{
		tool: "nextcloud",
		pattern: /^(?<base>.+)_conflict-(?<d>\d{8})-(?<t>\d{6})$/,
		when: (m) => stamp8(m.groups!.d!, m.groups!.t),
	},
	{
		tool: "obsidian-sync",
		pattern: /^(?<base>.+) \(Conflicted copy (?<dev>.+?) (?<d>\d{8})(?<t>\d{4})\)$/i,
		device: (m) => m.groups?.dev,
		when: (m) => stamp8(m.groups!.d!, m.groups!.t),
	},
	{ tool: "icloud", pattern: /^(?<base>.+) (?<n>[2-9]|[1-9]\d+)$/ },
	{ tool: "numbered", pattern: /^(?<base>.+) \((?<n>[1-9]\d*)\)$/ },
];

/** OneDrive: "<base>-<COMPUTER>" or "<base>-<COMPUTER>-<n>", the computer's name without dots; every dash is a possible split. */
function oneDriveReadings(text: string): { base: string; device: string }[] {
	const out: { base: string; device: string }[] = [];
	const tail = text.slice(text.lastIndexOf(".") + 1);
	const offset = text.length - tail.length;
	for (let i = tail.indexOf("-"); i !== -1; i = tail.indexOf("-", i + 1)) {
		const base = text.slice(0, offset + i);
		const device = tail.slice(i + 1);
		if (base === "" || base.endsWith(".") || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(device)) continue;
		out.push({ base, device: /^(.+)-\d+$/.exec(device)?.[1] ?? device });
	}
	return out;
}

/**
 * Every reading of a file name as a sync tool's copy of a record file (explicit marks first), or
 * none. Both places a tool may put its mark are tried: before ".cvault" ("x.md.sync-conflict-….cvault")
 * and before the record's own extension ("x.sync-conflict-….md.cvault").
 */
export function parseConflictName(fileName: string): ConflictName[] {
	const suffix = `.${ENCRYPTED_EXTENSION}`;
	if (!fileName.endsWith(suffix) || fileName.startsWith(".")) return [];
	const inner = fileName.slice(0, -suffix.length);
	const spots: { text: string; ext: string }[] = [{ text: inner, ext: "" }];
	const dot = inner.lastIndexOf(".");
	if (dot > 0 && /^\.[A-Za-z0-9]+$/.test(inner.slice(dot))) spots.push({ text: inner.slice(0, dot), ext: inner.slice(dot) });
	const out: ConflictName[] = [];
	const seen = new Set<string>();
	const add = (reading: ConflictName): void => {
		const key = `${reading.tool}|${reading.originalName}|${reading.device ?? ""}`;
		if (reading.originalName === fileName || seen.has(key)) return;
		seen.add(key);
		out.push(reading);
	};
	for (const mark of MARKS) {
		for (const spot of spots) {
			const m = mark.pattern.exec(spot.text);
			if (!m?.groups?.base) continue;
			const device = mark.device?.(m);
			const when = mark.when?.(m);
			add({
				originalName: `${m.groups.base}${spot.ext}${suffix}`,
				tool: mark.tool,
				...(device ? { device } : {}),
				...(when ? { when } : {}),
				explicit: EXPLICIT.has(mark.tool),
			});
		}
	}
	for (const spot of spots) {
		for (const r of oneDriveReadings(spot.text))
			add({ originalName: `${r.base}${spot.ext}${suffix}`, tool: "onedrive", device: r.device, explicit: false });
	}
	return out.sort((a, b) => Number(b.explicit) - Number(a.explicit));
}

export interface SyncConflict {
	/** Where the copy is (vault-relative). */
	storePath: string;
	/** The record file it was written for. */
	recordPath: string;
	/** Where that record file is (vault-relative). */
	originalStorePath: string;
	tool: SyncTool;
	toolName: string;
	device?: string;
	when?: string;
	/** Whether the copy decrypts, authenticated, as `recordPath`. */
	decrypts: boolean;
	/** Why it does not (for the clinician), when it does not. */
	problem?: string;
	/** Whether the record file itself is there. */
	originalExists: boolean;
}

async function describeCopy(
	record: RecordFiles,
	storePath: string,
	reading: ConflictName,
	cache: { bytes?: Uint8Array },
): Promise<SyncConflict | "own" | null> {
	const { layout, store } = record;
	const originalStorePath = joinPath(parentOf(storePath), reading.originalName);
	const recordPath = layout.recordPathOf(originalStorePath);
	if (!recordPath || originalStorePath === storePath) return null;
	const originalExists = await store.exists(originalStorePath);
	if (!reading.explicit && !originalExists) return null;
	const base: Omit<SyncConflict, "decrypts"> = {
		storePath,
		recordPath,
		originalStorePath,
		tool: reading.tool,
		toolName: SYNC_TOOL_NAMES[reading.tool],
		...(reading.device ? { device: reading.device } : {}),
		...(reading.when ? { when: reading.when } : {}),
		originalExists,
	};
	const refuse = (problem: string): SyncConflict | null => (reading.explicit ? { ...base, decrypts: false, problem } : null);
	cache.bytes ??= await store.read(storePath);
	const bytes = cache.bytes;
	if (!looksEncrypted(bytes)) return refuse("it is not an encrypted file");
	let headerPath: string;
	try {
		headerPath = readHeader(bytes, recordPath).header.path;
	} catch (error) {
		return refuse(`it is damaged (${toClinicalError(error).detail || "unreadable header"})`);
	}
	if (headerPath === layout.recordPathOf(storePath)) return "own";
	if (headerPath !== recordPath) return refuse(`it was written for another file (its header names ${headerPath})`);
	try {
		wipe((await record.readCopy(storePath, recordPath, "internal")).plaintext);
	} catch (error) {
		const e = toClinicalError(error);
		if (e.code === "locked") throw e;
		return refuse(`it does not decrypt as ${recordPath} (${e.detail || e.message})`);
	}
	return { ...base, decrypts: true };
}

/**
 * What one file is: a sync conflict copy (decrypting or not), or null. Needs the record unlocked.
 * `storePath` is vault-relative; files outside the clinical root or in its system folder are never copies.
 */
export async function inspectCopy(record: RecordFiles, storePath: string): Promise<SyncConflict | null> {
	const path = storePath.replace(/\\/g, "/");
	const { layout } = record;
	if (!path.startsWith(`${layout.root}/`) || path.startsWith(`${layout.systemFolder}/`) || path.split("/").includes("..")) return null;
	const readings = parseConflictName(baseName(path));
	if (readings.length === 0 || !(await record.store.exists(path))) return null;
	const cache: { bytes?: Uint8Array } = {};
	let fallback: SyncConflict | null = null;
	for (const reading of readings) {
		const found = await describeCopy(record, path, reading, cache);
		if (found === "own") return null;
		if (found?.decrypts) return found;
		fallback ??= found;
	}
	return fallback;
}

/** Every sync conflict copy under the clinical root, by path. Needs the record unlocked (each copy is decrypted to check it). */
export async function findConflicts(record: RecordFiles): Promise<SyncConflict[]> {
	if (!record.isUnlocked) throw new LockedError();
	const out: SyncConflict[] = [];
	for (const storePath of await walk(record.store, record.layout.root)) {
		if (storePath.startsWith(`${record.layout.systemFolder}/`)) continue;
		const found = await inspectCopy(record, storePath);
		if (found) out.push(found);
	}
	return out;
}

/** Counts for reports: how many copies, and how many of them cannot be read. */
export function countConflicts(conflicts: readonly SyncConflict[]): { total: number; unreadable: number; byTool: Partial<Record<SyncTool, number>> } {
	const byTool: Partial<Record<SyncTool, number>> = {};
	for (const c of conflicts) byTool[c.tool] = (byTool[c.tool] ?? 0) + 1;
	return { total: conflicts.length, unreadable: conflicts.filter((c) => !c.decrypts).length, byTool };
}

/** SHA-256 of each version's plaintext, so a choice made after looking refuses when either changed meanwhile. */
export interface ConflictFingerprint {
	/** null: the record file was missing (or unreadable). */
	original: string | null;
	copy: string;
}

export interface ConflictVersions {
	conflict: SyncConflict;
	/** The record file's plaintext; null when it is missing or cannot be read (see originalProblem). */
	original: Uint8Array | null;
	/** Why the record file could not be read, when it exists but does not decrypt. */
	originalProblem?: string;
	/** The record file is a signed note (it can then only be kept, or kept beside the copy). */
	originalSigned: boolean;
	/** The frontmatter could not be read to tell whether the note is signed. */
	originalSignatureUnknown: boolean;
	copy: Uint8Array;
	/** Whether the two versions are text (shown as text) or other bytes. */
	isText: boolean;
	fingerprint: ConflictFingerprint;
}

const TEXT_EXTENSIONS = new Set(["md", "txt", "json"]);

function isTextPath(recordPath: string): boolean {
	return TEXT_EXTENSIONS.has(recordPath.slice(recordPath.lastIndexOf(".") + 1).toLowerCase());
}

async function fingerprintOf(bytes: Uint8Array): Promise<string> {
	return toHex(await sha256(bytes));
}

/** The copy, or a clear refusal naming why it cannot be used (it is always kept). */
async function requireCopy(record: RecordFiles, storePath: string): Promise<SyncConflict> {
	const conflict = await inspectCopy(record, storePath);
	if (!conflict) {
		throw new ClinicalVaultError("not-found", `${storePath} is not a sync conflict copy of a record file. Nothing was changed.`, { path: storePath });
	}
	if (!conflict.decrypts) {
		throw new ClinicalVaultError(
			"integrity",
			`${storePath}: this ${conflict.toolName} conflict copy cannot be read as ${conflict.recordPath}: ${conflict.problem ?? "it does not decrypt"}. Nothing was changed and it is kept; if you are sure it is not needed, move it out of the record folder yourself.`,
			{ path: storePath, detail: conflict.problem ?? "" },
		);
	}
	return conflict;
}

/**
 * Both versions, decrypted for showing side by side (and the fingerprint to resolve with). With
 * purpose "open" (the default) both reads are audited as opens. A copy that does not decrypt is an
 * IntegrityError whose message says why; nothing is changed.
 */
export async function readConflict(record: RecordFiles, storePath: string, purpose: "open" | "internal" = "open"): Promise<ConflictVersions> {
	const conflict = await requireCopy(record, storePath);
	const copy = (await record.readCopy(conflict.storePath, conflict.recordPath, purpose)).plaintext;
	let original: Uint8Array | null = null;
	let originalProblem: string | undefined;
	if (await record.store.exists(conflict.originalStorePath)) {
		try {
			original = await record.read(conflict.recordPath, purpose);
		} catch (error) {
			const e = toClinicalError(error);
			if (e.code === "locked") throw e;
			originalProblem = e.message;
		}
	}
	let originalSigned = false;
	let originalSignatureUnknown = false;
	if (original && conflict.recordPath.endsWith(".md")) {
		try {
			originalSigned = isSigned(splitFrontmatter(fromUtf8(original), conflict.recordPath).data);
		} catch {
			originalSignatureUnknown = true;
		}
	}
	return {
		conflict,
		original,
		...(originalProblem ? { originalProblem } : {}),
		originalSigned,
		originalSignatureUnknown,
		copy,
		isText: isTextPath(conflict.recordPath),
		fingerprint: { original: original ? await fingerprintOf(original) : null, copy: await fingerprintOf(copy) },
	};
}

/** Keep the record file as it is, keep the copy in its place, or keep both (the copy beside it). */
export type ConflictChoice = "original" | "copy" | "both";

export interface ConflictResolution {
	choice: ConflictChoice;
	recordPath: string;
	/** keep both: the record path the copy's content now has. */
	keptAs?: string;
	/** The copy that was crypto-erased and removed. */
	erased: string;
}

/**
 * A free record path for a version kept beside a note, named like the editor's own kept copies
 * (src/obsidian/record/NoteDocument.ts): "2026-09-01.conflict-20261205-113000.md", local time.
 */
export async function keptCopyPath(
	record: { exists(path: string): Promise<boolean> },
	recordPath: string,
	now: Date,
	label: "conflict" | "unsaved" = "conflict",
): Promise<string> {
	const slash = recordPath.lastIndexOf("/");
	const dot = recordPath.lastIndexOf(".");
	const stem = dot > slash ? recordPath.slice(0, dot) : recordPath;
	const ext = dot > slash ? recordPath.slice(dot) : "";
	const two = (n: number) => String(n).padStart(2, "0");
	const when = `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
	for (let n = 1; n < 100; n++) {
		const path = `${stem}.${label}-${when}${n === 1 ? "" : `-${n}`}${ext}`;
		if (!(await record.exists(path))) return path;
	}
	throw new ClinicalVaultError("storage", `Too many kept copies of ${recordPath}; nothing was written.`);
}

const CHOICE_NOTES: Record<ConflictChoice, string> = {
	original: "kept the record file",
	copy: "kept the copy in its place",
	both: "kept both",
};

/**
 * Resolves one conflict copy. "original": the copy is crypto-erased and removed (refused when the
 * record file is missing or unreadable: the copy would be the only version). "copy": the copy's
 * content is written as the record file (through record.write, so audited and authenticated; never
 * over a signed note, never over a record file that cannot be read), then the copy is erased.
 * "both": the copy's content becomes a new record file beside it (keptCopyPath), then the copy is
 * erased. Each choice is audited as "delete" of the copy with a note saying what was kept (never
 * content, never the tool's device name); the writes log their own "modify"/"create". With
 * `expect` (the fingerprint of what the clinician looked at) it refuses when either version changed.
 * A copy that does not decrypt is refused with the reason and kept.
 */
export async function resolveConflict(
	record: RecordFiles,
	storePath: string,
	choice: ConflictChoice,
	options: { expect?: ConflictFingerprint } = {},
): Promise<ConflictResolution> {
	// The raw bytes first: the copy is erased only if it still holds them (what was decrypted and kept).
	const copyBytes = await record.store.read(storePath.replace(/\\/g, "/")).catch(() => null);
	const versions = await readConflict(record, storePath, "internal");
	if (copyBytes === null) throw new ClinicalVaultError("not-found", `${storePath} does not exist. Nothing was changed.`, { path: storePath });
	const { conflict } = versions;
	try {
		if (options.expect && (options.expect.original !== versions.fingerprint.original || options.expect.copy !== versions.fingerprint.copy)) {
			throw new ClinicalVaultError(
				"refused",
				`${conflict.recordPath} or its conflict copy changed since they were shown. Nothing was changed; look at both versions again.`,
				{ path: conflict.recordPath },
			);
		}
		let keptAs: string | undefined;
		if (choice === "original" && (versions.original === null || versions.originalProblem)) {
			throw new ClinicalVaultError(
				"refused",
				`${conflict.recordPath} ${versions.originalProblem ? "cannot be read" : "does not exist here"}, so keeping it would erase the only readable version. Keep the copy (or keep both) instead. Nothing was changed.`,
				{ path: conflict.recordPath },
			);
		}
		if (choice === "copy") {
			if (versions.originalSigned || versions.originalSignatureUnknown) {
				throw new ClinicalVaultError(
					"refused",
					`${conflict.recordPath} is ${versions.originalSigned ? "signed" : "a note whose frontmatter cannot be read, so it may be signed"}: the copy cannot replace it. Choose "keep both" to keep the copy beside it, or keep the note. Nothing was changed.`,
					{ path: conflict.recordPath },
				);
			}
			if (versions.originalProblem) {
				throw new ClinicalVaultError(
					"refused",
					`${conflict.recordPath} itself cannot be read, so the copy was not written over it (${versions.originalProblem}). Choose "keep both" to keep the copy beside it. Nothing was changed.`,
					{ path: conflict.recordPath },
				);
			}
			if (versions.original && versions.isText) {
				const written = await record.writeTextIf(conflict.recordPath, fromUtf8(versions.original), fromUtf8(versions.copy));
				if (written === "missing" || written === "changed") {
					throw new ClinicalVaultError(
						"refused",
						`${conflict.recordPath} was ${written === "missing" ? "removed" : "changed"} while the conflict was being resolved. Nothing was changed; look at both versions again.`,
						{ path: conflict.recordPath },
					);
				}
			} else {
				await record.write(conflict.recordPath, versions.copy);
			}
		} else if (choice === "both") {
			keptAs = await keptCopyPath(record, conflict.recordPath, record.clock.now());
			await record.write(keptAs, versions.copy, { action: "create" });
		}
		const what = choice === "both" && keptAs ? `${CHOICE_NOTES.both} (the copy is now ${baseName(keptAs)})` : CHOICE_NOTES[choice];
		// Write-ahead, like every change: the entry goes first, a failed erase is recorded too.
		await record.audit.append("delete", {
			path: conflict.recordPath,
			note: `sync conflict resolved (${SYNC_TOOL_NAMES[conflict.tool]} copy): ${what}; the copy was erased`,
		});
		try {
			await record.eraseCopy(conflict.storePath, conflict.recordPath, copyBytes);
		} catch (error) {
			await record.audit
				.append("delete", { path: conflict.recordPath, note: "sync conflict copy: erasing it failed; the copy was kept" })
				.catch(() => undefined);
			throw error;
		}
		return { choice, recordPath: conflict.recordPath, ...(keptAs ? { keptAs } : {}), erased: conflict.storePath };
	} finally {
		wipe(versions.copy);
		wipe(versions.original ?? undefined);
	}
}

export type DiffLine = { kind: "same" | "original" | "copy"; text: string };

/** Line by line, what the two versions share and where each differs (longest common subsequence; big texts compared as two blocks). */
export function lineDiff(original: string, copy: string): DiffLine[] {
	const a = original.split("\n");
	const b = copy.split("\n");
	if (a.length * b.length > 4_000_000)
		return [...a.map((text) => ({ kind: "original" as const, text })), ...b.map((text) => ({ kind: "copy" as const, text }))];
	const rows = a.length + 1;
	const cols = b.length + 1;
	const lcs = new Uint32Array(rows * cols);
	for (let i = a.length - 1; i >= 0; i--) {
		for (let j = b.length - 1; j >= 0; j--) {
			lcs[i * cols + j] = a[i] === b[j] ? lcs[(i + 1) * cols + j + 1]! + 1 : Math.max(lcs[(i + 1) * cols + j]!, lcs[i * cols + j + 1]!);
		}
	}
	const out: DiffLine[] = [];
	let i = 0;
	let j = 0;
	while (i < a.length && j < b.length) {
		if (a[i] === b[j]) {
			out.push({ kind: "same", text: a[i]! });
			i++;
			j++;
		} else if (lcs[(i + 1) * cols + j]! >= lcs[i * cols + j + 1]!) out.push({ kind: "original", text: a[i++]! });
		else out.push({ kind: "copy", text: b[j++]! });
	}
	while (i < a.length) out.push({ kind: "original", text: a[i++]! });
	while (j < b.length) out.push({ kind: "copy", text: b[j++]! });
	return out;
}

/** A version as text for showing (never rendered): UTF-8 text, or a line saying what the bytes are. */
export function versionText(bytes: Uint8Array | null, isText: boolean): string {
	if (bytes === null) return "";
	if (!isText) return `(not text: ${bytes.length} bytes)`;
	return fromUtf8(bytes);
}

/** For tests and callers that hold text: the same fingerprint readConflict gives. */
export async function fingerprintText(text: string): Promise<string> {
	return fingerprintOf(utf8(text));
}
