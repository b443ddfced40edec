/**
 * Measurement-based care for one record: entering a score (item answers or the total alone), the
 * client's scores and schedule, what is due, and the measures page. Scores are computed here by
 * code from the definitions (built-in or the clinician's own YAML); no model takes part.
 */
import { addDays as addDaysTo, format, isValid, parseISO } from "date-fns";
import { localDay } from "../calendar";
import { randomBytes, toHex } from "../bytes";
import type { Clock } from "../clock";
import { ClinicalVaultError } from "../errors";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode, checkRecordPath } from "../record/layout";
import type { MeasureDefinition } from "./definition";
import { renderMeasuresPage } from "./page";
import { EMPTY_SCORES, MEASURES_PAGE_NAME, parseScores, SCORES_NAME, serializeScores, type MeasureEntry, type Schedule, type ScoresFile } from "./scores";
import { scoreAnswers, scoreTotal } from "./scoring";

export interface AddScore {
	client: string;
	measure: string;
	/** One per item, null for an item left unanswered; or `total` alone. */
	answers?: readonly (number | null)[];
	total?: number;
	/** YYYY-MM-DD; default today. Never in the future. */
	date?: string;
	/** The session note it belongs to. */
	session?: string;
	/** Replace the score of this measure already entered for this date (or session). */
	replace?: boolean;
}

export interface AddedScore {
	entry: MeasureEntry;
	/** The entry it replaced, when `replace` was given. */
	replaced: MeasureEntry | null;
	pagePath: string;
}

export interface DueMeasure {
	measure: string;
	every: Schedule;
	/** The last time it was given, or null when never. */
	last: string | null;
	why: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A review measure given this many days before the review counts for it. */
const REVIEW_WINDOW_DAYS = 14;

function addDays(day: string, days: number): string {
	return format(addDaysTo(parseISO(day), days), "yyyy-MM-dd");
}

export class MeasuresService {
	constructor(
		private readonly deps: {
			record: ClinicalRecord;
			clock: Clock;
			/** The measures known: built-in and the clinician's own, by id. */
			definitions: ReadonlyMap<string, MeasureDefinition>;
		},
	) {}

	definition(id: string): MeasureDefinition {
		const def = this.deps.definitions.get(id.trim().toLowerCase());
		if (!def)
			throw new ClinicalVaultError(
				"invalid-input",
				`"${id}" is not a measure Clinical Vault knows. Known: ${[...this.deps.definitions.keys()].join(", ")}.`,
			);
		return def;
	}

	private scoresPath(client: string): string {
		return `${checkClientCode(client)}/${SCORES_NAME}`;
	}

	async read(client: string, purpose: "open" | "internal" = "open"): Promise<ScoresFile> {
		const path = this.scoresPath(client);
		if (!(await this.deps.record.exists(path))) return { ...EMPTY_SCORES, entries: [], schedule: [] };
		return parseScores(await this.deps.record.readText(path, purpose), path);
	}

