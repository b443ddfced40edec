/*
 * The parts map, plan, brief sources and document services are loaded on first use (dynamic
 * import): their schemas (zod) are large, and loading them at start-up would slow every Obsidian
 * launch for work that is done a few times a week.
 */
const partsModule = () => import("../core/parts/PartsMapService");
const planModule = () => import("../core/plan/TreatmentPlanService");
const planPageModule = () => import("../core/plan/page");
const sourcesModule = () => import("../core/brief/sources");
const measureFlowsModule = () => import("./measureFlows");

/**
 * The flows behind the longitudinal commands (registered in commands.ts): the pre-session brief,
 * the parts map and the treatment plan. Model work runs in the ModelJob status item (cancellable,
 * cancelled by a lock); proposals are shown in the ProposalModal and nothing is written before the
 * clinician applies them.
 */
import { buildBrief, renderBrief } from "../core/brief/brief";
import { localDay } from "../core/calendar";
import { NOTE_PATH } from "../core/notes/kinds";
import { ClinicalVaultError, isCancelled, type Cancelled } from "../core/errors";
import type { PlanProposal, TreatmentPlanService } from "../core/plan/TreatmentPlanService";
import type { Change, ProposalSet } from "../core/proposals/proposals";
import type { ClinicalRecord } from "../core/record/ClinicalRecord";
import { llmClient } from "./engineToken";
import type { LlmClient } from "../core/llm/LlmClient";
import { BRIEF_VIEW_TYPE, BriefView } from "./BriefView";
import { clientInFocus } from "./clientInFocus";
import type { CommandContext } from "./context";
import { EncryptedView, openRecordFile } from "./EncryptedView";
import { chooseRecordFile } from "./modals";
import { inform } from "./notify";
import type { SearchController } from "./SearchController";
import { SEARCH_VIEW_TYPE } from "./SearchView";
import { PRIVACY_VIEW_TYPE, type PrivacyView } from "./PrivacyView";
import type { SearchHit } from "../core/search/types";
import { reviewProposal, type CheckedItem } from "./ProposalModal";

export type { CareServices } from "./context";


async function briefView(ctx: CommandContext): Promise<BriefView> {
	const existing = ctx.app.workspace.getLeavesOfType(BRIEF_VIEW_TYPE)[0];
	const leaf = existing ?? ctx.app.workspace.getLeaf("tab");
	if (!existing) await leaf.setViewState({ type: BRIEF_VIEW_TYPE, active: true });
	await ctx.app.workspace.revealLeaf(leaf);
	return leaf.view as BriefView;
}

/** "Prepare pre-session brief": the deterministic brief for the client in focus, in its own pane (memory only). */
export async function prepareBrief(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const today = localDay(ctx.session.clock.now());
	const [{ briefSources }, { briefDefinitions }] = await Promise.all([sourcesModule(), measureFlowsModule()]);
	// The measures known (built-in and the clinician's own) give the brief its Measures section and item alerts.
	const definitions = await briefDefinitions(ctx);
	const brief = await ctx.session.track(buildBrief(record, { client, today, sources: briefSources(record, ctx.session.clock, definitions) }));
	const view = await briefView(ctx);
	await view.show(`Brief: ${client}`, renderBrief(brief, (p) => record.layout.storePath(p)));
}

/** On lock: the brief and search panes go, with what they showed. */
export function closeBriefViews(ctx: Pick<CommandContext, "app">): void {
	ctx.app.workspace.detachLeavesOfType(BRIEF_VIEW_TYPE);
	ctx.app.workspace.detachLeavesOfType(SEARCH_VIEW_TYPE);
	// The check's findings can name paths that hold a client's name.
	ctx.app.workspace.detachLeavesOfType(PRIVACY_VIEW_TYPE);
}

async function privacyView(ctx: CommandContext): Promise<PrivacyView> {
	const existing = ctx.app.workspace.getLeavesOfType(PRIVACY_VIEW_TYPE)[0];
	const leaf = existing ?? ctx.app.workspace.getLeaf("tab");
	if (!existing) await leaf.setViewState({ type: PRIVACY_VIEW_TYPE, active: true });
	await ctx.app.workspace.revealLeaf(leaf);
	return leaf.view as PrivacyView;
}

/** "Show privacy view": outbound connections (live) and the privacy check. Works locked too. */
export async function showPrivacy(ctx: CommandContext): Promise<void> {
	await privacyView(ctx);
}

/** "Run privacy check": the checks that need the key run when the record is unlocked; the others always. */
export async function runPrivacyCheckFlow(ctx: CommandContext): Promise<void> {
	const report = await (await privacyView(ctx)).runCheck();
	if (report) inform(report.clean ? "Privacy check: nothing found that puts the record at risk." : `Privacy check: ${report.findings.filter((f) => f.severity !== "info").length} thing(s) to fix. See the privacy view.`);
}

