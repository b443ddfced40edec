/**
 * The flows behind the drafting and review commands (registered in feature.ts): draft a note from
 * a transcript or a summary with the local Ollama model, the default templates in the templates
 * folder, the review list, "Sign note" (refused while review markers remain unless an override
 * reason is given, and while the risk section is unwritten when the session mentioned risk unless
 * the clinician records why risk was not assessed), "Add addendum" and "Copy for EHR".
 */
import { namedPath, writeNewText } from "../../core/record/freePath";
import { normalizePath, type App } from "obsidian";
import { NOTE_PATH, TRANSCRIPT_PATH } from "../../core/notes/kinds";
import { dateInRecordingName } from "../../core/notes/sessionDate";
import { localDay } from "../../core/calendar";
import { DraftingService, type DraftRequest, type TemplateSource } from "../../core/drafting/DraftingService";
import { findReviewMarkers } from "../../core/drafting/safeguards";
import { DEFAULT_TEMPLATES, NOTE_FORMATS, TEMPLATE_FILE_NAMES, type NoteFormat } from "../../core/drafting/templates";
import { ClinicalVaultError, isCancelled, toClinicalError, type Cancelled } from "../../core/errors";
import { joinFrontmatter, splitFrontmatter } from "../../core/markdown/frontmatter";
import { addAddendum, copyForEhr, isSigned, riskGate, RiskGateRefused, signNote } from "../../core/notes/signing";
import type { ClinicalRecord } from "../../core/record/ClinicalRecord";
import { llmClient } from "../common/engineToken";
import { pickClient } from "../record/clients";

import type { CommandContext } from "../common/context";
import { EncryptedView, activeEncryptedView, openRecordFile } from "../record/EncryptedView";
import { FormModal, chooseRecordFile } from "../common/modals";
import { askRiskNotAssessed, askText, showReviewList, type ReviewItem } from "./noteModals";
import { reviewNote } from "../../core/notes/review";

import { inform } from "../common/notify";

// ---------------------------------------------------------------------------------------------
// Templates

function templatePath(folder: string, format: NoteFormat): string {
	return normalizePath(`${folder}/${TEMPLATE_FILE_NAMES[format]}`);
}

/** Templates read from the templates folder through the vault adapter (null: use the default). */
export function vaultTemplates(app: App, folder: string): TemplateSource {
	return {
		load: async (format) => {
			const path = templatePath(folder, format);
			return (await app.vault.adapter.exists(path)) ? app.vault.adapter.read(path) : null;
		},
	};
}

/**
 * Writes the default template of every format missing from the templates folder (plain markdown
 * with no client data); never overwrites one that exists. Returns the paths written.
 */
export async function ensureTemplates(app: App, folder: string, clinicalRoot: string): Promise<string[]> {
	const dir = normalizePath(folder);
	if (dir === clinicalRoot || dir.startsWith(`${clinicalRoot}/`)) {
		throw new ClinicalVaultError(
			"invalid-input",
			`The templates folder (${dir}) is inside the clinical folder. Choose a folder outside ${clinicalRoot}/ in the settings.`,
		);
	}
	const adapter = app.vault.adapter;
	const written: string[] = [];
	for (const format of NOTE_FORMATS) {
		const path = templatePath(dir, format);
		if (await adapter.exists(path)) continue;
		if (!(await adapter.exists(dir))) await adapter.mkdir(dir);
		await adapter.write(path, DEFAULT_TEMPLATES[format]);
		written.push(path);
	}
	return written;
}

export async function ensureTemplatesOnUnlock(ctx: CommandContext): Promise<void> {
	const settings = ctx.drafting.settings();
	const written = await ensureTemplates(ctx.app, settings.templatesFolder, settings.clinicalRoot);
	if (written.length > 0)
		inform(`Note templates written to ${normalizePath(settings.templatesFolder)}/. Edit them to change the drafted notes; they never hold client data.`);
}

// ---------------------------------------------------------------------------------------------
// Drafting

async function sessionDateOf(ctx: CommandContext, record: ClinicalRecord, path: string): Promise<string> {
	try {
		const { data } = splitFrontmatter(await record.readText(path, "internal"), path);
		if (typeof data.session_date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(data.session_date)) return data.session_date;
	} catch {
		// Fall back to the date in the name.
	}
	return dateInRecordingName(path.slice(path.lastIndexOf("/") + 1)) ?? localDay(ctx.session.clock.now());
}

