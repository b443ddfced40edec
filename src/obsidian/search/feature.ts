/**
 * The search feature: the encrypted index of the record (opened after unlock, saved and closed
 * before lock) and the search pane.
 */
import { SEARCH_VIEW_TYPE } from "../common/viewTypes";
import type { Plugin } from "obsidian";
import type { CommandContext } from "../common/context";
import { commandRunners, type Feature } from "../common/feature";
import { describeSearchIndex, openSearch, openSearchHit } from "./searchFlows";
import { SearchView } from "./SearchView";

export function searchFeature(ctx: CommandContext): Feature {
	const { search } = ctx.care;
	const { session, ops } = ctx;
	return {
		name: "search",
		register(plugin: Plugin) {
			const { run } = commandRunners(ctx);
			plugin.registerView(
				SEARCH_VIEW_TYPE,
				(leaf) =>
					new SearchView(leaf, {
						search: (query, options) => search.search(query, options),
						clients: () => session.record.listClients(),
						open: (hit) => {
							ops.run(() => openSearchHit(ctx, hit));
						},
						describeIndex: () => describeSearchIndex(search),
						onIndexChange: (listener) => search.onUpdate(listener),
					}),
			);
			plugin.addCommand({ id: "search-record", name: "Search clinical record", callback: run(openSearch) });
		},
		beforeLock: () => search.beforeLock(),
		afterUnlock() {
			ops.run(() => search.start(session.record));
		},
		afterLock() {
			ctx.app.workspace.detachLeavesOfType(SEARCH_VIEW_TYPE);
			search.stop();
		},
	};
}
