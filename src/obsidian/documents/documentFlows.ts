/**
 * The flows behind the document commands (registered in feature.ts): draft a clinical document
 * from the record with the local model, a new psychotherapy (process) note kept apart, export a
 * signed note or document to PDF or plain text outside the vault, and a de-identified copy for
 * supervision whose replacements the clinician checks before the file is written.
 *
 * Exported files are written outside the vault only (a plaintext file in the vault would be
 * indexed, synced and backed up with it), privately (mode 0600), never replacing a file unless the
 * clinician confirms, and audit-logged.
 */
import { homedir } from "node:os";
import { localDay } from "../../core/calendar";
import * as nodePath from "node:path";
import { FileSystemAdapter, normalizePath } from "obsidian";
import { newPsychotherapyNote } from "../../core/notes/psychotherapy";
import { DOCUMENT_TEMPLATE_FILE_NAMES, DOCUMENT_TYPE_IDS, DOCUMENT_TYPES, type DocumentTemplateSource, type DocumentTypeId } from "../../core/documents/types";
import { ClinicalVaultError, isCancelled, type Cancelled } from "../../core/errors";
import { UNENCRYPTED_WARNING } from "../../core/export/warning";
import { writeOutputFile } from "../../engines/outputFile";
import { llmClient } from "../common/engineToken";
import { clientInFocus } from "../record/clientInFocus";
import type { CommandContext } from "../common/context";
import { activeEncryptedView, openRecordFile } from "../record/EncryptedView";
import { FormModal, confirm } from "../common/modals";
import { inform } from "../common/notify";
import { showReviewList } from "../notes/noteModals";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function documentTemplates(ctx: CommandContext): DocumentTemplateSource {
	return {
		load: async (type) => {
			const path = normalizePath(`${ctx.drafting.settings().templatesFolder}/${DOCUMENT_TEMPLATE_FILE_NAMES[type]}`);
			return (await ctx.app.vault.adapter.exists(path)) ? ctx.app.vault.adapter.read(path) : null;
		},
	};
}

/** "Draft document": type, date range and what the clinician adds, then the model drafts it into the record. */
export async function draftDocument(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const chosen: { type?: DocumentTypeId; from?: string; to?: string; notes?: string; topic?: string } = {};
	const form = new FormModal(ctx.app, {
		cls: "clinical-vault-document-modal",
		title: `Draft document for ${client}`,
		description:
			"Drafted by the local model from the notes in the date range (empty: the type's usual range), saved encrypted as a draft for you to review and sign. Psychotherapy notes are not used.",
		fields: [
			{
				key: "type",
				name: "Document",
				kind: "dropdown",
				options: Object.fromEntries(DOCUMENT_TYPE_IDS.map((id) => [id, DOCUMENT_TYPES[id].title])),
				value: "progress-summary",
			},
			{ key: "from", name: "From", kind: "text", placeholder: "YYYY-MM-DD" },
			{ key: "to", name: "To", kind: "text", placeholder: "YYYY-MM-DD (default today)" },
			{
				key: "topic",
				name: "Handout topic",
				desc: "Client handouts only: the model gets the topic and your text, nothing from the record.",
				kind: "text",
				placeholder: "Grounding",
			},
			{ key: "notes", name: "Your notes", desc: "The reason for referral, the recipient's question, questions for supervision…", kind: "textarea" },
		],
		submitText: "Draft",
		onSubmit: async (values) => {
			for (const key of ["from", "to"] as const) {
				const v = values[key]?.trim() ?? "";
				if (v !== "" && !DATE.test(v)) throw new ClinicalVaultError("invalid-input", `"${v}" is not a date: use YYYY-MM-DD.`);
			}
			chosen.type = values.type as DocumentTypeId;
			if (values.from?.trim()) chosen.from = values.from.trim();
			if (values.to?.trim()) chosen.to = values.to.trim();
			if (values.notes?.trim()) chosen.notes = values.notes.trim();
			if (values.topic?.trim()) chosen.topic = values.topic.trim();
		},
	});
	form.open();
	if (!(await form.result) || !chosen.type) return;
	const settings = ctx.drafting.settings();
	const llm = llmClient(ctx.app, settings);
	const { DocumentService } = await import("../../core/documents/DocumentService");
	const { briefDefinitions } = await import("../care/measureFlows");
	const service = new DocumentService({ record, clock: ctx.session.clock, templates: documentTemplates(ctx), measures: await briefDefinitions(ctx) });
	let result;
	try {
		result = await ctx.care.job.run(DOCUMENT_TYPES[chosen.type].title, (signal, progress) =>
			service.draft({
				client,
				type: chosen.type!,
				...(chosen.from ? { from: chosen.from } : {}),
				...(chosen.to ? { to: chosen.to } : {}),
				today: localDay(ctx.session.clock.now()),
				model: settings.llmModel,
				llm,
				signal,
				onProgress: (p) => progress({ stage: p.stage, characters: p.characters }),
				...(chosen.notes ? { clinicianNotes: chosen.notes } : {}),
				...(chosen.topic ? { topic: chosen.topic } : {}),
			}),
		);
	} catch (error) {
		if (isCancelled(error)) {
			const keptAt = (error as { keptAt?: string }).keptAt;
			const why = (error as Partial<Cancelled>).reason === "lock" ? "Drafting stopped because the record locked." : "Drafting cancelled.";
			inform(keptAt ? `${why} What was written so far is kept as ${keptAt}.` : `${why} Nothing was written.`);
			return;
		}
		throw error;
	}
	const n = result.flags.length;
	inform(
		`Draft saved, encrypted, as ${result.path} (${result.sessions.length} note${result.sessions.length === 1 ? "" : "s"} used). ${n === 0 ? "Review it before signing." : `${n} item${n === 1 ? "" : "s"} flagged for review.`}`,
	);
	await openRecordFile(ctx.app, ctx.session, result.path);
}

