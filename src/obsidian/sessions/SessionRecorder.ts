/**
 * Records a session with MediaRecorder. Audio is held in memory only; it is written encrypted into
 * the client's record at checkpoints (so a crash loses at most a few minutes) and at the end, and
 * whatever was captured is saved (encrypted) if anything fails. Pause and resume are supported.
 */
import { ClinicalVaultError } from "../../core/errors";
import type { Clock } from "../../core/clock";

export type RecorderState = "idle" | "recording" | "paused" | "saving";

export interface RecorderHost {
	getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
	createRecorder(stream: MediaStream, options: MediaRecorderOptions): MediaRecorder;
	/** Writes the recording so far (encrypted) and returns its record path. Called at checkpoints and at the end. */
	save(bytes: Uint8Array, mimeType: string, final: boolean): Promise<string>;
	clock: Clock;
	/** Milliseconds between encrypted checkpoints. */
	checkpointMs?: number;
	onState?: (state: RecorderState, elapsedMs: number) => void;
	onError?: (error: unknown) => void;
}

const PREFERRED_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

export function pickMimeType(isSupported: (type: string) => boolean): string {
	return PREFERRED_TYPES.find((t) => isSupported(t)) ?? "";
}

export class SessionRecorder {
	private recorder: MediaRecorder | null = null;
	private stream: MediaStream | null = null;
	private parts: Blob[] = [];
	private state: RecorderState = "idle";
	private startedAt = 0;
	private pausedTotal = 0;
	private pausedAt = 0;
	private lastCheckpoint = 0;
	private savedPath: string | null = null;
	private mimeType = "audio/webm";
	private stopping: Promise<string> | null = null;
	private unsaved: Uint8Array | null = null;

	constructor(private readonly host: RecorderHost) {}

	get current(): RecorderState {
		return this.state;
	}

	get path(): string | null {
		return this.savedPath;
	}

	elapsedMs(): number {
		if (this.state === "idle") return 0;
		const now = this.host.clock.now().getTime();
		const paused = this.pausedTotal + (this.state === "paused" ? now - this.pausedAt : 0);
		return now - this.startedAt - paused;
	}

	private setState(state: RecorderState): void {
		this.state = state;
		this.host.onState?.(state, this.elapsedMs());
	}

	async start(mimeType: string): Promise<void> {
		if (this.state !== "idle") throw new ClinicalVaultError("invalid-input", "A recording is already running.");
		if (this.unsaved) throw new ClinicalVaultError("invalid-input", "The previous recording is not saved yet: unlock the record and save it first.");
		try {
			this.stream = await this.host.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: true } });
		} catch (error) {
			throw new ClinicalVaultError("refused", "The microphone is not available: allow microphone access for Obsidian in your system settings.", {
				detail: String(error),
			});
		}
		this.mimeType = mimeType || "audio/webm";
		const recorder = this.host.createRecorder(this.stream, mimeType ? { mimeType } : {});
		this.recorder = recorder;
		this.parts = [];
		recorder.addEventListener("dataavailable", (event: BlobEvent) => {
			if (event.data.size > 0) this.parts.push(event.data);
			void this.maybeCheckpoint();
		});
		recorder.addEventListener("error", (event) => {
			this.host.onError?.(
				new ClinicalVaultError("engine", "The recording stopped unexpectedly; what was captured is being saved (encrypted).", { detail: event.type }),
			);
			void this.stop();
		});
		this.startedAt = this.host.clock.now().getTime();
		this.lastCheckpoint = this.startedAt;
		this.pausedTotal = 0;
		recorder.start(1000);
		this.setState("recording");
	}

	pause(): void {
		if (this.state !== "recording" || !this.recorder) return;
		this.recorder.pause();
		this.pausedAt = this.host.clock.now().getTime();
		this.setState("paused");
	}

	resume(): void {
		if (this.state !== "paused" || !this.recorder) return;
		this.recorder.resume();
		this.pausedTotal += this.host.clock.now().getTime() - this.pausedAt;
		this.setState("recording");
	}

	private async bytes(): Promise<Uint8Array> {
		const blob = new Blob(this.parts, { type: this.mimeType });
		return new Uint8Array(await blob.arrayBuffer());
	}

	private async maybeCheckpoint(): Promise<void> {
		const now = this.host.clock.now().getTime();
		if (this.state === "saving" || now - this.lastCheckpoint < (this.host.checkpointMs ?? 120_000)) return;
		this.lastCheckpoint = now;
		try {
			const bytes = await this.bytes();
			this.savedPath = await this.host.save(bytes, this.mimeType, false);
			bytes.fill(0);
		} catch (error) {
			this.host.onError?.(error);
		}
	}

	/** Stops, saves the whole recording encrypted and returns its record path. Safe to call twice. */
	stop(): Promise<string> {
		if (this.stopping) return this.stopping;
		if (this.state === "idle") return Promise.reject(new ClinicalVaultError("invalid-input", "No recording is running."));
		this.stopping = (async () => {
			const recorder = this.recorder!;
			const stopped = new Promise<void>((resolve) => recorder.addEventListener("stop", () => resolve(), { once: true }));
			this.setState("saving");
			if (recorder.state !== "inactive") {
				recorder.stop();
				await stopped;
			}
			for (const track of this.stream?.getTracks() ?? []) track.stop();
			const bytes = await this.bytes();
			this.parts = [];
			this.recorder = null;
			this.stream = null;
			try {
				if (bytes.length === 0) throw new ClinicalVaultError("invalid-input", "Nothing was recorded (the microphone gave no audio).");
				this.unsaved = bytes;
				return await this.saveUnsaved();
			} finally {
				this.stopping = null;
				this.setState("idle");
			}
		})();
		return this.stopping;
	}

	/** True when a finished recording could not be saved yet; it is still in memory. */
	get hasUnsaved(): boolean {
		return this.unsaved !== null;
	}

	/** Saves a finished recording whose save failed (for example while the record was locked). */
	async saveUnsaved(): Promise<string> {
		const bytes = this.unsaved;
		if (!bytes) throw new ClinicalVaultError("invalid-input", "There is no unsaved recording.");
		const path = await this.host.save(bytes, this.mimeType, true);
		this.unsaved = null;
		bytes.fill(0);
		this.savedPath = path;
		return path;
	}
}
