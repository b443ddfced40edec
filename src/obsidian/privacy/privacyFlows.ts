/**
 * The privacy pane's commands: "Show privacy view" (outbound connections, live) and "Run privacy
 * check". Both work while the record is locked.
 */
import { PRIVACY_VIEW_TYPE, revealPane } from "../common/viewTypes";
import type { CommandContext } from "../common/context";
import { inform } from "../common/notify";
import type { PrivacyView } from "./PrivacyView";

async function privacyView(ctx: CommandContext): Promise<PrivacyView> {
	return (await revealPane(ctx.app, PRIVACY_VIEW_TYPE)) as PrivacyView;
}

/** "Show privacy view": outbound connections (live) and the privacy check. Works locked too. */
export async function showPrivacy(ctx: CommandContext): Promise<void> {
	await privacyView(ctx);
}

/** "Run privacy check": the checks that need the key run when the record is unlocked; the others always. */
export async function runPrivacyCheckFlow(ctx: CommandContext): Promise<void> {
	const report = await (await privacyView(ctx)).runCheck();
	if (report)
		inform(
			report.clean
				? "Privacy check: nothing found that puts the record at risk."
				: `Privacy check: ${report.findings.filter((f) => f.severity !== "info").length} thing(s) to fix. See the privacy view.`,
		);
}
