/**
 * The flows behind the recording and transcription commands (registered in feature.ts), and what
 * happens around unlock and lock: retention of raw audio on unlock, the offer to save a recording
 * whose save failed, and stopping (and saving) a recording before the keys are dropped. Recording,
 * importing and transcribing refuse without the client's recording consent (consentFlows.ts
 * records it); the flows check it as soon as the client is known, before any modal, engine or
 * microphone, and the core checks it again where the audio is written or read.
 */
import { getLinkpath, normalizePath, type App, type TFile } from "obsidian";
import { checkSessionDate, localDay } from "../../core/calendar";
import { dateInRecordingName } from "../../core/notes/sessionDate";
import { AUDIO_EXTENSIONS } from "../../core/audio/decode";
import { ClinicalVaultError, LockedError, isCancelled, toClinicalError, type Cancelled } from "../../core/errors";
import type { ClinicalRecord } from "../../core/record/ClinicalRecord";
import { requireRecordingConsent } from "../../core/record/consent";
import { applyRetention, planRetention } from "../../core/transcribe/retention";
import { TranscriptionService, type ImportedRecording, type TranscriptionResult } from "../../core/transcribe/TranscriptionService";
import { incompleteSummary } from "../../core/audio/check";
import { moveIntoRecord, pickClient } from "../record/clients";
import type { CommandContext } from "../common/context";
import { openRecordFile } from "../record/EncryptedView";
import { askSessionDate, chooseFile, chooseRecordFile, confirm } from "../common/modals";
import { displayError, inform } from "../common/notify";
import type { PreparedEngine, TranscriptionJob } from "./TranscriptionRunner";

export function isAudioPath(path: string): boolean {
	const name = path.slice(path.lastIndexOf("/") + 1);
	const dot = name.lastIndexOf(".");
	return dot > 0 && AUDIO_EXTENSIONS.includes(name.slice(dot + 1).toLowerCase());
}

function inRecord(record: ClinicalRecord, path: string): boolean {
	return path === record.layout.root || path.startsWith(`${record.layout.root}/`);
}

// ---------------------------------------------------------------------------------------------
// Recording

function unsavedError(error: unknown): ClinicalVaultError {
	const cause = toClinicalError(error);
	return new ClinicalVaultError(
		cause.code,
		`The recording could not be saved: ${cause.message} It is kept in memory only: run "Save unsaved recording" (after unlocking), and do not quit Obsidian before it is saved.`,
		{ detail: cause.detail, cause },
	);
}

export async function startRecording(ctx: CommandContext): Promise<void> {
	const { recording } = ctx.audio;
	if (recording.isActive) throw new ClinicalVaultError("invalid-input", "A recording is already running. Stop it first.");
	if (recording.hasUnsaved)
		throw new ClinicalVaultError("invalid-input", 'The previous recording is still unsaved in memory. Run "Save unsaved recording" first.');
	const record = await ctx.session.ensureUnlocked();
	const client = await pickClient(ctx.app, record);
	if (!client) return;
	if (!ctx.session.isUnlocked) throw new LockedError();
	await recording.start(client.code);
	inform(`Recording ${client.code}'s session. It is saved, encrypted, every few minutes and when you stop. Pause or stop it from the status bar.`);
}

export function pauseOrResumeRecording(ctx: CommandContext): Promise<void> {
	if (!ctx.audio.recording.pauseOrResume()) throw new ClinicalVaultError("invalid-input", "No recording is running.");
	return Promise.resolve();
}

/** Stops the recording, saves it encrypted and offers to transcribe it now. */
export async function stopRecording(ctx: CommandContext): Promise<void> {
	const { recording } = ctx.audio;
	const job = { client: recording.clientCode, sessionDate: recording.sessionDate };
	let audioPath: string;
	try {
		audioPath = await recording.stop();
	} catch (error) {
		throw recording.hasUnsaved ? unsavedError(error) : error;
	}
	inform(`Recording saved, encrypted, as ${audioPath}.`);
	await offerTranscription(ctx, { ...job, audioPath });
}

