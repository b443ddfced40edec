/**
 * The plugin context (common/context.ts), built once on load: the open notes' documents and each
 * feature's long-lived service, in the order their status bar items appear (recording,
 * transcription, drafting, model job; the lock item is added by the record feature after them).
 */
import type { App, Plugin } from "obsidian";
import type { ClinicalVaultSettings } from "../core/settings";
import { ModelJob } from "./care/ModelJob";
import type { CommandContext, PluginDeps } from "./common/context";
import { embeddingClient, engineToken } from "./common/engineToken";
import { displayError, inform, type Operations } from "./common/notify";
import { DraftRunner } from "./notes/DraftRunner";
import { NoteDocuments } from "./record/NoteDocument";
import type { RecordSession } from "./record/RecordSession";
import { SearchController } from "./search/SearchController";
import { RecordingController } from "./sessions/RecordingController";
import { pauseOrResumeRecording, saveUnsavedRecording, stopRecording } from "./sessions/sessionAudio";
import { TranscriptionRunner } from "./sessions/TranscriptionRunner";

export interface ContextHost {
	app: App;
	plugin: Plugin;
	session: RecordSession;
	ops: Operations;
	deps: () => PluginDeps;
	settings: () => ClinicalVaultSettings;
	/** Remembers the signer's name in the plugin's data. */
	setSignerName: (name: string) => Promise<void>;
}

export function createContext(host: ContextHost): CommandContext {
	const { app, plugin, session, ops, deps, settings } = host;
	const documents = new NoteDocuments({ session, autosaveMs: () => deps().autosaveMs });
	const recording = new RecordingController(
		{ session, clock: deps().clock, checkpointMs: () => deps().checkpointMs, win: () => window, onError: displayError },
		plugin.addStatusBarItem(),
		{
			pauseOrResume: () => ops.run(() => pauseOrResumeRecording(ctx)),
			stop: () => ops.run(() => stopRecording(ctx)),
			saveUnsaved: () => ops.run(() => saveUnsavedRecording(ctx)),
		},
	);
	const transcription = new TranscriptionRunner(
		{ session, clock: deps().clock, settings, tempRoot: () => deps().tempRoot, token: () => engineToken(app, settings()) },
		plugin.addStatusBarItem(),
	);
	const drafting = new DraftRunner(app, plugin.addStatusBarItem());
	const job = new ModelJob(plugin.addStatusBarItem());
	const search = new SearchController({ settings, embedder: () => embeddingClient(app, settings()), onError: displayError, inform });
	const ctx: CommandContext = {
		app,
		deps,
		settings,
		session,
		documents,
		ops,
		audio: { recording, transcription, settings },
		drafting: { runner: drafting, settings, signerName: () => settings().signerName, setSignerName: host.setSignerName },
		care: { job, search },
	};
	return ctx;
}
