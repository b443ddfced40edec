/**
 * Audio to encrypted transcript. The recording is stored encrypted in the client's record first,
 * so nothing is lost if transcription fails; the audio is decoded in memory, split at quiet points
 * into windows, each window transcribed (silent windows are never sent: whisper invents text from
 * silence), stitched, cleaned, speaker-labelled and saved as an encrypted transcript note.
 *
 * Imports (importRecording, importAndTranscribe) check before anything is written: the engine
 * runs (Transcriber.check), the file decodes to audio (text or undecodable data is refused), and
 * the same recording is not already in the record for that client and date (then it is reused, not
 * copied). When the transcription of a recording this import wrote fails, the copy is removed
 * (crypto-erased, audit-logged) and the error says so; a cancel keeps it (a retry reuses it).
 * A recording shorter than its file declares, or with stretches that do not decode, is still
 * transcribed, and the result, the transcript's frontmatter and a line in the transcript say
 * which stretches are missing (src/core/audio/check.ts).
 *
 * Consent: importing a recording and transcribing one both need the client's recording consent
 * on file (src/core/record/consent.ts), checked here so both shells refuse the same way. The
 * check runs before the audio is read and again just before the transcript is written: a consent
 * revoked while the engine ran (from another window or the CLI) leaves no transcript behind.
 */
import { Cancelled, ClinicalVaultError, isCancelled, toClinicalError } from "../errors";
import { checkSessionDate } from "../calendar";
import type { Clock } from "../clock";
import { equalBytes } from "../bytes";
import { freePath, namedPath, writeNewText } from "../record/freePath";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode } from "../record/layout";
import { requireRecordingConsent } from "../record/consent";
import { durationSeconds, encodeWav, toMono, WHISPER_RATE, type Pcm } from "../audio/pcm";
import { decodeChecked, AUDIO_EXTENSIONS, type CheckedAudio } from "../audio/decode";
import type { AudioCheck } from "../audio/check";
import { speechFraction, speechRegions, splitPoints } from "../audio/vad";
import { cleanSegments, labelSpeakers, stitchWindows, type Segment } from "./segments";
import { renderTranscript } from "./transcript";
import type { AudioDecoder, Transcriber } from "./Transcriber";

export interface TranscriptionProgress {
	stage: "decoding" | "transcribing" | "saving";
	/** 0–1 over the whole job. */
	fraction: number;
	elapsedMs: number;
	/** Estimated time left, once there is enough to estimate from. */
	remainingMs: number | null;
}

export interface TranscribeOptions {
	client: string;
	/** Record path of the (already encrypted) recording. */
	audioPath: string;
	sessionDate: string;
	language?: string;
	signal?: AbortSignal;
	onProgress?: (p: TranscriptionProgress) => void;
	/** The recording already decoded (by importRecording): it is not read and decoded again. */
	decoded?: CheckedAudio;
}

export interface ImportedRecording {
	audioPath: string;
	/** The identical recording was already in the record for this client and date: nothing was written. */
	reused: boolean;
	/** The decoded audio and whether it is the whole recording. */
	audio: CheckedAudio;
}

export interface ImportTranscribeOptions {
	client: string;
	bytes: Uint8Array;
	originalName: string;
	sessionDate: string;
	language?: string;
	signal?: AbortSignal;
	onProgress?: (p: TranscriptionProgress) => void;
	/** Called once the recording is in the record (written or reused), before the engine runs. */
	onImported?: (imported: ImportedRecording) => void;
}

export interface TranscriptionResult {
	transcriptPath: string;
	segments: Segment[];
	durationSeconds: number;
	windows: number;
	engineMs: number;
	/** Reading, decrypting and decoding the recording (ffmpeg or Web Audio included). */
	decodeMs: number;
	speakerLabels: string;
	/** Whether the decoded audio is the whole recording, and which stretches are missing. */
	audio: AudioCheck;
}