/** Before lock: a recording in progress is stopped and saved while the keys are still there. */
export async function stopRecordingForLock(ctx: CommandContext): Promise<void> {
	const { recording } = ctx.audio;
	if (!recording.isActive) return;
	try {
		const path = await recording.stop();
		inform(`The record is locking: the recording was stopped and saved, encrypted, as ${path}.`);
	} catch (error) {
		displayError(recording.hasUnsaved ? unsavedError(error) : error);
	}
}

export async function saveUnsavedRecording(ctx: CommandContext): Promise<void> {
	const { recording } = ctx.audio;
	if (!recording.hasUnsaved) throw new ClinicalVaultError("invalid-input", "There is no unsaved recording.");
	await ctx.session.ensureUnlocked();
	const job = { client: recording.clientCode, sessionDate: recording.sessionDate };
	let audioPath: string;
	try {
		audioPath = await recording.saveUnsaved();
	} catch (error) {
		throw unsavedError(error);
	}
	inform(`Recording saved, encrypted, as ${audioPath}.`);
	await offerTranscription(ctx, { ...job, audioPath });
}

/** After unlock: offers to save a recording that is still only in memory. */
export async function offerUnsavedRecording(ctx: CommandContext): Promise<void> {
	const { recording } = ctx.audio;
	if (!recording.hasUnsaved || recording.isActive) return;
	const save = await confirm(ctx.app, {
		title: "Save unsaved recording",
		message: `The recording of ${recording.clientCode}'s session on ${recording.sessionDate} could not be saved earlier and is only in memory. Save it, encrypted, into the record now?`,
		confirmText: "Save recording",
		cancelText: "Later",
	});
	if (save && recording.hasUnsaved) await saveUnsavedRecording(ctx);
}

async function offerTranscription(ctx: CommandContext, job: TranscriptionJob): Promise<void> {
	const now = await confirm(ctx.app, {
		title: "Transcribe the recording?",
		message: `The recording is saved, encrypted, as ${job.audioPath}. Transcribe it now, on this computer? It can take a while; you can cancel it from the status bar.`,
		confirmText: "Transcribe now",
		cancelText: "Not now",
	});
	if (!now) return;
	await ctx.session.ensureUnlocked();
	await runTranscription(ctx, await ctx.audio.transcription.prepare(), job);
}

// ---------------------------------------------------------------------------------------------
// Transcription

type AudioSource = { kind: "record"; job: TranscriptionJob } | { kind: "plaintext"; file: TFile };

function recordSource(ctx: CommandContext, recordPath: string): AudioSource {
	const client = recordPath.split("/")[0] ?? "";
	const name = recordPath.slice(recordPath.lastIndexOf("/") + 1);
	return { kind: "record", job: { client, audioPath: recordPath, sessionDate: dateInRecordingName(name) ?? localDay(ctx.session.clock.now()) } };
}

/** Audio files embedded or linked in a note: plaintext vault files and recordings in the record. */
export function linkedAudio(app: App, note: TFile): TFile[] {
	const cache = app.metadataCache.getFileCache(note);
	const out: TFile[] = [];
	for (const ref of [...(cache?.embeds ?? []), ...(cache?.links ?? [])]) {
		const file = app.metadataCache.getFirstLinkpathDest(getLinkpath(ref.link), note.path);
		if (!file || out.includes(file)) continue;
		const path = file.path.replace(/\.cvault$/, "");
		if (isAudioPath(path)) out.push(file);
	}
	return out;
}

function sourceOf(ctx: CommandContext, record: ClinicalRecord, file: TFile): AudioSource | null {
	const path = normalizePath(file.path);
	const recordPath = record.layout.recordPathOf(path);
	if (recordPath) return isAudioPath(recordPath) ? recordSource(ctx, recordPath) : null;
	if (inRecord(record, path) || path.startsWith(`${ctx.app.vault.configDir}/`)) return null;
	return isAudioPath(path) ? { kind: "plaintext", file } : null;
}

