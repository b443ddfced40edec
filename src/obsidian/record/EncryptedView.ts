/**
 * The view for encrypted record files (extension .cvault). A note is decrypted in memory only,
 * into one document shared by every view of it (record/NoteDocument.ts); each view edits it in a
 * CodeMirror 6 editor (record/noteEditor.ts) or reads it rendered by Obsidian's MarkdownRenderer
 * (links open record notes, embeds of encrypted images and recordings show from memory, remote
 * content is blocked). The editor is kept while reading, so undo survives a switch to reading and
 * back. Audio and images play from an in-memory Blob URL revoked when the view closes. When the
 * record locks, every such view is emptied and closed.
 */
import { Component, FileView, MarkdownRenderer, TFile, normalizePath, setIcon, type App, type WorkspaceLeaf } from "obsidian";
import { EditorState, Transaction, type ChangeSet } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { ClinicalVaultError, toClinicalError } from "../../core/errors";
import { ENCRYPTED_EXTENSION, contentTypeFor } from "../../core/record/layout";
import { blockRemoteContent } from "../../core/markdown/remoteContent";
import type { RecordSession } from "./RecordSession";
import { displayError, type Operations } from "../common/notify";
import { signedError, type DocumentHost, type NoteDocument, type NoteDocuments } from "./NoteDocument";
import { PLAIN_EDITING_ABOVE, noteEditorExtensions, plainReaderExtensions, remoteEdit, stopEditing } from "./noteEditor";
import { VIEW_TYPE } from "../common/viewTypes";

export interface ViewServices {
	session: RecordSession;
	ops: Operations;
	documents: NoteDocuments;
}

type ViewState = "empty" | "locked" | "markdown" | "binary" | "message";
export type EditMode = "read" | "edit";

