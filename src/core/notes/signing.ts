/**
 * Review, signing and addenda. A note is a draft until the clinician signs it; signing refuses
 * while review markers remain (unless an explicit override is given, which is recorded), stamps
 * signer, time and a SHA-256 of the signed text into the frontmatter, and audit-logs it. After
 * signing, the signed text never changes: only dated addenda are appended below it.
 */
import { format } from "date-fns";
import { ClinicalVaultError } from "../errors";
import { sha256, toHex, utf8 } from "../bytes";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { joinFrontmatter, splitFrontmatter } from "../markdown/frontmatter";
import { findReviewMarkers, stripReviewMarkers } from "../drafting/safeguards";

const ADDENDUM_HEADING = /^## Addendum \(/m;

export function isSigned(data: Record<string, unknown>): boolean {
	return data.status === "signed";
}

/** The text covered by the signature: the body before the first addendum. */
export function signedPart(body: string): string {
	const match = ADDENDUM_HEADING.exec(body);
	return (match ? body.slice(0, match.index) : body).trimEnd() + "\n";
}

async function hashText(text: string): Promise<string> {
	return toHex(await sha256(utf8(text)));
}

export interface SignOptions {
	signer: string;
	now: Date;
	/** Sign although review markers remain; the reason is recorded in the note and the audit log. */
	override?: string;
}

export interface SignResult {
	contentSha256: string;
	markersOverridden: number;
}

export async function signNote(record: ClinicalRecord, path: string, options: SignOptions): Promise<SignResult> {
	const signer = options.signer.trim();
	if (signer === "") throw new ClinicalVaultError("invalid-input", "Signing needs the signer's name.");
	const text = await record.readText(path, "internal");
	const { data, body } = splitFrontmatter(text, path);
	if (isSigned(data)) {
		throw new ClinicalVaultError("refused", `${path} is already signed (${String(data.signed_by)}, ${String(data.signed_at)}). Changes go in an addendum.`);
	}
	const markers = findReviewMarkers(body);
	if (markers.length > 0 && !options.override?.trim()) {
		const list = markers.slice(0, 8).map((m) => `line ${m.line}: ${m.reason}`).join("; ");
		throw new ClinicalVaultError(
			"refused",
			`${path} still has ${markers.length} review marker${markers.length === 1 ? "" : "s"} (${list}${markers.length > 8 ? ", …" : ""}). Resolve them, or sign with an explicit override reason.`,
		);
	}
	const contentSha256 = await hashText(signedPart(body));
	const stamped: Record<string, unknown> = {
		...data,
		status: "signed",
		signed_by: signer,
		signed_at: options.now.toISOString(),
		content_sha256: contentSha256,
		modified: options.now.toISOString(),
		...(markers.length > 0 ? { review_override: options.override!.trim(), review_markers_overridden: markers.length } : {}),
	};
	await record.writeText(path, joinFrontmatter(stamped, body), { action: "sign" });
	if (markers.length > 0) await record.audit.append("sign", { path, note: `signed with ${markers.length} review marker(s) overridden` });
	return { contentSha256, markersOverridden: markers.length };
}

/** Checks that a signed note's signed text is unchanged (the hash in its frontmatter). */
export async function verifySignature(text: string, where: string): Promise<boolean> {
	const { data, body } = splitFrontmatter(text, where);
	if (!isSigned(data)) return false;
	return (await hashText(signedPart(body))) === data.content_sha256;
}

export async function addAddendum(record: ClinicalRecord, path: string, addendum: string, options: { signer?: string; now: Date }): Promise<void> {
	const content = addendum.trim();
	if (content === "") throw new ClinicalVaultError("invalid-input", "The addendum is empty; nothing was added.");
	const text = await record.readText(path, "internal");
	const { data, body } = splitFrontmatter(text, path);
	if (!isSigned(data)) throw new ClinicalVaultError("refused", `${path} is not signed yet: edit the draft itself, or sign it first.`);
	if (!(await verifySignature(text, path))) {
		throw new ClinicalVaultError("integrity", `The signed text of ${path} no longer matches its signature; nothing was added. Restore the note from a backup.`, { path });
	}
	const stamp = format(options.now, "yyyy-MM-dd HH:mm");
	const by = options.signer?.trim() ? `, ${options.signer.trim()}` : "";
	const next = `${body.trimEnd()}\n\n## Addendum (${stamp}${by})\n\n${content}\n`;
	const addenda = (typeof data.addenda === "number" ? data.addenda : 0) + 1;
	await record.writeText(path, joinFrontmatter({ ...data, addenda, modified: options.now.toISOString() }, next), { action: "modify" });
}

/**
 * Refuses a save that would change a signed note's signed text. Appending an addendum through
 * addAddendum is the only way to change a signed note.
 */
export async function checkEditable(record: ClinicalRecord, path: string): Promise<void> {
	if (!path.endsWith(".md") || !(await record.exists(path))) return;
	const { data } = splitFrontmatter(await record.readText(path, "internal"), path);
	if (isSigned(data)) throw new ClinicalVaultError("refused", `${path} is signed and cannot be edited. Add an addendum instead.`);
}

/** Plain text for pasting into an EHR: no frontmatter, no review markers, no markdown syntax. */
export function copyForEhr(markdown: string): string {
	const { body } = splitFrontmatter(markdown);
	return stripReviewMarkers(body)
		.split("\n")
		.filter((line) => !/^>\s*\[!/.test(line))
		.map((line) =>
			line
				.replace(/^#{1,6}\s+(.*)$/, (_, h: string) => h.toUpperCase())
				.replace(/^>\s?/, "")
				.replace(/\*\*([^*]+)\*\*/g, "$1")
				.replace(/(^|[^*])\*([^*]+)\*/g, "$1$2")
				.replace(/==([^=]+)==/g, "$1")
				.replace(/\[\[([^\]|]+)\|([^\]]+)\]\]/g, "$2")
				.replace(/\[\[([^\]]+)\]\]/g, "$1")
				.replace(/^\s*[-*]\s+/, "- "),
		)
		.join("\n")
		.replace(/\n{3,}/g, "\n\n")
		.trim() + "\n";
}
