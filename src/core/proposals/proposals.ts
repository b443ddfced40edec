/**
 * Proposed changes the clinician approves one by one before anything is written: parts-map updates,
 * treatment-plan drafts and progress entries. A proposal set is computed once (the model is asked
 * once), saved encrypted in the client's folder, shown with a short id per change, and applied with
 * `all` or a list of ids. The set records a hash of the page it was computed against, so applying it
 * to a page that changed since is refused instead of guessed.
 *
 * Changes marked `conflict` touch something the clinician wrote by hand; `all` leaves them out, and
 * they are applied only when named by id.
 */
import { ClinicalVaultError } from "../errors";
import { sha256, toHex, utf8 } from "../bytes";
import type { RecordFiles } from "../record/files";
import { checkClientCode } from "../record/layout";

export interface Change {
	/** Short and stable: derived from the change's content, so the same change keeps its id. */
	id: string;
	/** What kind of change (each page defines its own kinds). */
	kind: string;
	/** One line for the clinician. */
	summary: string;
	/** The session's words that support it, when there are any. */
	evidence?: string;
	/** It would replace something the clinician wrote by hand: never part of `all`. */
	conflict?: boolean;
}

export type ProposalKind = "parts" | "plan-draft" | "plan-progress";

export interface ProposalSet<C extends Change = Change> {
	version: 1;
	kind: ProposalKind;
	client: string;
	/** The record path the proposal was computed from (a session note, intake note). */
	source: string;
	/** Hex SHA-256 of the target page's text when the proposal was computed ("" when there was none). */
	baseHash: string;
	created: string;
	model: string;
	changes: C[];
}

export async function textHash(text: string): Promise<string> {
	return toHex(await sha256(utf8(text)));
}

/** A short id from a change's identifying content (6 hex digits; lengthened on a clash within a set). */
export async function changeId(parts: readonly unknown[], taken: ReadonlySet<string> = new Set()): Promise<string> {
	const full = await textHash(JSON.stringify(parts));
	for (let n = 6; n <= full.length; n += 2) {
		const id = full.slice(0, n);
		if (!taken.has(id)) return id;
	}
	return full;
}

export type Acceptance = "all" | "none" | string[];

/** Parses `--accept all|none|id,id,...`. */
export function parseAcceptance(text: string): Acceptance {
	const t = text.trim();
	if (t === "all" || t === "none") return t;
	const ids = t
		.split(/[\s,]+/)
		.map((s) => s.trim())
		.filter((s) => s !== "");
	if (ids.length === 0 || ids.some((id) => !/^[0-9a-f]{4,64}$/.test(id))) {
		throw new ClinicalVaultError(
			"invalid-input",
			`"${text}" is not a list of change ids. Use all, none, or ids separated by commas (as printed with the proposal).`,
		);
	}
	return ids;
}

/** The accepted changes, in proposal order. Unknown ids are an error (nothing is applied). */
export function selectChanges<C extends Change>(changes: readonly C[], accept: Acceptance): C[] {
	if (accept === "none") return [];
	if (accept === "all") return changes.filter((c) => !c.conflict);
	const known = new Set(changes.map((c) => c.id));
	const unknown = accept.filter((id) => !known.has(id));
	if (unknown.length > 0) {
		throw new ClinicalVaultError(
			"invalid-input",
			`No proposed change has the id ${unknown.join(", ")}. Nothing was applied; the ids are listed with the proposal.`,
		);
	}
	const wanted = new Set(accept);
	return changes.filter((c) => wanted.has(c.id));
}

/** Where a pending proposal lives: C-0142/proposals/parts--notes--2026-09-01.md.json */
export function pendingPath(client: string, kind: ProposalKind, source: string): string {
	const code = checkClientCode(client);
	const rest = source.startsWith(`${code}/`) ? source.slice(code.length + 1) : source;
	return `${code}/proposals/${kind}--${rest.replace(/\//g, "--")}.json`;
}

export async function savePending(record: RecordFiles, set: ProposalSet): Promise<string> {
	const path = pendingPath(set.client, set.kind, set.source);
	await record.writeText(path, `${JSON.stringify(set, null, "\t")}\n`);
	return path;
}

/** The pending proposal for a source, or null when there is none. */
export async function loadPending<C extends Change>(record: RecordFiles, client: string, kind: ProposalKind, source: string): Promise<ProposalSet<C> | null> {
	const path = pendingPath(client, kind, source);
	if (!(await record.exists(path))) return null;
	const text = await record.readText(path, "internal");
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch {
		throw new ClinicalVaultError("integrity", `The saved proposal ${path} cannot be read. Compute the proposal again.`, { path });
	}
	const set = data as ProposalSet<C>;
	if (set.version !== 1 || set.kind !== kind || !Array.isArray(set.changes)) {
		throw new ClinicalVaultError("unsupported-format", `The saved proposal ${path} is not one this version understands. Compute the proposal again.`, {
			path,
		});
	}
	return set;
}

