/**
 * "Prepare pre-session brief": the deterministic brief for the client in focus, in its own pane
 * (memory only; closed on lock). The brief's sources module is loaded on first use.
 */
import { BRIEF_VIEW_TYPE, revealPane } from "../common/viewTypes";
import { buildBrief, renderBrief } from "../../core/brief/brief";
import { localDay } from "../../core/calendar";
import type { CommandContext } from "../common/context";
import { clientInFocus } from "../record/clientInFocus";
import type { BriefView } from "./BriefView";

const sourcesModule = () => import("../../core/brief/sources");
const measureFlowsModule = () => import("./measureFlows");

async function briefView(ctx: CommandContext): Promise<BriefView> {
	return (await revealPane(ctx.app, BRIEF_VIEW_TYPE)) as BriefView;
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
	await view.show(
		`Brief: ${client}`,
		renderBrief(brief, (p) => record.layout.storePath(p)),
	);
}