async function chooseTranscript(ctx: CommandContext, record: ClinicalRecord): Promise<string | null> {
	const active = activeEncryptedView(ctx.app)?.currentRecordPath;
	if (active && TRANSCRIPT_PATH.test(active)) return active;
	const client = await pickClient(ctx.app, record);
	if (!client) return null;
	const transcripts = (await record.list({ client: client.code }))
		.map((entry) => entry.recordPath)
		.filter((path) => TRANSCRIPT_PATH.test(path))
		.sort()
		.reverse();
	if (transcripts.length === 0) {
		throw new ClinicalVaultError("not-found", `${client.code} has no transcripts yet. Transcribe a recording, or use "Draft note from summary".`);
	}
	return chooseRecordFile(ctx.app, transcripts, "Choose the transcript to draft from");
}

async function runDraft(ctx: CommandContext, request: Pick<DraftRequest, "client" | "sessionDate" | "format" | "source">): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const settings = ctx.drafting.settings();
	const llm = llmClient(ctx.app, settings);
	const service = new DraftingService({ record, llm, templates: vaultTemplates(ctx.app, settings.templatesFolder), clock: ctx.session.clock });
	let result;
	try {
		result = await ctx.drafting.runner.run(service, {
			...request,
			model: settings.llmModel,
			wordLimits: settings.wordLimits,
			defaultWordLimit: settings.sectionWordLimit,
		});
	} catch (error) {
		const input = request.source.kind === "summary" ? " Your summary is kept, encrypted, in the client's summaries." : "";
		if (isCancelled(error)) {
			const keptAt = (error as { keptAt?: string }).keptAt;
			const why = (error as Partial<Cancelled>).reason === "lock" ? "Drafting stopped because the record locked." : "Drafting cancelled.";
			inform(keptAt ? `${why} The partial draft was kept, encrypted, as ${keptAt}.${input}` : `${why} Nothing was drafted yet.${input}`);
			return;
		}
		const failure = toClinicalError(error);
		throw new ClinicalVaultError(failure.code, `Drafting failed: ${failure.message}${input}`, { detail: failure.detail, cause: failure });
	}
	const n = result.flags.length;
	inform(
		`Draft saved, encrypted, as ${result.notePath}. ${n === 0 ? "Nothing was flagged; review it before signing." : `${n} item${n === 1 ? "" : "s"} flagged for review.`}`,
	);
	await openRecordFile(ctx.app, ctx.session, result.notePath);
	if (n > 0) await showReview(ctx);
}

export async function draftFromTranscript(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	if (ctx.drafting.runner.isRunning)
		throw new ClinicalVaultError("invalid-input", "A note is already being drafted. Wait for it or cancel it from the status bar.");
	const path = await chooseTranscript(ctx, record);
	if (!path) return;
	const chosen: { format?: NoteFormat } = {};
	const ok = await askText(ctx.app, {
		cls: "clinical-vault-draft-transcript-modal",
		title: "Draft note from transcript",
		description: `A draft is written from ${path} by the local model, for you to review and sign.`,
		format: ctx.drafting.settings().defaultNoteFormat,
		submitText: "Draft note",
		onSubmit: ({ format }) => {
			chosen.format = format;
			return Promise.resolve();
		},
	});
	if (!ok || !chosen.format) return;
	const client = path.split("/")[0] ?? "";
	await runDraft(ctx, { client, sessionDate: await sessionDateOf(ctx, record, path), format: chosen.format, source: { kind: "transcript", path } });
}

export async function draftFromSummary(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	if (ctx.drafting.runner.isRunning)
		throw new ClinicalVaultError("invalid-input", "A note is already being drafted. Wait for it or cancel it from the status bar.");
	const client = await pickClient(ctx.app, record);
	if (!client) return;
	// The summary stays in memory until the drafting service saves it, encrypted, first thing.
	const chosen: { format?: NoteFormat; text?: string } = {};
	const ok = await askText(ctx.app, {
		cls: "clinical-vault-draft-summary-modal",
		title: "Draft note from summary",
		description: `Your brief summary of ${client.code}'s session. It is saved encrypted with the draft.`,
		format: ctx.drafting.settings().defaultNoteFormat,
		textLabel: "Session summary",
		placeholder: "Client identified worry as a protector…",
		submitText: "Draft note",
		keepOnLock: (text) => keepUnsent(ctx, client.code, "summary", text, {}),
		onSubmit: ({ format, text }) => {
			if (text.trim() === "") throw new ClinicalVaultError("invalid-input", "Write a few lines about the session first.");
			chosen.format = format;
			chosen.text = text;
			return Promise.resolve();
		},
	});
	if (!ok || !chosen.format || chosen.text === undefined) return;
	const source = { kind: "summary" as const, text: chosen.text };
	delete chosen.text;
	await runDraft(ctx, { client: client.code, sessionDate: localDay(ctx.session.clock.now()), format: chosen.format, source });
}

