/** The status bar item: "Record locked" or "Record unlocked"; a click locks or asks to unlock. */
import { setIcon } from "obsidian";

export class LockStatusBar {
	private readonly iconEl: HTMLElement;
	private readonly textEl: HTMLElement;

	constructor(
		private readonly el: HTMLElement,
		onClick: () => void,
	) {
		el.addClass("clinical-vault-status", "mod-clickable");
		this.iconEl = el.createSpan({ cls: "clinical-vault-status-icon" });
		this.textEl = el.createSpan({ cls: "clinical-vault-status-text" });
		el.addEventListener("click", onClick);
		this.render(false);
	}

	render(unlocked: boolean): void {
		setIcon(this.iconEl, unlocked ? "unlock" : "lock");
		this.textEl.setText(unlocked ? "Record unlocked" : "Record locked");
		this.el.setAttr("aria-label", unlocked ? "Lock the clinical record" : "Unlock the clinical record");
		this.el.toggleClass("is-unlocked", unlocked);
	}
}
