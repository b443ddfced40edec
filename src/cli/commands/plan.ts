/**
 * `clinical-vault plan <vault> --client CODE [--draft-from record-path | --from-session record-path]
 *  [--accept all|none|ids] [--json] [--model NAME] [--llm KIND=URL]`: the client's living treatment plan.
 *
 *   no flag                 prints the plan page (markdown), or with --json its data, review status,
 *                           objectives due and pending proposals; the review status goes to stderr.
 *   --draft-from PATH       proposes a plan from an intake note; --from-session PATH proposes
 *                           progress entries from a session note. The model is asked once, the
 *                           proposal is saved (encrypted) and printed as JSON {source, changes…};
 *                           nothing is written to the plan. Asked again while the plan is unchanged,
 *                           the saved proposal is printed again (same ids, no model call).
 *   --accept all|none|ids   applies the accepted changes (with a source flag: of that proposal; alone:
 *                           of the one pending proposal). "all" leaves out conflict changes.
 */
import { proposalArgs } from "../proposalArgs";
import { localDay } from "../../core/calendar";
import { cliLlm, LLM_OPTIONS } from "../engines";
import { ClinicalVaultError } from "../../core/errors";
import type { PlanProposal, PlanProposalSet } from "../../core/plan/TreatmentPlanService";
import { ACCEPT_OPTION, PASSPHRASE_FILE_OPTION, requiredOption, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { systemClock } from "../../core/clock";
import { MeasuresService } from "../../core/measures/MeasuresService";
import { objectiveProgress } from "../../core/measures/objectives";
import { measureRegistry } from "../measures";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";

function proposalJson(set: Pick<PlanProposalSet, "kind" | "source" | "changes" | "dropped" | "redacted">, extra: Record<string, unknown>): string {
	return `${JSON.stringify(
		{
			kind: set.kind,
			source: set.source,
			...extra,
			changes: set.changes.map((c) => ({ id: c.id, kind: c.kind, summary: c.summary, evidence: c.evidence ?? null, conflict: c.conflict === true })),
			dropped: set.dropped ?? [],
			redacted: set.redacted ?? [],
		},
		null,
		2,
	)}\n`;
}

export const planCommand: Command = {
	name: "plan",
	synopsis:
		"plan <vault> --client CODE [--draft-from record-path | --from-session record-path] [--accept all|none|ids] [--json] [--model NAME] [--llm KIND=URL | --ollama URL] [--context TOKENS]",
	summary: "Show the client's treatment plan, or propose and accept changes to it (draft from intake, progress from a session).",
	args: ["<vault>"],
	options: [
		{ name: "client", value: "CODE", description: "The client whose plan it is." },
		{ name: "draft-from", value: "record-path", description: "Propose a plan from this intake note (only for a client without a plan)." },
		{ name: "from-session", value: "record-path", description: "Propose progress entries per objective from this session note." },
		ACCEPT_OPTION,
		{ name: "json", description: "Print the plan's data with its review status instead of the page." },
		...LLM_OPTIONS,
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Nothing is written to the plan until changes are accepted. The diagnosis is never the model's: a draft only offers to copy the intake's own \"Diagnosis\" section, verbatim.",
		"Text between <!-- cv:generated … --> markers is regenerated; write your own notes outside them. The ```yaml block is the plan's data and may be edited by hand.",
	],
	async run(context) {
		const { io, args, options } = context;
		const client = validClientCode(requiredOption(options, "client", "plan needs --client CODE."));
		const draftFrom = stringOption(options, "draft-from");
		const fromSession = stringOption(options, "from-session");
		if (draftFrom !== undefined && fromSession !== undefined) throw usageError("plan takes --draft-from or --from-session, not both.");
		const { source: sourcePath, accept, json } = proposalArgs(options, client, draftFrom ?? fromSession, "plan");

		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const { llm, model } = asUsage(() => cliLlm(options, io.env, open.settings));
		const passphrase = await currentPassphrase(context);
		if (typeof passphrase !== "string") return cancelled();
		const { TreatmentPlanService } = await import("../../core/plan/TreatmentPlanService");
		const service = new TreatmentPlanService({ record: open.record, llm });
		const measures = (await measureRegistry(io, args.vault!, open.settings)).definitions;

		return withCancelSignal((signal) =>
			withUnlocked(open, passphrase, async () => {
				await requireClient(open, client);
				if (sourcePath !== undefined && accept === "none") {
					// Rejecting needs no proposal computed again (and no model).
					const kind = draftFrom !== undefined ? "plan-draft" : "plan-progress";
					const set = await service.discard(client, kind, sourcePath);
					notice(
						io,
						set
							? "The proposal was rejected; nothing was written to the plan."
							: "There was no pending proposal for this note; nothing was changed.",
					);
					return { stdout: proposalJson(set ?? { kind, source: sourcePath, changes: [] }, { applied: [], written: null }) };
				}
				if (sourcePath !== undefined) {
					let shown = 0;
					const propose = draftFrom !== undefined ? service.proposeDraft.bind(service) : service.proposeProgress.bind(service);
					const proposal: PlanProposal = await propose(client, sourcePath, {
						model,
						signal,
						onProgress: (characters) => {
							if (characters - shown >= 400) {
								shown = characters;
								notice(io, `asking the model: ${characters} characters`);
							}
						},
					});
					if (proposal.reused) notice(io, "Using the saved proposal for this note (the plan has not changed since): no model call.");
					if ((proposal.set.dropped ?? []).length > 0)
						notice(io, `${proposal.set.dropped!.length} item(s) of the model's answer were left out (see "dropped").`);
					if ((proposal.set.redacted ?? []).length > 0)
						notice(io, `The client's name was replaced by "the client" in ${proposal.set.redacted!.length} item(s) (see "redacted").`);
					if (proposal.set.changes.length === 0) notice(io, "No changes to propose.");
					if (accept === undefined) {
						if (proposal.set.changes.length > 0) notice(io, `Nothing was written to the plan. Accept with: --accept all (or ids)`);
						return { stdout: proposalJson(proposal.set, { reused: proposal.reused }) };
					}
					const result = proposal.set.changes.length === 0 ? { applied: [], written: null } : await service.apply(proposal.set, accept);
					return { stdout: proposalJson(proposal.set, { reused: proposal.reused, applied: result.applied, written: result.written }) };
				}
				if (accept !== undefined) {
					const pending = await service.pending(client);
					if (pending.length === 0)
						throw new ClinicalVaultError(
							"not-found",
							`${client} has no pending treatment-plan proposal. Make one with --draft-from or --from-session.`,
						);
					if (pending.length > 1) {
						throw new ClinicalVaultError(
							"usage",
							`${client} has ${pending.length} pending treatment-plan proposals (${pending.map((p) => `${p.kind} from ${p.source}`).join("; ")}): name one with --draft-from or --from-session together with --accept.`,
						);
					}
					const result = await service.apply(pending[0]!, accept);
					return { stdout: proposalJson(pending[0]!, { applied: result.applied, written: result.written }) };
				}
				const loaded = await service.load(client, { audit: true });
				if (!loaded)
					throw new ClinicalVaultError("not-found", `${client} has no treatment plan yet. Draft one from the intake note with --draft-from.`);
				const { review } = loaded;
				notice(
					io,
					review.state === "overdue"
						? `Plan review overdue by ${-review.daysLeft} day(s) (was due ${review.nextReview}).`
						: review.state === "due-soon"
							? `Plan review due in ${review.daysLeft} day(s) (${review.nextReview}).`
							: `Next plan review: ${review.nextReview}.`,
				);
				// Objectives that target a measure: what the scores show, for the review.
				const scores = await new MeasuresService({ record: open.record, clock: systemClock, definitions: measures }).read(client, "internal");
				const measured = objectiveProgress(loaded.page.data, scores, measures, localDay(systemClock.now()));
				for (const m of measured) notice(io, `Measured objective ${m.line}.`);
				if (!json) return { stdout: loaded.page.text };
				const pending = await service.pending(client);
				const { generated: _generated, written: _written, ...front } = loaded.page.front;
				return {
					stdout: `${JSON.stringify({ path: loaded.page.path, ...front, data: loaded.page.data, review, objectivesDue: loaded.objectivesDue, measuredObjectives: measured, pending: pending.map((p) => ({ kind: p.kind, source: p.source, changes: p.changes.length })) }, null, 2)}\n`,
				};
			}),
		);
	},
};
