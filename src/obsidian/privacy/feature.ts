/**
 * The privacy feature: the privacy pane (every outbound connection, live, and the privacy check)
 * and its commands. It works locked; its pane closes on lock, as the check's findings can name
 * paths that hold a client's name.
 */
import { PRIVACY_VIEW_TYPE } from "../common/viewTypes";
import type { Plugin } from "obsidian";
import { egressLog } from "../../core/net/egress";
import { runPrivacyCheck } from "../../core/privacy/check";
import { leftoverPrivateDirs } from "../../engines/privateTemp";
import type { CommandContext } from "../common/context";
import { commandRunners, type Feature } from "../common/feature";
import { runPrivacyCheckFlow, showPrivacy } from "./privacyFlows";
import { PrivacyView } from "./PrivacyView";

export function privacyFeature(ctx: CommandContext): Feature {
	const { app, session } = ctx;
	return {
		name: "privacy",
		register(plugin: Plugin) {
			const { run } = commandRunners(ctx);
			plugin.registerView(
				PRIVACY_VIEW_TYPE,
				(leaf) =>
					new PrivacyView(leaf, {
						entries: () => egressLog.entries(),
						onEgress: (listener) => egressLog.onChange(listener),
						check: () =>
							runPrivacyCheck({
								record: session.record,
								configDirs: [app.vault.configDir],
								retentionHours: ctx.settings().audioRetentionHours,
								leftoverTempDirs: () => leftoverPrivateDirs(ctx.deps().tempRoot),
							}),
					}),
			);
			plugin.addCommand({ id: "show-privacy", name: "Show privacy view (outbound connections)", callback: run(showPrivacy) });
			plugin.addCommand({ id: "privacy-check", name: "Run privacy check", callback: run(runPrivacyCheckFlow) });
		},
		afterLock() {
			app.workspace.detachLeavesOfType(PRIVACY_VIEW_TYPE);
		},
	};
}