export function formatSize(bytes: number): string {
	if (bytes < 1024) return `${bytes} bytes`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const STATUS_TEXT = {
	saved: "Saved, encrypted",
	unsaved: "Unsaved changes",
	refused: "Not saved (refused)",
	"changed-elsewhere": "Changed elsewhere: saving keeps your version as a copy",
	signed: "Signed, read-only",
} as const;

export class EncryptedView extends FileView implements DocumentHost {
	override allowNoFile = false;
	private shown: ViewState = "empty";
	private recordPath: string | null = null;
	private doc: NoteDocument | null = null;
	private mode: EditMode = "read";
	/** The editor, kept (hidden) while reading so its undo history survives. */
	private cm: EditorView | null = null;
	private editorEl: HTMLElement | null = null;
	private readingEl: HTMLElement | null = null;
	private bannerEl: HTMLElement | null = null;
	private readingStale = true;
	private renderTimer: number | null = null;
	private objectUrl: string | null = null;
	private rendered: Component | null = null;
	private statusEl: HTMLElement | null = null;
	private modeAction: HTMLElement | null = null;
	private saveAction: HTMLElement | null = null;
	private loadSeq = 0;

	constructor(
		leaf: WorkspaceLeaf,
		private readonly services: ViewServices,
	) {
		super(leaf);
	}

	override getViewType(): string {
		return VIEW_TYPE;
	}

	override getIcon(): string {
		return "lock";
	}

	override getDisplayText(): string {
		if (!this.file) return "Encrypted record file";
		return this.file.basename.replace(/\.md$/, "");
	}

	override canAcceptExtension(extension: string): boolean {
		return extension === ENCRYPTED_EXTENSION;
	}

	/** The record path shown, or null. */
	get currentRecordPath(): string | null {
		return this.recordPath;
	}

	get currentMode(): EditMode {
		return this.mode;
	}

	get isMarkdown(): boolean {
		return this.shown === "markdown";
	}

	get isDirty(): boolean {
		return this.shown === "markdown" && (this.doc?.isDirty ?? false);
	}

	/** The note shown is signed (read-only). */
	get isSigned(): boolean {
		return this.shown === "markdown" && (this.doc?.isSigned ?? false);
	}

	get isLocked(): boolean {
		return this.shown === "locked";
	}

	/** The editor of this view (also while reading), or null when no note is shown. */
	get editor(): EditorView | null {
		return this.cm;
	}

	/** The note's text as in the editors now, or null. */
	get noteText(): string | null {
		return this.shown === "markdown" && this.doc ? this.doc.toString() : null;
	}

	/** The shared document shown, or null. */
	get document(): NoteDocument | null {
		return this.doc;
	}

	override async onOpen(): Promise<void> {
		this.contentEl.addClass("clinical-vault-view");
		this.saveAction = this.addAction("save", "Save", () => this.services.ops.run(() => this.save(true)));
		this.modeAction = this.addAction("pencil", "Edit", () => this.services.ops.run(() => this.setMode(this.mode === "edit" ? "read" : "edit")));
		this.register(
			this.services.session.onLockChange((unlocked) => {
				if (unlocked && this.shown === "locked") this.services.ops.run(() => this.reload());
			}),
		);
		this.updateActions();
	}

	override async onLoadFile(file: TFile): Promise<void> {
		await this.loadRecordFile(file);
	}

	override async onUnloadFile(): Promise<void> {
		await this.releaseDocument();
		this.discard();
	}

	override async onClose(): Promise<void> {
		await this.releaseDocument();
		this.discard();
	}

	/**
	 * Each record file is bound to its path, so a file moved or renamed outside the plugin no longer
	 * decrypts where it is now. Unsaved edits are kept as a copy beside the old path (the document's
	 * save never recreates a moved note), and the view says why it cannot open the file here.
	 */
	override async onRename(file: TFile): Promise<void> {
		await this.releaseDocument();
		this.discard();
		await this.loadRecordFile(file);
	}

	async reload(): Promise<void> {
		if (this.file) await this.loadRecordFile(this.file);
	}

	/** Stops showing the shared document; the last view of it saves pending edits first. */
	private async releaseDocument(): Promise<void> {
		const doc = this.doc;
		this.doc = null;
		// The editor goes first: nothing typed while the last save runs can go astray.
		this.destroyEditor();
		if (doc) await this.services.documents.release(doc, this);
	}

	private async loadRecordFile(file: TFile): Promise<void> {
		await this.releaseDocument();
		this.discard();
		const seq = ++this.loadSeq;
		const { session } = this.services;
		const recordPath = session.record.layout.recordPathOf(normalizePath(file.path));
		if (!recordPath) {
			this.showMessage(
				"Not in the clinical record",
				`This file is outside the clinical folder (${session.record.layout.root}/), so it cannot be opened here.`,
			);
			return;
		}
		this.recordPath = recordPath;
		if (!session.isUnlocked) {
			this.showLocked();
			return;
		}
		try {
			if (recordPath.endsWith(".md")) {
				const doc = await this.services.documents.acquire(recordPath, this);
				if (seq !== this.loadSeq || !session.isUnlocked) {
					await this.services.documents.release(doc, this);
					return;
				}
				this.doc = doc;
				this.shown = "markdown";
				if (doc.isSigned) this.mode = "read";
				this.buildNote();
				await this.renderReading();
			} else {
				const bytes = await session.record.read(recordPath);
				try {
					if (seq === this.loadSeq && session.isUnlocked) this.showBinary(recordPath, bytes);
				} finally {
					bytes.fill(0);
				}
			}
		} catch (error) {
			if (seq !== this.loadSeq) return;
			if (toClinicalError(error).code === "locked") this.showLocked();
			else this.showMessage("Cannot open this file", toClinicalError(error).message);
		}
	}

	private frame(): HTMLElement {
		this.destroyEditor();
		this.contentEl.empty();
		return this.contentEl.createDiv({ cls: "clinical-vault-body" });
	}

	private showMessage(title: string, message: string): void {
		this.shown = "message";
		const box = this.frame().createDiv({ cls: "clinical-vault-message" });
		box.createEl("h3", { text: title });
		box.createEl("p", { text: message });
		this.updateActions();
	}

	private showLocked(): void {
		this.shown = "locked";
		const box = this.frame().createDiv({ cls: "clinical-vault-locked" });
		setIcon(box.createDiv({ cls: "clinical-vault-locked-icon" }), "lock");
		box.createEl("h3", { text: "Record locked" });
		box.createEl("p", { text: "Unlock the clinical record to open this file. It is decrypted in memory only." });
		const button = box.createEl("button", { text: "Unlock", cls: "mod-cta" });
		button.addEventListener("click", () => this.services.ops.run(() => this.services.session.promptUnlock()));
		this.updateActions();
	}

	private showBinary(recordPath: string, bytes: Uint8Array): void {
		this.shown = "binary";
		const type = contentTypeFor(recordPath);
		const body = this.frame().createDiv({ cls: "clinical-vault-binary" });
		body.createEl("h3", { text: recordPath.slice(recordPath.lastIndexOf("/") + 1) });
		body.createEl("p", { text: `${type} · ${formatSize(bytes.length)} · decrypted in memory`, cls: "clinical-vault-binary-info" });
		if (type.startsWith("audio/") || type.startsWith("image/")) {
			const copy = new Uint8Array(bytes);
			this.objectUrl = URL.createObjectURL(new Blob([copy], { type }));
			copy.fill(0);
			if (type.startsWith("audio/")) body.createEl("audio", { cls: "clinical-vault-audio", attr: { controls: "", src: this.objectUrl } });
			else body.createEl("img", { cls: "clinical-vault-image", attr: { src: this.objectUrl, alt: "" } });
		}
		this.updateActions();
	}

	/** The note's frame: save state, the kept-copy banner, the editor (hidden while reading) and the reading pane. */
	private buildNote(): void {
		const doc = this.doc;
		if (!doc) return;
		const body = this.frame();
		this.statusEl = body.createDiv({ cls: "clinical-vault-save-state" });
		this.bannerEl = body.createDiv({ cls: "clinical-vault-banner clinical-vault-hidden" });
		this.editorEl = body.createDiv({ cls: "clinical-vault-editor" });
		this.readingEl = body.createDiv({ cls: "clinical-vault-reading markdown-rendered" });
		this.cm = new EditorView({ parent: this.editorEl, state: this.editorState(doc) });
		this.readingStale = true;
		this.showMode();
	}

	private editorState(doc: NoteDocument): EditorState {
		return EditorState.create({
			doc: doc.text,
			extensions: noteEditorExtensions({
				readOnly: doc.isSigned || doc.isFrozen,
				length: doc.text.length,
				onLocalChange: (changes) => {
					this.readingStale = true;
					doc.edit(changes, this);
				},
				onSave: () => this.services.ops.run(() => this.save(true)),
				linkTargets: () => this.linkTargets(),
				onFileRefused: () =>
					displayError(
						new ClinicalVaultError(
							"refused",
							"Files cannot be pasted or dropped into an encrypted note: nothing was saved. Put the file in the client's folder (it is encrypted there at once), then link it with ![[its name]].",
						),
					),
			}),
		});
	}

	private destroyEditor(): void {
		if (this.renderTimer !== null) {
			window.clearTimeout(this.renderTimer);
			this.renderTimer = null;
		}
		if (this.cm) {
			this.cm.destroy();
			this.cm = null;
		}
		if (this.rendered) {
			this.removeChild(this.rendered);
			this.rendered = null;
		}
		this.editorEl = null;
		this.readingEl = null;
		this.bannerEl = null;
		this.statusEl = null;
	}

	private showMode(): void {
		this.editorEl?.toggleClass("clinical-vault-hidden", this.mode !== "edit");
		this.readingEl?.toggleClass("clinical-vault-hidden", this.mode !== "read");
		this.updateActions();
	}

	// DocumentHost: the shared document tells every view of the note what changed.

	applyRemote(changes: ChangeSet): void {
		this.cm?.dispatch({ changes, annotations: [remoteEdit.of(true), Transaction.addToHistory.of(false)] });
		this.markReadingStale();
	}

	reset(): void {
		const doc = this.doc;
		if (!doc || !this.cm) return;
		this.cm.setState(this.editorState(doc));
		if (doc.isSigned && this.mode === "edit") {
			this.mode = "read";
			this.showMode();
		}
		// A new version from disk is shown at once (edits from another view are batched: markReadingStale).
		this.readingStale = true;
		this.services.ops.run(() => this.renderReading());
	}

	statusChanged(): void {
		this.updateActions();
	}

	freeze(): void {
		if (this.cm) stopEditing(this.cm);
	}

	private markReadingStale(): void {
		this.readingStale = true;
		if (this.mode !== "read" || this.renderTimer !== null) return;
		this.renderTimer = window.setTimeout(() => {
			this.renderTimer = null;
			this.services.ops.run(() => this.renderReading());
		}, 50);
	}

	/** Renders the note into the reading pane (when it is shown and out of date). */
	private async renderReading(): Promise<void> {
		const doc = this.doc;
		const el = this.readingEl;
		if (this.shown !== "markdown" || !doc || !el || this.mode !== "read" || !this.readingStale) return;
		this.readingStale = false;
		// What the last render owned (Blob URLs of embeds, listeners) goes with it.
		if (this.rendered) this.removeChild(this.rendered);
		const owner = this.addChild(new Component());
		this.rendered = owner;
		el.empty();
		if (doc.text.length > PLAIN_EDITING_ABOVE) {
			// Megabytes of rendered HTML would stall the window: a large note reads as text, virtualised by CodeMirror.
			el.createDiv({ cls: "clinical-vault-large-note", text: `A large note (${formatSize(doc.text.length)}) is shown as text.` });
			const reader = new EditorView({ parent: el, state: EditorState.create({ doc: doc.text, extensions: plainReaderExtensions() }) });
			owner.register(() => reader.destroy());
			return;
		}
		// Nothing rendered fetches from another host: remote images, frames, media and styles are
		// placeholders with their address (core/markdown/remoteContent.ts).
		await MarkdownRenderer.render(this.app, blockRemoteContent(doc.toString()).markdown, el, this.file?.path ?? "", owner);
		if (this.rendered === owner) this.wireReading(el, owner);
	}

	/**
	 * An ![[embed]] of an encrypted image or recording in the record is decrypted into memory and
	 * shown from a Blob URL (revoked with the rendered component); an embed of anything else is left
	 * to Obsidian.
	 */
	private async embedFromRecord(embed: HTMLElement, owner: Component): Promise<void> {
		const recordPath = this.recordPath;
		const src = embed.getAttribute("src") ?? "";
		if (recordPath === null || src === "" || !this.services.session.isUnlocked) return;
		const { record } = this.services.session;
		const target = await resolveRecordLink(record, recordPath, src);
		if (!target) return;
		const type = contentTypeFor(target);
		if (!type.startsWith("image/") && !type.startsWith("audio/")) return;
		const bytes = await record.read(target);
		try {
			if (!embed.isConnected || this.recordPath !== recordPath || this.rendered !== owner) return;
			const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type }));
			owner.register(() => URL.revokeObjectURL(url));
			embed.empty();
			embed.addClass(type.startsWith("image/") ? "image-embed" : "media-embed", "is-loaded");
			if (type.startsWith("image/")) embed.createEl("img", { attr: { src: url, alt: embed.getAttribute("alt") ?? "" } });
			else embed.createEl("audio", { attr: { controls: "", src: url } });
		} finally {
			bytes.fill(0);
		}
	}

	/**
	 * Reading mode behaves: a [[link]] to another record file opens it (encrypted, in this view
	 * type), embeds of encrypted images and recordings show from memory, and task checkboxes are
	 * inert (a click would change only the screen, never the note: edit the note to tick a task).
	 */
	private wireReading(el: HTMLElement, owner: Component): void {
		for (const box of Array.from(el.querySelectorAll("input[type=checkbox]"))) {
			(box as HTMLInputElement).disabled = true;
			box.setAttribute("aria-label", "Edit the note to change this task");
		}
		for (const embed of Array.from(el.querySelectorAll<HTMLElement>(".internal-embed[src]"))) {
			this.services.ops.run(() => this.embedFromRecord(embed, owner));
		}
		// Owned by the rendered component: removed with it at the next render.
		owner.registerDomEvent(el, "click", (event) => {
			const link = (event.target as HTMLElement | null)?.closest("a.internal-link");
			if (!link) return;
			const href = link.getAttribute("data-href") ?? link.getAttribute("href") ?? "";
			const recordPath = this.recordPath;
			if (href === "" || recordPath === null) return;
			event.preventDefault();
			event.stopPropagation();
			this.services.ops.run(async () => {
				const target = await resolveRecordLink(this.services.session.record, recordPath, href);
				if (target) await openRecordFile(this.app, this.services.session, target);
				else await this.app.workspace.openLinkText(href, this.file?.path ?? "", false);
			});
		});
	}

	/** [[ completion: the client's other notes first, then the rest of the record's notes. */
	private async linkTargets(): Promise<string[]> {
		const recordPath = this.recordPath;
		if (recordPath === null || !this.services.session.isUnlocked) return [];
		const client = recordPath.split("/")[0]!;
		const entries = await this.services.session.record.list();
		const notes = entries.map((e) => e.recordPath).filter((p) => p.endsWith(".md") && p !== recordPath && !p.startsWith("_"));
		const own = notes.filter((p) => p.startsWith(`${client}/`));
		const others = notes.filter((p) => !p.startsWith(`${client}/`));
		return [...own, ...others].map((p) => p.slice(0, -3));
	}

	async setMode(mode: EditMode): Promise<void> {
		if (this.shown !== "markdown" || mode === this.mode) return;
		if (mode === "edit" && this.doc?.isSigned) throw signedError();
		this.mode = mode;
		this.showMode();
		if (mode === "edit") this.cm?.focus();
		else await this.renderReading();
	}

	/** Saves the note (every view of it shares one document). False when a guard refused it or it was kept as a copy. */
	async save(explicit = false): Promise<boolean> {
		return this.doc && this.shown === "markdown" ? this.doc.save(explicit) : true;
	}

	/** Saves pending edits if the record is still unlocked; failures are shown, never thrown. */
	flush(): Promise<void> {
		return this.doc ? this.doc.flush() : Promise.resolve();
	}

	/** Drops everything decrypted this view shows: editor, rendered DOM, Blob URL. Used on close and on lock. */
	discard(): void {
		this.loadSeq++;
		const doc = this.doc;
		this.doc = null;
		// Lock and erasure come here: the lock's hooks saved already, and erased text is never written back.
		if (doc) void this.services.documents.release(doc, this, false);
		this.destroyEditor();
		if (this.objectUrl) {
			URL.revokeObjectURL(this.objectUrl);
			this.objectUrl = null;
		}
		this.contentEl.empty();
		this.shown = "empty";
		this.recordPath = null;
		this.mode = "read";
		this.updateActions();
	}

	/** Selects a line of the note (1-based: a search hit) like `reveal`. */
	async revealLine(line: number): Promise<void> {
		const doc = this.doc;
		if (!doc) return;
		const at = doc.text.line(Math.max(1, Math.min(doc.text.lines, line)));
		await this.reveal(at.from, at.length);
	}

	/** Selects a passage of the note (a review marker) in the editor; a signed note is shown read-only with the passage selected. */
	async reveal(index: number, length: number): Promise<void> {
		if (this.shown !== "markdown" || !this.cm) return;
		const max = this.cm.state.doc.length;
		const from = Math.max(0, Math.min(max, index));
		const to = Math.max(from, Math.min(max, index + length));
		if (!this.doc?.isSigned) await this.setMode("edit");
		this.cm.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
		if (this.mode === "edit") this.cm.focus();
	}

	private updateActions(): void {
		const note = this.shown === "markdown" && this.doc !== null;
		const signed = note && (this.doc?.isSigned ?? false);
		this.modeAction?.toggleClass("clinical-vault-hidden", !note || signed);
		this.saveAction?.toggleClass("clinical-vault-hidden", !note || signed);
		if (this.modeAction) {
			setIcon(this.modeAction, this.mode === "edit" ? "book-open" : "pencil");
			this.modeAction.setAttr("aria-label", this.mode === "edit" ? "Read" : "Edit");
		}
		if (this.statusEl) {
			const state = note && this.doc ? this.doc.saveState : null;
			this.statusEl.setText(state ? STATUS_TEXT[state] : "");
			this.statusEl.toggleClass("is-dirty", state === "unsaved" || state === "refused" || state === "changed-elsewhere");
		}
		this.renderBanner();
	}

	/** After a conflict: where the clinician's version is kept, with a button to open it beside the note. */
	private renderBanner(): void {
		const banner = this.bannerEl;
		if (!banner) return;
		const copy = this.doc?.keptCopy ?? null;
		banner.toggleClass("clinical-vault-hidden", copy === null);
		if (copy === null || banner.dataset.copy === copy) return;
		banner.dataset.copy = copy;
		banner.empty();
		banner.createSpan({ text: `Your version was kept, encrypted, as ${copy.slice(copy.lastIndexOf("/") + 1)}. ` });
		const open = banner.createEl("button", { text: "Open it beside this note" });
		open.addEventListener("click", () => this.services.ops.run(() => openRecordFile(this.app, this.services.session, copy, { beside: true })));
	}
}