/** The most recent pending proposals of a kind for a client (for "apply the last proposal"). */
export async function listPending(record: RecordFiles, client: string, kind: ProposalKind): Promise<string[]> {
	const prefix = `${checkClientCode(client)}/proposals/${kind}--`;
	return (await record.list({ client }))
		.map((e) => e.recordPath)
		.filter((p) => p.startsWith(prefix))
		.sort();
}

export async function removePending(record: RecordFiles, client: string, kind: ProposalKind, source: string): Promise<void> {
	const path = pendingPath(client, kind, source);
	if (await record.exists(path)) await record.remove(path, { note: "proposal applied" });
}

/**
 * Refuses to apply a proposal to a page that changed after the proposal was computed. `null` is a
 * page that does not exist (baseHash ""), so a proposal made before the page existed still applies
 * while it does not, and is refused once someone else created it.
 */
export async function checkBase(set: ProposalSet, currentText: string | null, page: string): Promise<void> {
	if ((currentText === null ? "" : await textHash(currentText)) !== set.baseHash) {
		throw new ClinicalVaultError("refused", `The ${page} changed after this proposal was made, so it was not applied. Compute the proposal again.`);
	}
}

/** Every kind of proposal set, for code that looks at all of a client's pending proposals. */
export const PROPOSAL_KINDS: readonly ProposalKind[] = ["parts", "plan-draft", "plan-progress"];

/** A pending proposal file and the source it was computed from (null: it does not decrypt or parse). */
export interface PendingFile {
	path: string;
	kind: ProposalKind | null;
	source: string | null;
	/** The source its file name was made from (pendingPath read backwards; a name with "--" in it can read ambiguously). */
	nameSource: string | null;
}

/** pendingPath read backwards: the source a proposal file's name was made from, or null when the name is not one pendingPath makes. */
export function sourceFromPendingPath(path: string): string | null {
	const match = /^([^/]+)\/proposals\/([^/]+)\.json$/.exec(path);
	if (!match) return null;
	const kind = PROPOSAL_KINDS.find((k) => match[2]!.startsWith(`${k}--`));
	if (kind === undefined) return null;
	return `${match[1]!}/${match[2]!.slice(kind.length + 2).replace(/--/g, "/")}`;
}

/**
 * Every pending proposal file of a client with its source, read for the check (not an audited
 * open). A file that does not decrypt or parse has source null; its name still tells which source
 * it was saved for (nameSource).
 */
export async function pendingFiles(record: RecordFiles, client: string): Promise<PendingFile[]> {
	const code = checkClientCode(client);
	const prefix = `${code}/proposals/`;
	const out: PendingFile[] = [];
	for (const entry of await record.list({ client: code })) {
		if (!entry.recordPath.startsWith(prefix) || !entry.recordPath.endsWith(".json")) continue;
		let source: string | null = null;
		let kind: ProposalKind | null = null;
		try {
			const data = JSON.parse(await record.readText(entry.recordPath, "internal")) as Partial<ProposalSet>;
			if (typeof data.source === "string") source = data.source;
			if (typeof data.kind === "string" && (PROPOSAL_KINDS as readonly string[]).includes(data.kind)) kind = data.kind;
		} catch {
			// Unreadable: matched by its name below, when the caller names candidate sources.
		}
		out.push({ path: entry.recordPath, kind, source, nameSource: sourceFromPendingPath(entry.recordPath) });
	}
	return out;
}

/**
 * The pending proposals of a client computed from a source `matches` accepts. A proposal holds
 * words of its source (the evidence quoted with each change), so it is a derived copy: it goes
 * when its source is erased. `candidates` are sources to also match by file name, for a proposal
 * that no longer decrypts.
 */
export async function pendingFrom(
	record: RecordFiles,
	client: string,
	matches: (source: string) => boolean,
	candidates: readonly string[] = [],
): Promise<string[]> {
	const byName = new Set(candidates.flatMap((source) => PROPOSAL_KINDS.map((kind) => pendingPath(client, kind, source))));
	// A proposal that no longer decrypts (its key destroyed by an interrupted erasure, or damaged) is
	// matched by its name: it holds nothing readable, and leaving it would leave the erasure unfinished.
	const matched = (f: PendingFile): boolean =>
		f.source !== null ? matches(f.source) : byName.has(f.path) || (f.nameSource !== null && matches(f.nameSource));
	return (await pendingFiles(record, client))
		.filter(matched)
		.map((f) => f.path)
		.sort();
}

/**
 * Crypto-erases the pending proposals computed from sources `matches` accepts (see pendingFrom);
 * each removal is a "delete" audit entry with `note`. Returns their paths. Idempotent: what is
 * already gone is not looked for, so an interrupted erasure is finished by calling it again.
 */
export async function erasePendingFrom(
	record: RecordFiles,
	client: string,
	matches: (source: string) => boolean,
	note: string,
	candidates: readonly string[] = [],
): Promise<string[]> {
	const paths = await pendingFrom(record, client, matches, candidates);
	for (const path of paths) await record.remove(path, { note });
	return paths;
}
