/**
 * What the browser page exposes on `window.cv` (page/entry.ts implements it; tests call it with
 * `page.evaluate(() => window.cv....)` or the harness's `call`). Everything returned is plain data,
 * except app() and plugin(), which are for code that runs inside the page.
 */

export type Theme = "light" | "dark";

/** Where openNote puts the note: the current leaf (Obsidian's default), a new tab or a split. */
export type Placement = "current" | "tab" | "split";

export interface LeafInfo {
	/** Stable for the page's life; the leaf's element carries it as `data-cv-leaf`. */
	id: number;
	/** The view type ("clinical-vault-record" for the encrypted view). */
	type: string;
	/** The vault path of the file shown ("Clinical/C-0001/notes/x.md.cvault"), or null. */
	file: string | null;
	/** The record path of that file ("C-0001/notes/x.md"), or null. */
	recordPath: string | null;
	active: boolean;
}

export interface StartOptions {
	/** Autosave delay after the last edit (ms); default 60 s, as in the Node view tests. */
	autosaveMs?: number;
	idleCheckMs?: number;
}

export interface PageApi {
	/** Obsidian with an empty vault at /vault on the page's in-memory disk, and the plugin loaded from source. */
	start(options?: StartOptions): Promise<void>;
	/** Whether start() has run on this page. */
	isStarted(): boolean;
	/** "Set up encrypted record" through its modals (the record stays unlocked); returns the recovery key. */
	setUpRecord(passphrase?: string): Promise<string>;
	/** "New client" through its modal. */
	addClient(code: string, name: string): Promise<void>;
	/** Writes a note into the record (encrypted) as the plugin's services do. */
	writeNote(recordPath: string, text: string): Promise<void>;
	/** A note's decrypted text as it is on disk now (no audit "open"). */
	readNote(recordPath: string): Promise<string>;
	/** Opens a record file in a leaf (as a click in the file list does); returns the leaf's id. */
	openNote(recordPath: string, placement?: Placement): Promise<number>;
	/** Every workspace leaf. */
	leaves(): LeafInfo[];
	/** The text of the CodeMirror editor in a leaf (null when it shows none). */
	editorText(leafId: number): string | null;
	/** Runs a plugin command by its short id ("lock", "save-encrypted-note"); throws when unavailable. */
	run(commandId: string): void;
	/** "Lock clinical record", then waits for the lock to finish. */
	lock(): Promise<void>;
	/** "Unlock clinical record" through the passphrase modal. */
	unlock(passphrase?: string): Promise<void>;
	isUnlocked(): boolean;
	/** Waits until no plugin operation, record work or view work is in flight. */
	idle(): Promise<void>;
	/** Notices shown so far (their text), oldest first. */
	notices(): string[];
	/** Errors from background view work (opening, closing) and failed operations; should stay empty. */
	backgroundErrors(): string[];
	/** Paths of files on the page's disk whose bytes contain the text (UTF-8): plaintext leak checks. */
	diskFilesContaining(text: string): string[];
	setTheme(theme: Theme): void;
	/** The stub App and the plugin, for code running in the page. */
	app(): unknown;
	plugin(): unknown;
}

declare global {
	interface Window {
		cv: PageApi;
	}
}
