/**
 * Runs one draft at a time for the plugin: shows progress in a status bar item ("Drafting · N
 * characters"), and a live view of the streamed text in a modal (held in memory only, cleared when
 * it closes). Cancels on request: clicking the item, the "Cancel drafting" command, the modal's
 * button, or a lock.
 */
import { holdClientText } from "../common/clientTextModals";
import { Modal, Setting, type App } from "obsidian";
import { ClinicalVaultError } from "../../core/errors";
import type { DraftingService, DraftProgress, DraftRequest, DraftResult } from "../../core/drafting/DraftingService";
import { StatusBarJob, type JobState } from "../common/StatusBarJob";

interface Running extends JobState {
	progress: DraftProgress | null;
	live: DraftStreamModal | null;
}

/** The streamed text as it arrives; never written anywhere. */
export class DraftStreamModal extends Modal {
	private textEl: HTMLElement | null = null;
	private stageEl: HTMLElement | null = null;

	constructor(
		app: App,
		private readonly onCancel: () => void,
	) {
		super(app);
	}

	private release: () => void = () => undefined;

	override onOpen(): void {
		this.release = holdClientText(this);
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-draft-stream-modal");
		this.setTitle("Drafting note");
		this.stageEl = this.contentEl.createEl("p", { cls: "clinical-vault-draft-stage", text: "Waiting for the model…" });
		this.textEl = this.contentEl.createEl("pre", { cls: "clinical-vault-draft-stream" });
		new Setting(this.contentEl)
			.addButton((button) =>
				button
					.setButtonText("Cancel drafting")
					.setWarning()
					.onClick(() => this.onCancel()),
			)
			.addButton((button) => button.setButtonText("Hide").onClick(() => this.close()));
	}

	update(progress: DraftProgress, cancelling: boolean): void {
		this.stageEl?.setText(cancelling ? "Cancelling…" : describe(progress));
		if (progress.text !== undefined) this.textEl?.setText(progress.text);
	}

	override onClose(): void {
		this.release();
		this.textEl?.setText("");
		this.textEl = null;
		this.stageEl = null;
		this.contentEl.empty();
	}
}

function describe(progress: DraftProgress | null): string {
	if (!progress || progress.stage === "reading") return "Drafting · reading the input";
	if (progress.stage === "condensing") return `Condensing · pass ${progress.pass ?? 1} of ${progress.passes ?? 1} · ${progress.characters} characters`;
	if (progress.stage === "checking") return "Drafting · checking the draft";
	if (progress.stage === "saving") return "Drafting · saving";
	return `Drafting · ${progress.characters} characters`;
}

export class DraftRunner extends StatusBarJob<Running> {
	constructor(
		private readonly app: App,
		el: HTMLElement,
	) {
		super(el, "clinical-vault-draft", "Cancel drafting");
		this.render();
	}

	/** Drafts with progress and cancel; a cancel throws Cancelled whose reason is "clinician" or "lock". */
	async run(service: DraftingService, request: Omit<DraftRequest, "signal" | "onProgress">, options: { live?: boolean } = {}): Promise<DraftResult> {
		if (this.job) throw new ClinicalVaultError("invalid-input", "A note is already being drafted. Wait for it or cancel it from the status bar.");
		const controller = new AbortController();
		const running: Running = { controller, progress: null, done: Promise.resolve(), reason: null, live: null };
		if (options.live !== false) {
			running.live = new DraftStreamModal(this.app, () => void this.cancel("clinician"));
			running.live.open();
		}
		const work = service.draft({
			...request,
			signal: controller.signal,
			onProgress: (progress) => {
				running.progress = progress;
				running.live?.update(progress, controller.signal.aborted);
				this.render();
			},
		});
		try {
			return await this.track(running, work);
		} finally {
			running.live?.close();
			running.live = null;
		}
	}

	protected describe(job: Running): string {
		return job.controller.signal.aborted ? "Cancelling drafting…" : describe(job.progress);
	}
}
