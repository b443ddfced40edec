/**
 * Bringing a clinician's existing notes, transcripts and recordings into the record (issue 18).
 *
 * planImport reads every source file once and decides, without writing anything: what it is (a
 * note, a transcript in any form, a recording), whose it is (--client, the note's `client:` field,
 * a folder named by a client's code or name, or a folder mapping the clinician gave), its session
 * date (sessionDate.ts: fields, file name, a "Date:" line), and the record path it will get (never
 * an existing file's: a second file for one session gets "-2"). What cannot be imported is skipped
 * with the reason: an unknown kind of file, text that is not UTF-8 or UTF-16, no client, no date,
 * a recording without recording consent. Files imported before (the journal holds their SHA-256)
 * are listed as already imported, so an interrupted import is resumed by running it again.
 *
 * runImport (./runImport.ts) writes the plan. The originals are never touched here: removing them is
 * the shell's, after the clinician confirms and every file was read back from the record.
 */
import { sha256, toHex } from "../bytes";
import { ClinicalVaultError } from "../errors";
import { splitFrontmatter } from "../markdown/frontmatter";
import { sessionDateOf } from "../notes/sessionDate";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { readConsent, consentStatus } from "../record/consent";
import { AUDIO_EXTENSIONS } from "../audio/decode";
import { parseAnyTranscript, type ParsedTranscript, type TranscriptForm } from "../transcribe/forms";
import { readJournal, type ImportJournal } from "./journal";

/** A file to import: its path below the folder the clinician chose (forward slashes), and its bytes. */
export interface ImportSource {
	path: string;
	read(): Promise<Uint8Array>;
}

export type ImportKind = "note" | "transcript" | "audio";

export interface PlannedImport {
	source: string;
	kind: ImportKind;
	client: string;
	/** How the client was found: "--client", "client: field", "folder C-0142", "folder named like the client", "mapping". */
	clientFrom: string;
	date: string;
	dateFrom: string;
	target: string;
	/** SHA-256 of the source bytes (the journal's key). */
	sha: string;
	/** Transcripts: the form read. */
	form?: TranscriptForm;
	/** What the clinician should know (a second file for one session, broken cues kept as text). */
	notes: string[];
}

export interface SkippedImport {
	source: string;
	reason: string;
}

export interface ImportPlan {
	items: PlannedImport[];
	skipped: SkippedImport[];
	/** Imported by an earlier run (the same bytes): not imported again. */
	already: { source: string; target: string }[];
}

export interface ImportOptions {
	/** Every file is this client's. */
	client?: string;
	/** Folder name (any level) → client code, as the clinician confirmed it; used after codes and names. */
	folders?: Record<string, string>;
	/** Source path → client code, for files the clinician assigned one by one (the plugin). */
	files?: Record<string, string>;
}

const TEXT_EXTENSIONS = ["md", "markdown", "txt", "text"];
const TRANSCRIPT_EXTENSIONS = ["vtt", "srt"];
const IGNORED = /(^|\/)(\.[^/]*|Thumbs\.db|desktop\.ini)$/i;