/** Every open encrypted view. */
export function encryptedViews(app: App): EncryptedView[] {
	return app.workspace
		.getLeavesOfType(VIEW_TYPE)
		.map((leaf) => leaf.view)
		.filter((view): view is EncryptedView => view instanceof EncryptedView);
}

/** After lock: empty every encrypted view, then close them all. */
/** The encrypted view in focus, if any (the note commands are offered while one is). */
export function activeEncryptedView(app: App): EncryptedView | null {
	return app.workspace.getActiveViewOfType(EncryptedView);
}

export function closeEncryptedViews(app: App): void {
	for (const view of encryptedViews(app)) view.discard();
	app.workspace.detachLeavesOfType(VIEW_TYPE);
}

/** Waits briefly for the vault to index a file written through the adapter. */
export function fileAt(app: App, path: string, timeoutMs = 5000): Promise<TFile> {
	const existing = app.vault.getFileByPath(path);
	if (existing) return Promise.resolve(existing);
	return new Promise((resolve, reject) => {
		const ref = app.vault.on("create", (created) => {
			if (created instanceof TFile && created.path === path) finish();
		});
		const finish = () => {
			window.clearTimeout(timer);
			app.vault.offref(ref);
			const file = app.vault.getFileByPath(path);
			if (file) resolve(file);
			else reject(new ClinicalVaultError("not-found", `${path} is not in the vault yet. Try opening it from the file list.`));
		};
		const timer = window.setTimeout(finish, timeoutMs);
	});
}

