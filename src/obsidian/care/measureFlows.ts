/**
 * Measurement-based care in the plugin (commands registered in feature.ts): "Enter outcome
 * measure" (the client, then the form in MeasureModal.ts; scored by code and saved encrypted by
 * MeasuresService, which rewrites the client's measures page) and "Open measures" (that page in
 * the encrypted view). The measures known are the built-in ones and the clinician's own YAML
 * definitions in `<templates folder>/measures/`, plain text that never holds client data, read
 * through the vault adapter; the pre-session brief gets the same definitions (careFlows.ts).
 */
import { normalizePath, type App } from "obsidian";
import { localDay } from "../../core/calendar";
import { NOTE_PATH } from "../../core/notes/kinds";
import { ClinicalVaultError, toClinicalError } from "../../core/errors";
import type { MeasureRegistry } from "../../core/measures/registry";
import { clientInFocus } from "../record/clientInFocus";
import type { CommandContext } from "../common/context";
import { activeEncryptedView, openRecordFile } from "../record/EncryptedView";
import { displayError, inform } from "../common/notify";

// The measures code (definitions and scores are zod schemas, the clinician's definitions YAML) and
// the form are loaded on first use, so Obsidian's start-up does not run them.
const registryModule = () => import("../../core/measures/registry");
const serviceModule = () => import("../../core/measures/MeasuresService");
const scoresModule = () => import("../../core/measures/scores");
const modalModule = () => import("./MeasureModal");

/** The problems already shown in this Obsidian window: each is said once, not at every command. */
const shownProblems = new WeakMap<App, Set<string>>();

function showOnce(app: App, problem: string): void {
	const shown = shownProblems.get(app) ?? new Set<string>();
	shownProblems.set(app, shown);
	if (shown.has(problem)) return;
	shown.add(problem);
	displayError(new ClinicalVaultError("invalid-input", problem));
}

/**
 * The built-in measures and the clinician's own from `<templatesFolder>/measures/*.yaml`. A file
 * that cannot be read or used is left out and said once as a notice; this never fails.
 */
export async function loadMeasureRegistry(app: App, templatesFolder: string): Promise<MeasureRegistry> {
	const { loadMeasures, MEASURES_FOLDER } = await registryModule();
	const adapter = app.vault.adapter;
	const folder = normalizePath(`${templatesFolder}/${MEASURES_FOLDER}`);
	const files: { name: string; text: string }[] = [];
	const unread: string[] = [];
	try {
		if (await adapter.exists(folder)) {
			const listed = await adapter.list(folder);
			for (const path of listed.files.filter((p) => /\.ya?ml$/i.test(p)).sort()) {
				const name = path.slice(path.lastIndexOf("/") + 1);
				try {
					files.push({ name, text: await adapter.read(path) });
				} catch (error) {
					unread.push(`The measure definition ${MEASURES_FOLDER}/${name} cannot be read (${toClinicalError(error).message}).`);
				}
			}
		}
	} catch (error) {
		unread.push(`The measure definitions in ${folder}/ cannot be listed (${toClinicalError(error).message}); only the built-in measures are available.`);
	}
	const loaded = loadMeasures(files);
	for (const problem of unread) showOnce(app, problem);
	for (const problem of loaded.problems) showOnce(app, `${problem} It is left out until the file in ${folder}/ is fixed; the other measures can be used.`);
	return loaded;
}

function registryFor(ctx: CommandContext): Promise<MeasureRegistry> {
	return loadMeasureRegistry(ctx.app, ctx.drafting.settings().templatesFolder);
}

/** The measure definitions for the pre-session brief. */
export async function briefDefinitions(ctx: CommandContext): Promise<MeasureRegistry["definitions"]> {
	return (await registryFor(ctx)).definitions;
}

/** "Enter outcome measure": the client in focus (else picked), then the form; the score is saved encrypted and the measures page rewritten. */
export async function enterMeasure(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const [{ definitions }, { MeasuresService }, { enterMeasureScore }] = await Promise.all([registryFor(ctx), serviceModule(), modalModule()]);
	const service = new MeasuresService({ record, clock: ctx.session.clock, definitions });
	const notes = (await record.list({ client }))
		.map((e) => e.recordPath)
		.filter((p) => NOTE_PATH.test(p))
		.sort()
		.reverse();
	const active = activeEncryptedView(ctx.app)?.currentRecordPath ?? null;
	// An open measures page follows the rewrite by itself (record change events, record/NoteDocument.ts).
	await enterMeasureScore(ctx.app, {
		client,
		definitions: [...definitions.values()],
		today: localDay(ctx.session.clock.now()),
		notes,
		session: active !== null && notes.includes(active) ? active : null,
		save: async (request) => {
			const result = await ctx.session.track(service.add({ client, ...request }));
			const def = service.definition(result.entry.measure);
			const { entry, replaced } = result;
			const parts = [`${def.name} saved for ${client}, ${entry.date}: total ${entry.total} (${entry.band}).`];
			if (replaced) parts.push(`It replaces the score entered before (total ${replaced.total}).`);
			if (entry.prorated > 0) parts.push(`${entry.prorated} unanswered item${entry.prorated === 1 ? "" : "s"} prorated as the measure's manual allows.`);
			if (entry.alerts.length > 0)
				parts.push(`${entry.alerts.length} item alert${entry.alerts.length === 1 ? "" : "s"}: listed in the pre-session brief.`);
			inform(parts.join(" "));
			return result;
		},
	});
}

/** "Open measures": the client's measures page (charts and table) in the encrypted view. */
export async function openMeasures(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const { MEASURES_PAGE_NAME } = await scoresModule();
	const path = `${client}/${MEASURES_PAGE_NAME}`;
	if (!(await record.exists(path))) {
		inform(`No scores yet for ${client}.`);
		return;
	}
	await openRecordFile(ctx.app, ctx.session, path);
}