function extensionOf(path: string): string {
	const name = path.slice(path.lastIndexOf("/") + 1);
	const dot = name.lastIndexOf(".");
	return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/** Text from UTF-8 (with or without a BOM) or UTF-16 with a BOM; null for anything else. */
export function decodeText(bytes: Uint8Array): string | null {
	try {
		if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le", { fatal: true }).decode(bytes.subarray(2));
		if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be", { fatal: true }).decode(bytes.subarray(2));
		const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
		// NUL characters: a binary file with a text extension, or UTF-16 without its BOM.
		if (text.includes("\u0000")) return null;
		return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
	} catch {
		return null;
	}
}

/** Whether a text note is a transcript: its frontmatter says so, its folder is named so, or it reads as speaker turns. */
function looksLikeTranscript(source: string, data: Record<string, unknown>, body: string, parsed: ParsedTranscript): boolean {
	if (data.kind === "transcript" || data.type === "transcript" || /(^|\/)transcripts?(\/|$)/i.test(source.slice(0, source.lastIndexOf("/") + 1))) return true;
	if (parsed.form === "webvtt" || parsed.form === "srt" || parsed.form === "clinical-vault") return true;
	const turns = parsed.lines.filter((l) => l.speaker !== undefined).length;
	// Speaker turns make most of the text: a transcript, not a note that quotes a line or two.
	// A note with headings is a note, whatever turns it quotes.
	if (/^#{1,6}\s/m.test(body)) return false;
	return (parsed.form === "timestamped" || parsed.form === "labelled") && turns >= 4 && turns >= parsed.lines.length * 0.6;
}

function normalName(text: string): string {
	return text
		.normalize("NFKC")
		.toLowerCase()
		.replace(/[^\p{L}\p{N}]+/gu, " ")
		.trim();
}

interface ClientIndex {
	codes: Map<string, string>;
	/** Name or alias → client code; null when two clients share it (never guessed). */
	names: Map<string, string | null>;
}

async function clientIndex(record: ClinicalRecord): Promise<ClientIndex> {
	const codes = new Map<string, string>();
	const names = new Map<string, string | null>();
	for (const code of await record.listClients()) {
		codes.set(code.toLowerCase(), code);
		const profile = await record.readProfile(code, "internal").catch(() => null);
		if (!profile) continue;
		for (const name of new Set([profile.name, ...(profile.aliases ?? [])].map(normalName))) {
			if (name === "") continue;
			names.set(name, names.has(name) && names.get(name) !== code ? null : code);
		}
	}
	return { codes, names };
}

function own(map: Record<string, string> | undefined, key: string): string | undefined {
	return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

function clientFor(
	source: string,
	data: Record<string, unknown>,
	clients: ClientIndex,
	options: ImportOptions,
): { client: string; from: string } | { reason: string } {
	if (options.client !== undefined) return { client: options.client, from: "--client" };
	const assigned = own(options.files, source);
	if (assigned) return { client: assigned, from: "your choice" };
	for (const field of ["client", "client_code"]) {
		const value = data[field];
		if (typeof value === "string" && value.trim() !== "") {
			const code = clients.codes.get(value.trim().toLowerCase());
			if (code) return { client: code, from: `${field}: field` };
			return { reason: `its ${field}: field names "${value.trim()}", which is not a client code in this record (add the client first, or use --client)` };
		}
	}
	const folders = source.split("/").slice(0, -1).reverse();
	// A folder named by a client's code or name, at any level, before any mapping.
	for (const folder of folders) {
		const code = clients.codes.get(folder.toLowerCase());
		if (code) return { client: code, from: `folder ${folder}` };
		const byName = clients.names.get(normalName(folder));
		if (byName === null) return { reason: `the folder "${folder}" is the name of more than one client: use --client or --map` };
		if (byName) return { client: byName, from: "folder named like the client" };
	}
	for (const folder of folders) {
		const mapped = own(options.folders, folder);
		if (mapped) return { client: mapped, from: `mapping ${folder}` };
	}
	return { reason: "no client: put it in a folder named by the client's code, add client: CODE to its frontmatter, or give --client" };
}

/** A record path for kind/date/ext that no file has and no other planned file takes. */
async function freeTarget(
	record: ClinicalRecord,
	client: string,
	folder: string,
	date: string,
	ext: string,
	taken: Set<string>,
): Promise<{ target: string; second: boolean }> {
	for (let n = 1; ; n++) {
		const target = `${client}/${folder}/${date}${n === 1 ? "" : `-${n}`}.${ext}`;
		if (!taken.has(target) && !(await record.exists(target))) {
			taken.add(target);
			return { target, second: n > 1 };
		}
	}
}

export async function planImport(record: ClinicalRecord, sources: readonly ImportSource[], options: ImportOptions = {}): Promise<ImportPlan> {
	if (options.client !== undefined && !(await record.exists(record.layout.profilePath(options.client)))) {
		throw new ClinicalVaultError("not-found", `There is no client ${options.client} in this record. Add the client first; nothing was imported.`);
	}
	for (const [folder, code] of [...Object.entries(options.folders ?? {}), ...Object.entries(options.files ?? {})]) {
		if (!(await record.exists(record.layout.profilePath(code)))) {
			throw new ClinicalVaultError("not-found", `The mapping ${folder}=${code} names no client of this record. Nothing was imported.`);
		}
	}
	const journal: ImportJournal = await readJournal(record);
	const clients = await clientIndex(record);
	const consented = new Map<string, boolean>();
	const plan: ImportPlan = { items: [], skipped: [], already: [] };
	const taken = new Set<string>();
	const seen = new Map<string, string>();
	for (const source of [...sources].sort((a, b) => a.path.localeCompare(b.path))) {
		if (IGNORED.test(source.path)) continue;
		const ext = extensionOf(source.path);
		const isText = TEXT_EXTENSIONS.includes(ext) || TRANSCRIPT_EXTENSIONS.includes(ext);
		const isAudio = AUDIO_EXTENSIONS.includes(ext);
		if (!isText && !isAudio) {
			plan.skipped.push({
				source: source.path,
				reason:
					ext === "docx" || ext === "doc" || ext === "pdf" || ext === "rtf"
						? `a .${ext} file: save it as text (.txt or .md) and import that`
						: `not a note, transcript or recording (.${ext || "no extension"})`,
			});
			continue;
		}
		let bytes: Uint8Array;
		try {
			bytes = await source.read();
		} catch (error) {
			plan.skipped.push({ source: source.path, reason: `could not be read (${(error as { code?: string }).code ?? "error"})` });
			continue;
		}
		const sha = toHex(await sha256(bytes));
		const twin = seen.get(sha);
		if (twin !== undefined) {
			plan.skipped.push({ source: source.path, reason: `the same content as ${twin} (imported once)` });
			continue;
		}
		const done = journal.imported[sha];
		if (done && (await record.exists(done))) {
			seen.set(sha, source.path);
			plan.already.push({ source: source.path, target: done });
			continue;
		}
		if (bytes.length === 0) {
			plan.skipped.push({ source: source.path, reason: "empty file" });
			continue;
		}
		let data: Record<string, unknown> = {};
		let body = "";
		let kind: ImportKind = isText ? "note" : "audio";
		let form: TranscriptForm | undefined;
		const notes: string[] = [];
		if (isText) {
			const text = decodeText(bytes);
			if (text === null) {
				plan.skipped.push({
					source: source.path,
					reason: "not UTF-8 or UTF-16 text (an unknown encoding): save it as UTF-8 and import it again; the file is untouched",
				});
				continue;
			}
			try {
				({ data, body } = splitFrontmatter(text, source.path));
			} catch {
				body = text;
				notes.push("its frontmatter does not parse; imported as text");
			}
			const parsed = parseAnyTranscript(body);
			if (TRANSCRIPT_EXTENSIONS.includes(ext) || looksLikeTranscript(source.path, data, body, parsed)) {
				kind = "transcript";
				form = parsed.form;
				if (parsed.problems.length > 0) notes.push(`${parsed.problems.length} cue(s) without a valid time, kept as text (${parsed.problems[0]})`);
				if (parsed.lines.length === 0) {
					plan.skipped.push({ source: source.path, reason: "a transcript with no text in it" });
					continue;
				}
			}
		}
		const who = clientFor(source.path, data, clients, options);
		if ("reason" in who) {
			plan.skipped.push({ source: source.path, reason: who.reason });
			continue;
		}
		// A recording has only its name to date it.
		const found = kind === "audio" ? sessionDateOf({}, source.path) : sessionDateOf(data, source.path, body);
		if (!found) {
			plan.skipped.push({
				source: source.path,
				reason: `no session date: add date: YYYY-MM-DD to its frontmatter, a "Date:" line at the top, or the date to its file name`,
			});
			continue;
		}
		if (kind === "audio") {
			if (!consented.has(who.client)) consented.set(who.client, consentStatus(await readConsent(record, who.client)) === "yes");
			if (!consented.get(who.client)) {
				plan.skipped.push({
					source: source.path,
					reason: `no recording consent on file for ${who.client} (record it with "consent", then import again)`,
				});
				continue;
			}
		}
		const folder = kind === "note" ? "notes" : kind === "transcript" ? "transcripts" : "audio";
		const { target, second } = await freeTarget(record, who.client, folder, found.date, kind === "audio" ? ext : "md", taken);
		if (second)
			notes.push(`another file is already for ${who.client}'s session of ${found.date}: this one becomes ${target.slice(target.lastIndexOf("/") + 1)}`);
		seen.set(sha, source.path);
		plan.items.push({
			source: source.path,
			kind,
			client: who.client,
			clientFrom: who.from,
			date: found.date,
			dateFrom: found.from,
			target,
			sha,
			...(form ? { form } : {}),
			notes,
		});
	}
	return plan;
}
