/**
 * The care feature: the pre-session brief (its own pane, memory only), the longitudinal parts map,
 * the living treatment plan (with reviews due shown after unlock) and outcome measures. Model work
 * runs as one job in the status bar, cancelled by a lock; proposals are approved before anything
 * is written.
 */
import { BRIEF_VIEW_TYPE } from "../common/viewTypes";
import type { Plugin } from "obsidian";
import type { CommandContext } from "../common/context";
import { commandRunners, type Feature } from "../common/feature";
import { BriefView } from "./BriefView";
import { prepareBrief } from "./briefFlows";
import { enterMeasure, openMeasures } from "./measureFlows";
import { openPartsMap, updatePartsMap } from "./partsFlows";
import { draftTreatmentPlan, markPlanReviewed, openTreatmentPlan, showReviewsDue, updatePlanProgress } from "./planFlows";

export function careFeature(ctx: CommandContext): Feature {
	const job = ctx.care.job;
	return {
		name: "care",
		register(plugin: Plugin) {
			const { run, when } = commandRunners(ctx);
			plugin.registerView(BRIEF_VIEW_TYPE, (leaf) => new BriefView(leaf));
			plugin.addCommand({ id: "prepare-brief", name: "Prepare pre-session brief", callback: run(prepareBrief) });
			plugin.addCommand({ id: "update-parts-map", name: "Update parts map from session", callback: run(updatePartsMap) });
			plugin.addCommand({ id: "open-parts-map", name: "Open parts map", callback: run(openPartsMap) });
			plugin.addCommand({ id: "draft-treatment-plan", name: "Draft treatment plan from intake", callback: run(draftTreatmentPlan) });
			plugin.addCommand({ id: "update-plan-progress", name: "Update plan progress from session", callback: run(updatePlanProgress) });
			plugin.addCommand({ id: "open-treatment-plan", name: "Open treatment plan", callback: run(openTreatmentPlan) });
			plugin.addCommand({ id: "mark-plan-reviewed", name: "Mark treatment plan reviewed", callback: run(markPlanReviewed) });
			plugin.addCommand({ id: "enter-measure", name: "Enter outcome measure", callback: run(enterMeasure) });
			plugin.addCommand({ id: "open-measures", name: "Open measures", callback: run(openMeasures) });
			plugin.addCommand({
				id: "cancel-model-job",
				name: "Cancel parts map or plan update",
				checkCallback: when(
					() => job.isRunning,
					() => Promise.resolve(void job.cancel("clinician")),
				),
			});
		},
		beforeLock: () => job.cancelForLock(),
		afterUnlock() {
			ctx.ops.run(() => showReviewsDue(ctx));
		},
		afterLock() {
			ctx.app.workspace.detachLeavesOfType(BRIEF_VIEW_TYPE);
		},
		isBusy: () => job.isRunning,
	};
}
