/**
 * Review, signing and addenda (the stamp is specified in docs/FORMAT.md §9, "Signed notes").
 *
 * A note is a draft until the clinician signs it. Signing refuses while review markers remain
 * (unless an explicit override is given, which is recorded) and, when the session mentioned risk,
 * while the risk section is unwritten (the review override does not cover that: the clinician
 * writes the section, or records that risk was not assessed and why). It then stamps signer, time,
 * the signature version, the exact extent signed (UTF-8 bytes of the body) and its SHA-256 into the
 * frontmatter, and audit-logs it. The signature covers the whole body as signed, whatever headings
 * it contains. After signing the signed text never changes: addenda are appended after it by
 * `addAddendum` only, each recorded in the frontmatter with its length and hash, and any text after
 * the signed extent that is not a recorded addendum fails verification.
 *
 * Notes signed before version 2 (no `signature_version`) keep the version 1 rule: the hash covers
 * the body up to the first line starting "## Addendum (".
 */
import { format } from "date-fns";
import { ClinicalVaultError } from "../errors";
import { sha256, toHex, utf8 } from "../bytes";
import type { RecordFiles } from "../record/files";
import { joinFrontmatter, splitFrontmatter } from "../markdown/frontmatter";
import { findReviewMarkers, RISK_HEADING, RISK_PLACEHOLDER, RISK_SECTION_HEADING, stripReviewMarkers } from "../drafting/safeguards";
import { inert } from "../safety/inert";

/** The signature version `signNote` writes. */
export const SIGNATURE_VERSION = 2;

/** Version 1: the signed text ended before the first line starting with this. */
const LEGACY_ADDENDUM_HEADING = /^## Addendum \(/m;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSigned(data: Record<string, unknown>): boolean {
	return data.status === "signed";
}

async function hashBytes(bytes: Uint8Array): Promise<string> {
	return toHex(await sha256(bytes));
}

/** One line: every run of white space or control characters becomes one space. */
function oneLine(text: string): string {
	return text.replace(/[\s\p{Cc}]+/gu, " ").trim();
}

// ---------------------------------------------------------------------------------------------
// Verification

/** An addendum as recorded in a version 2 note's frontmatter (`addenda`). */
export interface AddendumRecord {
	/** ISO time it was added. */
	at: string;
	/** Who added it, when given. */
	by?: string;
	/** UTF-8 bytes of the appended text, heading included. */
	bytes: number;
	/** Lowercase hex SHA-256 of those bytes. */
	sha256: string;
}

/** The recorded addenda of a version 2 note; null when the `addenda` value is malformed. */
function recordedAddenda(data: Record<string, unknown>): AddendumRecord[] | null {
	const value = data.addenda;
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) return null;
	const out: AddendumRecord[] = [];
	for (const item of value as unknown[]) {
		if (typeof item !== "object" || item === null) return null;
		const { at, by, bytes, sha256: hash } = item as Record<string, unknown>;
		if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes <= 0) return null;
		if (typeof hash !== "string" || !SHA256_HEX.test(hash)) return null;
		out.push({ at: typeof at === "string" ? at : String(at), ...(typeof by === "string" ? { by } : {}), bytes, sha256: hash });
	}
	return out;
}

/** How many addenda a signed note has (version 2: the recorded list; version 1: its count). */
export function addendaCount(data: Record<string, unknown>): number {
	if (Array.isArray(data.addenda)) return data.addenda.length;
	const n = Number(data.addenda);
	return Number.isInteger(n) && n > 0 ? n : 0;
}

export interface SignatureCheck {
	ok: boolean;
	/** 2, 1 (legacy), another number (unknown), or null when the note is not signed. */
	version: number | null;
	/** What failed, for a message or a log (never content). */
	problem?: string;
}

