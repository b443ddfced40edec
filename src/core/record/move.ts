/**
 * Moving and removing one record file, over ClinicalRecord's public API (the CLI's `mv` and `rm`).
 *
 * Move. Every record file is bound to its path (docs/FORMAT.md: the header names it and is
 * authenticated), so a renamed file does not decrypt where it lands: a move re-encrypts. It reads
 * the plaintext (purpose "internal"), writes it to the new path (a new file id, audit "create"),
 * then crypto-erases and removes the old file (audit "delete", noted "moved to <new path>"). It is
 * resumable: stopped between the write and the removal, both files exist with the same plaintext,
 * and running the same move again sees that the destination already holds it and finishes by
 * removing the source. A destination that holds anything else is refused, never overwritten.
 *
 * What a move refuses, and why:
 *   - another client's folder: client folders are per client (consent, revoke, erasure, briefs and
 *     model input all go by the folder); a file filed under the wrong client is a new file there
 *     (put) and an erased one here (rm), two decisions the clinician makes explicitly;
 *   - the client's own pages (profile.md, parts-map.md, treatment-plan.md) and pending proposals:
 *     the code finds them by their fixed place;
 *   - leaving or entering a folder whose place carries a rule: audio/ (retention), transcripts/
 *     (consent revoke), psychotherapy/ (kept out of briefs, search and model input); inside such a
 *     folder a file may be renamed (a wrong date), not moved elsewhere;
 *   - a change of file type (the extension sets the content type, and audio is found by it);
 *   - a source with a pending proposal computed from it (the proposal names and links the old
 *     path): apply or decline it first.
 *
 * Remove. Crypto-erase then removal (ClinicalRecord.remove), refusing the client's profile (a
 * client is removed as a whole or not at all; their recordings and transcripts go with a consent
 * revoke) and a signed note unless the caller gives a reason (recorded in the audit entry).
 * Derived copies go with the file: pending proposals computed from it (they quote it). A file that
 * no longer decrypts (damaged, or its key already destroyed by an interrupted erasure) is removed
 * only when the caller says so.
 */
import { ClinicalVaultError, toClinicalError } from "../errors";
import { splitFrontmatter } from "../markdown/frontmatter";
import { isSigned } from "../notes/signing";
import { erasePendingFrom, pendingFrom } from "../proposals/proposals";
import type { ClinicalRecord } from "./ClinicalRecord";
import { checkClientCode, checkRecordPath, contentTypeFor, PROFILE_NAME } from "./layout";

/** Folders whose place carries a rule: a file in one may be renamed there but not moved out, and nothing is moved in. */
export const PLACED_FOLDERS: readonly string[] = ["audio", "transcripts", "psychotherapy", "proposals"];

/** The client's own pages, found by their fixed path. */
const FIXED_PAGES: readonly string[] = [PROFILE_NAME, "parts-map.md", "treatment-plan.md"];

/** Longest reason accepted for erasing a signed note (it goes into the audit log, one line). */
export const MAX_REASON_LENGTH = 200;

function parentOf(path: string): string {
	return path.slice(0, path.lastIndexOf("/"));
}

function clientOf(path: string): string {
	return path.split("/")[0]!;
}

function refused(message: string, path?: string): ClinicalVaultError {
	return new ClinicalVaultError("refused", message, path === undefined ? {} : { path });
}

