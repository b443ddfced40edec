/**
 * The sessions feature: recording (with encrypted checkpoints and the unsaved-recording rescue),
 * transcription with whisper.cpp, recording consent, and retention of recordings after unlock. It
 * runs first in the lock sequence: a recording is stopped and saved, and a transcription stops,
 * while the keys are still there.
 */
import type { Plugin } from "obsidian";
import { sweepPrivateDirs } from "../../engines/privateTemp";
import type { CommandContext } from "../common/context";
import { commandRunners, type Feature } from "../common/feature";
import { recordConsent, revokeRecordingConsent } from "./consentFlows";
import {
	applyRetentionOnUnlock,
	cancelTranscription,
	offerUnsavedRecording,
	pauseOrResumeRecording,
	saveUnsavedRecording,
	startRecording,
	stopRecording,
	stopRecordingForLock,
	transcribeAudio,
} from "./sessionAudio";

export function sessionsFeature(ctx: CommandContext): Feature {
	const { recording, transcription } = ctx.audio;
	const { session, ops } = ctx;
	const live = () => recording.state === "recording" || recording.state === "paused";
	return {
		name: "sessions",
		register(plugin: Plugin) {
			const { run, when } = commandRunners(ctx);
			plugin.addCommand({ id: "record-session", name: "Record session", callback: run(startRecording) });
			plugin.addCommand({ id: "pause-or-resume-recording", name: "Pause or resume recording", checkCallback: when(live, pauseOrResumeRecording) });
			plugin.addCommand({ id: "stop-recording", name: "Stop recording", checkCallback: when(live, stopRecording) });
			plugin.addCommand({
				id: "save-unsaved-recording",
				name: "Save unsaved recording",
				checkCallback: when(() => recording.hasUnsaved && !recording.isActive, saveUnsavedRecording),
			});
			plugin.addCommand({ id: "transcribe-audio", name: "Transcribe audio", callback: run(transcribeAudio) });
			plugin.addCommand({ id: "record-consent", name: "Record consent", callback: run(recordConsent) });
			plugin.addCommand({ id: "revoke-recording-consent", name: "Revoke recording consent", callback: run(revokeRecordingConsent) });
			plugin.addCommand({
				id: "cancel-transcription",
				name: "Cancel transcription",
				checkCallback: when(() => transcription.isRunning, cancelTranscription),
			});
			plugin.registerInterval(
				window.setInterval(() => {
					recording.tick();
					transcription.tick();
				}, ctx.deps().tickMs),
			);
		},
		async beforeLock() {
			// Each step runs even when the one before it failed.
			try {
				await stopRecordingForLock(ctx);
			} finally {
				await transcription.cancelForLock();
			}
		},
		afterUnlock() {
			// Retention is tracked, so a lock that comes meanwhile waits for it.
			ops.run(() => session.track(applyRetentionOnUnlock(ctx)));
			ops.run(() => offerUnsavedRecording(ctx));
		},
		onLayoutReady() {
			// Temporary engine files a crash left behind (ours only, and only when their process is gone).
			ops.run(() => sweepPrivateDirs(ctx.deps().tempRoot));
		},
		isBusy: () => recording.isActive || transcription.isRunning,
	};
}