/** "Search clinical record": the search pane (unlocks first). */
export async function openSearch(ctx: CommandContext): Promise<void> {
	await ctx.session.ensureUnlocked();
	const existing = ctx.app.workspace.getLeavesOfType(SEARCH_VIEW_TYPE)[0];
	const leaf = existing ?? ctx.app.workspace.getLeaf("tab");
	if (!existing) await leaf.setViewState({ type: SEARCH_VIEW_TYPE, active: true });
	await ctx.app.workspace.revealLeaf(leaf);
}

/** Opens a search result at its passage. */
export async function openSearchHit(ctx: CommandContext, hit: SearchHit): Promise<void> {
	const view = await openRecordFile(ctx.app, ctx.session, hit.recordPath);
	await view?.revealLine(hit.line);
}

/** One line about the index for the search pane. */
export function describeSearchIndex(search: SearchController): string {
	const status = search.status();
	if (!status?.open) return "The index opens when the record is unlocked.";
	const count = (n: number, one: string) => `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;
	const parts = [`${count(status.passages, "passage")} from ${count(status.files, "file")}`];
	if (search.embedProgress) parts.push(`adding meaning: ${search.embedProgress.done} of ${search.embedProgress.total}`);
	else parts.push(status.embedded === status.passages ? "all searchable by meaning" : `${status.embedded.toLocaleString("en-US")} searchable by meaning`);
	return `${parts.join("; ")}.${search.semanticProblem ? ` ${search.semanticProblem}` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// Proposals: parts map and treatment plan

function llmFor(ctx: CommandContext): LlmClient {
	const settings = ctx.drafting.settings();
	return llmClient(ctx.app, settings);
}

/** The session note in focus, else one the clinician picks among the client's notes (newest first). */
export async function sessionInFocus(ctx: CommandContext, record: ClinicalRecord, prompt: string): Promise<{ client: string; session: string } | null> {
	const active = ctx.app.workspace.getActiveViewOfType(EncryptedView)?.currentRecordPath;
	if (active && NOTE_PATH.test(active)) return { client: active.split("/")[0]!, session: active };
	const client = await clientInFocus(ctx, record);
	if (!client) return null;
	const notes = (await record.list({ client }))
		.map((e) => e.recordPath)
		.filter((p) => NOTE_PATH.test(p))
		.sort()
		.reverse();
	if (notes.length === 0) throw new ClinicalVaultError("not-found", `${client} has no session notes yet.`);
	const session = await chooseRecordFile(ctx.app, notes, prompt);
	return session ? { client, session } : null;
}

/** Runs a model job in the status bar; a cancel says so and returns null (nothing was written). */
async function modelJob<T>(ctx: CommandContext, label: string, work: (signal: AbortSignal, onProgress: (characters: number) => void) => Promise<T>): Promise<T | null> {
	try {
		return await ctx.care.job.run(label, (signal, progress) => {
			progress({ stage: "asking the model" });
			return work(signal, (characters) => progress({ characters }));
		});
	} catch (error) {
		if (isCancelled(error)) {
			inform(`${label}: ${(error as Partial<Cancelled>).reason === "lock" ? "stopped because the record locked" : "cancelled"}. Nothing was changed.`);
			return null;
		}
		throw error;
	}
}

/** Shows the proposal; returns the accepted ids, or null when the clinician closed it (the proposal stays saved). */
async function approve<C extends Change>(ctx: CommandContext, title: string, set: ProposalSet<C> & { dropped?: readonly CheckedItem[]; redacted?: readonly CheckedItem[] }): Promise<string[] | null> {
	const ids = await reviewProposal(ctx.app, {
		title,
		description: `From ${set.source}. Tick what is right; nothing is written until you apply. Changes you untick are not proposed again for this session.`,
		changes: set.changes,
		...(set.dropped && set.dropped.length > 0 ? { dropped: set.dropped } : {}),
		...(set.redacted && set.redacted.length > 0 ? { redacted: set.redacted } : {}),
	});
	if (ids === null) inform("Nothing was applied. The proposal is kept, encrypted: run the command again to review it without asking the model again.");
	return ids;
}

export async function updatePartsMap(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const target = await sessionInFocus(ctx, record, "Choose the session to update the parts map from");
	if (!target) return;
	const { PartsMapService } = await partsModule();
	const service = new PartsMapService({ record, clock: ctx.session.clock });
	const saved = await service.reusable(target.client, target.session);
	const set =
		saved ??
		(await modelJob(ctx, "Parts map", (signal, onProgress) =>
			service.propose({ ...target, model: ctx.drafting.settings().llmModel, llm: llmFor(ctx), signal, onProgress }),
		));
	if (!set) return;
	if (set.changes.length === 0) {
		inform(`The parts map already reflects ${target.session}. Nothing to change.`);
		return;
	}
	const ids = await approve(ctx, "Update parts map", set);
	if (ids === null) return;
	const result = await ctx.session.track(service.apply(set, ids));
	inform(result.applied.length === 0 ? "No change applied; the parts map is unchanged apart from remembering what you declined." : `Parts map updated: ${result.applied.length} change${result.applied.length === 1 ? "" : "s"} applied.`);
	await openRecordFile(ctx.app, ctx.session, result.path);
}

export async function openPartsMap(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const { PartsMapService } = await partsModule();
	const service = new PartsMapService({ record, clock: ctx.session.clock });
	if (!(await record.exists(service.path(client)))) {
		throw new ClinicalVaultError("not-found", `${client} has no parts map yet. Open a session note and run "Update parts map from session".`);
	}
	await openRecordFile(ctx.app, ctx.session, service.path(client));
}

async function planProposal(ctx: CommandContext, title: string, propose: (service: TreatmentPlanService, signal: AbortSignal, onProgress: (n: number) => void) => Promise<PlanProposal>): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const { TreatmentPlanService } = await planModule();
	const service = new TreatmentPlanService({ record, llm: llmFor(ctx), clock: ctx.session.clock });
	const proposal = await modelJob(ctx, "Treatment plan", (signal, onProgress) => propose(service, signal, onProgress));
	if (!proposal) return;
	const { set } = proposal;
	const dropped = set.dropped?.length ?? 0;
	const droppedNote = dropped > 0 ? ` ${dropped} item${dropped === 1 ? " was" : "s were"} left out (not supported by the note, naming a diagnosis, or about risk, which is yours to write).` : "";
	if (set.changes.length === 0) {
		inform(`Nothing to add to the treatment plan from ${set.source}.${droppedNote}`);
		return;
	}
	if (droppedNote) inform(droppedNote.trim());
	const ids = await approve(ctx, title, set);
	if (ids === null) return;
	const result = await ctx.session.track(service.apply(set, ids));
	if (!result.written) {
		inform("No change applied; the treatment plan is unchanged.");
		return;
	}
	inform(`Treatment plan updated: ${result.applied.length} change${result.applied.length === 1 ? "" : "s"} applied.`);
	await openRecordFile(ctx.app, ctx.session, result.written);
}

/** "Draft treatment plan": from the intake note in focus (or chosen); each part approved before the plan is written. */
export async function draftTreatmentPlan(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const target = await sessionInFocus(ctx, record, "Choose the intake note to draft the plan from");
	if (!target) return;
	const model = ctx.drafting.settings().llmModel;
	await planProposal(ctx, "Draft treatment plan", (service, signal, onProgress) => service.proposeDraft(target.client, target.session, { model, signal, onProgress }));
}

/** "Update plan progress from session": progress entries per objective, evidenced by the session, each approved. */
export async function updatePlanProgress(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const target = await sessionInFocus(ctx, record, "Choose the session to update plan progress from");
	if (!target) return;
	const model = ctx.drafting.settings().llmModel;
	await planProposal(ctx, "Update plan progress", (service, signal, onProgress) => service.proposeProgress(target.client, target.session, { model, signal, onProgress }));
}

export async function openTreatmentPlan(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const { planPath } = await planPageModule();
	if (!(await record.exists(planPath(client)))) {
		throw new ClinicalVaultError("not-found", `${client} has no treatment plan yet. Open the intake note and run "Draft treatment plan".`);
	}
	await openRecordFile(ctx.app, ctx.session, planPath(client));
}

/** "Mark treatment plan reviewed": today becomes the last review; the next one is set from the plan's interval. */
export async function markPlanReviewed(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const { TreatmentPlanService } = await planModule();
	const status = await ctx.session.track(new TreatmentPlanService({ record, clock: ctx.session.clock }).markReviewed(client));
	inform(`Treatment plan of ${client} marked reviewed. Next review: ${status.nextReview}.`);
}

/** On unlock: plan reviews and objectives due within two weeks or overdue, in one notice. */
export async function showReviewsDue(ctx: CommandContext): Promise<void> {
	// Never asks for the passphrase: if the record locked again meanwhile, there is nothing to show.
	const record = ctx.session.record;
	if (!record.isUnlocked) return;
	const { TreatmentPlanService } = await planModule();
	const alerts = await ctx.session.track(new TreatmentPlanService({ record, clock: ctx.session.clock }).reviewsDue({ withinDays: 14 }));
	const lines: string[] = [];
	for (const a of alerts) {
		if (a.error) lines.push(`${a.client}: the treatment plan cannot be read (${a.error})`);
		if (a.review && a.review.state !== "ok") lines.push(`${a.client}: plan review ${a.review.state === "overdue" ? `overdue since ${a.review.nextReview}` : `due ${a.review.nextReview}`}`);
		const overdue = a.objectives.filter((o) => o.overdue).length;
		const soon = a.objectives.length - overdue;
		if (a.objectives.length > 0) lines.push(`${a.client}: ${overdue > 0 ? `${overdue} objective${overdue === 1 ? "" : "s"} past target` : ""}${overdue > 0 && soon > 0 ? ", " : ""}${soon > 0 ? `${soon} due within two weeks` : ""}`);
	}
	if (lines.length > 0) inform(`Treatment plans needing attention:\n${lines.join("\n")}`);
}
