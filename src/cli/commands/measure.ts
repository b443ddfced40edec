/**
 * Outcome measures on the command line:
 *   `measure add <vault> --client CODE --measure phq9 (--answers 0,1,2,… | --total N) [--date D] [--session NOTE] [--replace]`
 *   `measure list <vault> --client CODE [--measure ID] [--json]`
 *   `measure chart <vault> --client CODE --measure ID [--mermaid]`
 *   `measure schedule <vault> --client CODE [--set phq9=session,gad7=monthly | --clear]`
 * Scores are computed by code (src/core/measures), saved encrypted in the client's record and
 * audit-logged; the measures page is rewritten on every add. A clinician's own measures are read
 * from `<templates folder>/measures/*.yaml` (never client data).
 */
import { systemClock } from "../../core/clock";
import { MeasuresService } from "../../core/measures/MeasuresService";
import type { MeasureRegistry } from "../../core/measures/registry";
import { measureRegistry } from "../measures";
import { SCHEDULES, type Schedule } from "../../core/measures/scores";
import { changeBetween, maxTotal } from "../../core/measures/scoring";
import { measureChart } from "../../core/measures/page";
import { PASSPHRASE_FILE_OPTION, requiredOption, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command, type CommandContext } from "../command";
import { notice } from "../output";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withUnlocked, type OpenVault } from "../vault";

const CLIENT_OPTION = { name: "client", value: "CODE", description: "The client." };
const MEASURE_OPTION = {
	name: "measure",
	value: "ID",
	description: "phq9, gad7, pcl5, phq2, gad2, or the id of one of your own (templates folder, measures/*.yaml).",
};

/** The built-in measures and the clinician's own from the templates folder; problems are said on stderr. */
function registry(ctx: CommandContext, open: OpenVault): Promise<MeasureRegistry> {
	return measureRegistry(ctx.io, ctx.args.vault!, open.settings);
}

async function session(ctx: CommandContext): Promise<{ open: OpenVault; client: string; passphrase: string } | null> {
	const client = validClientCode(requiredOption(ctx.options, "client", "This command needs --client CODE."));
	const open = await openVault(ctx.io, ctx.args.vault!, stringOption(ctx.options, ROOT_OPTION.name));
	await requireInitialized(open);
	await requireClient(open, client);
	const passphrase = await currentPassphrase(ctx);
	if (typeof passphrase !== "string") return null;
	return { open, client, passphrase };
}

/** "0,1,2,,3": one answer per item, an empty place for an item left unanswered. */
function parseAnswers(text: string): (number | null)[] {
	return text.split(",").map((part, i) => {
		const t = part.trim();
		if (t === "") return null;
		if (!/^\d+$/.test(t)) throw usageError(`--answers: answer ${i + 1} is "${t}", not a whole number (leave an unanswered item empty: 1,2,,0).`);
		return Number(t);
	});
}

