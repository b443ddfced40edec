/**
 * One cancellable background job at a time, shown in a status bar item (a loader icon and a line
 * of text, hidden when idle); clicking the item cancels the job. Shared by transcription and
 * drafting. A cancel records who asked ("clinician" or "lock") so the flow can say why it stopped.
 */
import { setIcon } from "obsidian";
import { Cancelled, isCancelled } from "../../core/errors";

export interface JobState {
	controller: AbortController;
	/** Settles when the job has stopped (never rejects). */
	done: Promise<unknown>;
	/** Why it was cancelled, once it was. */
	reason: "clinician" | "lock" | null;
}

export abstract class StatusBarJob<J extends JobState> {
	protected job: J | null = null;
	private readonly iconEl: HTMLElement;
	private readonly textEl: HTMLElement;

	/** `prefix` names the item's CSS classes (`<prefix>-status`, `-icon`, `-text`). */
	constructor(
		protected readonly el: HTMLElement,
		prefix: string,
		private readonly cancelLabel: string,
	) {
		el.addClass(`${prefix}-status`, "mod-clickable");
		this.iconEl = el.createSpan({ cls: `${prefix}-icon` });
		this.textEl = el.createSpan({ cls: `${prefix}-text` });
		el.addEventListener("click", () => void this.cancel("clinician"));
	}

	get isRunning(): boolean {
		return this.job !== null;
	}

	/** Cancels the running job; returns false when there is none. */
	cancel(reason: "clinician" | "lock" = "clinician"): boolean {
		const job = this.job;
		if (!job) return false;
		job.reason ??= reason;
		job.controller.abort();
		this.render();
		return true;
	}

	/** Before lock: cancels and waits until the job has stopped. */
	async cancelForLock(): Promise<void> {
		const job = this.job;
		if (!job) return;
		this.cancel("lock");
		await job.done;
	}

	/**
	 * Shows `running` until `work` settles and resolves with its result. A cancel is rethrown as
	 * Cancelled whose reason says who cancelled ("clinician" or "lock"), keeping `keptAt` (the
	 * partial result a job saved) when there is one.
	 */
	protected async track<T>(running: J, work: Promise<T>): Promise<T> {
		running.done = work.catch(() => undefined);
		this.job = running;
		this.render();
		try {
			return await work;
		} catch (error) {
			if (isCancelled(error) && running.reason) {
				const cancelled = new Cancelled(running.reason);
				const keptAt = (error as { keptAt?: string }).keptAt;
				if (keptAt !== undefined) (cancelled as { keptAt?: string }).keptAt = keptAt;
				throw cancelled;
			}
			throw error;
		} finally {
			this.job = null;
			this.render();
		}
	}

	/** The item's text for a running job. */
	protected abstract describe(job: J): string;

	protected render(): void {
		const job = this.job;
		this.el.toggleClass("clinical-vault-hidden", job === null);
		if (!job) {
			this.iconEl.empty();
			this.textEl.setText("");
			this.el.removeAttribute("aria-label");
			return;
		}
		setIcon(this.iconEl, "loader");
		this.el.setAttr("aria-label", this.cancelLabel);
		this.textEl.setText(this.describe(job));
	}
}
