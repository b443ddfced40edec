/**
 * Audio to encrypted transcript. The recording is stored encrypted in the client's record first,
 * so nothing is lost if transcription fails; the audio is decoded in memory, split at quiet points
 * into windows, each window transcribed (silent windows are never sent: whisper invents text from
 * silence), stitched, cleaned, speaker-labelled and saved as an encrypted transcript note.
 *
 * Consent: importing a recording and transcribing one both need the client's recording consent
 * on file (src/core/record/consent.ts), checked here so both shells refuse the same way. The
 * check runs before the audio is read and again just before the transcript is written: a consent
 * revoked while the engine ran (from another window or the CLI) leaves no transcript behind.
 */
import { Cancelled, ClinicalVaultError } from "../errors";
import type { Clock } from "../clock";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode } from "../record/layout";
import { requireRecordingConsent } from "../record/consent";
import { durationSeconds, encodeWav, toMono, WHISPER_RATE, type Pcm } from "../audio/pcm";
import { decodeTo16k, AUDIO_EXTENSIONS } from "../audio/decode";
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

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkSessionDate(date: string): string {
	if (!DATE.test(date) || Number.isNaN(new Date(`${date}T00:00:00Z`).getTime())) {
		throw new ClinicalVaultError("invalid-input", `"${date}" is not a date; use YYYY-MM-DD.`);
	}
	return date;
}

/** A record path in `folder` for this date that is not taken yet: 2026-09-01.md, 2026-09-01-2.md, … */
export async function freePath(record: ClinicalRecord, client: string, folder: string, date: string, ext: string): Promise<string> {
	for (let n = 1; n < 1000; n++) {
		const path = `${checkClientCode(client)}/${folder}/${date}${n === 1 ? "" : `-${n}`}.${ext}`;
		if (!(await record.exists(path))) return path;
	}
	throw new ClinicalVaultError("invalid-input", `Too many files for ${client} on ${date}.`);
}

export class TranscriptionService {
	constructor(private readonly deps: TranscriptionDeps) {}

	/** Encrypts a recording into the client's record (audio/<date>.<ext>) and returns its record path. */
	async importAudio(client: string, bytes: Uint8Array, originalName: string, sessionDate: string): Promise<string> {
		if (bytes.length === 0) throw new ClinicalVaultError("invalid-input", `${originalName} is empty (zero bytes); nothing was imported.`);
		const ext = originalName.slice(originalName.lastIndexOf(".") + 1).toLowerCase();
		if (!AUDIO_EXTENSIONS.includes(ext)) throw new ClinicalVaultError("invalid-input", `${originalName} is not a recording this plugin reads (${AUDIO_EXTENSIONS.join(", ")}).`);
		const date = checkSessionDate(sessionDate);
		await requireRecordingConsent(this.deps.record, client, "nothing was recorded or imported");
		const path = await freePath(this.deps.record, client, "audio", date, ext);
		await this.deps.record.write(path, bytes, { action: "import" });
		return path;
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
		const { header, plaintext: bytes } = await record.readWithHeader(options.audioPath);
		let pcm: Pcm;
		try {
			pcm = await decodeTo16k(bytes, options.audioPath, this.deps.decoder, options.signal);
		} finally {
			bytes.fill(0);
		}
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
		const transcriptPath = await freePath(record, options.client, "transcripts", checkSessionDate(options.sessionDate), "md");
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
			},
			labelled.segments,
		);
		await record.writeText(transcriptPath, markdown);
		report("saving", 1);
		return { transcriptPath, segments: labelled.segments, durationSeconds: duration, windows: windows.length, engineMs, decodeMs, speakerLabels: labelled.method };
	}
}
