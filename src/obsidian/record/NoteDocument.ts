/**
 * One document per record note, shared by every view of it (split panes, popout windows, a
 * search hit opened beside). The decrypted text lives here, in memory only; each view's editor
 * sends its edits here and receives the others'. Saving, autosave, the save guards and the check
 * against the disk are the document's, so two views can never save two versions of one note.
 *
 * A save first reads the note on disk: if it is no longer the version this document was loaded
 * from (another command, the CLI, a sync), nothing is written over it. The clinician's text is
 * kept as an encrypted copy beside the note, every view shows the note as it now is, and the
 * clinician is told where their version is. A note moved or deleted while it had unsaved edits is
 * never recreated: the edits are kept the same way.
 */
import { type ChangeSet, Text } from "@codemirror/state";
import { fromUtf8 } from "../../core/bytes";
import { ClinicalVaultError } from "../../core/errors";
import { splitFrontmatter } from "../../core/markdown/frontmatter";
import { isSigned } from "../../core/notes/signing";
import { displayError } from "../common/notify";
import { checkSave } from "./saveGuard";
import type { RecordSession } from "./RecordSession";
import type { Plugin } from "obsidian";
import { keptCopyPath } from "../../core/record/syncConflicts";

/** A view showing the document. */
export interface DocumentHost {
	/** Another view changed the text: apply the same changes (they are not the host's own undo history). */
	applyRemote(changes: ChangeSet): void;
	/** The text was replaced by the version on disk: start afresh, with an empty undo history. */
	reset(): void;
	/** The save state changed (saved, unsaved, refused, changed elsewhere, kept as a copy). */
	statusChanged(): void;
	/** The record is locking: the editor takes no more edits. */
	freeze(): void;
}

export type SaveState = "saved" | "unsaved" | "refused" | "changed-elsewhere" | "signed";

export interface DocumentServices {
	session: RecordSession;
	/** Autosave delay after the last edit, in ms. */
	autosaveMs: () => number;
}

function textOf(value: string): Text {
	return Text.of(value.split(/\r\n?|\n/));
}

function signedText(text: string): boolean {
	try {
		return isSigned(splitFrontmatter(text).data);
	} catch {
		return false;
	}
}

export function signedError(): ClinicalVaultError {
	return new ClinicalVaultError("refused", "This note is signed and cannot be edited. Add an addendum instead.");
}

export class NoteDocument {
	private current: Text;
	/** The version on disk this document was loaded from or last saved. */
	private base: Text;
	private baseString: string;
	private readonly hosts = new Set<DocumentHost>();
	private autosaveTimer: number | null = null;
	private saving: Promise<unknown> = Promise.resolve();
	private refused: Text | null = null;
	private elsewhere = false;
	private isSignedNow: boolean;
	private closed = false;
	private frozen = false;
	private saveError: unknown = null;
	private dirtyChecked: Text | null = null;
	private dirtyValue = false;
	/** Where the clinician's text was last kept as a copy (shown with a link in every view). */
	keptCopy: string | null = null;

	constructor(
		readonly recordPath: string,
		loaded: string,
		private readonly services: DocumentServices,
	) {
		this.baseString = loaded;
		this.base = textOf(loaded);
		this.current = this.base;
		this.isSignedNow = signedText(loaded);
	}

	/** The text as in the editors now. */
	get text(): Text {
		return this.current;
	}

	toString(): string {
		return this.current.toString();
	}

	get isDirty(): boolean {
		if (this.closed || this.current === this.base) return false;
		if (this.current.length !== this.base.length) return true;
		// Same length: compared once per version of the text (a 5 MB note is compared, not re-compared on every status update).
		if (this.dirtyChecked !== this.current) {
			this.dirtyChecked = this.current;
			this.dirtyValue = !this.current.eq(this.base);
		}
		return this.dirtyValue;
	}

	get isSigned(): boolean {
		return this.isSignedNow;
	}

	get saveState(): SaveState {
		if (this.isSignedNow) return "signed";
		if (!this.isDirty) return "saved";
		if (this.refused !== null && this.refused.eq(this.current)) return "refused";
		return this.elsewhere ? "changed-elsewhere" : "unsaved";
	}

	get hostCount(): number {
		return this.hosts.size;
	}

