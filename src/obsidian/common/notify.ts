/**
 * The plugin's single error funnel. Cancellation is silent; everything else becomes a
 * ClinicalVaultError and is shown to the clinician as a notice. Nothing is ever logged: details
 * may name files, and the console is not a place for anything about the record.
 */
import { Notice } from "obsidian";
import { Cancelled, isCancelled, toClinicalError } from "../../core/errors";

/** How long error notices stay (ms): long enough to read a sentence or two. */
const ERROR_NOTICE_MS = 10_000;

export function displayError(error: unknown): void {
	if (isCancelled(error)) return;
	new Notice(toClinicalError(error).message, ERROR_NOTICE_MS);
}

/** A short confirmation for the clinician (never clinical content). */
export function inform(message: string): void {
	new Notice(message);
}

/** What a modal or flow throws when the clinician cancels: the one Cancelled of core/errors.ts, on which `displayError` stays silent. */
export function cancelled(): Cancelled {
	return new Cancelled();
}

/**
 * Runs clinician-triggered work in the background: errors go through the funnel, and tests can
 * wait for everything in flight with `idle()`.
 */
export class Operations {
	private readonly pending = new Set<Promise<void>>();

	run(task: () => Promise<unknown>): void {
		const promise = (async () => {
			try {
				await task();
			} catch (error) {
				displayError(error);
			}
		})();
		this.pending.add(promise);
		void promise.finally(() => this.pending.delete(promise));
	}

	/** Resolves when no operation is in flight (including ones started while waiting). */
	async idle(): Promise<void> {
		while (this.pending.size > 0) await Promise.all([...this.pending]);
	}
}