/** "New psychotherapy note": a process note in the client's psychotherapy folder, kept apart. */
export async function newPsychotherapyNoteFlow(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const path = await ctx.session.track(newPsychotherapyNote(record, client, localDay(ctx.session.clock.now()), { clock: ctx.session.clock }));
	const view = await openRecordFile(ctx.app, ctx.session, path);
	await view?.setMode("edit");
}

function activeRecordPath(ctx: CommandContext): string {
	const path = activeEncryptedView(ctx.app)?.currentRecordPath;
	if (!path || !path.endsWith(".md")) throw new ClinicalVaultError("invalid-input", "Open the signed note or document to export first.");
	return path;
}

function vaultFolder(ctx: CommandContext): string | null {
	const adapter = ctx.app.vault.adapter;
	return adapter instanceof FileSystemAdapter ? adapter.getBasePath() : null;
}

/** Asks where to write an export (outside the vault), and whether an existing file may be replaced. */
async function askOutputPath(ctx: CommandContext, title: string, suggested: string, warning: string): Promise<{ path: string; force: boolean } | null> {
	const chosen: { path?: string } = {};
	const vault = vaultFolder(ctx);
	const form = new FormModal(ctx.app, {
		cls: "clinical-vault-export-modal",
		title,
		description: warning,
		fields: [{ key: "path", name: "Save as", desc: "A full path outside the vault.", kind: "text", value: suggested }],
		submitText: "Export",
		onSubmit: async (values) => {
			const raw = (values.path ?? "").trim().replace(/^~(?=$|[/\\])/, homedir());
			if (!nodePath.isAbsolute(raw))
				throw new ClinicalVaultError("invalid-input", "Give the full path of the file, for example in your Documents folder.");
			const out = nodePath.resolve(raw);
			if (vault) {
				const inside = nodePath.relative(vault, out);
				if (inside === "" || (!inside.startsWith("..") && !nodePath.isAbsolute(inside))) {
					throw new ClinicalVaultError(
						"invalid-input",
						"That is inside the vault, where an unencrypted file would be indexed and synced with it. Choose a folder outside the vault.",
					);
				}
			}
			chosen.path = out;
		},
	});
	form.open();
	if (!(await form.result) || !chosen.path) return null;
	return { path: chosen.path, force: false };
}

