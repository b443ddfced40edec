/**
 * Reading a client's notes for the pre-session brief: which record files are session notes, their
 * date and number, their sections by heading, and whether they are psychotherapy (process) notes,
 * which are kept apart from everything derived unless the clinician includes them for one action.
 */
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { splitFrontmatter } from "../markdown/frontmatter";
import { sessionDateOf } from "../notes/sessionDate";

import { isPsychotherapyNote, NOTE_PATH, PSYCHOTHERAPY_PATH, TRANSCRIPT_PATH } from "../notes/kinds";

export { isPsychotherapyNote, NOTE_PATH, PSYCHOTHERAPY_PATH, TRANSCRIPT_PATH };

export interface NoteSection {
	heading: string;
	body: string;
}

export interface SessionNote {
	recordPath: string;
	date: string;
	sessionNumber: number | null;
	/** "session", "intake", "psychotherapy", … (frontmatter note_type; "session" when absent). */
	noteType: string;
	status: string;
	sections: NoteSection[];
	/** The body without frontmatter. */
	body: string;
}

/** Splits a markdown body into sections at level-2 headings (text before the first heading is a section with heading ""). */
export function splitSections(body: string): NoteSection[] {
	const out: NoteSection[] = [];
	let heading = "";
	let lines: string[] = [];
	const flush = () => {
		const text = lines.join("\n").trim();
		if (heading !== "" || text !== "") out.push({ heading, body: text });
	};
	for (const line of body.split("\n")) {
		const m = /^##\s+(.+?)\s*#*\s*$/.exec(line);
		if (m && !line.startsWith("###")) {
			flush();
			heading = m[1]!;
			lines = [];
		} else {
			lines.push(line);
		}
	}
	flush();
	return out;
}

/** A record file's text for the brief; null (and the path added to `skipped`) when it cannot be read. */
export async function readOrSkip(record: ClinicalRecord, path: string, skipped: string[]): Promise<string | null> {
	try {
		return await record.readText(path, "internal");
	} catch {
		skipped.push(path);
		return null;
	}
}

/** Parses one note; null when it has no usable date (no date field, none in its name or at its top). */
export function parseSessionNote(recordPath: string, text: string): SessionNote | null {
	let data: Record<string, unknown> = {};
	let body = text;
	try {
		const split = splitFrontmatter(text, recordPath);
		data = split.data;
		body = split.body;
	} catch {
		// A note with broken frontmatter is still read as text.
	}
	// Any of the note's date fields, its name, or a "Date:" line (notes/sessionDate.ts), as retention and search read it.
	const date = sessionDateOf(data, recordPath, body)?.date;
	if (!date) return null;
	const n = Number(data.session_number);
	return {
		recordPath,
		date,
		sessionNumber: Number.isInteger(n) && n >= 0 ? n : null,
		noteType: typeof data.note_type === "string" ? data.note_type : PSYCHOTHERAPY_PATH.test(recordPath) ? "psychotherapy" : "session",
		status: typeof data.status === "string" ? data.status : "",
		sections: splitSections(body),
		body,
	};
}

/**
 * A client's notes, oldest first. Psychotherapy notes are left out unless `includePsychotherapy`.
 * Unreadable files are skipped and reported in `skipped` (their paths only).
 */
export async function readSessionNotes(
	record: ClinicalRecord,
	client: string,
	options: { includePsychotherapy?: boolean; from?: string; to?: string } = {},
): Promise<{ notes: SessionNote[]; skipped: string[] }> {
	const paths = (await record.list({ client }))
		.map((e) => e.recordPath)
		.filter((p) => NOTE_PATH.test(p) || (options.includePsychotherapy === true && PSYCHOTHERAPY_PATH.test(p)))
		// A conflict copy (a view's text kept beside a note changed elsewhere) is not another session.
		.filter((p) => !/\.conflict-\d{8}-\d{6}(?:-\d+)?\.md$/.test(p))
		.sort();
	const notes: SessionNote[] = [];
	const skipped: string[] = [];
	for (const path of paths) {
		const text = await readOrSkip(record, path, skipped);
		if (text === null) continue;
		const note = parseSessionNote(path, text);
		if (!note) continue;
		if (isPsychotherapyNote(path, { note_type: note.noteType }) && !options.includePsychotherapy) continue;
		if (options.from !== undefined && note.date < options.from) continue;
		if (options.to !== undefined && note.date > options.to) continue;
		notes.push(note);
	}
	notes.sort((a, b) => (a.date === b.date ? a.recordPath.localeCompare(b.recordPath) : a.date.localeCompare(b.date)));
	return { notes, skipped };
}

/** The body of the first section whose heading matches. */
export function section(note: SessionNote, heading: RegExp): string | null {
	return note.sections.find((s) => heading.test(s.heading))?.body ?? null;
}
