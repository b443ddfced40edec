/**
 * A client's transcripts for the brief, in any form (our "[mm:ss] **Client:** …", WebVTT, SRT,
 * "CLIENT: …", plain text: transcribe/forms.ts): the client's lines, with their times where the
 * form gives them. A line is the client's when its speaker is the client ("Client", "Patient",
 * "Pt", the client's code, or the client's name or first name as the profile holds it, e.g. a
 * Zoom export's "Robin Example"). In a transcript with no speaker labels at all every line counts
 * (the brief then takes only first-person lines as the client's words); in a labelled one, lines
 * without a speaker and other speakers' lines ("Speaker 1", "Therapist") do not.
 */
import { splitFrontmatter } from "../markdown/frontmatter";
import { sessionDateOf } from "../notes/sessionDate";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { parseAnyTranscript } from "../transcribe/forms";
import { readOrSkip, TRANSCRIPT_PATH } from "./sessionNotes";

export interface ClientLine {
	/** Seconds from the start, or null when the form gives none. */
	start: number | null;
	text: string;
}

export interface ClientTranscript {
	recordPath: string;
	date: string;
	/** Whether the transcript labels its speakers (false: the lines below are all its lines). */
	labelled: boolean;
	lines: ClientLine[];
}

const CLIENT_LABEL = /^(?:the\s+)?(?:client|patient|pt|cl|c|service user)(?:\s*\d+)?$/i;
/** Labels that are a role, not a name: no need for the client's name to tell them apart. */
const ROLE_LABEL =
	/^(?:the\s+)?(?:client|patient|pt|cl|c|service user|therapist|clinician|counsell?or|psychologist|interviewer|th|t|speaker|unknown)(?:\s*\d+)?$/i;

function speakerKey(speaker: string): string {
	return speaker
		.replace(/[*_[\]]/g, "")
		.replace(/\s*\([^)]*\)\s*/g, " ")
		.replace(/\s+/g, " ")
		.trim()
		.toLowerCase();
}

/** Whether a speaker label names the client. `names`: the client's name and aliases (lower case). */
export function isClientSpeaker(speaker: string, client: string, names: readonly string[]): boolean {
	const key = speakerKey(speaker);
	if (key === "") return false;
	if (CLIENT_LABEL.test(key) || key === client.toLowerCase()) return true;
	const first = key.split(" ")[0]!;
	return names.some((n) => n === key || (first.length >= 2 && n.split(/\s+/)[0] === first));
}

/**
 * The client's lines of every transcript up to `today`, newest first. Unreadable files are listed
 * in `skipped`. `names` is asked for only when a transcript has a speaker label that is not a role.
 */
export async function clientTranscripts(
	record: ClinicalRecord,
	client: string,
	today: string,
	names: () => Promise<readonly string[]>,
): Promise<{ transcripts: ClientTranscript[]; skipped: string[] }> {
	const paths = (await record.list({ client }))
		.map((e) => e.recordPath)
		.filter((p) => TRANSCRIPT_PATH.test(p))
		.sort()
		.reverse();
	const transcripts: ClientTranscript[] = [];
	const skipped: string[] = [];
	let known: readonly string[] | null = null;
	for (const path of paths) {
		const text = await readOrSkip(record, path, skipped);
		if (text === null) continue;
		let data: Record<string, unknown> = {};
		let body = text;
		try {
			({ data, body } = splitFrontmatter(text, path));
		} catch {
			// A transcript whose frontmatter does not parse is still read as text.
		}
		const date = sessionDateOf(data, path)?.date;
		if (!date || date > today) continue;
		const parsed = parseAnyTranscript(body);
		const labelled = parsed.lines.some((l) => l.speaker !== undefined);
		if (labelled && known === null && parsed.lines.some((l) => l.speaker !== undefined && !ROLE_LABEL.test(speakerKey(l.speaker)))) {
			known = (await names()).map((n) => n.toLowerCase());
		}
		const lines = parsed.lines
			.filter((l) => (labelled ? l.speaker !== undefined && isClientSpeaker(l.speaker, client, known ?? []) : true))
			.map((l) => ({ start: l.start, text: l.text.trim() }))
			.filter((l) => l.text !== "");
		transcripts.push({ recordPath: path, date, labelled, lines });
	}
	return { transcripts, skipped };
}