/**
 * Which recording: the active file when it is one (a record recording or a plaintext audio file),
 * else the audio linked or embedded in the active note, else one picked from a client's recordings.
 */
async function chooseAudioSource(ctx: CommandContext, record: ClinicalRecord): Promise<AudioSource | null> {
	const active = ctx.app.workspace.getActiveFile();
	if (active) {
		const direct = sourceOf(ctx, record, active);
		if (direct) return direct;
		if (active.extension === "md" && !inRecord(record, normalizePath(active.path))) {
			const linked = linkedAudio(ctx.app, active).filter((file) => sourceOf(ctx, record, file) !== null);
			const file = linked.length > 1 ? await chooseFile(ctx.app, linked, "Choose the recording to transcribe") : (linked[0] ?? null);
			if (linked.length > 0) return file ? sourceOf(ctx, record, file) : null;
		}
	}
	const client = await pickClient(ctx.app, record);
	if (!client) return null;
	const recordings = (await record.list({ client: client.code }))
		.map((entry) => entry.recordPath)
		.filter((path) => isAudioPath(path))
		.sort()
		.reverse();
	if (recordings.length === 0) {
		throw new ClinicalVaultError(
			"not-found",
			`${client.code} has no recordings in the record yet. Record a session, or open the note that links a recording, and run "Transcribe audio" again.`,
		);
	}
	const path = await chooseRecordFile(ctx.app, recordings, "Choose the recording to transcribe");
	return path ? recordSource(ctx, path) : null;
}

/**
 * Encrypts a plaintext recording into the client's record after the core's import checks (the
 * engine runs, the file decodes to audio: otherwise nothing is written and the original stays),
 * reads it back and compares, then removes the plaintext original with the adapter (see
 * moveIntoRecord). The identical recording already in the record for that date is reused rather
 * than copied. The decoded audio comes back so the transcription does not decode it again.
 */
async function importPlaintextAudio(ctx: CommandContext, engine: PreparedEngine, file: TFile, client: string, sessionDate: string): Promise<ImportedRecording> {
	const record = await ctx.session.ensureUnlocked();
	const service = new TranscriptionService({ record, transcriber: engine.transcriber, decoder: engine.decoder, clock: ctx.session.clock });
	const imports: ImportedRecording[] = [];
	await moveIntoRecord(ctx.session, normalizePath(file.path), async (bytes) => {
		const imported = await service.importRecording(client, bytes, file.name, sessionDate);
		imports.push(imported);
		return imported.audioPath;
	});
	return imports[0]!;
}

async function runTranscription(ctx: CommandContext, engine: PreparedEngine, job: TranscriptionJob): Promise<void> {
	let result: TranscriptionResult;
	try {
		result = await ctx.audio.transcription.run(engine, job);
	} catch (error) {
		if (isCancelled(error)) {
			const reason = (error as Partial<Cancelled>).reason;
			if (reason === "consent") {
				inform(`Transcription stopped: ${job.client}'s recording consent was revoked. No transcript was saved.`);
				return;
			}
			inform(
				reason === "lock"
					? `Transcription stopped because the record locked. The recording is kept, encrypted, as ${job.audioPath}.`
					: `Transcription cancelled. The recording is kept, encrypted, as ${job.audioPath}.`,
			);
			return;
		}
		const failure = toClinicalError(error);
		const kept = /recording is kept/i.test(failure.message) ? "" : ` The recording is kept, encrypted, as ${job.audioPath}.`;
		throw new ClinicalVaultError(failure.code, `Transcription failed: ${failure.message}${kept}`, { detail: failure.detail, cause: failure });
	}
	const incomplete = incompleteSummary(result.audio);
	inform(`Transcript saved, encrypted, as ${result.transcriptPath}.${incomplete ? ` ${incomplete} The transcript says so at the top.` : ""}`);
	await openRecordFile(ctx.app, ctx.session, result.transcriptPath);
}