export function cancelDrafting(ctx: CommandContext): Promise<void> {
	if (!ctx.drafting.runner.cancel("clinician")) inform("No note is being drafted.");
	return Promise.resolve();
}

// ---------------------------------------------------------------------------------------------
// Review, sign, addendum, copy

interface ActiveNote {
	view: EncryptedView;
	path: string;
	record: ClinicalRecord;
}

/** The session note in the active encrypted view, saved first so the record has what is shown. */
async function activeNote(ctx: CommandContext): Promise<ActiveNote> {
	const record = await ctx.session.ensureUnlocked();
	const view = activeEncryptedView(ctx.app);
	const path = view?.currentRecordPath;
	if (!view || !path || !view.isMarkdown || !NOTE_PATH.test(path)) {
		throw new ClinicalVaultError("invalid-input", "Open a session note from the record first.");
	}
	if (!(await view.save(true))) {
		throw new ClinicalVaultError(
			"refused",
			"The note's unsaved changes were not saved into it (refused, or kept as a conflict copy because the note changed elsewhere; the message before this one says which). Check the note as it is now, then run the command again.",
		);
	}
	return { view, path, record };
}

function reviewItems(text: string): ReviewItem[] {
	return findReviewMarkers(text).map((m) => ({ line: m.line, reason: m.reason, index: m.index, length: m.marker.length }));
}

function recordedFlags(data: Record<string, unknown>): { kind: string; reason: string }[] {
	if (!Array.isArray(data.review)) return [];
	return data.review
		.filter((f): f is Record<string, unknown> => typeof f === "object" && f !== null)
		.map((f) => ({ kind: typeof f.kind === "string" ? f.kind : "flag", reason: typeof f.reason === "string" ? f.reason : "" }));
}

/** The review list of the active note: markers (click to jump) and the flags recorded when drafted. */
export async function showReview(ctx: CommandContext): Promise<void> {
	const { view, path, record } = await activeNote(ctx);
	const text = await record.readText(path, "internal");
	const { data } = splitFrontmatter(text, path);
	const markers = reviewItems(text);
	const review = await reviewNote(record, path, "internal");
	await showReviewList(ctx.app, {
		title: "Review list",
		evidence: review.sentences.filter((s) => s.sentence !== ""),
		...(review.source ? { evidenceSource: review.source } : {}),
		description:
			markers.length === 0
				? `${path} has no review markers left.`
				: `${path} has ${markers.length} review marker${markers.length === 1 ? "" : "s"}. Click one to go to it.`,
		markers,
		flags: recordedFlags(data),
		onReveal: (item) => ctx.ops.run(() => view.reveal(item.index ?? 0, item.length ?? 0)),
	});
}

async function askOnce(
	app: App,
	spec: { cls: string; title: string; description: string; field: string; name: string; submitText: string },
): Promise<string | null> {
	const chosen: { value?: string } = {};
	const modal = new FormModal(app, {
		cls: spec.cls,
		title: spec.title,
		description: spec.description,
		fields: [{ key: spec.field, name: spec.name, kind: "text" }],
		submitText: spec.submitText,
		onSubmit: (values) => {
			const value = (values[spec.field] ?? "").trim();
			if (value === "") return Promise.reject(new ClinicalVaultError("invalid-input", `Enter the ${spec.name.toLowerCase()}.`));
			chosen.value = value;
			return Promise.resolve();
		},
	});
	modal.open();
	return (await modal.result) && chosen.value !== undefined ? chosen.value : null;
}

async function signer(ctx: CommandContext): Promise<string | null> {
	const known = ctx.drafting.signerName().trim();
	if (known !== "") return known;
	const name = await askOnce(ctx.app, {
		cls: "clinical-vault-signer-modal",
		title: "Your name for signing",
		description: "Stamped into every note you sign. It is remembered in the plugin's settings.",
		field: "signer",
		name: "Signer name",
		submitText: "Continue",
	});
	if (name !== null) await ctx.drafting.setSignerName(name);
	return name;
}

