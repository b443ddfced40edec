/**
 * Runs one transcription at a time for the plugin: picks the engine from settings (loopback or
 * allowlisted only, through selectTranscriber) and the decoder (ffmpeg when set or on the PATH,
 * else Obsidian's Web Audio), shows progress in a status bar item (percent, elapsed, estimate) and
 * cancels on request: clicking the item, the "Cancel transcription" command, a lock, or the
 * client's recording consent being revoked (cancelForConsent: the job then ends as Cancelled with
 * reason "consent", even when it had already saved its transcript, which the revoke erases).
 */
import type { Clock } from "../../core/clock";
import { Cancelled, ClinicalVaultError, isCancelled } from "../../core/errors";
import type { ClinicalVaultSettings } from "../../core/settings";
import { timestamp } from "../../core/transcribe/segments";
import type { AudioDecoder, Transcriber } from "../../core/transcribe/Transcriber";
import type { CheckedAudio } from "../../core/audio/decode";
import { TranscriptionService, type TranscriptionProgress, type TranscriptionResult } from "../../core/transcribe/TranscriptionService";
import { FfmpegDecoder } from "../../engines/ffmpegDecoder";
import { findOnPath, selectTranscriber } from "../../engines/select";
import type { RecordSession } from "../record/RecordSession";
import { StatusBarJob, type JobState } from "../common/StatusBarJob";
import { WebAudioDecoder } from "./WebAudioDecoder";

export interface DecoderChoice {
	decoder: AudioDecoder;
	/** For the clinician: which decoder is used and why. */
	description: string;
}

/** ffmpeg when its path is set or it is on the PATH (it streams, so long sessions need little memory), else Web Audio. */
export async function chooseDecoder(settings: Pick<ClinicalVaultSettings, "ffmpegPath">): Promise<DecoderChoice> {
	if (settings.ffmpegPath !== "")
		return { decoder: new FfmpegDecoder(settings.ffmpegPath), description: `ffmpeg at ${settings.ffmpegPath} (the path set here).` };
	const found = await findOnPath(["ffmpeg"]);
	if (found) return { decoder: new FfmpegDecoder(found), description: `ffmpeg found at ${found}.` };
	return {
		decoder: new WebAudioDecoder(),
		description: "Obsidian's built-in Web Audio decoder (ffmpeg was not found). It holds the whole session in memory; install ffmpeg for long sessions.",
	};
}

export interface PreparedEngine {
	transcriber: Transcriber;
	decoder: AudioDecoder;
}

export interface RunnerHost {
	session: RecordSession;
	clock: Clock;
	settings: () => ClinicalVaultSettings;
	/** Where whisper-cli's private temporary folder goes (undefined: the system's temp folder). */
	tempRoot: () => string | undefined;
	/** The practice server's bearer token, when one is configured (src/obsidian/engineToken.ts). */
	token?: () => string | undefined;
}

export interface TranscriptionJob {
	client: string;
	audioPath: string;
	sessionDate: string;
	/** The recording as an import just decoded it (it is then not read and decoded again). */
	decoded?: CheckedAudio;
}

interface Running extends JobState {
	client: string;
	/** Cancelled because the client's recording consent was revoked. */
	consentRevoked: boolean;
	started: number;
	progress: TranscriptionProgress | null;
	progressAt: number;
}

export class TranscriptionRunner extends StatusBarJob<Running> {
	constructor(
		private readonly host: RunnerHost,
		el: HTMLElement,
	) {
		super(el, "clinical-vault-transcription", "Cancel transcription");
		this.render();
	}

	/** Builds the engine and decoder from the settings; throws a clear error when there is none. */
	async prepare(): Promise<PreparedEngine> {
		const settings = this.host.settings();
		const tempRoot = this.host.tempRoot();
		const token = this.host.token?.();
		const transcriber = await selectTranscriber(settings, { ...(tempRoot ? { tempRoot } : {}), ...(token ? { token } : {}) });
		const { decoder } = await chooseDecoder(settings);
		return { transcriber, decoder };
	}

	/**
	 * Transcribes a recording already in the record and resolves with the transcript. When cancelled
	 * it throws Cancelled whose reason is "clinician" or "lock"; the recording is never touched.
	 */
	async run(engine: PreparedEngine, job: TranscriptionJob): Promise<TranscriptionResult> {
		if (this.job) throw new ClinicalVaultError("invalid-input", "A transcription is already running. Wait for it or cancel it from the status bar.");
		const { session, clock } = this.host;
		const settings = this.host.settings();
		const service = new TranscriptionService({
			record: session.record,
			transcriber: engine.transcriber,
			decoder: engine.decoder,
			clock,
			speakerNames: settings.channelSpeakers,
		});
		const controller = new AbortController();
		const now = clock.now().getTime();
		const running: Running = {
			controller,
			client: job.client,
			consentRevoked: false,
			started: now,
			progress: null,
			progressAt: now,
			done: Promise.resolve(),
			reason: null,
		};
		const work = service.transcribe({
			...job,
			language: settings.language,
			signal: controller.signal,
			onProgress: (progress) => {
				running.progress = progress;
				running.progressAt = clock.now().getTime();
				this.render();
			},
		});
		let result: TranscriptionResult;
		try {
			result = await this.track(running, work);
		} catch (error) {
			if (running.consentRevoked && isCancelled(error)) throw new Cancelled("consent");
			throw error;
		}
		if (running.consentRevoked) throw new Cancelled("consent");
		return result;
	}

	/** The client whose recording is being transcribed, or null when none is running. */
	get runningClient(): string | null {
		return this.job?.client ?? null;
	}

	/**
	 * Cancels the transcription when it is for `client` and resolves once it has stopped (its
	 * cancel writes nothing). False when none was running for `client`.
	 */
	async cancelForConsent(client: string): Promise<boolean> {
		const job = this.job;
		if (!job || job.client !== client) return false;
		job.consentRevoked = true;
		this.cancel("clinician");
		await job.done;
		return true;
	}

	/** Redraws the elapsed time (called every second). */
	tick(): void {
		if (this.job) this.render();
	}

	protected describe(job: Running): string {
		return describe(job, this.host.clock.now().getTime());
	}
}

function describe(job: Running, now: number): string {
	if (job.controller.signal.aborted) return "Cancelling transcription…";
	const elapsed = timestamp((now - job.started) / 1000);
	const progress = job.progress;
	if (!progress || progress.stage === "decoding") return `Decoding audio · ${elapsed}`;
	if (progress.stage === "saving") return `Saving transcript · ${elapsed}`;
	const percent = Math.floor(progress.fraction * 100);
	const left =
		progress.remainingMs === null ? "estimating time left" : `about ${timestamp(Math.max(0, progress.remainingMs - (now - job.progressAt)) / 1000)} left`;
	return `Transcribing ${percent}% · ${elapsed} · ${left}`;
}