export async function transcribeAudio(ctx: CommandContext): Promise<void> {
	const { transcription } = ctx.audio;
	if (transcription.isRunning)
		throw new ClinicalVaultError("invalid-input", "A transcription is already running. Wait for it or cancel it from the status bar.");
	const record = await ctx.session.ensureUnlocked();
	const source = await chooseAudioSource(ctx, record);
	if (!source) return;
	if (source.kind === "record") await requireRecordingConsent(record, source.job.client, "nothing was transcribed");
	const engine = await transcription.prepare();
	// Before an import, and before any question: the engine must run (nothing is imported otherwise).
	if (source.kind === "plaintext") await engine.transcriber.check?.();
	if (source.kind === "record") {
		await runTranscription(ctx, engine, source.job);
		return;
	}
	const { file } = source;
	const client = await pickClient(ctx.app, record);
	if (!client) return;
	await requireRecordingConsent(record, client.code, `nothing was imported and "${file.path}" was left as it is`);
	const sessionDate = await askSessionDate(ctx.app, {
		description: `"${file.path}" will be encrypted into ${client.code}'s record as the recording of this session.`,
		value: dateInRecordingName(file.basename) ?? localDay(ctx.session.clock.now()),
		check: (date) => void checkSessionDate(date),
	});
	if (sessionDate === null) return;
	const ok = await confirm(ctx.app, {
		title: "Encrypt the recording and delete the original",
		message: `"${file.path}" will be encrypted into ${client.code}'s record as the recording of ${sessionDate}. Once the encrypted copy has been checked, the plaintext original is deleted permanently: it does not go to the trash. Then it is transcribed on this computer.`,
		confirmText: "Encrypt, delete original and transcribe",
		warning: true,
	});
	if (!ok) return;
	const imported = await importPlaintextAudio(ctx, engine, file, client.code, sessionDate);
	inform(
		imported.reused
			? `${imported.audioPath} already holds this recording (identical), so it was not imported again. The plaintext original was removed.`
			: `Encrypted into the record as ${imported.audioPath}. The plaintext original was removed.`,
	);
	// The plaintext original is gone now, so the encrypted recording is kept whatever the transcription does.
	await runTranscription(ctx, engine, { client: client.code, audioPath: imported.audioPath, sessionDate, decoded: imported.audio });
}

export function cancelTranscription(ctx: CommandContext): Promise<void> {
	if (!ctx.audio.transcription.cancel("clinician")) inform("No transcription is running.");
	return Promise.resolve();
}

// ---------------------------------------------------------------------------------------------
// Retention

/**
 * On unlock: deletes (crypto-erases, removes, audit-logs) raw recordings whose session note was
 * signed more than the retention setting's hours ago. Negative hours keep every recording.
 */
export async function applyRetentionOnUnlock(ctx: CommandContext): Promise<void> {
	const hours = ctx.audio.settings().audioRetentionHours;
	if (hours < 0 || !ctx.session.isUnlocked) return;
	const record = ctx.session.record;
	let deleted: string[];
	try {
		const plan = await planRetention(record, hours, ctx.session.clock.now());
		if (plan.due.length === 0) return;
		deleted = await applyRetention(record, plan);
	} catch (error) {
		const failure = toClinicalError(error);
		if (failure.code === "locked") return;
		throw new ClinicalVaultError(failure.code, `Audio retention did not finish: ${failure.message}`, { detail: failure.detail, cause: failure });
	}
	const n = deleted.length;
	inform(
		`Deleted ${n} session recording${n === 1 ? "" : "s"} whose note was signed more than ${hours} hours ago (audio retention). Notes and transcripts are kept.`,
	);
}
