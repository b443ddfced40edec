/**
 * "Import notes and transcripts into the record" (issue 18; registered in feature.ts): a folder of
 * the vault outside the clinical folder (an existing Obsidian folder of session notes, transcripts
 * from other tools, recordings) is planned by src/core/import (client by code or name of a folder,
 * the client: field, or a client the clinician picks for the rest; dates from fields, names or
 * text), shown, and imported only when the clinician says so. Each file is encrypted and read back.
 * The plaintext originals are then removed only on a second yes, permanently (through the store, not
 * to the trash, where a plaintext note would wait), and only those read back from the record.
 */
import { Modal, Setting, TFile, TFolder, type App } from "obsidian";
import type { ImportPlan, ImportSource } from "../../core/import/importPlan";
import { pickClient } from "./clients";
import { holdClientText } from "../common/clientTextModals";
import type { CommandContext } from "../common/context";
import { chooseFolder, confirm } from "../common/modals";
import { inform } from "../common/notify";

const importModules = () => Promise.all([import("../../core/import/importPlan"), import("../../core/import/runImport")]);

/** The plan as the clinician reads it, with the button that imports. */
class ImportPlanModal extends Modal {
	private answer = false;
	private settle: (answer: boolean) => void = () => undefined;
	readonly result: Promise<boolean>;
	private release: () => void = () => undefined;

	constructor(
		app: App,
		private readonly plan: ImportPlan,
	) {
		super(app);
		this.result = new Promise((resolve) => (this.settle = resolve));
	}

	override onOpen(): void {
		this.release = holdClientText(this);
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-import-modal");
		const { items, skipped, already } = this.plan;
		const count = (kind: string) => items.filter((i) => i.kind === kind).length;
		this.setTitle("Import into the clinical record");
		this.contentEl.createEl("p", {
			text: `${count("note")} notes, ${count("transcript")} transcripts and ${count("audio")} recordings will be encrypted into the record. ${already.length} already imported; ${skipped.length} skipped. Nothing is replaced, and the originals stay until you choose to remove them.`,
		});
		const list = this.contentEl.createEl("ul", { cls: "clinical-vault-summary" });
		for (const i of items) {
			const li = list.createEl("li", { text: `${i.source} → ${i.target} (client by ${i.clientFrom}; date from ${i.dateFrom})` });
			for (const note of i.notes) li.createDiv({ text: note, cls: "clinical-vault-import-note" });
		}
		for (const s of skipped) list.createEl("li", { text: `Skipped: ${s.source}: ${s.reason}`, cls: "clinical-vault-import-skipped" });
		new Setting(this.contentEl)
			.addButton((button) => {
				button
					.setButtonText(`Import ${items.length} files`)
					.setCta()
					.setDisabled(items.length === 0)
					.onClick(() => {
						this.answer = true;
						this.close();
					});
			})
			.addButton((button) => button.setButtonText("Cancel").onClick(() => this.close()));
	}

	override onClose(): void {
		this.release();
		this.contentEl.empty();
		this.settle(this.answer);
	}
}

/** The folder's files as import sources: "FOLDER/relative/path", read through the vault. */
function sourcesOf(app: App, folder: TFolder): { sources: ImportSource[]; files: Map<string, TFile> } {
	const files = new Map<string, TFile>();
	for (const file of app.vault.getFiles()) {
		if (!file.path.startsWith(`${folder.path}/`)) continue;
		files.set(`${folder.name}/${file.path.slice(folder.path.length + 1)}`, file);
	}
	const sources = [...files].map(([path, file]): ImportSource => ({ path, read: async () => new Uint8Array(await app.vault.readBinary(file)) }));
	return { sources, files };
}

export async function importIntoRecord(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const root = record.layout.root;
	const folders = ctx.app.vault
		.getAllLoadedFiles()
		.filter(
			(f): f is TFolder =>
				f instanceof TFolder &&
				f.path !== "/" &&
				f.path !== "" &&
				f.path !== root &&
				!f.path.startsWith(`${root}/`) &&
				!f.path.split("/").some((s) => s.startsWith(".")),
		);
	if (folders.length === 0) {
		inform("There is no folder outside the clinical folder to import from. Put the notes, transcripts or recordings in a folder of the vault first.");
		return;
	}
	const folder = await chooseFolder(ctx.app, folders, "Choose the folder to import into the clinical record");
	if (!folder) return;
	const [{ planImport }, { readBackSources, runImport }] = await importModules();
	const { sources, files } = sourcesOf(ctx.app, folder);
	let plan = await ctx.session.track(planImport(record, sources));
	const unmapped = plan.skipped.filter((s) => s.reason.startsWith("no client"));
	if (unmapped.length > 0) {
		const use = await confirm(ctx.app, {
			title: "Files without a client",
			message: `${unmapped.length} files of ${folder.name} name no client (no folder named by a client's code or name, no client: field). Choose the client they belong to, or import the others only.`,
			confirmText: "Choose the client",
			cancelText: "Import the others only",
		});
		const chosen = use ? await pickClient(ctx.app, record) : null;
		// Those files only, by path: a folder named by another client's code keeps its client.
		if (chosen) plan = await ctx.session.track(planImport(record, sources, { files: Object.fromEntries(unmapped.map((s) => [s.source, chosen.code])) }));
	}
	const modal = new ImportPlanModal(ctx.app, plan);
	modal.open();
	if (!(await modal.result)) return;
	const result = await ctx.session.track(runImport(record, plan, sources));
	const parts = [`Imported ${result.imported.length} files into the record.`];
	if (plan.already.length > 0) parts.push(`${plan.already.length} were already there.`);
	if (plan.skipped.length > 0) parts.push(`${plan.skipped.length} skipped (listed in the plan).`);
	if (result.failed.length > 0) parts.push(`${result.failed.length} failed: ${result.failed.map((f) => `${f.source} (${f.reason})`).join("; ")}.`);
	inform(parts.join(" "));
	// The originals: only those whose record file reads back now, removed permanently on a second yes.
	const safe = (await readBackSources(record, plan, result)).map((source) => files.get(source)).filter((f): f is TFile => f !== undefined);
	if (safe.length === 0) return;
	const remove = await confirm(ctx.app, {
		title: "Remove the plaintext originals?",
		message: `${safe.length} files are now encrypted in the record and were read back. Their plaintext originals in ${folder.path} can be removed permanently (not to the trash, where they would stay readable).`,
		confirmText: `Remove ${safe.length} originals`,
		cancelText: "Keep them",
		warning: true,
	});
	if (!remove) return;
	let removed = 0;
	const failed: string[] = [];
	for (const file of safe) {
		// Through the record's store (the vault folder), as the plaintext guard removes plaintext: never
		// FileManager.trashFile, which would keep the clinical text readable in a trash folder.
		await ctx.session.store.remove(file.path).then(
			() => removed++,
			() => failed.push(file.path),
		);
	}
	inform(`Removed ${removed} plaintext originals.${failed.length > 0 ? ` Could not remove: ${failed.join(", ")}; remove them yourself.` : ""}`);
}