	attach(host: DocumentHost): void {
		this.hosts.add(host);
	}

	detach(host: DocumentHost): void {
		this.hosts.delete(host);
	}

	private notify(): void {
		for (const host of this.hosts) host.statusChanged();
	}

	/** An edit typed in one view: the document and every other view follow; autosave is scheduled. */
	edit(changes: ChangeSet, from: DocumentHost | null): void {
		if (this.closed || this.frozen || changes.empty) return;
		this.current = changes.apply(this.current);
		for (const host of this.hosts) if (host !== from) host.applyRemote(changes);
		this.scheduleAutosave();
		this.notify();
	}

	/** Replaces the text with the version on disk, in every view (each with a fresh undo history). */
	private replace(loaded: string): void {
		this.baseString = loaded;
		this.base = textOf(loaded);
		this.current = this.base;
		this.dirtyChecked = null;
		this.refused = null;
		this.elsewhere = false;
		this.isSignedNow = signedText(loaded);
		this.cancelAutosave();
		for (const host of this.hosts) host.reset();
		this.notify();
	}

	/**
	 * The note changed on disk (a save of ours coming back, a plugin command such as sign or consent,
	 * the CLI, a sync). Without unsaved edits every view shows the new version; with them nothing is
	 * replaced under the clinician's hands: the views say so, and the next save keeps their text as
	 * a copy.
	 */
	follow(): Promise<void> {
		// Under the note's save lock: a save in progress finishes (and records its version) before the disk is compared.
		return withNoteLock(this.recordPath, async () => {
			if (this.closed || !this.services.session.isUnlocked) return;
			const record = this.services.session.record;
			if (!(await record.exists(this.recordPath))) return;
			const onDisk = await record.readText(this.recordPath, "internal");
			if (this.closed || onDisk === this.baseString) return;
			if (this.isDirty) {
				this.elsewhere = true;
				this.notify();
				return;
			}
			this.replace(onDisk);
		});
	}

	private cancelAutosave(): void {
		if (this.autosaveTimer !== null) {
			window.clearTimeout(this.autosaveTimer);
			this.autosaveTimer = null;
		}
	}

	private scheduleAutosave(): void {
		this.cancelAutosave();
		this.autosaveTimer = window.setTimeout(() => {
			this.autosaveTimer = null;
			void this.save(false).catch(displayError);
		}, this.services.autosaveMs());
	}

	/**
	 * Re-encrypts the note if it changed. False when nothing was written over the note (a guard
	 * refused the text, or it was kept as a copy); the clinician is told why. One save at a time.
	 */
	save(explicit = false): Promise<boolean> {
		const run = this.saving.then(() => this.saveNow(explicit));
		this.saving = run.catch(() => undefined);
		return this.services.session.track(run);
	}

	private async saveNow(explicit: boolean): Promise<boolean> {
		this.cancelAutosave();
		if (this.closed || !this.isDirty) return true;
		const text = this.current;
		const value = text.toString();
		if (this.isSignedNow) return this.refuse(text, explicit, signedError());
		const verdict = checkSave(value, this.baseString);
		if (!verdict.ok) return this.refuse(text, explicit, new ClinicalVaultError("refused", verdict.message));
		const { record } = this.services.session;
		return withNoteLock(this.recordPath, async () => {
			if (this.closed) return false;
			// The write below happens only if the disk still holds the base text, so a signed base means a
			// signed note on disk (a backstop: the editors are read-only then): refused, the file untouched.
			if (signedText(this.baseString)) return this.refuse(text, explicit, signedError());
			this.saveError = null;
			let written: Awaited<ReturnType<typeof record.writeTextIf>>;
			try {
				// Compare-and-write inside the record's queue for this file: written only if the disk still
				// holds the version this document was loaded from, and never recreated if it is gone.
				written = await record.writeTextIf(this.recordPath, this.baseString, value);
			} catch (error) {
				this.saveError = error;
				throw error;
			}
			// Erased or locked meanwhile: nothing of it is written anywhere.
			if (this.closed) return false;
			if (written === "missing") {
				// Moved or deleted while it had unsaved edits: never recreated, the edits are kept.
				const copy = await this.keep("unsaved");
				if (copy === null) return false;
				displayError(
					new ClinicalVaultError(
						"not-found",
						`${this.recordPath} was moved or deleted while you edited it, so it was not recreated. Your text is kept, encrypted, as ${copy}.`,
					),
				);
				this.close();
				return false;
			}
			if (written === "changed") {
				const onDisk = await record.readText(this.recordPath, "internal");
				const kept = this.current;
				const copy = await this.keep("conflict");
				if (copy === null) return false;
				this.keptCopy = copy;
				if (this.current === kept) this.replace(onDisk);
				else {
					// Typed while the copy was written: nothing is replaced; the next save keeps another copy.
					this.elsewhere = true;
					this.notify();
				}
				displayError(
					new ClinicalVaultError(
						"refused",
						`${this.recordPath} was changed elsewhere while you edited it (another view, a command, the CLI or a sync). Your version was not saved over it: it is kept, encrypted, as ${copy}, and the note now shows the current version. Open both and merge what you need.`,
					),
				);
				return false;
			}
			this.baseString = value;
			this.base = text;
			this.dirtyChecked = null;
			this.elsewhere = false;
			this.refused = null;
			this.notify();
			return true;
		});
	}

