/**
 * The plugin context every flow receives: the app, the record session, the open notes' documents,
 * the operations funnel, and the services of each feature (built once in services.ts). Its own
 * module, below every feature, so no flow imports a feature's registration back (no import loops;
 * `npm run lint` checks it).
 */
import type { App } from "obsidian";
import type { Clock } from "../../core/clock";
import type { KdfParams } from "../../core/crypto/kdf";
import type { ClinicalVaultSettings } from "../../core/settings";
import type { DraftRunner } from "../notes/DraftRunner";
import type { ModelJob } from "../care/ModelJob";
import type { Operations } from "./notify";
import type { NoteDocuments } from "../record/NoteDocument";
import type { RecordingController } from "../sessions/RecordingController";
import type { SearchController } from "../search/SearchController";
import type { RecordSession } from "../record/RecordSession";
import type { TranscriptionRunner } from "../sessions/TranscriptionRunner";

/** What the plugin depends on that tests replace before onload (main.ts sets the real ones). */
export interface PluginDeps {
	clock: Clock;
	/** KDF parameters for a new record; the default tunes Argon2id to about 1 s on this machine. */
	kdfForSetup: () => Promise<KdfParams>;
	autosaveMs: number;
	idleCheckMs: number;
	/** Milliseconds between encrypted checkpoints of a recording. */
	checkpointMs: number;
	/** How often the recording and transcription status items redraw their clocks. */
	tickMs: number;
	/** Where engine temp folders go and are swept; undefined = the system's temp folder. */
	tempRoot: string | undefined;
}

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
	/** Read when used: tests change them after onload. */
	deps: () => PluginDeps;
	settings: () => ClinicalVaultSettings;
	session: RecordSession;
	/** The open notes' shared documents (record/NoteDocument.ts). */
	documents: NoteDocuments;
	ops: Operations;
	audio: AudioServices;
	drafting: DraftingServices;
	care: CareServices;
}