/** Checks a move before anything is read: paths, same client, fixed pages, placed folders, type. Throws invalid-input or refused. */
export function checkMove(fromPath: string, toPath: string): { from: string; to: string } {
	const from = checkRecordPath(fromPath);
	const to = checkRecordPath(toPath);
	checkClientCode(clientOf(from));
	checkClientCode(clientOf(to));
	if (from === to) throw new ClinicalVaultError("invalid-input", `${from} and the destination are the same path.`);
	if (clientOf(from) !== clientOf(to)) {
		throw refused(
			`${from} belongs to ${clientOf(from)} and cannot be moved into ${clientOf(to)}'s folder: client folders are per client (consent, erasure and briefs go by the folder). Nothing was changed. To file it under the other client, put a copy there and remove this one with rm.`,
			from,
		);
	}
	for (const path of [from, to]) {
		const rest = path.slice(clientOf(path).length + 1);
		if (FIXED_PAGES.includes(rest))
			throw refused(
				`${path} is the client's ${rest.replace(/\.md$/, "").replace(/-/g, " ")}, which is found by its place; it is never moved. Nothing was changed.`,
				path,
			);
	}
	const folderOf = (path: string): string | null => (path.split("/").length > 2 ? path.split("/")[1]! : null);
	const placed = [folderOf(from), folderOf(to)].find((f): f is string => f !== null && PLACED_FOLDERS.includes(f));
	if (placed !== undefined && parentOf(from) !== parentOf(to)) {
		throw refused(
			`Files in ${clientOf(from)}/${placed}/ stay in that folder (retention, consent revoke, the psychotherapy-note rule and proposals find them by it): a file there may be renamed, not moved in or out. Nothing was changed.`,
			from,
		);
	}
	if (contentTypeFor(from) !== contentTypeFor(to)) {
		throw refused(
			`${from} and ${to} have different file types (${contentTypeFor(from)}, ${contentTypeFor(to)}); a move keeps the file's type. Nothing was changed.`,
			from,
		);
	}
	return { from, to };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

export interface MoveResult {
	from: string;
	to: string;
	/** The destination already held the same plaintext: an earlier, interrupted move was finished. */
	resumed: boolean;
}

/**
 * Moves one record file (see the header). Preconditions checked before anything is written: the
 * source exists and decrypts, no pending proposal was computed from it, and the destination is
 * absent or holds exactly the source's plaintext.
 */
export async function moveRecordFile(record: ClinicalRecord, fromPath: string, toPath: string): Promise<MoveResult> {
	const { from, to } = checkMove(fromPath, toPath);
	if (!(await record.exists(from))) {
		const landed = await record.exists(to);
		throw new ClinicalVaultError(
			"not-found",
			`${from} does not exist in the record.${landed ? ` ${to} does: if it was moved there, the move is complete.` : ""} Nothing was changed.`,
			{ path: from },
		);
	}
	const pending = await pendingFrom(record, clientOf(from), (source) => source === from, [from]);
	if (pending.length > 0) {
		throw refused(
			`${from} has a pending proposal computed from it (${pending.join(", ")}), which names and links this path: apply or decline it first (clinical-vault parts or plan … --accept), then move the file. Nothing was changed.`,
			from,
		);
	}
	const plaintext = await record.read(from, "internal");
	try {
		let resumed = false;
		if (await record.exists(to)) {
			let there: Uint8Array;
			try {
				there = await record.read(to, "internal");
			} catch (error) {
				const e = toClinicalError(error);
				throw new ClinicalVaultError(
					"refused",
					`${to} already exists and does not decrypt, so it is neither overwritten nor compared. Nothing was changed. Run verify.`,
					{ path: to, detail: e.detail || e.message, cause: error },
				);
			}
			const same = bytesEqual(there, plaintext);
			there.fill(0);
			if (!same)
				throw new ClinicalVaultError("already-exists", `${to} already exists and holds something else; a move never overwrites. Nothing was changed.`, {
					path: to,
				});
			resumed = true;
		} else {
			await record.write(to, plaintext);
		}
		await record.remove(from, { note: `moved to ${to}` });
		return { from, to, resumed };
	} finally {
		plaintext.fill(0);
	}
}

export interface RemoveCheck {
	path: string;
	/** The file decrypts and is a signed note. */
	signed: boolean;
	/** The file does not decrypt (damaged, or its key destroyed by an erasure that was interrupted); the reason. */
	unreadable: string | null;
	/** Pending proposals computed from it, erased with it. */
	derived: string[];
}

/** What removing `recordPath` involves, read before asking the clinician: signed, unreadable, derived copies. Needs the key. */
export async function inspectRemoval(record: ClinicalRecord, recordPath: string): Promise<RemoveCheck> {
	const path = checkRemovable(recordPath);
	if (!(await record.exists(path))) throw new ClinicalVaultError("not-found", `${path} does not exist in the record. Nothing was changed.`, { path });
	let signed = false;
	let unreadable: string | null = null;
	try {
		const text = await record.readText(path, "internal");
		if (path.endsWith(".md")) {
			try {
				signed = isSigned(splitFrontmatter(text, path).data);
			} catch {
				// A note whose frontmatter does not parse is not a signed note.
			}
		}
	} catch (error) {
		const e = toClinicalError(error);
		if (e.code !== "integrity" && e.code !== "unsupported-format") throw error;
		unreadable = e.detail || e.message;
	}
	const derived = await pendingFrom(record, clientOf(path), (source) => source === path, [path]);
	return { path, signed, unreadable, derived };
}

/** A record path rm may remove: never a client's profile. */
export function checkRemovable(recordPath: string): string {
	const path = checkRecordPath(recordPath);
	checkClientCode(clientOf(path));
	if (path === `${clientOf(path)}/${PROFILE_NAME}`) {
		throw refused(
			`${path} is ${clientOf(path)}'s profile: removing it would leave the client's files without a name or consent. rm never removes a profile. To erase the client's recordings and transcripts, revoke their recording consent (consent --revoke); removing a whole client is not part of this version. Nothing was changed.`,
			path,
		);
	}
	return path;
}

export interface RemoveOptions {
	/** Required to remove a signed note: why (one line, no clinical content); kept in the audit entry. */
	signedReason?: string;
	/** Required to remove a file that does not decrypt. */
	unreadable?: boolean;
	/** The audit note (default "removed"). */
	note?: string;
}

/** Checks a signed-note reason: one line, not empty, not long. Throws invalid-input. */
export function checkReason(reason: string): string {
	const r = reason.trim();
	if (r === "") throw new ClinicalVaultError("invalid-input", "The reason for erasing a signed note is empty: say why (e.g. the retention period ended).");
	if (/[\r\n]/.test(r)) throw new ClinicalVaultError("invalid-input", "The reason for erasing a signed note must be one line.");
	if (r.length > MAX_REASON_LENGTH)
		throw new ClinicalVaultError("invalid-input", `The reason is ${r.length} characters; keep it under ${MAX_REASON_LENGTH}.`);
	return r;
}

export interface RemoveResult {
	path: string;
	signed: boolean;
	/** Pending proposals erased with it. */
	derived: string[];
}

/**
 * Crypto-erases and removes one record file and its derived copies (see the header). Derived
 * copies go first, so a removal stopped half-way leaves the file itself, and running it again
 * finishes (removal needs only the file's header, so a file whose key is already destroyed goes
 * too, with `unreadable`).
 */
export async function removeRecordFile(record: ClinicalRecord, recordPath: string, options: RemoveOptions = {}): Promise<RemoveResult> {
	const check = await inspectRemoval(record, recordPath);
	const { path } = check;
	if (check.unreadable !== null && options.unreadable !== true) {
		throw refused(
			`${path} does not decrypt (${check.unreadable}): it is damaged, or an earlier erasure (rm, consent revoke, retention) was stopped after destroying its key. Nothing was changed. Restore it from a backup, or remove it as it is with --unreadable.`,
			path,
		);
	}
	let note = options.note ?? "removed";
	if (check.signed) {
		if (options.signedReason === undefined) {
			throw refused(
				`${path} is a signed note. Signed notes are the clinical record, which the law usually requires you to keep for years; rm refuses them. If the retention period has ended or it must be erased for another reason, run again with --erase-signed "REASON" (the reason is audit-logged). Nothing was changed.`,
				path,
			);
		}
		note = `signed note erased: ${checkReason(options.signedReason)}`;
	}
	const derived = await erasePendingFrom(record, clientOf(path), (source) => source === path, `its source ${path} was removed`, [path]);
	await record.remove(path, { note });
	return { path, signed: check.signed, derived };
}
