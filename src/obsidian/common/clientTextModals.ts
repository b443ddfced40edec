/**
 * Lock clears the screen. Every modal that shows or takes client text (proposals with the
 * session's words, the review list, the de-identification report, the summary and addendum
 * inputs, pickers listing clients, the streamed draft) registers here while it is open; when the
 * record locks, all of them close, so no client text stays on screen behind a locked record.
 *
 * What the clinician was typing is not lost: before the keys go, a form that can keep its text
 * (the session summary, an addendum) saves it encrypted in the record and the clinician is told
 * where; closing then drops it from memory.
 */

export interface ClientTextModal {
	close(): void;
	/** Saves what was typed, encrypted, while the record is still unlocked; returns where (null: nothing to keep). */
	keep?: () => Promise<string | null>;
}

const open = new Set<ClientTextModal>();

/** Registers an open modal; call the returned function when it closes. */
export function holdClientText(modal: ClientTextModal): () => void {
	open.add(modal);
	return () => {
		open.delete(modal);
	};
}

/**
 * Before the lock: every open form that can keep its text saves it. Returns the record paths
 * written and the failures (each form is tried; a failure does not stop the others).
 */
export async function keepTypedText(): Promise<{ kept: string[]; failed: unknown[] }> {
	const kept: string[] = [];
	const failed: unknown[] = [];
	for (const modal of [...open]) {
		try {
			const path = await modal.keep?.();
			if (path) kept.push(path);
		} catch (error) {
			failed.push(error);
		}
	}
	return { kept, failed };
}

/** After the lock: closes every modal with client text. Returns how many were open. */
export function closeClientTextModals(): number {
	const modals = [...open];
	open.clear();
	for (const modal of modals) modal.close();
	return modals.length;
}

/** How many are open (tests, the status of a lock). */
export function openClientTextModals(): number {
	return open.size;
}
