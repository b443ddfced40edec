/**
 * A session's date, wherever a note keeps it (issue 18): our `session_date`, the other date fields
 * clinicians and other tools write (`date`, `date_of_service`, …), the file name ("2026-03-02",
 * "2026_03_02", "20260302"), or a "Date: 2 March 2026" line near the top of the text. Retention,
 * search and import read it here, so every feature agrees on a note's session.
 *
 * Only unambiguous dates are read: ISO forms, month names, and day-first dotted dates
 * ("02.03.2026", the European convention); "03/02/2026" is read only when one side is above 12.
 */
import { isValid, parse } from "date-fns";

/** Frontmatter fields that hold the session date, in the order they are trusted. */
export const SESSION_DATE_FIELDS = ["session_date", "date_of_service", "dos", "session", "appointment_date", "visit_date", "date"] as const;

export interface FoundDate {
	date: string;
	/** Where it came from: a field name, "file name" or "text". */
	from: string;
}

function iso(year: number, month: number, day: number): string | null {
	const d = new Date(Date.UTC(year, month - 1, day));
	if (year < 1900 || year > 2200 || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
	return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

const MONTH_FORMATS = [
	"d MMMM yyyy",
	"d MMM yyyy",
	"MMMM d yyyy",
	"MMM d yyyy",
	"MMMM d, yyyy",
	"MMM d, yyyy",
	"d MMMM, yyyy",
	"EEEE d MMMM yyyy",
	"EEEE, MMMM d, yyyy",
	"EEEE, d MMMM yyyy",
];

/** The calendar day a value names, or null. Strings in the forms above; a YAML Date (UTC midnight). */
export function dayOf(value: unknown): string | null {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
	if (typeof value !== "string") return null;
	const text = value.trim().replace(/(\d)(st|nd|rd|th)\b/gi, "$1");
	let m = /^(\d{4})[-/_.](\d{1,2})[-/_.](\d{1,2})(?:[T ].*)?$/.exec(text);
	if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
	m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
	if (m) return iso(Number(m[3]), Number(m[2]), Number(m[1]));
	m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
	if (m) {
		const [a, b] = [Number(m[1]), Number(m[2])];
		if (a > 12 && b <= 12) return iso(Number(m[3]), b, a);
		if (b > 12 && a <= 12) return iso(Number(m[3]), a, b);
		return a === b ? iso(Number(m[3]), a, b) : null; // 03/02/2026: March or February? Not guessed.
	}
	for (const format of MONTH_FORMATS) {
		const d = parse(text, format, new Date(2000, 0, 1));
		if (isValid(d)) return iso(d.getFullYear(), d.getMonth() + 1, d.getDate());
	}
	return null;
}

/** A date in a file name: "2026-03-02", "2026_03_02", "20260302", anywhere in the name. */
export function dateInName(fileName: string): string | null {
	const name = fileName.slice(fileName.lastIndexOf("/") + 1);
	let m = /(?:^|\D)(\d{4})[-_.](\d{2})[-_.](\d{2})(?:\D|$)/.exec(name);
	if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
	m = /(?:^|\D)(\d{4})(\d{2})(\d{2})(?:\D|$)/.exec(name);
	if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
	return null;
}

/** A "Date: …" or "Session date: …" line among the first lines of a text (a heading's date too). */
export function dateInText(body: string): string | null {
	for (const raw of body.split("\n").slice(0, 12)) {
		const line = raw
			.replace(/^[#>*\s-]+/, "")
			.replace(/\*\*/g, "")
			.trim();
		const labelled = /^(?:session date|date of service|date of session|session|date|dos)\s*[:\-–]\s*(.+)$/i.exec(line);
		const value = labelled?.[1] ?? line.replace(/^.*?[,–-]\s*(?=\d{4}-\d{2}-\d{2}$)/, "");
		const found = dayOf(value.trim());
		if (found) return found;
	}
	return null;
}

/**
 * The session date of a note or transcript: its date fields first (in SESSION_DATE_FIELDS order),
 * then its file name, then its text when given. Null when none says.
 */
export function sessionDateOf(data: Record<string, unknown>, fileName: string, body?: string): FoundDate | null {
	for (const field of SESSION_DATE_FIELDS) {
		const date = dayOf(data[field]);
		if (date) return { date, from: field };
	}
	const named = dateInName(fileName);
	if (named) return { date: named, from: "file name" };
	const inText = body === undefined ? null : dateInText(body);
	return inText ? { date: inText, from: "text" } : null;
}

/**
 * The plugin's reading of a recording's or transcript's file name: 2026-09-01, or 20260901 at the
 * start of the stamp Obsidian's audio recorder writes ("Recording 20260901123456.webm"), which
 * dateInName refuses (digits run on after the date). A year must be 19xx or 20xx.
 */
export function dateInRecordingName(name: string): string | null {
	const match = /(?:^|\D)((?:19|20)\d{2})-?(\d{2})-?(\d{2})/.exec(name);
	if (!match) return null;
	const date = `${match[1]}-${match[2]}-${match[3]}`;
	const parsed = new Date(`${date}T00:00:00Z`);
	return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date ? date : null;
}
