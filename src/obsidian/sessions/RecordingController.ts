/**
 * The plugin's side of recording a session: one SessionRecorder at a time, fed by the window's
 * microphone and MediaRecorder; every save goes encrypted into the client's record through
 * TranscriptionService.importAudio (the first save picks the record path; later checkpoints and the
 * final save overwrite that same file). A status bar item shows a red dot and the elapsed time with
 * pause/resume and stop. A finished recording whose save failed stays in memory until it is saved.
 * Recording needs the client's recording consent on file: start() checks it before the microphone
 * is asked for, and a revoke discards the client's recording without saving it (discard()).
 */
import { setIcon } from "obsidian";
import { localDay } from "../../core/calendar";
import type { Clock } from "../../core/clock";
import { Cancelled, ClinicalVaultError } from "../../core/errors";
import { requireRecordingConsent } from "../../core/record/consent";
import { timestamp } from "../../core/transcribe/segments";
import type { Transcriber } from "../../core/transcribe/Transcriber";
import { TranscriptionService } from "../../core/transcribe/TranscriptionService";
import type { RecordSession } from "../record/RecordSession";
import { SessionRecorder, pickMimeType, type RecorderState } from "./SessionRecorder";

/** The window APIs recording needs (a real Obsidian window, or a test's fakes installed on one). */
interface MediaWindow {
	MediaRecorder?: typeof MediaRecorder;
	navigator: { mediaDevices?: { getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream> } };
}

export interface RecordingHost {
	session: RecordSession;
	clock: Clock;
	/** Milliseconds between encrypted checkpoints. */
	checkpointMs: () => number;
	/** The window whose microphone and MediaRecorder are used. */
	win: () => Window;
	/** Failures while recording (a checkpoint that could not be written) go here. */
	onError: (error: unknown) => void;
}

export interface IndicatorActions {
	pauseOrResume: () => void;
	stop: () => void;
	saveUnsaved: () => void;
}

/** importAudio only encrypts and writes; it never calls the engine. */
const NO_ENGINE: Transcriber = {
	engine: "cli",
	model: "",
	transcribe: () => Promise.reject(new ClinicalVaultError("internal", "No transcription engine here.")),
};

export function extensionForMime(mimeType: string): string {
	const type = mimeType.split(";")[0]?.trim().toLowerCase() ?? "";
	if (type === "audio/ogg") return "ogg";
	if (type === "audio/mp4" || type === "audio/aac") return "m4a";
	if (type === "audio/wav" || type === "audio/wave") return "wav";
	return "webm";
}

export class RecordingController {
	private recorder: SessionRecorder | null = null;
	private client = "";
	private date = "";
	private path: string | null = null;
	private saving: Promise<unknown> = Promise.resolve();
	/** The current recorder's "do not save" switch, thrown by discard(). */
	private discardSwitch = { discarded: false };
	private readonly dotEl: HTMLElement;
	private readonly textEl: HTMLElement;
	private readonly pauseEl: HTMLElement;
	private readonly stopEl: HTMLElement;

	constructor(
		private readonly host: RecordingHost,
		private readonly el: HTMLElement,
		private readonly actions: IndicatorActions,
	) {
		el.addClass("clinical-vault-recording-status");
		this.dotEl = el.createSpan({ cls: "clinical-vault-recording-dot" });
		this.textEl = el.createSpan({ cls: "clinical-vault-recording-text" });
		this.pauseEl = el.createSpan({ cls: "clinical-vault-recording-action clickable-icon", attr: { role: "button" } });
		this.stopEl = el.createSpan({ cls: "clinical-vault-recording-action clickable-icon", attr: { role: "button", "aria-label": "Stop recording" } });
		this.pauseEl.addEventListener("click", () => this.actions.pauseOrResume());
		this.stopEl.addEventListener("click", () => this.actions.stop());
		this.textEl.addEventListener("click", () => {
			if (this.hasUnsaved && this.state === "idle") this.actions.saveUnsaved();
		});
		this.render();
	}

	get state(): RecorderState {
		return this.recorder?.current ?? "idle";
	}

	/** Recording, paused or saving: the microphone is in use. */
	get isActive(): boolean {
		return this.state !== "idle";
	}

	/** A finished recording could not be saved and is held in memory. */
	get hasUnsaved(): boolean {
		return this.recorder?.hasUnsaved ?? false;
	}

	get clientCode(): string {
		return this.client;
	}

	get sessionDate(): string {
		return this.date;
	}

	/** Where the recording is (or will be) in the record, once the first save chose it. */
	get recordPath(): string | null {
		return this.path;
	}