export interface TranscriptionDeps {
	record: ClinicalRecord;
	transcriber: Transcriber;
	/** Decoder for non-WAV audio (ffmpeg or Web Audio); null when none is available. */
	decoder: AudioDecoder | null;
	clock: Clock;
	/** Longest window sent to the engine at once (seconds). */
	windowSeconds?: number;
	speakerNames?: [string, string];
}

export class TranscriptionService {
	constructor(private readonly deps: TranscriptionDeps) {}

	/**
	 * Encrypts a recording into the client's record (audio/<date>.<ext>) as it is and returns its
	 * record path: no engine or decode check (the recorder saves its checkpoints through this). A
	 * file being imported goes through importRecording instead.
	 */
	async importAudio(client: string, bytes: Uint8Array, originalName: string, sessionDate: string): Promise<string> {
		const { ext, date } = this.checkImport(bytes, originalName, sessionDate);
		await requireRecordingConsent(this.deps.record, client, "nothing was recorded or imported");
		const path = await freePath(this.deps.record, client, "audio", date, ext);
		await this.deps.record.write(path, bytes, { action: "import" });
		return path;
	}

	private checkImport(bytes: Uint8Array, originalName: string, sessionDate: string): { ext: string; date: string } {
		if (bytes.length === 0) throw new ClinicalVaultError("invalid-input", `${originalName} is empty (zero bytes); nothing was imported.`);
		const ext = originalName.slice(originalName.lastIndexOf(".") + 1).toLowerCase();
		if (!AUDIO_EXTENSIONS.includes(ext))
			throw new ClinicalVaultError("invalid-input", `${originalName} is not a recording this plugin reads (${AUDIO_EXTENSIONS.join(", ")}).`);
		return { ext, date: checkSessionDate(sessionDate) };
	}

	/** The engine can run (program, model, server), checked without audio; see Transcriber.check. */
	async checkEngine(signal?: AbortSignal): Promise<void> {
		await this.deps.transcriber.check?.(signal);
	}

	/**
	 * Imports a recording file after checking, before anything is written, that the engine runs and
	 * that the file decodes to audio; a file that is not audio (or not decodable) is refused with
	 * nothing written. When the identical recording is already in the record for this client and
	 * date (a retry), that one is reused and nothing is written. The decoded audio comes back so
	 * the transcription need not decode it again.
	 */
	async importRecording(client: string, bytes: Uint8Array, originalName: string, sessionDate: string, signal?: AbortSignal): Promise<ImportedRecording> {
		const { ext, date } = this.checkImport(bytes, originalName, sessionDate);
		const record = this.deps.record;
		await requireRecordingConsent(record, client, "nothing was recorded or imported");
		await this.checkEngine(signal);
		const audio = await this.decodeForImport(bytes, originalName, signal);
		if (signal?.aborted) throw new Cancelled();
		const existing = await this.findIdentical(client, date, bytes);
		if (existing) return { audioPath: existing, reused: true, audio };
		await requireRecordingConsent(record, client, "nothing was recorded or imported");
		const path = await freePath(record, client, "audio", date, ext);
		await record.write(path, bytes, { action: "import" });
		return { audioPath: path, reused: false, audio };
	}

	private async decodeForImport(bytes: Uint8Array, originalName: string, signal?: AbortSignal): Promise<CheckedAudio> {
		let audio: CheckedAudio;
		try {
			audio = await decodeChecked(bytes, originalName, this.deps.decoder, signal);
		} catch (error) {
			if (isCancelled(error)) throw error;
			const failure = toClinicalError(error);
			if (failure.code !== "invalid-input") throw failure;
			throw new ClinicalVaultError("invalid-input", `${failure.message} Nothing was imported.`, { detail: failure.detail, cause: failure });
		}
		const seconds = durationSeconds(audio.pcm);
		if (seconds < 0.1) throw new ClinicalVaultError("invalid-input", `${originalName} holds no audio (${seconds.toFixed(2)} s). Nothing was imported.`);
		return audio;
	}