	/** Scores and saves one administration, then rewrites the measures page. Refuses bad input before anything is written. */
	async add(request: AddScore): Promise<AddedScore> {
		const client = checkClientCode(request.client);
		const def = this.definition(request.measure);
		const today = localDay(this.deps.clock.now());
		const date = request.date ?? today;
		if (!DAY.test(date) || !isValid(parseISO(date)))
			throw new ClinicalVaultError("invalid-input", `"${date}" is not a date; use YYYY-MM-DD. Nothing was saved.`);
		if (date > today)
			throw new ClinicalVaultError(
				"invalid-input",
				`${date} is in the future (today is ${today}): enter a score on or after the day it was given. Nothing was saved.`,
			);
		if ((request.answers === undefined) === (request.total === undefined))
			throw new ClinicalVaultError("invalid-input", "Give the item answers or the total, not both and not neither. Nothing was saved.");
		const score = request.answers !== undefined ? scoreAnswers(def, request.answers) : scoreTotal(def, request.total!);
		const session = request.session === undefined ? null : checkRecordPath(request.session);
		if (session !== null) {
			if (!session.startsWith(`${client}/`))
				throw new ClinicalVaultError("invalid-input", `${session} is not one of ${client}'s notes. Nothing was saved.`);
			if (!(await this.deps.record.exists(session))) throw new ClinicalVaultError("not-found", `${session} is not in the record. Nothing was saved.`);
		}

		const file = await this.read(client, "internal");
		const same = file.entries.find((e) => e.measure === def.id && (e.date === date || (session !== null && e.session === session)));
		if (same && !request.replace) {
			// "already-exists": the shells offer to replace it.
			throw new ClinicalVaultError(
				"already-exists",
				`${def.name} is already entered for ${same.session ?? same.date} (total ${same.total}). Give it once per session, or replace that score (--replace, or "Replace" in the dialog). Nothing was saved.`,
			);
		}
		const entry: MeasureEntry = {
			id: `m${toHex(randomBytes(6))}`,
			measure: def.id,
			date,
			total: score.total,
			band: score.band,
			answers: request.answers === undefined ? null : [...request.answers],
			prorated: score.prorated,
			alerts: score.alerts,
			replacedAlerts: same ? [...same.alerts, ...same.replacedAlerts] : [],
			session,
			entered: this.deps.clock.now().toISOString(),
		};
		const next: ScoresFile = { ...file, entries: [...file.entries.filter((e) => e !== same), entry] };
		await this.deps.record.writeText(this.scoresPath(client), serializeScores(next));
		const pagePath = await this.writePage(client, next);
		return { entry, replaced: same ?? null, pagePath };
	}

	/** Which measures this client gets, and how often; an empty list clears the schedule. */
	async setSchedule(client: string, schedule: readonly { measure: string; every: Schedule }[]): Promise<void> {
		for (const s of schedule) this.definition(s.measure);
		const file = await this.read(client, "internal");
		const next: ScoresFile = { ...file, schedule: schedule.map((s) => ({ measure: this.definition(s.measure).id, every: s.every })) };
		await this.deps.record.writeText(this.scoresPath(client), serializeScores(next));
	}

	/**
	 * Measures due on `day` by the client's schedule: "session" ones not yet given that day,
	 * "monthly" ones last given a month or more ago (or never), "review" ones while the treatment
	 * plan's review is due (`reviewDue`) unless given in the two weeks before.
	 */
	due(file: ScoresFile, day: string, reviewDue = false): DueMeasure[] {
		const out: DueMeasure[] = [];
		for (const s of file.schedule) {
			const given = file.entries
				.filter((e) => e.measure === s.measure && e.date <= day)
				.map((e) => e.date)
				.sort();
			const last = given.at(-1) ?? null;
			const name = this.deps.definitions.get(s.measure)?.name ?? s.measure;
			if (s.every === "session") {
				if (last !== day)
					out.push({
						measure: s.measure,
						every: s.every,
						last,
						why: `${name} is given every session${last ? ` (last ${last})` : " (never given yet)"}`,
					});
			} else if (s.every === "monthly") {
				const monthAfter = last ? addMonth(last) : null;
				if (!monthAfter || monthAfter <= day)
					out.push({ measure: s.measure, every: s.every, last, why: `${name} is given monthly${last ? ` (last ${last})` : " (never given yet)"}` });
			} else if (reviewDue && (!last || last < addDays(day, -REVIEW_WINDOW_DAYS))) {
				out.push({
					measure: s.measure,
					every: s.every,
					last,
					why: `${name} is given at each plan review, and the review is due${last ? ` (last ${last})` : ""}`,
				});
			}
		}
		return out;
	}

	async writePage(client: string, file?: ScoresFile): Promise<string> {
		const path = `${checkClientCode(client)}/${MEASURES_PAGE_NAME}`;
		await this.deps.record.writeText(path, renderMeasuresPage(client, file ?? (await this.read(client, "internal")), this.deps.definitions));
		return path;
	}
}

/** The same day one calendar month later (the 31st goes to the month's last day). */
function addMonth(day: string): string {
	const [y, m, d] = day.split("-").map(Number) as [number, number, number];
	const year = m === 12 ? y + 1 : y;
	const month = m === 12 ? 1 : m + 1;
	const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
	return `${year}-${String(month).padStart(2, "0")}-${String(Math.min(d, last)).padStart(2, "0")}`;
}
