/**
 * The notes feature: a new session note, drafting from a transcript or a summary with the local
 * model (one drafting job in the status bar), the review list, signing, addenda and "Copy for EHR".
 * The default templates are written to the templates folder after unlock.
 */
import type { Plugin } from "obsidian";
import { NOTE_PATH } from "../../core/notes/kinds";
import type { CommandContext } from "../common/context";
import { commandRunners, type Feature } from "../common/feature";
import { activeEncryptedView } from "../record/EncryptedView";
import {
	addAddendumToNote,
	cancelDrafting,
	copyNoteForEhr,
	draftFromSummary,
	draftFromTranscript,
	ensureTemplatesOnUnlock,
	newSessionNote,
	showReview,
	signActiveNote,
} from "./noteFlows";

export function notesFeature(ctx: CommandContext): Feature {
	const runner = ctx.drafting.runner;
	return {
		name: "notes",
		register(plugin: Plugin) {
			const { run, when } = commandRunners(ctx);
			plugin.addCommand({ id: "new-session-note", name: "New session note", callback: run(newSessionNote) });
			plugin.addCommand({ id: "draft-note-from-transcript", name: "Draft note from transcript", callback: run(draftFromTranscript) });
			plugin.addCommand({ id: "draft-note-from-summary", name: "Draft note from summary", callback: run(draftFromSummary) });
			plugin.addCommand({ id: "cancel-drafting", name: "Cancel drafting", checkCallback: when(() => runner.isRunning, cancelDrafting) });
			/** A command offered while a session note is open in the encrypted view. */
			const onNote = (flow: (ctx: CommandContext) => Promise<void>) =>
				when(() => NOTE_PATH.test(activeEncryptedView(ctx.app)?.currentRecordPath ?? ""), flow);
			plugin.addCommand({ id: "show-review-list", name: "Show review list", checkCallback: onNote(showReview) });
			plugin.addCommand({ id: "sign-note", name: "Sign note", checkCallback: onNote(signActiveNote) });
			plugin.addCommand({ id: "add-addendum", name: "Add addendum", checkCallback: onNote(addAddendumToNote) });
			plugin.addCommand({ id: "copy-for-ehr", name: "Copy for EHR", checkCallback: onNote(copyNoteForEhr) });
		},
		beforeLock: () => runner.cancelForLock(),
		afterUnlock() {
			ctx.ops.run(() => ensureTemplatesOnUnlock(ctx));
		},
		isBusy: () => runner.isRunning,
	};
}
