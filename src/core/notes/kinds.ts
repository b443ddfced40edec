/**
 * Which record files are what, by path and frontmatter: session notes, transcripts, and
 * psychotherapy (process) notes. One rule for everything that reads notes (brief, documents,
 * exports, search, parts map, plan, drafting), below all of them.
 */
import { ClinicalVaultError } from "../errors";

export const NOTE_PATH = /^[^/]+\/notes\/[^/]+\.md$/;
/**
 * Psychotherapy (process) notes live in their own folder, C-0142/psychotherapy/2026-06-09.md, with
 * `note_type: psychotherapy` in their frontmatter: HIPAA protects them more strictly only when they
 * are kept apart from the rest of the record. Nothing derived (brief, documents, exports, search,
 * model input) reads them unless the clinician includes them explicitly for one action.
 */
export const PSYCHOTHERAPY_PATH = /^[^/]+\/psychotherapy\/[^/]+\.md$/;
export const TRANSCRIPT_PATH = /^[^/]+\/transcripts\/[^/]+\.md$/;

/** True for a psychotherapy (process) note (by its folder or its frontmatter): kept out of briefs, documents, exports, search and model input by default. */
export function isPsychotherapyNote(recordPath: string, data: Record<string, unknown> = {}): boolean {
	return PSYCHOTHERAPY_PATH.test(recordPath) || data.note_type === "psychotherapy";
}

/** Parts-map and plan updates never read a psychotherapy note: it is not sent to the model for them. */
export function psychotherapyRefusal(path: string, what: string): ClinicalVaultError {
	return new ClinicalVaultError(
		"refused",
		`${path} is a psychotherapy note: it is kept apart and never sent to the model to update ${what}. Use the session's progress note. Nothing was changed.`,
		{ path },
	);
}