/** Opens a record file in the encrypted view and returns the view. */
export async function openRecordFile(app: App, session: RecordSession, recordPath: string, options: { beside?: boolean } = {}): Promise<EncryptedView | null> {
	const file = await fileAt(app, normalizePath(session.record.layout.storePath(recordPath)));
	const leaf = app.workspace.getLeaf(options.beside ? "split" : false);
	await leaf.openFile(file, { active: true });
	return leaf.view instanceof EncryptedView ? leaf.view : null;
}

/**
 * The record file a [[link]] in a record note points to: the link as a record path ("C-0142/notes/
 * 2026-09-01"), the same with the clinical root or the encrypted ending written out, or a name in
 * the note's own folder; ".md" is added when the link names no extension. Null: not a record file
 * (Obsidian opens the link as usual).
 */
export async function resolveRecordLink(
	record: { exists(path: string): Promise<boolean>; layout: { root: string } },
	fromRecordPath: string,
	href: string,
): Promise<string | null> {
	let target = decodeURIComponent(href.split("#")[0]!.split("|")[0]!).trim();
	if (target === "") return null;
	const root = `${record.layout.root}/`;
	if (target.startsWith(root)) target = target.slice(root.length);
	target = target.replace(/\.cvault$/, "");
	const candidates = [target, `${fromRecordPath.slice(0, fromRecordPath.lastIndexOf("/") + 1)}${target}`];
	for (const candidate of candidates.flatMap((c) => (/\.[A-Za-z0-9]{1,5}$/.test(c) ? [c] : [`${c}.md`, c]))) {
		try {
			if (await record.exists(candidate)) return candidate;
		} catch {
			// Not a valid record path: try the next form.
		}
	}
	return null;
}
