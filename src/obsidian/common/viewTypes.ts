/**
 * The plugin's view types and how a pane is opened, below every feature: a feature that must close another's pane (consent
 * revoked closes the brief and search panes, which may quote what was erased) names it from here.
 */
import type { App, View } from "obsidian";

export const VIEW_TYPE = "clinical-vault-record";
export const BRIEF_VIEW_TYPE = "clinical-vault-brief";
export const SEARCH_VIEW_TYPE = "clinical-vault-search";
export const PRIVACY_VIEW_TYPE = "clinical-vault-privacy";

/** The pane of `type`: the open one, else a new tab; revealed either way. */
export async function revealPane(app: App, type: string): Promise<View> {
	const existing = app.workspace.getLeavesOfType(type)[0];
	const leaf = existing ?? app.workspace.getLeaf("tab");
	if (!existing) await leaf.setViewState({ type, active: true });
	await app.workspace.revealLeaf(leaf);
	return leaf.view;
}
