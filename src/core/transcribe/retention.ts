/**
 * Retention of raw session audio: a recording is deleted (crypto-erased, then removed, and
 * audit-logged) N hours after the note of its session is signed. Notes link to a session by the
 * client folder and the session date (`session_date`, another date field, the file name or a
 * "Date:" line: notes/sessionDate.ts); a note counts as signed with `status: signed` and `signed_at`.
 */
import { dateInName, sessionDateOf } from "../notes/sessionDate";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { splitFrontmatter } from "../markdown/frontmatter";
import { AUDIO_EXTENSIONS } from "../audio/decode";

export interface RetentionItem {
	audioPath: string;
	sessionDate: string;
	notePath: string;
	signedAt: string;
	dueAt: string;
}

export interface RetentionPlan {
	due: RetentionItem[];
	/** Signed, but not due yet. */
	waiting: RetentionItem[];
	/** Recordings whose session has no signed note yet (kept). */
	unsigned: string[];
}

export async function planRetention(record: ClinicalRecord, hours: number, now: Date): Promise<RetentionPlan> {
	const plan: RetentionPlan = { due: [], waiting: [], unsigned: [] };
	const entries = await record.list();
	const signedByClientDate = new Map<string, { notePath: string; signedAt: string }>();
	for (const e of entries) {
		if (!/^[^/]+\/notes\/[^/]+\.md$/.test(e.recordPath)) continue;
		const { data, body } = splitFrontmatter(await record.readText(e.recordPath, "internal"), e.recordPath);
		// A note whose date field and file name name different days links to neither: which session
		// it signs is not certain, and a recording is erased only for a session surely signed.
		const named = dateInName(e.recordPath);
		const fields = sessionDateOf(data, "", body)?.date ?? null;
		if (named !== null && fields !== null && named !== fields) continue;
		const date = fields ?? named;
		const signedAt = data.signed_at instanceof Date ? data.signed_at.toISOString() : typeof data.signed_at === "string" ? data.signed_at : null;
		if (data.status !== "signed" || !date || !signedAt || Number.isNaN(new Date(signedAt).getTime())) continue;
		const signedIso = new Date(signedAt).toISOString();
		const key = `${e.client}|${date}`;
		const known = signedByClientDate.get(key);
		if (!known || known.signedAt > signedIso) signedByClientDate.set(key, { notePath: e.recordPath, signedAt: signedIso });
	}
	for (const e of entries) {
		const m = /^[^/]+\/audio\/[^/]+\.([a-z0-9]+)$/.exec(e.recordPath);
		if (!m || !AUDIO_EXTENSIONS.includes(m[1]!)) continue;
		// Recordings are named by their session's date.
		const date = dateInName(e.recordPath);
		const signed = date ? signedByClientDate.get(`${e.client}|${date}`) : undefined;
		if (!date || !signed) {
			plan.unsigned.push(e.recordPath);
			continue;
		}
		const dueAt = new Date(new Date(signed.signedAt).getTime() + hours * 3_600_000);
		const item: RetentionItem = {
			audioPath: e.recordPath,
			sessionDate: date,
			notePath: signed.notePath,
			signedAt: signed.signedAt,
			dueAt: dueAt.toISOString(),
		};
		(dueAt.getTime() <= now.getTime() ? plan.due : plan.waiting).push(item);
	}
	return plan;
}

/** Deletes every due recording; returns the record paths deleted. */
export async function applyRetention(record: ClinicalRecord, plan: RetentionPlan): Promise<string[]> {
	const deleted: string[] = [];
	for (const item of plan.due) {
		await record.remove(item.audioPath, { note: `retention: note signed ${item.signedAt}` });
		deleted.push(item.audioPath);
	}
	return deleted;
}