	/** Checks the client's recording consent, then asks for the microphone and starts recording for `client`. */
	async start(client: string): Promise<void> {
		if (this.isActive) throw new ClinicalVaultError("invalid-input", "A recording is already running. Stop it first.");
		if (this.hasUnsaved)
			throw new ClinicalVaultError("invalid-input", 'The previous recording is still unsaved in memory. Run "Save unsaved recording" first.');
		await requireRecordingConsent(this.host.session.record, client, "the microphone was not opened and nothing was recorded");
		if (this.isActive || this.hasUnsaved) throw new ClinicalVaultError("invalid-input", "A recording is already running. Stop it first.");
		const win = this.host.win() as unknown as MediaWindow;
		const Recorder = win.MediaRecorder;
		const media = win.navigator.mediaDevices;
		const getUserMedia = media?.getUserMedia?.bind(media);
		if (!Recorder || !getUserMedia)
			throw new ClinicalVaultError("refused", "This Obsidian window cannot record audio (no microphone access or MediaRecorder).");
		const { clock } = this.host;
		const discardSwitch = { discarded: false };
		const recorder = new SessionRecorder({
			getUserMedia,
			createRecorder: (stream, options) => new Recorder(stream, options),
			save: (bytes, mimeType) => (discardSwitch.discarded ? Promise.reject(new Cancelled("consent")) : this.save(bytes, mimeType)),
			clock,
			checkpointMs: this.host.checkpointMs(),
			onState: () => this.render(),
			onError: (error) => this.host.onError(error),
		});
		this.recorder = recorder;
		this.discardSwitch = discardSwitch;
		this.client = client;
		this.date = localDay(clock.now());
		this.path = null;
		try {
			await recorder.start(pickMimeType((type) => Recorder.isTypeSupported(type)));
		} catch (error) {
			this.reset();
			throw error;
		} finally {
			this.render();
		}
	}

	/** Pauses a running recording or resumes a paused one; false when there is none. */
	pauseOrResume(): boolean {
		const recorder = this.recorder;
		if (!recorder) return false;
		if (recorder.current === "recording") recorder.pause();
		else if (recorder.current === "paused") recorder.resume();
		else return false;
		return true;
	}

	/**
	 * Stops and saves the whole recording (encrypted); returns its record path. When the save fails
	 * the audio stays in memory (hasUnsaved) and the error is thrown.
	 */
	async stop(): Promise<string> {
		const recorder = this.recorder;
		if (!recorder || recorder.current === "idle") throw new ClinicalVaultError("invalid-input", "No recording is running.");
		try {
			const path = await recorder.stop();
			this.reset();
			return path;
		} catch (error) {
			if (!recorder.hasUnsaved) this.reset();
			throw error;
		} finally {
			this.render();
		}
	}

	/** Saves a finished recording whose save failed; returns its record path. */
	async saveUnsaved(): Promise<string> {
		const recorder = this.recorder;
		if (!recorder?.hasUnsaved) throw new ClinicalVaultError("invalid-input", "There is no unsaved recording.");
		try {
			const path = await recorder.saveUnsaved();
			this.reset();
			return path;
		} finally {
			this.render();
		}
	}

	/** Whether a recording of `client` is running or held unsaved in memory. */
	holds(client: string): boolean {
		return this.recorder !== null && this.client === client && (this.isActive || this.hasUnsaved);
	}

	/**
	 * Consent was revoked: stops the microphone and drops `client`'s recording without saving it
	 * (running or unsaved in memory). Resolves once no save of it can still land, so the revoke that
	 * follows erases every checkpoint already written. False when there was none for `client`.
	 */
	async discard(client: string): Promise<boolean> {
		const recorder = this.recorder;
		if (!recorder || !this.holds(client)) return false;
		this.discardSwitch.discarded = true;
		try {
			if (recorder.current !== "idle") await recorder.stop().catch(() => undefined);
			await this.saving;
		} finally {
			if (this.recorder === recorder) this.reset();
			this.render();
		}
		return true;
	}

	/** Redraws the elapsed time (called every second). */
	tick(): void {
		if (this.isActive) this.render();
	}

	private reset(): void {
		this.recorder = null;
	}

	/** Saves run one after another, so a checkpoint still in flight and the final save never race. */
	private save(bytes: Uint8Array, mimeType: string): Promise<string> {
		const run = this.saving.then(() => this.saveNow(bytes, mimeType));
		this.saving = run.catch(() => undefined);
		return this.host.session.track(run);
	}

	private async saveNow(bytes: Uint8Array, mimeType: string): Promise<string> {
		const record = this.host.session.record;
		if (this.path === null) {
			const service = new TranscriptionService({ record, transcriber: NO_ENGINE, decoder: null, clock: this.host.clock });
			this.path = await service.importAudio(this.client, bytes, `recording.${extensionForMime(mimeType)}`, this.date);
		} else {
			await record.write(this.path, bytes);
		}
		return this.path;
	}

	private render(): void {
		const state = this.state;
		const unsaved = state === "idle" && this.hasUnsaved;
		const shown = state !== "idle" || unsaved;
		this.el.toggleClass("clinical-vault-hidden", !shown);
		this.el.toggleClass("is-paused", state === "paused");
		this.el.toggleClass("is-unsaved", unsaved);
		if (!shown) {
			this.textEl.setText("");
			this.pauseEl.empty();
			this.stopEl.empty();
			return;
		}
		const elapsed = timestamp((this.recorder?.elapsedMs() ?? 0) / 1000);
		if (unsaved) this.textEl.setText("Recording not saved");
		else if (state === "saving") this.textEl.setText("Saving recording…");
		else this.textEl.setText(`${state === "paused" ? "Paused" : "Recording"} ${elapsed}`);
		this.textEl.setAttr("aria-label", unsaved ? "Save the unsaved recording" : null);
		const controls = state === "recording" || state === "paused";
		this.pauseEl.toggleClass("clinical-vault-hidden", !controls);
		this.stopEl.toggleClass("clinical-vault-hidden", !controls);
		if (controls) {
			setIcon(this.pauseEl, state === "paused" ? "play" : "pause");
			this.pauseEl.setAttr("aria-label", state === "paused" ? "Resume recording" : "Pause recording");
			setIcon(this.stopEl, "square");
		}
	}
}