	/** A recording of this client and date whose bytes equal `bytes` (audio/<date>.<ext>, audio/<date>-2.<ext>, …). */
	private async findIdentical(client: string, date: string, bytes: Uint8Array): Promise<string | null> {
		const prefix = `${checkClientCode(client)}/audio/${date}`;
		for (const entry of await this.deps.record.list({ client })) {
			const rest = entry.recordPath.slice(prefix.length);
			if (!entry.recordPath.startsWith(prefix) || !/^(-\d+)?\.[a-z0-9]+$/.test(rest)) continue;
			if (!AUDIO_EXTENSIONS.includes(rest.slice(rest.lastIndexOf(".") + 1))) continue;
			let existing: Uint8Array;
			try {
				existing = await this.deps.record.read(entry.recordPath, "internal");
			} catch {
				continue; // unreadable here: verify reports it; never a reason to refuse an import
			}
			try {
				if (equalBytes(existing, bytes)) return entry.recordPath;
			} finally {
				existing.fill(0);
			}
		}
		return null;
	}

	/**
	 * Removes (crypto-erases) a recording this import wrote, after its transcription failed, and
	 * returns the error to show: the failure, then what became of the copy. A reused recording is
	 * never removed (this import did not write it).
	 */
	async undoImport(imported: ImportedRecording, error: unknown, originalName: string): Promise<ClinicalVaultError> {
		const failure = toClinicalError(error);
		if (imported.reused) return failure;
		const cause = failure.message.replace(/\s*The recording is kept(;[^.]*)?\./g, "").trim();
		try {
			await this.deps.record.remove(imported.audioPath, { note: "import undone: its transcription failed" });
		} catch (removeError) {
			const why = toClinicalError(removeError);
			return new ClinicalVaultError(
				failure.code,
				`${cause} The recording imported for it is still in the record as ${imported.audioPath}: it could not be removed (${why.message}).`,
				{ detail: failure.detail, cause: failure },
			);
		}
		return new ClinicalVaultError(
			failure.code,
			`${cause} The copy of ${originalName} this import made (${imported.audioPath}) was removed from the record, so trying again does not add a second one; ${originalName} itself is unchanged.`,
			{ detail: failure.detail, cause: failure },
		);
	}

	/**
	 * importRecording, then transcribe. When the transcription fails, a recording this call wrote is
	 * removed again (undoImport) and the error says so; when it is cancelled, the recording stays
	 * (a retry reuses it rather than adding a copy).
	 */
	async importAndTranscribe(options: ImportTranscribeOptions): Promise<TranscriptionResult & { imported: ImportedRecording }> {
		const { client, sessionDate, signal } = options;
		const imported = await this.importRecording(client, options.bytes, options.originalName, sessionDate, signal);
		options.onImported?.(imported);
		try {
			const result = await this.transcribe({
				client,
				audioPath: imported.audioPath,
				sessionDate,
				decoded: imported.audio,
				...(options.language ? { language: options.language } : {}),
				...(signal ? { signal } : {}),
				...(options.onProgress ? { onProgress: options.onProgress } : {}),
			});
			return { ...result, imported };
		} catch (error) {
			if (isCancelled(error)) throw error;
			throw await this.undoImport(imported, error, options.originalName);
		}
	}

