/**
 * The pre-session brief in a pane of its own. The brief is held in memory only (never written to
 * the vault) and the pane is closed on lock. Links to notes open them in the encrypted view.
 */
import { Component, ItemView, MarkdownRenderer, type WorkspaceLeaf } from "obsidian";
import { blockRemoteContent } from "../../core/markdown/remoteContent";
import { BRIEF_VIEW_TYPE } from "../common/viewTypes";

export class BriefView extends ItemView {
	private markdown = "";
	private title = "Pre-session brief";
	private rendered: Component | null = null;

	constructor(leaf: WorkspaceLeaf) {
		super(leaf);
		this.icon = "clipboard-list";
	}

	getViewType(): string {
		return BRIEF_VIEW_TYPE;
	}

	override getDisplayText(): string {
		return this.title;
	}

	override async onOpen(): Promise<void> {
		this.contentEl.addClass("clinical-vault-brief");
		this.contentEl.addEventListener("click", (event) => {
			const link = (event.target as HTMLElement | null)?.closest("a.internal-link");
			const href = link?.getAttribute("data-href") ?? link?.getAttribute("href");
			if (!href) return;
			event.preventDefault();
			void this.app.workspace.openLinkText(href, "", false);
		});
		await this.render();
	}

	/** Shows a brief (markdown with links to the encrypted notes). */
	async show(title: string, markdown: string): Promise<void> {
		this.title = title;
		this.markdown = markdown;
		await this.render();
	}

	private async render(): Promise<void> {
		this.contentEl.empty();
		if (this.rendered) this.removeChild(this.rendered);
		this.rendered = this.addChild(new Component());
		const el = this.contentEl.createDiv({ cls: "clinical-vault-brief-body markdown-rendered" });
		if (this.markdown === "") {
			el.createEl("p", { text: "No brief prepared yet: use the command to prepare one." });
			return;
		}
		// The brief quotes the notes: nothing in it may fetch from another host.
		await MarkdownRenderer.render(this.app, blockRemoteContent(this.markdown).markdown, el, "", this.rendered);
	}

	override async onClose(): Promise<void> {
		this.markdown = "";
		this.contentEl.empty();
	}
}