async function writeExport(ctx: CommandContext, target: { path: string; force: boolean }, bytes: Uint8Array): Promise<boolean> {
	try {
		await writeOutputFile(target.path, bytes, target.force);
		return true;
	} catch (error) {
		if (!(error instanceof ClinicalVaultError) || error.code !== "already-exists") throw error;
		const replace = await confirm(ctx.app, {
			title: "Replace the file?",
			message: `${target.path} already exists.`,
			confirmText: "Replace",
			warning: true,
		});
		if (!replace) return false;
		await writeOutputFile(target.path, bytes, true);
		return true;
	}
}

/** "Export note as PDF" / "Export note as plain text": the signed note or document in focus. */
export async function exportActiveNote(ctx: CommandContext, format: "pdf" | "text"): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const path = activeRecordPath(ctx);
	// Checked before asking where to write: unsigned notes and psychotherapy notes are refused here.
	const name = `${path.replace(/\.md$/, "").replace(/\//g, "-")}.${format === "pdf" ? "pdf" : "txt"}`;
	const target = await askOutputPath(
		ctx,
		format === "pdf" ? "Export as PDF" : "Export as plain text",
		nodePath.join(homedir(), "Documents", name),
		UNENCRYPTED_WARNING,
	);
	if (!target) return;
	// Loaded on first use: the PDF library is large and most sessions never export.
	const [{ exportDocument }, { systemFontSource }] = await Promise.all([import("../../core/export/exportDocument"), import("../../engines/fonts")]);
	// Characters the PDF's standard font lacks are drawn with this computer's fonts (read only then).
	const exported = await ctx.session.track(exportDocument(record, path, { format, fonts: systemFontSource() }));
	if (!(await writeExport(ctx, target, exported.bytes))) return;
	inform(`Exported to ${target.path}. ${UNENCRYPTED_WARNING}${exported.warnings.length > 0 ? ` ${exported.warnings.join(" ")}` : ""}`);
}

/** "De-identify for supervision": the replacements are shown for checking; the file is written only when the clinician says so. */
export async function deidentifyActiveNote(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const path = activeRecordPath(ctx);
	// Loaded on first use: the name and place lexicon is large and slow to load at start-up.
	const [{ prepareDeidentified, recordDeidentifiedExport }, { LIMITS, formatReport }] = await Promise.all([
		import("../../core/export/deidentified"),
		import("../../core/deidentify/deidentify"),
	]);
	const prepared = await ctx.session.track(prepareDeidentified(record, path));
	const report = formatReport(prepared.result)
		.split("\n")
		.filter((l) => l.trim() !== "");
	const ok = await showReviewList(ctx.app, {
		title: "Check the replacements",
		description: `Each identifier found in ${path} and what replaces it. Anything missed stays in the file: ${LIMITS[0] ?? "check the text yourself."}`,
		markers: report.map((line, i) => ({ line: i + 1, reason: line.trim() })),
		flags: prepared.result.warnings.map((w) => ({ kind: "check", reason: w })),
		signAnyway: true,
		confirmText: "Write de-identified file",
		lineNumbers: false,
	});
	if (!ok) return;
	const target = await askOutputPath(
		ctx,
		"Save de-identified copy",
		nodePath.join(homedir(), "Documents", `${path.replace(/\.md$/, "").split("/").slice(1).join("-")}-deidentified.txt`),
		UNENCRYPTED_WARNING,
	);
	if (!target) return;
	await ctx.session.track(recordDeidentifiedExport(record, path, prepared));
	if (!(await writeExport(ctx, target, new TextEncoder().encode(prepared.text)))) return;
	inform(`De-identified copy written to ${target.path}. Check it before sharing. ${UNENCRYPTED_WARNING}`);
}