	async transcribe(options: TranscribeOptions): Promise<TranscriptionResult> {
		const { record, transcriber, clock } = this.deps;
		const started = clock.now().getTime();
		const language = options.language ?? "en";
		const report = (stage: TranscriptionProgress["stage"], fraction: number) => {
			const elapsedMs = clock.now().getTime() - started;
			const remainingMs = fraction > 0.02 && fraction < 1 ? (elapsedMs / fraction) * (1 - fraction) : fraction >= 1 ? 0 : null;
			options.onProgress?.({ stage, fraction: Math.min(1, fraction), elapsedMs, remainingMs });
		};
		const cancelled = () => {
			if (options.signal?.aborted) throw new Cancelled();
		};

		if (!options.audioPath.startsWith(`${checkClientCode(options.client)}/`)) {
			throw new ClinicalVaultError("invalid-input", `${options.audioPath} is not a recording of ${options.client}.`);
		}
		await requireRecordingConsent(record, options.client, "nothing was transcribed");
		cancelled();
		report("decoding", 0);
		const decodeStarted = clock.now().getTime();
		let header: { fileId: string };
		let decoded: CheckedAudio;
		if (options.decoded) {
			header = await record.header(options.audioPath);
			decoded = options.decoded;
		} else {
			const read = await record.readWithHeader(options.audioPath);
			header = read.header;
			try {
				decoded = await decodeChecked(read.plaintext, options.audioPath, this.deps.decoder, options.signal);
			} finally {
				read.plaintext.fill(0);
			}
		}
		const pcm: Pcm = decoded.pcm;
		cancelled();
		const decodeMs = clock.now().getTime() - decodeStarted;
		const mono = toMono(pcm);
		const duration = durationSeconds(pcm);
		if (duration < 0.1) throw new ClinicalVaultError("invalid-input", `${options.audioPath} holds no audio (${duration.toFixed(2)} s).`);
		const speech = speechRegions(mono, WHISPER_RATE);
		const cuts = [0, ...splitPoints(mono, WHISPER_RATE, this.deps.windowSeconds ?? 600), duration];
		const decodeShare = 0.02;
		report("transcribing", decodeShare);

		const windows: { offset: number; segments: Segment[] }[] = [];
		let engineMs = 0;
		for (let w = 0; w + 1 < cuts.length; w++) {
			cancelled();
			const from = cuts[w]!;
			const to = cuts[w + 1]!;
			const share = (x: number) => decodeShare + (1 - decodeShare - 0.02) * ((from + x * (to - from)) / duration);
			if (speechFraction(speech, from, to) === 0) {
				windows.push({ offset: from, segments: [] });
				report("transcribing", share(1));
				continue;
			}
			const slice = mono.subarray(Math.floor(from * WHISPER_RATE), Math.floor(to * WHISPER_RATE));
			const wav = encodeWav({ sampleRate: WHISPER_RATE, channels: [slice] });
			const t0 = clock.now().getTime();
			try {
				const segments = await transcriber.transcribe({
					wav,
					durationSeconds: to - from,
					language,
					...(options.signal ? { signal: options.signal } : {}),
					onProgress: (f) => report("transcribing", share(f)),
				});
				const length = to - from;
				windows.push({
					offset: from,
					segments: segments
						.map((s) => ({ ...s, start: Math.min(Math.max(0, s.start), length), end: Math.min(Math.max(s.start, s.end), length) }))
						.filter((s) => s.end > s.start || s.text !== ""),
				});
			} finally {
				wav.fill(0);
				engineMs += clock.now().getTime() - t0;
			}
			report("transcribing", share(1));
		}
		cancelled();

		const cleaned = cleanSegments(stitchWindows(windows), speech);
		const labelled = labelSpeakers(cleaned.segments, pcm, this.deps.speakerNames);
		report("saving", 0.99);
		await requireRecordingConsent(record, options.client, "the transcript was not saved");
		cancelled();
		const markdown = renderTranscript(
			{
				client: options.client,
				sessionDate: options.sessionDate,
				audioPath: options.audioPath,
				audioFileId: header.fileId,
				engine: transcriber.engine,
				model: transcriber.model,
				language,
				durationSeconds: duration,
				speakerLabels: labelled.method,
				created: clock.now().toISOString(),
				droppedSilent: cleaned.droppedSilent,
				droppedArtefacts: cleaned.droppedArtefacts,
				droppedRepeats: cleaned.droppedRepeats,
				audioCheck: decoded.check,
			},
			labelled.segments,
		);
		// Create-only under the first free name: a transcript of that day written meanwhile is never replaced.
		const transcriptPath = await writeNewText(record, namedPath(options.client, "transcripts", checkSessionDate(options.sessionDate), "md"), markdown);
		report("saving", 1);
		return {
			transcriptPath,
			segments: labelled.segments,
			durationSeconds: duration,
			windows: windows.length,
			engineMs,
			decodeMs,
			speakerLabels: labelled.method,
			audio: decoded.check,
		};
	}
}