	private refuse(text: Text, explicit: boolean, error: ClinicalVaultError): false {
		if (explicit || this.refused === null || !this.refused.eq(text)) displayError(error);
		this.refused = text;
		this.notify();
		return false;
	}

	/** Writes the text as it is now to an encrypted copy beside the note; null when the document was closed (erased, locked). */
	private async keep(label: "conflict" | "unsaved"): Promise<string | null> {
		const { record, clock } = this.services.session;
		if (this.closed) return null;
		const copy = await keptCopyPath(record, this.recordPath, clock.now(), label);
		if (this.closed) return null;
		await record.writeText(copy, this.current.toString());
		return copy;
	}

	/**
	 * Last resort when the note itself cannot be written (a locked file, a failing disk): the text
	 * goes to an .unsaved- copy beside it. Null when that failed too (or the document is closed).
	 */
	async keepUnsaved(): Promise<string | null> {
		if (this.closed || !this.isDirty) return null;
		try {
			return await withNoteLock(this.recordPath, () => this.keep("unsaved"));
		} catch {
			return null;
		}
	}

	/** The last save failed with an error (not a guard's refusal). */
	get failedToSave(): boolean {
		return this.saveError !== null;
	}

	/** The record is locking: no more edits (every view read-only); the text as it is now is what gets saved. */
	freeze(): void {
		this.frozen = true;
		for (const host of this.hosts) host.freeze();
	}

	get isFrozen(): boolean {
		return this.frozen;
	}

	/** Saves pending edits while the record is unlocked; failures are shown, never thrown. Tracked by the session. */
	flush(): Promise<void> {
		return this.services.session.track(
			(async () => {
				this.cancelAutosave();
				try {
					await this.saving;
					if (this.isDirty && this.services.session.isUnlocked) await this.save(false);
				} catch (error) {
					displayError(error);
				}
			})(),
		);
	}

	/** Drops the text (lock, or the last view closed after its flush). */
	close(): void {
		this.cancelAutosave();
		this.closed = true;
		this.current = Text.empty;
		this.base = Text.empty;
		this.baseString = "";
		this.refused = null;
	}

	get isClosed(): boolean {
		return this.closed;
	}
}

/**
 * Every open note's document, by record path. Views acquire one when they show a note and
 * release it when they stop; the last release saves pending edits and drops the text. The
 * documents follow their files: the record's own writes and the vault's modify events.
 */
export class NoteDocuments {
	private readonly open = new Map<string, NoteDocument>();
	private readonly loading = new Map<string, Promise<NoteDocument>>();

	constructor(private readonly services: DocumentServices) {}

	/** The document of a note, loaded from the record if no view has it open. */
	async acquire(recordPath: string, host: DocumentHost): Promise<NoteDocument> {
		let doc = this.open.get(recordPath);
		if (!doc || doc.isClosed) {
			let pending = this.loading.get(recordPath);
			if (!pending) {
				pending = this.load(recordPath);
				this.loading.set(recordPath, pending);
				void pending.then(
					() => this.loading.delete(recordPath),
					() => this.loading.delete(recordPath),
				);
			}
			doc = await pending;
		}
		doc.attach(host);
		return doc;
	}

