/** The search pane's command, opening a hit at its passage, and the pane's line about the index. */
import { SEARCH_VIEW_TYPE, revealPane } from "../common/viewTypes";
import type { SearchHit } from "../../core/search/types";
import type { CommandContext } from "../common/context";
import { openRecordFile } from "../record/EncryptedView";
import type { SearchController } from "./SearchController";

/** "Search clinical record": the search pane (unlocks first). */
export async function openSearch(ctx: CommandContext): Promise<void> {
	await ctx.session.ensureUnlocked();
	await revealPane(ctx.app, SEARCH_VIEW_TYPE);
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