export const measureAddCommand: Command = {
	name: "measure add",
	synopsis: "measure add <vault> --client CODE --measure ID (--answers 0,1,2,… | --total N) [--date YYYY-MM-DD] [--session NOTE] [--replace] [--json]",
	summary: "Enter a score: scored by code, saved encrypted with its date, and the measures page rewritten.",
	args: ["<vault>"],
	options: [
		CLIENT_OPTION,
		MEASURE_OPTION,
		{ name: "answers", value: "A,B,…", description: "One answer per item in order; leave an unanswered item empty (1,2,,0)." },
		{ name: "total", value: "N", description: "The total alone (a paper form scored elsewhere); no item alerts can be raised from it." },
		{ name: "date", value: "YYYY-MM-DD", description: "When it was given (default today; never in the future)." },
		{ name: "session", value: "NOTE", description: "The session note it belongs to (record path)." },
		{ name: "replace", description: "Replace the score of this measure already entered for that date or session." },
		{ name: "json", description: "Print the saved entry as JSON." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"An item alert (PHQ-9 item 9 above 0) is printed on stderr and kept with the score; it is listed in the brief. It is shown, never interpreted.",
		"Missing items are prorated only where the measure's manual allows it; the built-in ones do not, so answer every item or enter the total.",
	],
	async run(ctx) {
		const answersText = stringOption(ctx.options, "answers");
		const totalText = stringOption(ctx.options, "total");
		if ((answersText === undefined) === (totalText === undefined)) throw usageError('"measure add" needs exactly one of --answers A,B,… or --total N.');
		if (totalText !== undefined && !/^\d+$/.test(totalText.trim())) throw usageError(`--total must be a whole number, not "${totalText}".`);
		const answers = answersText === undefined ? undefined : parseAnswers(answersText);
		const measure = requiredOption(ctx.options, "measure", '"measure add" needs --measure ID (phq9, gad7, pcl5, …).');
		const s = await session(ctx);
		if (!s) return cancelled();
		const { definitions } = await registry(ctx, s.open);
		const service = new MeasuresService({ record: s.open.record, clock: systemClock, definitions });
		const def = asUsage(() => service.definition(measure));
		const added = await withUnlocked(s.open, s.passphrase, () =>
			service.add({
				client: s.client,
				measure: def.id,
				...(answers !== undefined ? { answers } : { total: Number(totalText) }),
				...(stringOption(ctx.options, "date") !== undefined ? { date: stringOption(ctx.options, "date")! } : {}),
				...(stringOption(ctx.options, "session") !== undefined ? { session: stringOption(ctx.options, "session")! } : {}),
				replace: ctx.options.replace === true,
			}),
		);
		const e = added.entry;
		for (const alert of e.alerts) notice(ctx.io, `ALERT: ${def.name} ${alert.label} (answer ${alert.answer}, ${e.date}).`);
		if (added.replaced) notice(ctx.io, `Replaced the ${def.name} score of ${added.replaced.date} (total ${added.replaced.total}).`);
		if (e.prorated > 0) notice(ctx.io, `${e.prorated} unanswered item(s) prorated as the measure's manual allows.`);
		if (ctx.options.json === true) return { stdout: `${JSON.stringify({ ...e, page: added.pagePath }, null, 2)}\n` };
		return {
			stdout: `${def.name} ${e.date}: ${e.total} (${e.band})${e.alerts.length > 0 ? `; ${e.alerts.length} item alert(s)` : ""}. Saved; page ${added.pagePath}\n`,
		};
	},
};

export const measureListCommand: Command = {
	name: "measure list",
	synopsis: "measure list <vault> --client CODE [--measure ID] [--json]",
	summary: "The client's scores: measure, date, total, band, change and alerts.",
	args: ["<vault>"],
	options: [
		CLIENT_OPTION,
		{ ...MEASURE_OPTION, description: "Only this measure." },
		{ name: "json", description: "Print the entries as JSON (with item answers and the schedule)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	async run(ctx) {
		const s = await session(ctx);
		if (!s) return cancelled();
		const { definitions } = await registry(ctx, s.open);
		const service = new MeasuresService({ record: s.open.record, clock: systemClock, definitions });
		const only = stringOption(ctx.options, "measure");
		const onlyId = only === undefined ? undefined : asUsage(() => service.definition(only).id);
		const file = await withUnlocked(s.open, s.passphrase, () => service.read(s.client));
		const entries = file.entries.filter((e) => onlyId === undefined || e.measure === onlyId);
		if (ctx.options.json === true) return { stdout: `${JSON.stringify({ client: s.client, entries, schedule: file.schedule }, null, 2)}\n` };
		if (entries.length === 0) return { stdout: `No scores for ${s.client}${onlyId ? ` on ${onlyId}` : ""}.\n` };
		const lines = ["MEASURE   DATE        TOTAL  BAND                      CHANGE   FLAGS"];
		const firstOf = new Map<string, number>();
		for (const e of entries) {
			const def = definitions.get(e.measure);
			const first = firstOf.get(e.measure);
			if (first === undefined) firstOf.set(e.measure, e.total);
			const change =
				first === undefined || !def
					? ""
					: (() => {
							const c = changeBetween(def, first, e.total);
							return `${c.points > 0 ? "+" : ""}${c.points}${c.reliable === "improved" || c.reliable === "worse" ? "*" : ""}`;
						})();
			const flags = [
				...e.alerts.map((a) => `item ${a.number}=${a.answer}`),
				...e.replacedAlerts.map((a) => `item ${a.number}=${a.answer} in the replaced score`),
				...(e.answers === null ? ["total only"] : []),
				...(e.prorated > 0 ? [`${e.prorated} prorated`] : []),
			].join(", ");
			lines.push(
				`${(def?.name ?? e.measure).padEnd(9)} ${e.date}  ${String(e.total).padStart(5)}  ${e.band.padEnd(24).slice(0, 24)}  ${change.padEnd(7)}  ${flags}`.trimEnd(),
			);
		}
		lines.push("", "CHANGE is from the first score; * marks a reliable change.");
		return { stdout: `${lines.join("\n")}\n` };
	},
};

export const measureChartCommand: Command = {
	name: "measure chart",
	synopsis: "measure chart <vault> --client CODE --measure ID [--mermaid]",
	summary: "One measure over time as a text chart, or as the Mermaid chart the measures page holds.",
	args: ["<vault>"],
	options: [
		CLIENT_OPTION,
		MEASURE_OPTION,
		{ name: "mermaid", description: "Print the Mermaid xychart source instead." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	async run(ctx) {
		const measure = requiredOption(ctx.options, "measure", '"measure chart" needs --measure ID.');
		const s = await session(ctx);
		if (!s) return cancelled();
		const { definitions } = await registry(ctx, s.open);
		const service = new MeasuresService({ record: s.open.record, clock: systemClock, definitions });
		const def = asUsage(() => service.definition(measure));
		const file = await withUnlocked(s.open, s.passphrase, () => service.read(s.client));
		const entries = file.entries.filter((e) => e.measure === def.id);
		if (entries.length === 0) return { stdout: `No ${def.name} scores for ${s.client}.\n` };
		if (ctx.options.mermaid === true) return { stdout: `${measureChart(def, entries)}\n` };
		const width = 40;
		const max = maxTotal(def);
		const cut = def.clinicalCutoff?.below;
		const lines = [`${def.name} for ${s.client} (0 to ${max}${cut !== undefined ? `; | marks the cut-off ${cut}` : ""})`];
		for (const e of entries) {
			const bar = "#"
				.repeat(Math.round((e.total / max) * width))
				.padEnd(width, " ")
				.split("");
			if (cut !== undefined) {
				const at = Math.min(width - 1, Math.round((cut / max) * width));
				if (bar[at] === " ") bar[at] = "|";
			}
			lines.push(`${e.date}  ${bar.join("")}  ${String(e.total).padStart(3)} ${e.band}`);
		}
		return { stdout: `${lines.join("\n")}\n` };
	},
};

export const measureScheduleCommand: Command = {
	name: "measure schedule",
	synopsis: "measure schedule <vault> --client CODE [--set ID=session|monthly|review,… | --clear]",
	summary: "Which measures the client gets and how often (the brief lists those due).",
	args: ["<vault>"],
	options: [
		CLIENT_OPTION,
		{ name: "set", value: "ID=EVERY,…", description: "Replace the schedule: phq9=session,gad7=monthly,pcl5=review." },
		{ name: "clear", description: "Remove the schedule." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	async run(ctx) {
		const set = stringOption(ctx.options, "set");
		if (set !== undefined && ctx.options.clear === true) throw usageError("Give --set or --clear, not both.");
		const schedule =
			set === undefined
				? null
				: set.split(",").map((pair) => {
						const [id, every] = pair.split("=").map((x) => x.trim());
						if (!id || !every || !(SCHEDULES as readonly string[]).includes(every))
							throw usageError(`--set takes ID=session|monthly|review pairs separated by commas, not "${pair}".`);
						return { measure: id, every: every as Schedule };
					});
		const s = await session(ctx);
		if (!s) return cancelled();
		const { definitions } = await registry(ctx, s.open);
		const service = new MeasuresService({ record: s.open.record, clock: systemClock, definitions });
		if (schedule) for (const item of schedule) asUsage(() => service.definition(item.measure));
		const file = await withUnlocked(s.open, s.passphrase, async () => {
			if (schedule !== null || ctx.options.clear === true) await service.setSchedule(s.client, schedule ?? []);
			return service.read(s.client, "internal");
		});
		if (file.schedule.length === 0) return { stdout: `No measures are scheduled for ${s.client}.\n` };
		return {
			stdout: `${file.schedule.map((x) => `${definitions.get(x.measure)?.name ?? x.measure}: ${x.every === "session" ? "every session" : x.every === "monthly" ? "monthly" : "at each plan review"}`).join("\n")}\n`,
		};
	},
};
