/**
 * Psychotherapy (process) notes: the clinician's own impressions, hypotheses and countertransference,
 * kept apart from the progress notes. HIPAA protects them more strictly only when they are kept
 * apart, so they live in their own folder (`CODE/psychotherapy/<date>.md`) with
 * `note_type: psychotherapy` in their frontmatter, and everything derived (briefs, documents,
 * exports, search, model input) leaves them out unless the clinician includes them for one action
 * (the rule: isPsychotherapyNote and psychotherapyRefusal in ./kinds.ts). This file makes new ones.
 */
import { checkSessionDate } from "../calendar";
import { namedPath, writeNewText } from "../record/freePath";
import { ClinicalVaultError } from "../errors";
import { systemClock, type Clock } from "../clock";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode } from "../record/layout";
import { joinFrontmatter } from "../markdown/frontmatter";

import { PSYCHOTHERAPY_PATH } from "./kinds";

export const PSYCHOTHERAPY_FOLDER = "psychotherapy";

/** The body of a new psychotherapy note (headings only: the clinician writes it). */
export function psychotherapyNoteBody(client: string, date: string): string {
	return [
		`# Psychotherapy note: ${client}, ${date}`,
		"",
		"> [!info] Psychotherapy (process) note, kept apart from the progress notes. It is left out of briefs, documents, exports, search and anything sent to a model unless you include it for one action.",
		"",
		"## Process and impressions",
		"",
		"",
		"## Hypotheses and working formulation",
		"",
		"",
		"## Countertransference",
		"",
		"",
		"## For supervision or consultation",
		"",
	].join("\n");
}

/**
 * Creates `CODE/psychotherapy/<date>.md` (`<date>-2.md`, … when that day has one already: an
 * existing note is never overwritten) and returns its record path. The client must exist.
 */
export async function newPsychotherapyNote(record: ClinicalRecord, client: string, date: string, options: { clock?: Clock } = {}): Promise<string> {
	const code = checkClientCode(client);
	const day = checkSessionDate(date);
	if (!(await record.exists(record.layout.profilePath(code)))) throw new ClinicalVaultError("not-found", `There is no client ${code} in this record.`);
	const base = namedPath(code, PSYCHOTHERAPY_FOLDER, day, "md");
	if (!PSYCHOTHERAPY_PATH.test(base)) throw new ClinicalVaultError("internal", `${base} is not in the psychotherapy notes folder.`);
	const now = (options.clock ?? record.clock ?? systemClock).now().toISOString();
	const meta = { note_type: "psychotherapy", client: code, session_date: day, created: now, modified: now };
	return writeNewText(record, base, joinFrontmatter(meta, psychotherapyNoteBody(code, day)));
}
