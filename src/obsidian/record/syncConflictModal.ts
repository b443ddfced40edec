/**
 * "Resolve sync conflicts": the copies a sync tool left beside record files, listed in one modal.
 * Choosing one shows the record file and the copy side by side as plain text (never rendered: the
 * text goes in with setText, so nothing in it is markdown, HTML or a link), lines that differ
 * marked, and three buttons: keep this note, keep the copy, keep both. Nothing is removed until a
 * button is pressed; a copy that does not decrypt is listed with the reason and offers no button.
 * The modal shows client text, so it closes when the record locks.
 */
import { Modal, Setting, type App } from "obsidian";
import { isCancelled, toClinicalError } from "../../core/errors";
import { lineDiff, versionText, type ConflictChoice, type ConflictVersions, type SyncConflict } from "../../core/record/syncConflicts";
import { holdClientText } from "../common/clientTextModals";

export interface SyncConflictModalSpec {
	conflicts: SyncConflict[];
	/** Both versions of one conflict (audited as opens). */
	load(conflict: SyncConflict): Promise<ConflictVersions>;
	/** Resolves it (telling the clinician what was kept); returns the conflicts still waiting. */
	resolve(versions: ConflictVersions, choice: ConflictChoice): Promise<SyncConflict[]>;
}

function madeBy(c: SyncConflict): string {
	const details = [c.device ? `device ${c.device}` : "", c.when ?? ""].filter((d) => d !== "");
	return `${c.toolName}${details.length ? ` (${details.join(", ")})` : ""}`;
}

export class SyncConflictModal extends Modal {
	private conflicts: SyncConflict[];
	private selected: SyncConflict | null = null;
	private versions: ConflictVersions | null = null;
	private listEl: HTMLElement | null = null;
	private detailEl: HTMLElement | null = null;
	private errorEl: HTMLElement | null = null;
	private busy = false;
	private release: () => void = () => undefined;
	private settle: () => void = () => undefined;
	/** Resolves when the modal closes. */
	readonly result: Promise<void>;

	constructor(
		app: App,
		private readonly spec: SyncConflictModalSpec,
	) {
		super(app);
		this.conflicts = [...spec.conflicts];
		this.result = new Promise((resolve) => (this.settle = resolve));
	}

	override onOpen(): void {
		this.release = holdClientText(this);
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-sync-conflict-modal");
		this.setTitle("Sync conflicts");
		this.contentEl.createEl("p", {
			cls: "clinical-vault-modal-description",
			text: "A sync tool kept two versions of these files. Both stay in the record until you choose which to keep.",
		});
		this.listEl = this.contentEl.createEl("ul", { cls: "clinical-vault-conflict-list" });
		this.detailEl = this.contentEl.createDiv({ cls: "clinical-vault-conflict-detail" });
		this.errorEl = this.contentEl.createDiv({ cls: "clinical-vault-modal-error" });
		this.renderList();
		const first = this.conflicts[0];
		if (first) void this.select(first);
	}

	override onClose(): void {
		this.release();
		this.dropVersions();
		this.contentEl.empty();
		this.settle();
	}

	private dropVersions(): void {
		this.versions?.copy.fill(0);
		this.versions?.original?.fill(0);
		this.versions = null;
	}

	private showError(error: unknown): void {
		if (isCancelled(error)) return;
		this.errorEl?.setText(toClinicalError(error).message);
	}

	private renderList(): void {
		const list = this.listEl;
		if (!list) return;
		list.empty();
		for (const conflict of this.conflicts) {
			const item = list.createEl("li", { cls: "clinical-vault-conflict-item mod-clickable" });
			if (conflict === this.selected) item.addClass("is-selected");
			item.createSpan({ cls: "clinical-vault-conflict-path", text: conflict.recordPath });
			item.createSpan({ cls: "clinical-vault-conflict-tool", text: ` · ${madeBy(conflict)}${conflict.decrypts ? "" : " · cannot be read"}` });
			item.addEventListener("click", () => void this.select(conflict));
		}
	}