/** The version 1 signed text: the body before the first "## Addendum (" line, trailing white space trimmed, one newline. */
function legacySignedPart(body: string): string {
	const match = LEGACY_ADDENDUM_HEADING.exec(body);
	return (match ? body.slice(0, match.index) : body).trimEnd() + "\n";
}

/** Checks a signed note's stamp (docs/FORMAT.md §9): the signed extent, then each recorded addendum, and nothing else after them. */
export async function checkSignature(text: string, where: string): Promise<SignatureCheck> {
	const { data, body } = splitFrontmatter(text, where);
	if (!isSigned(data)) return { ok: false, version: null, problem: "not signed" };
	const version = data.signature_version;
	if (version === undefined || version === null) {
		const ok = (await hashBytes(utf8(legacySignedPart(body)))) === data.content_sha256;
		return ok ? { ok, version: 1 } : { ok, version: 1, problem: "the signed text (version 1) does not match content_sha256" };
	}
	if (version !== SIGNATURE_VERSION)
		return { ok: false, version: typeof version === "number" ? version : -1, problem: `unknown signature version ${JSON.stringify(version)}` };
	const signedBytes = data.signed_bytes;
	const contentSha256 = data.content_sha256;
	if (typeof signedBytes !== "number" || !Number.isSafeInteger(signedBytes) || signedBytes < 0)
		return { ok: false, version, problem: "signed_bytes is missing or not a whole number" };
	if (typeof contentSha256 !== "string" || !SHA256_HEX.test(contentSha256)) return { ok: false, version, problem: "content_sha256 is missing or malformed" };
	const addenda = recordedAddenda(data);
	if (addenda === null) return { ok: false, version, problem: "addenda is malformed" };
	const bytes = utf8(body);
	if (bytes.length < signedBytes) return { ok: false, version, problem: `the body is ${bytes.length} bytes, shorter than the ${signedBytes} signed` };
	if ((await hashBytes(bytes.subarray(0, signedBytes))) !== contentSha256)
		return { ok: false, version, problem: "the signed text does not match content_sha256" };
	let offset = signedBytes;
	for (const [i, addendum] of addenda.entries()) {
		const end = offset + addendum.bytes;
		if (end > bytes.length || (await hashBytes(bytes.subarray(offset, end))) !== addendum.sha256) {
			return { ok: false, version, problem: `addendum ${i + 1} (bytes ${offset}–${end}) does not match its recorded hash` };
		}
		offset = end;
	}
	if (offset !== bytes.length)
		return { ok: false, version, problem: `${bytes.length - offset} bytes after the signed text and its recorded addenda are not a recorded addendum` };
	return { ok: true, version };
}

/** True when a signed note is exactly what was signed plus its recorded addenda (see checkSignature). */
export async function verifySignature(text: string, where: string): Promise<boolean> {
	return (await checkSignature(text, where)).ok;
}

// ---------------------------------------------------------------------------------------------
// The risk gate

/** Lines the drafter writes in the risk section: its notice and its placeholder; neither is the clinician's assessment. */
const NOTICE_LINE = /^\s*>\s*\[!danger\][+-]?\s*risk content mentioned/i;
const PLACEHOLDER_START = /^\s*>\s*\[!warning\][+-]?\s*clinician to complete:\s*risk assessment/i;
/** The templates' footer ("Next session: …"), which stands at the end of the risk section. */
const FOOTER_LINE = /^\s*(?:\*\*|__)?next\s+(?:session|appointment)s?(?:\*\*|__)?\s*:/i;

function isPlaceholder(line: string): boolean {
	return line.trim() === RISK_PLACEHOLDER || PLACEHOLDER_START.test(line);
}

/** A line in the risk section that is the clinician's own text (not blank, not the drafter's notice, placeholder or footer, not a comment or a bare marker). */
function isAssessmentLine(line: string): boolean {
	const text = stripReviewMarkers(line).trim();
	if (text === "" || /^[>\s]*$/.test(text)) return false;
	if (NOTICE_LINE.test(text) || isPlaceholder(text) || FOOTER_LINE.test(text)) return false;
	if (/^(?:%%.*%%|<!--.*-->)$/.test(text) || /^(?:[-*_]\s*){3,}$/.test(text)) return false;
	return true;
}