	private async load(recordPath: string): Promise<NoteDocument> {
		const bytes = await this.services.session.record.read(recordPath);
		let text: string;
		try {
			text = fromUtf8(bytes);
		} catch {
			throw new ClinicalVaultError("integrity", "The decrypted note is not valid text. It was left untouched.");
		} finally {
			bytes.fill(0);
		}
		const doc = new NoteDocument(recordPath, text, this.services);
		this.open.set(recordPath, doc);
		return doc;
	}

	/**
	 * A view stops showing the document; the last one out saves its edits (unless `save` is false:
	 * a lock, whose hooks saved already) and drops the text.
	 */
	async release(doc: NoteDocument, host: DocumentHost, save = true): Promise<void> {
		doc.detach(host);
		if (doc.hostCount > 0) return;
		if (save && this.services.session.isUnlocked) {
			await doc.flush();
			if (doc.hostCount > 0) return;
			if (doc.isDirty && doc.failedToSave) {
				// The note could not be written: the text goes to a copy beside it, or stays in memory
				// (until the lock) so that opening the note again shows it.
				const copy = await doc.keepUnsaved();
				if (copy === null) {
					displayError(
						new ClinicalVaultError(
							"storage",
							`Your changes to ${doc.recordPath} could not be saved (see the message before this one). They are kept in memory until the record locks: open the note again and save, or copy the text elsewhere.`,
						),
					);
					return;
				}
				displayError(new ClinicalVaultError("storage", `${doc.recordPath} could not be saved; your changes are kept, encrypted, as ${copy}.`));
			}
		}
		if (doc.hostCount === 0 && this.open.get(doc.recordPath) === doc) {
			this.open.delete(doc.recordPath);
			doc.close();
		}
	}

	/** The note is being erased: its text is dropped at once, unsaved edits included (never written back). */
	async drop(recordPath: string): Promise<void> {
		const doc = this.open.get(recordPath);
		if (!doc) return;
		this.open.delete(recordPath);
		doc.close();
		// A save of it already under way finishes (writing nothing: it sees the document closed) before the erasure goes on.
		await withNoteLock(recordPath, () => Promise.resolve());
	}

	/** The note changed on disk or through the record: its document follows. */
	changed(recordPath: string): Promise<void> {
		const doc = this.open.get(recordPath);
		return doc ? doc.follow() : Promise.resolve();
	}

	get(recordPath: string): NoteDocument | null {
		return this.open.get(recordPath) ?? null;
	}

	/** Before lock: every document saves while the keys are still there. */
	async flushAll(): Promise<void> {
		await Promise.all([...this.open.values()].map((doc) => doc.flush()));
	}

	/** Before lock: no more edits anywhere, then every document saves while the keys are still there. */
	async freezeAndFlush(): Promise<void> {
		for (const doc of this.open.values()) doc.freeze();
		await this.flushAll();
	}

	/** After lock: every document's text is dropped. */
	closeAll(): void {
		for (const doc of this.open.values()) doc.close();
		this.open.clear();
	}
}

/** One save at a time per note (the check against the disk and the write). */
const noteLocks = new Map<string, Promise<unknown>>();

function withNoteLock<T>(recordPath: string, task: () => Promise<T>): Promise<T> {
	const before = noteLocks.get(recordPath) ?? Promise.resolve();
	const run = before.then(task, task);
	const settled = run.catch(() => undefined);
	noteLocks.set(recordPath, settled);
	void settled.then(() => {
		if (noteLocks.get(recordPath) === settled) noteLocks.delete(recordPath);
	});
	return run;
}

/**
 * Open documents follow their files: every record write or removal (sign, addendum, consent, an
 * applied proposal, another document's save) and every vault modify of a record file (the CLI, a
 * sync tool, Obsidian noticing a change on disk).
 */
export function followRecordFiles(plugin: Plugin, session: RecordSession, documents: NoteDocuments, run: (task: () => Promise<void>) => void): void {
	plugin.register(session.onRecordChange((change) => run(() => documents.changed(change.recordPath))));
	plugin.registerEvent(
		plugin.app.vault.on("modify", (file) => {
			const recordPath = session.record.layout.recordPathOf(file.path);
			if (recordPath) run(() => documents.changed(recordPath));
		}),
	);
}