export async function signActiveNote(ctx: CommandContext): Promise<void> {
	const { view, path, record } = await activeNote(ctx);
	const text = await record.readText(path, "internal");
	const { data } = splitFrontmatter(text, path);
	if (isSigned(data)) throw new ClinicalVaultError("refused", `${path} is already signed. Add an addendum instead.`);
	const markers = reviewItems(text);
	let override: string | undefined;
	if (markers.length > 0) {
		const anyway = await showReviewList(ctx.app, {
			title: "Not signed: review markers remain",
			description: `${path} still has ${markers.length} review marker${markers.length === 1 ? "" : "s"}. Resolve them in the note, or sign anyway with a reason that is recorded in the note and the audit log.`,
			markers,
			flags: recordedFlags(data),
			signAnyway: true,
		});
		if (!anyway) return;
		const reason = await askOnce(ctx.app, {
			cls: "clinical-vault-override-modal",
			title: "Sign anyway",
			description: "Why sign with review markers left? The reason is recorded in the note and the audit log.",
			field: "reason",
			name: "Override reason",
			submitText: "Sign note",
		});
		if (reason === null) return;
		override = reason;
	}
	// The session mentioned risk and the risk section is unwritten: the review override does not
	// cover that. The clinician records why risk was not assessed, or closes the modal to write the
	// section, and the refusal shows through the error funnel.
	const gate = riskGate(text);
	let riskNotAssessed: string | undefined;
	if (gate.problem !== null) {
		const refusal = new RiskGateRefused(path, gate);
		const reason = await askRiskNotAssessed(ctx.app, { refusal: refusal.message });
		if (reason === null) throw refusal;
		riskNotAssessed = reason;
	}
	const name = await signer(ctx);
	if (name === null) return;
	await ctx.session.track(
		signNote(record, path, {
			signer: name,
			now: ctx.session.clock.now(),
			...(override ? { override } : {}),
			...(riskNotAssessed ? { riskNotAssessed } : {}),
		}),
	);
	await view.reload();
	const also = [
		...(override ? [`${markers.length} review marker${markers.length === 1 ? "" : "s"} overridden`] : []),
		...(riskNotAssessed ? ["risk recorded as not assessed"] : []),
	];
	inform(`Note signed by ${name}${also.length > 0 ? `, with ${also.join(" and ")}` : ""}. It is now read-only.`);
}

export async function addAddendumToNote(ctx: CommandContext): Promise<void> {
	const { view, path, record } = await activeNote(ctx);
	const { data } = splitFrontmatter(await record.readText(path, "internal"), path);
	if (!isSigned(data)) throw new ClinicalVaultError("refused", `${path} is not signed yet: edit the draft itself, or sign it first.`);
	const name = await signer(ctx);
	if (name === null) return;
	const ok = await askText(ctx.app, {
		cls: "clinical-vault-addendum-modal",
		title: "Add addendum",
		description: `Appended below the signed text of ${path}, dated and with your name. The signed text is not changed.`,
		textLabel: "Addendum",
		submitText: "Add addendum",
		onSubmit: ({ text }) => ctx.session.track(addAddendum(record, path, text, { signer: name, now: ctx.session.clock.now() })),
		keepOnLock: (text) => keepUnsent(ctx, path.split("/")[0] ?? "", "addendum", text, { for_note: path }),
	});
	if (!ok) return;
	await view.reload();
	inform("Addendum added.");
}

export async function copyNoteForEhr(ctx: CommandContext): Promise<void> {
	const { path, record } = await activeNote(ctx);
	const text = await record.readText(path, "internal");
	const signed = isSigned(splitFrontmatter(text, path).data);
	await navigator.clipboard.writeText(copyForEhr(text));
	inform(`Copied as plain text for the EHR (no review markers, no frontmatter).${signed ? "" : " This note is not signed yet."}`);
}

/**
 * Text typed into a form when the record locked: saved encrypted in the client's summaries folder
 * (`unsent: true`) before the keys go, so closing the form loses nothing. Returns the record path,
 * or null when nothing was typed.
 */
async function keepUnsent(
	ctx: CommandContext,
	client: string,
	what: "summary" | "addendum",
	text: string,
	extra: Record<string, string>,
): Promise<string | null> {
	if (text.trim() === "" || !ctx.session.isUnlocked) return null;
	const record = ctx.session.record;
	const now = ctx.session.clock.now();
	return writeNewText(
		record,
		namedPath(client, "summaries", `${localDay(now)}-unsent-${what}`, "md"),
		joinFrontmatter({ kind: "session-summary", client, unsent: true, typed_for: what, ...extra, created: now.toISOString() }, `${text.trim()}\n`),
	);
}

/** "New session note": today's note for a client, opened for editing. */
export async function newSessionNote(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await pickClient(ctx.app, record);
	if (!client) return;
	const today = localDay(ctx.session.clock.now());
	const path = await writeNewText(record, namedPath(client.code, "notes", today, "md"), `# Session ${today}\n\n`);
	const view = await openRecordFile(ctx.app, ctx.session, path);
	await view?.setMode("edit");
}
