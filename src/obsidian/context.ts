/**
 * The plugin context every flow receives: the app, the record session, the open notes' documents,
 * the operations funnel, and the services of each feature. Its own module, below the flows and
 * commands.ts, so no flow imports commands.ts back (no import loops; `npm run lint` checks it).
 */
import type { App } from "obsidian";
import type { ClinicalVaultSettings } from "../core/settings";
import type { DraftRunner } from "./DraftRunner";
import type { ModelJob } from "./ModelJob";
import type { Operations } from "./notify";
import type { NoteDocuments } from "./record/NoteDocument";
import type { RecordingController } from "./RecordingController";
import type { SearchController } from "./SearchController";
import type { RecordSession } from "./session";
import type { TranscriptionRunner } from "./TranscriptionRunner";

/** Recording, transcription and the settings they read. */
export interface AudioServices {
	recording: RecordingController;
	transcription: TranscriptionRunner;
	settings: () => ClinicalVaultSettings;
}

/** Drafting with the local model, and the signer's name. */
export interface DraftingServices {
	runner: DraftRunner;
	settings: () => ClinicalVaultSettings;
	/** The signer's name, remembered in the plugin's data ("" until first asked). */
	signerName: () => string;
	setSignerName: (name: string) => Promise<void>;
}

/** Parts map, treatment plan and brief: the model job in the status bar, and the search index. */
export interface CareServices {
	/** The one model job at a time (parts map and plan proposals), shown in the status bar. */
	job: ModelJob;
	/** The search index while unlocked. */
	search: SearchController;
}

export interface CommandContext {
	app: App;
	session: RecordSession;
	/** The open notes' shared documents (record/NoteDocument.ts). */
	documents: NoteDocuments;
	ops: Operations;
	audio: AudioServices;
	drafting: DraftingServices;
	care: CareServices;
}
