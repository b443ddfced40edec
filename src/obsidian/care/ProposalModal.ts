/**
 * The approval step for proposed changes (parts map, treatment plan): every change is listed with
 * its one-line summary, the session's words that support it and a toggle. Nothing is written until
 * the clinician presses "Apply selected"; closing the modal applies nothing. Changes that would
 * replace something the clinician wrote by hand start unticked and are marked. What the checks left
 * out of the model's answer is listed below the changes (item and reason). Every model string is
 * set as text (createEl text, setName), never rendered as markdown or HTML.
 */
import { holdClientText } from "../common/clientTextModals";
import { Modal, Setting, type App } from "obsidian";
import type { Change } from "../../core/proposals/proposals";

/** A string of the model's answer the checks left out or changed (named by item, never by its text). */
export interface CheckedItem {
	item: string;
	reason: string;
}

export interface ProposalSpec {
	title: string;
	description: string;
	changes: readonly Change[];
	/** What the checks left out of the model's answer (risk domain, a diagnosis not in the note, …). */
	dropped?: readonly CheckedItem[];
	/** Where the client's name was replaced by "the client". */
	redacted?: readonly CheckedItem[];
	applyText?: string;
}

export class ProposalModal extends Modal {
	private readonly chosen = new Set<string>();
	private answer: string[] | null = null;
	private settle: (ids: string[] | null) => void = () => undefined;
	readonly result: Promise<string[] | null>;
	private countEl: HTMLElement | null = null;

	constructor(
		app: App,
		private readonly spec: ProposalSpec,
	) {
		super(app);
		this.result = new Promise((resolve) => (this.settle = resolve));
		for (const change of spec.changes) if (!change.conflict) this.chosen.add(change.id);
	}

	private release: () => void = () => undefined;

	override onOpen(): void {
		this.release = holdClientText(this);
		const { contentEl, spec } = this;
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-proposal-modal");
		this.setTitle(spec.title);
		contentEl.createEl("p", { text: spec.description, cls: "clinical-vault-modal-description" });
		const list = contentEl.createDiv({ cls: "clinical-vault-proposal-list" });
		for (const change of spec.changes) {
			const row = new Setting(list).setName(change.summary).addToggle((toggle) =>
				toggle.setValue(this.chosen.has(change.id)).onChange((on) => {
					if (on) this.chosen.add(change.id);
					else this.chosen.delete(change.id);
					this.renderCount();
				}),
			);
			row.settingEl.addClass("clinical-vault-proposal-item");
			row.settingEl.dataset.changeId = change.id;
			const desc = row.descEl;
			desc.createSpan({ cls: "clinical-vault-proposal-kind", text: change.kind });
			if (change.conflict) {
				row.settingEl.addClass("clinical-vault-proposal-conflict");
				desc.createSpan({ cls: "clinical-vault-proposal-warning", text: " Replaces something you edited by hand." });
			}
			if (change.evidence) desc.createEl("blockquote", { cls: "clinical-vault-proposal-evidence", text: change.evidence });
		}
		if (spec.changes.length === 0) list.createEl("p", { text: "Nothing new in this session: the page already reflects it." });
		this.renderChecked(contentEl, "Left out by the checks (yours to write if it belongs in the record):", spec.dropped ?? []);
		this.renderChecked(contentEl, 'The client\'s name was replaced by "the client" in:', spec.redacted ?? []);
		this.countEl = contentEl.createEl("p", { cls: "clinical-vault-proposal-count" });
		this.renderCount();
		new Setting(contentEl)
			.addButton((button) =>
				button
					.setButtonText(spec.applyText ?? "Apply selected")
					.setCta()
					.onClick(() => {
						this.answer = spec.changes.filter((c) => this.chosen.has(c.id)).map((c) => c.id);
						this.close();
					}),
			)
			.addButton((button) => button.setButtonText("Cancel").onClick(() => this.close()));
	}

	private renderChecked(parent: HTMLElement, heading: string, items: readonly CheckedItem[]): void {
		if (items.length === 0) return;
		const section = parent.createDiv({ cls: "clinical-vault-proposal-checked" });
		section.createEl("p", { cls: "clinical-vault-modal-description", text: heading });
		const list = section.createEl("ul");
		for (const d of items) list.createEl("li", { text: `${d.item}: ${d.reason}` });
	}

	private renderCount(): void {
		this.countEl?.setText(`${this.chosen.size} of ${this.spec.changes.length} selected.`);
	}

	override onClose(): void {
		this.release();
		this.contentEl.empty();
		this.countEl = null;
		this.settle(this.answer);
	}
}

/** Shows the proposal; resolves with the accepted ids (possibly none), or null when closed without applying. */
export function reviewProposal(app: App, spec: ProposalSpec): Promise<string[] | null> {
	const modal = new ProposalModal(app, spec);
	modal.open();
	return modal.result;
}
