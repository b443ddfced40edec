/**
 * A cancellable model job shown in a status bar item ("Parts map · asking the model · 1,240
 * characters"): proposals for the parts map and the treatment plan. One at a time; clicking the
 * item, the lock, or the cancel command stops it (the model's connection is closed and nothing is
 * written).
 */
import { ClinicalVaultError } from "../../core/errors";
import { StatusBarJob, type JobState } from "../common/StatusBarJob";

interface Running extends JobState {
	label: string;
	stage: string;
	characters: number;
}

export interface JobProgress {
	/** "asking the model", "checking", … */
	stage?: string;
	characters?: number;
}

export class ModelJob extends StatusBarJob<Running> {
	constructor(el: HTMLElement, prefix = "clinical-vault-model-job") {
		super(el, prefix, "Cancel");
		this.render();
	}

	/** Runs `work` with a signal and a progress callback; a cancel rethrows as Cancelled with its reason. */
	async run<T>(label: string, work: (signal: AbortSignal, progress: (p: JobProgress) => void) => Promise<T>): Promise<T> {
		if (this.job) throw new ClinicalVaultError("invalid-input", `${this.job.label} is still running. Wait for it or cancel it from the status bar.`);
		const controller = new AbortController();
		const running: Running = { controller, done: Promise.resolve(), reason: null, label, stage: "starting", characters: 0 };
		return this.track(
			running,
			work(controller.signal, (p) => {
				if (p.stage !== undefined) running.stage = p.stage;
				if (p.characters !== undefined) running.characters = p.characters;
				this.render();
			}),
		);
	}

	protected describe(job: Running): string {
		if (job.controller.signal.aborted) return `${job.label} · cancelling…`;
		return `${job.label} · ${job.stage}${job.characters > 0 ? ` · ${job.characters.toLocaleString("en-US")} characters` : ""}`;
	}
}
