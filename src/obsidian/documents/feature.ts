/**
 * The documents feature: documents drafted from the record (summary, letter, supervision,
 * handout), psychotherapy notes kept apart, export as PDF or plain text, and de-identification
 * for supervision.
 */
import type { Plugin } from "obsidian";
import type { CommandContext } from "../common/context";
import { commandRunners, type Feature } from "../common/feature";
import { activeEncryptedView } from "../record/EncryptedView";
import { deidentifyActiveNote, draftDocument, exportActiveNote, newPsychotherapyNoteFlow } from "./documentFlows";

export function documentsFeature(ctx: CommandContext): Feature {
	return {
		name: "documents",
		register(plugin: Plugin) {
			const { run, when } = commandRunners(ctx);
			plugin.addCommand({ id: "draft-document", name: "Draft document (summary, letter, supervision, handout)", callback: run(draftDocument) });
			plugin.addCommand({ id: "new-psychotherapy-note", name: "New psychotherapy note (kept apart)", callback: run(newPsychotherapyNoteFlow) });
			/** A command offered while a note, document or psychotherapy note is open. */
			const onMarkdown = (flow: (ctx: CommandContext) => Promise<void>) =>
				when(() => /\.md$/.test(activeEncryptedView(ctx.app)?.currentRecordPath ?? ""), flow);
			plugin.addCommand({ id: "export-pdf", name: "Export note as PDF", checkCallback: onMarkdown((c) => exportActiveNote(c, "pdf")) });
			plugin.addCommand({ id: "export-text", name: "Export note as plain text", checkCallback: onMarkdown((c) => exportActiveNote(c, "text")) });
			plugin.addCommand({ id: "deidentify", name: "De-identify note for supervision", checkCallback: onMarkdown(deidentifyActiveNote) });
		},
	};
}