	private async select(conflict: SyncConflict): Promise<void> {
		if (this.busy) return;
		this.selected = conflict;
		this.dropVersions();
		this.errorEl?.setText("");
		this.renderList();
		const detail = this.detailEl;
		if (!detail) return;
		detail.empty();
		detail.createEl("p", { text: `Copy: ${conflict.storePath}`, cls: "clinical-vault-conflict-copy-path" });
		if (!conflict.decrypts) {
			detail.createEl("p", {
				cls: "clinical-vault-problem",
				text: `This copy cannot be read as ${conflict.recordPath}: ${conflict.problem ?? "it does not decrypt"}. It is kept; Clinical Vault never removes it. If it is not needed, move it out of the clinical folder yourself.`,
			});
			return;
		}
		this.busy = true;
		try {
			const versions = await this.spec.load(conflict);
			if (this.selected !== conflict) {
				versions.copy.fill(0);
				versions.original?.fill(0);
				return;
			}
			this.versions = versions;
			this.renderVersions(detail, versions);
		} catch (error) {
			this.showError(error);
		} finally {
			this.busy = false;
		}
	}

	private renderVersions(detail: HTMLElement, v: ConflictVersions): void {
		const c = v.conflict;
		if (v.originalSigned)
			detail.createEl("p", {
				text: "This note is signed: the copy cannot replace it. Keep the note, or keep both.",
				cls: "clinical-vault-conflict-note",
			});
		if (v.originalProblem) detail.createEl("p", { text: `This note cannot be read: ${v.originalProblem}`, cls: "clinical-vault-problem" });
		else if (v.original === null)
			detail.createEl("p", { text: "This note is missing here: the copy is the only version.", cls: "clinical-vault-conflict-note" });
		const columns = detail.createDiv({ cls: "clinical-vault-conflict-columns" });
		const originalText = versionText(v.original, v.isText);
		const copyText = versionText(v.copy, v.isText);
		const diff = v.isText ? lineDiff(originalText, copyText) : [];
		const column = (title: string, side: "original" | "copy", text: string, present: boolean) => {
			const col = columns.createDiv({ cls: `clinical-vault-conflict-version clinical-vault-conflict-${side}` });
			col.createEl("h4", { text: title });
			const pre = col.createEl("pre", { cls: "clinical-vault-conflict-text" });
			if (!present) {
				pre.setText("Not in the record on this computer.");
				return;
			}
			if (!v.isText) {
				pre.setText(text);
				return;
			}
			for (const line of diff) {
				if (line.kind !== "same" && line.kind !== side) continue;
				pre.createDiv({
					cls: line.kind === "same" ? "clinical-vault-conflict-line" : "clinical-vault-conflict-line is-different",
					text: line.text === "" ? " " : line.text,
				});
			}
		};
		column("This note", "original", originalText, v.original !== null);
		column(`The copy (${madeBy(c)})`, "copy", copyText, true);
		const buttons = new Setting(detail);
		const choose = (choice: ConflictChoice) => () => void this.choose(choice);
		buttons.addButton((b) => {
			b.setButtonText("Keep this note").onClick(choose("original"));
			if (v.original === null || v.originalProblem) b.setDisabled(true);
		});
		buttons.addButton((b) => {
			b.setButtonText("Keep the copy").onClick(choose("copy"));
			if (v.originalSigned || v.originalSignatureUnknown || v.originalProblem) b.setDisabled(true);
		});
		buttons.addButton((b) => b.setButtonText("Keep both").setCta().onClick(choose("both")));
		buttons.addButton((b) => b.setButtonText("Close").onClick(() => this.close()));
	}

	private async choose(choice: ConflictChoice): Promise<void> {
		const versions = this.versions;
		if (this.busy || !versions) return;
		this.busy = true;
		this.errorEl?.setText("");
		try {
			const remaining = await this.spec.resolve(versions, choice);
			this.conflicts = remaining;
			this.dropVersions();
			this.selected = null;
			this.busy = false;
			const next = remaining[0];
			if (!next) {
				this.close();
				return;
			}
			await this.select(next);
		} catch (error) {
			this.showError(error);
		} finally {
			this.busy = false;
		}
	}
}

export function showSyncConflicts(app: App, spec: SyncConflictModalSpec): Promise<void> {
	const modal = new SyncConflictModal(app, spec);
	modal.open();
	return modal.result;
}
