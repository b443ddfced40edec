/**
 * The treatment plan's commands: draft from intake, update progress from a session, open, mark
 * reviewed, and the reviews due shown after unlock. The plan service loads on first use.
 */
import { ClinicalVaultError } from "../../core/errors";
import type { PlanProposal, TreatmentPlanService } from "../../core/plan/TreatmentPlanService";
import type { CommandContext } from "../common/context";
import { inform } from "../common/notify";
import { clientInFocus } from "../record/clientInFocus";
import { openRecordFile } from "../record/EncryptedView";
import { approve, llmFor, modelJob, sessionInFocus } from "./proposalFlow";

const planModule = () => import("../../core/plan/TreatmentPlanService");
const planPageModule = () => import("../../core/plan/page");

async function planProposal(
	ctx: CommandContext,
	title: string,
	propose: (service: TreatmentPlanService, signal: AbortSignal, onProgress: (n: number) => void) => Promise<PlanProposal>,
): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const { TreatmentPlanService } = await planModule();
	const service = new TreatmentPlanService({ record, llm: llmFor(ctx), clock: ctx.session.clock });
	const proposal = await modelJob(ctx, "Treatment plan", (signal, onProgress) => propose(service, signal, onProgress));
	if (!proposal) return;
	const { set } = proposal;
	const dropped = set.dropped?.length ?? 0;
	const droppedNote =
		dropped > 0
			? ` ${dropped} item${dropped === 1 ? " was" : "s were"} left out (not supported by the note, naming a diagnosis, or about risk, which is yours to write).`
			: "";
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
	await planProposal(ctx, "Draft treatment plan", (service, signal, onProgress) =>
		service.proposeDraft(target.client, target.session, { model, signal, onProgress }),
	);
}

/** "Update plan progress from session": progress entries per objective, evidenced by the session, each approved. */
export async function updatePlanProgress(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const target = await sessionInFocus(ctx, record, "Choose the session to update plan progress from");
	if (!target) return;
	const model = ctx.drafting.settings().llmModel;
	await planProposal(ctx, "Update plan progress", (service, signal, onProgress) =>
		service.proposeProgress(target.client, target.session, { model, signal, onProgress }),
	);
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
		if (a.review && a.review.state !== "ok")
			lines.push(`${a.client}: plan review ${a.review.state === "overdue" ? `overdue since ${a.review.nextReview}` : `due ${a.review.nextReview}`}`);
		const overdue = a.objectives.filter((o) => o.overdue).length;
		const soon = a.objectives.length - overdue;
		if (a.objectives.length > 0)
			lines.push(
				`${a.client}: ${overdue > 0 ? `${overdue} objective${overdue === 1 ? "" : "s"} past target` : ""}${overdue > 0 && soon > 0 ? ", " : ""}${soon > 0 ? `${soon} due within two weeks` : ""}`,
			);
	}
	if (lines.length > 0) inform(`Treatment plans needing attention:\n${lines.join("\n")}`);
}