interface RiskScan {
	lines: string[];
	/** `##` sections whose heading matches /risk|safety/i: the heading's line and the line after the section. */
	sections: { heading: number; end: number }[];
	/** Lines holding the placeholder, anywhere in the note. */
	placeholders: number[];
	/** A risk section has a line of the clinician's own. */
	written: boolean;
}

function scanRisk(body: string): RiskScan {
	const lines = body.split("\n");
	const sections: RiskScan["sections"] = [];
	const placeholders: number[] = [];
	let written = false;
	let current: RiskScan["sections"][number] | null = null;
	let fence: string | null = null;
	for (const [i, line] of lines.entries()) {
		const fenceMatch = /^\s*(```|~~~)/.exec(line);
		if (fence !== null || fenceMatch) {
			if (fenceMatch) fence = fence === null ? fenceMatch[1]! : fence === fenceMatch[1] ? null : fence;
			if (current) written = true;
			continue;
		}
		const heading = /^\s{0,3}(#{1,6})(?:\s+(.*?))?\s*$/.exec(line);
		if (heading) {
			const level = heading[1]!.length;
			if (current && level <= 2) {
				current.end = i;
				current = null;
			}
			if (level === 2 && RISK_SECTION_HEADING.test(heading[2] ?? "")) {
				current = { heading: i, end: lines.length };
				sections.push(current);
			}
			continue;
		}
		if (isPlaceholder(line)) placeholders.push(i);
		else if (current && isAssessmentLine(line)) written = true;
	}
	return { lines, sections, placeholders, written };
}

export interface RiskGate {
	/** The note's input mentioned risk content (`risk_mentioned_at` or `risk_mentions` in the frontmatter). */
	mentioned: boolean;
	/** The input moments recorded ("[12:04]"), when there are any. */
	mentionedAt: string[];
	/** Why signing is refused; null when it is not. */
	problem: "placeholder" | "empty" | "missing" | null;
}

function riskMentioned(data: Record<string, unknown>): { mentioned: boolean; at: string[] } {
	const raw = data.risk_mentioned_at;
	const list = Array.isArray(raw) ? (raw as unknown[]) : typeof raw === "string" && raw.trim() !== "" ? [raw] : [];
	const count = typeof data.risk_mentions === "number" ? data.risk_mentions : 0;
	const at = list.filter((t): t is string => typeof t === "string" && t.trim() !== "").map((t) => t.trim());
	return { mentioned: list.length > 0 || count > 0, at };
}

/**
 * The risk gate of a draft (pure): a note whose input mentioned risk cannot be signed while its
 * risk section (a `##` heading matching /risk|safety/i) holds the placeholder, is empty (the
 * drafter's notice does not count) or is missing.
 */
export function riskGate(text: string): RiskGate {
	const { data, body } = splitFrontmatter(text);
	return riskGateOf(data, body);
}

function riskGateOf(data: Record<string, unknown>, body: string): RiskGate {
	const { mentioned, at } = riskMentioned(data);
	if (!mentioned) return { mentioned, mentionedAt: at, problem: null };
	const scan = scanRisk(body.replace(/\r\n?/g, "\n"));
	const problem = scan.placeholders.length > 0 ? "placeholder" : scan.sections.length === 0 ? "missing" : scan.written ? null : "empty";
	return { mentioned, mentionedAt: at, problem };
}

/** The refusal for a note the risk gate stops: what is wrong and the two ways forward. */
export function riskGateMessage(path: string, gate: RiskGate): string {
	const where = gate.mentionedAt.length > 0 ? ` at ${gate.mentionedAt.join(", ")}` : "";
	const what =
		gate.problem === "placeholder"
			? 'its risk section still holds the "Clinician to complete: risk assessment" placeholder'
			: gate.problem === "missing"
				? "it has no risk section"
				: "its risk section is empty (the drafter's notice is not an assessment)";
	const write =
		gate.problem === "missing"
			? `add a "${RISK_HEADING}" section with your assessment`
			: gate.problem === "placeholder"
				? "write your risk assessment in the risk section in place of the placeholder"
				: "write your risk assessment in the risk section";
	return `${path} was not signed: the session mentioned risk${where} and ${what}. To sign, ${write}, or record that risk was not assessed, with the reason (it is written into the note). The review override does not cover this.`;
}

/** Refused by the risk gate (code "refused"); carries the gate so a shell can offer "not assessed". */
export class RiskGateRefused extends ClinicalVaultError {
	constructor(
		path: string,
		readonly gate: RiskGate,
	) {
		super("refused", riskGateMessage(path, gate), { path, detail: `risk gate: ${gate.problem ?? "none"}` });
		this.name = "RiskGateRefused";
	}
}

/** Inserts `block` at `at`, with a blank line before and after it where its neighbours are not blank. */
function insertBlock(lines: string[], at: number, block: string[]): void {
	const before = at > 0 && lines[at - 1]!.trim() !== "" ? [""] : [];
	const after = at < lines.length && lines[at]!.trim() !== "" ? [""] : [];
	lines.splice(at, 0, ...before, ...block, ...after);
}

/**
 * The body with "Risk not assessed: <reason>" (escaped: it cannot open markup) in the risk section:
 * in place of the placeholder (other copies of the placeholder go), else at the end of the first
 * risk section, else in a new risk section at the end. The body's line breaks are "\n".
 */
function withRiskNotAssessed(body: string, reason: string): string {
	const scan = scanRisk(body);
	const lines = scan.lines;
	const line = `Risk not assessed: ${inert(reason)}`;
	const [first, ...others] = scan.placeholders;
	for (const i of others.reverse()) lines.splice(i, 1);
	if (first !== undefined) {
		lines.splice(first, 1);
		insertBlock(lines, first, [line]);
	} else if (scan.sections[0]) {
		const { heading, end } = scan.sections[0];
		let at = end;
		while (at > heading + 1 && (lines[at - 1]!.trim() === "" || FOOTER_LINE.test(lines[at - 1]!))) at--;
		insertBlock(lines, at, [line]);
	} else {
		while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
		lines.push("", RISK_HEADING, "", line, "");
	}
	return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Signing and addenda

export interface SignOptions {
	signer: string;
	now: Date;
	/** Sign although review markers remain; the reason is recorded in the note and the audit log. It does not cover the risk gate. */
	override?: string;
	/**
	 * The session mentioned risk and the clinician did not assess it: why. Written into the risk
	 * section ("Risk not assessed: <reason>", escaped) before hashing, recorded in the frontmatter
	 * (`risk_not_assessed`) and noted in the audit log (the fact, not the reason).
	 */
	riskNotAssessed?: string;
}

export interface SignResult {
	contentSha256: string;
	/** UTF-8 bytes of the signed body. */
	signedBytes: number;
	markersOverridden: number;
	/** Signed with risk recorded as not assessed. */
	riskNotAssessed: boolean;
}

export async function signNote(record: RecordFiles, path: string, options: SignOptions): Promise<SignResult> {
	const signer = options.signer.trim();
	if (signer === "") throw new ClinicalVaultError("invalid-input", "Signing needs the signer's name.");
	const notAssessed = options.riskNotAssessed === undefined ? undefined : oneLine(options.riskNotAssessed);
	if (notAssessed === "") throw new ClinicalVaultError("invalid-input", "Give the reason risk was not assessed; it is written into the note.");
	const text = await record.readText(path, "internal");
	const { data, body } = splitFrontmatter(text, path);
	if (isSigned(data)) {
		throw new ClinicalVaultError("refused", `${path} is already signed (${String(data.signed_by)}, ${String(data.signed_at)}). Changes go in an addendum.`);
	}
	const markers = findReviewMarkers(body);
	if (markers.length > 0 && !options.override?.trim()) {
		const list = markers
			.slice(0, 8)
			.map((m) => `line ${m.line}: ${m.reason}`)
			.join("; ");
		throw new ClinicalVaultError(
			"refused",
			`${path} still has ${markers.length} review marker${markers.length === 1 ? "" : "s"} (${list}${markers.length > 8 ? ", …" : ""}). Resolve them, or sign with an explicit override reason.`,
		);
	}
	const gate = riskGateOf(data, body);
	if (gate.problem !== null && notAssessed === undefined) throw new RiskGateRefused(path, gate);

	// The signed text: line breaks "\n", the not-assessed line written in, trailing white space
	// trimmed to one newline. This is what is stored and hashed.
	let signedBody = body.replace(/\r\n?/g, "\n");
	if (notAssessed !== undefined) signedBody = withRiskNotAssessed(signedBody, notAssessed);
	signedBody = signedBody.trimEnd() + "\n";
	const bytes = utf8(signedBody);
	const contentSha256 = await hashBytes(bytes);

	const stamped: Record<string, unknown> = { ...data };
	// A stale stamp or addenda list from a copied note would not describe this body.
	for (const key of ["addenda", "signature_version", "signed_bytes", "content_sha256", "risk_not_assessed", "review_override", "review_markers_overridden"])
		delete stamped[key];
	Object.assign(stamped, {
		status: "signed",
		signed_by: signer,
		signed_at: options.now.toISOString(),
		signature_version: SIGNATURE_VERSION,
		signed_bytes: bytes.length,
		content_sha256: contentSha256,
		modified: options.now.toISOString(),
		...(markers.length > 0 ? { review_override: options.override!.trim(), review_markers_overridden: markers.length } : {}),
		...(notAssessed !== undefined ? { risk_not_assessed: notAssessed } : {}),
	});
	// Signed only if the note is still what was read and checked: a save landing meanwhile is never overwritten by an older signed text.
	const written = await record.writeTextIf(path, text, joinFrontmatter(stamped, signedBody), { action: "sign" });
	if (written === "missing" || written === "changed") {
		throw new ClinicalVaultError(
			"refused",
			`${path} was ${written === "missing" ? "removed" : "changed"} while it was being signed; nothing was signed. Check the note and sign again.`,
		);
	}
	if (markers.length > 0) await record.audit.append("sign", { path, note: `signed with ${markers.length} review marker(s) overridden` });
	if (notAssessed !== undefined) await record.audit.append("sign", { path, note: "signed with risk recorded as not assessed (reason in the note)" });
	return { contentSha256, signedBytes: bytes.length, markersOverridden: markers.length, riskNotAssessed: notAssessed !== undefined };
}

export async function addAddendum(record: RecordFiles, path: string, addendum: string, options: { signer?: string; now: Date }): Promise<void> {
	const content = addendum.replace(/\r\n?/g, "\n").trim();
	if (content === "") throw new ClinicalVaultError("invalid-input", "The addendum is empty; nothing was added.");
	const text = await record.readText(path, "internal");
	const { data, body } = splitFrontmatter(text, path);
	if (!isSigned(data)) throw new ClinicalVaultError("refused", `${path} is not signed yet: edit the draft itself, or sign it first.`);
	const check = await checkSignature(text, path);
	if (!check.ok) {
		throw new ClinicalVaultError(
			"integrity",
			`The signed text of ${path} no longer matches its signature; nothing was added. Restore the note from a backup.`,
			{ path, detail: check.problem ?? "" },
		);
	}
	const signer = options.signer === undefined ? "" : oneLine(options.signer);
	const stamp = format(options.now, "yyyy-MM-dd HH:mm");
	const heading = `## Addendum (${stamp}${signer ? `, ${signer}` : ""})`;
	if (check.version === 1) {
		// A version 1 note keeps the version 1 rule (its signature ends at the first addendum heading).
		const next = `${body.trimEnd()}\n\n${heading}\n\n${content}\n`;
		await writeAddendum(record, path, text, joinFrontmatter({ ...data, addenda: addendaCount(data) + 1, modified: options.now.toISOString() }, next));
		return;
	}
	// Version 2: appended after the last recorded byte, recorded with its length and hash.
	const segment = `\n${heading}\n\n${content}\n`;
	const bytes = utf8(segment);
	const entry: AddendumRecord = { at: options.now.toISOString(), ...(signer ? { by: signer } : {}), bytes: bytes.length, sha256: await hashBytes(bytes) };
	const addenda = [...(recordedAddenda(data) ?? []), entry];
	await writeAddendum(record, path, text, joinFrontmatter({ ...data, addenda, modified: options.now.toISOString() }, body + segment));
}

/** Writes a note with its new addendum only if the note is still the text the addendum was added to. */
async function writeAddendum(record: RecordFiles, path: string, before: string, after: string): Promise<void> {
	const written = await record.writeTextIf(path, before, after, { action: "modify" });
	if (written === "missing" || written === "changed") {
		throw new ClinicalVaultError(
			"refused",
			`${path} was ${written === "missing" ? "removed" : "changed"} while the addendum was being added; nothing was added. Try again.`,
		);
	}
}

/**
 * Refuses a save that would change a signed note's signed text. Appending an addendum through
 * addAddendum is the only way to change a signed note.
 */
export async function checkEditable(record: RecordFiles, path: string): Promise<void> {
	if (!path.endsWith(".md") || !(await record.exists(path))) return;
	const { data } = splitFrontmatter(await record.readText(path, "internal"), path);
	if (isSigned(data)) throw new ClinicalVaultError("refused", `${path} is signed and cannot be edited. Add an addendum instead.`);
}

/** A backslash escape of an ASCII punctuation character (CommonMark), and the private-use stand-ins that keep it out of the markup rules below. */
const ESCAPED = /\\([!-/:-@[-`{-~])/g;
const STAND_IN = /[\uE021-\uE07E]/g;

function plainLine(line: string): string {
	// A line that already holds a stand-in character keeps its escapes as written.
	const guard = !new RegExp(STAND_IN.source).test(line);
	const plain = (guard ? line.replace(ESCAPED, (_, c: string) => String.fromCharCode(0xe000 + c.charCodeAt(0))) : line)
		.replace(/^#{1,6}\s+(.*)$/, (_, h: string) => h.toUpperCase())
		.replace(/^>\s?/, "")
		.replace(/\*\*([^*]+)\*\*/g, "$1")
		.replace(/(^|[^*])\*([^*]+)\*/g, "$1$2")
		.replace(/==([^=]+)==/g, "$1")
		.replace(/\[\[([^\]|]+)\|([^\]]+)\]\]/g, "$2")
		.replace(/\[\[([^\]]+)\]\]/g, "$1")
		.replace(/^\s*[-*]\s+/, "- ");
	return guard ? plain.replace(STAND_IN, (c) => String.fromCharCode(c.charCodeAt(0) - 0xe000)) : plain;
}

/** Plain text for pasting into an EHR: no frontmatter, no review markers, no markdown syntax; backslash escapes show as their characters. */
export function copyForEhr(markdown: string): string {
	const { body } = splitFrontmatter(markdown);
	return (
		stripReviewMarkers(body)
			.split("\n")
			.filter((line) => !/^>\s*\[!/.test(line))
			.map(plainLine)
			.join("\n")
			.replace(/\n{3,}/g, "\n\n")
			.trim() + "\n"
	);
}
