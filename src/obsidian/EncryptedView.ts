/**
 * The view for encrypted record files (extension .cvault). The file is decrypted in memory only:
 * markdown is rendered with Obsidian's MarkdownRenderer (links, embeds and Mermaid work) and
 * edited in a plain textarea; saving re-encrypts through the record. Audio and images play from
 * an in-memory Blob URL that is revoked when the view closes. When the record locks, every such
 * view is emptied and closed.
 */
import { Component, FileView, MarkdownRenderer, TFile, normalizePath, setIcon, type App, type WorkspaceLeaf } from "obsidian";
import { fromUtf8 } from "../core/bytes";
import { ClinicalVaultError, toClinicalError } from "../core/errors";
import { splitFrontmatter } from "../core/markdown/frontmatter";
import { checkEditable, isSigned } from "../core/notes/signing";
import { ENCRYPTED_EXTENSION, contentTypeFor } from "../core/record/layout";
import { checkSave } from "./saveGuard";
import { blockRemoteContent } from "../core/markdown/remoteContent";
import type { RecordSession } from "./session";
import { displayError, type Operations } from "./notify";

export const VIEW_TYPE = "clinical-vault-record";

export interface ViewServices {
	session: RecordSession;
	ops: Operations;
	/** Autosave delay after the last edit, in ms. */
	autosaveMs: () => number;
}

type ViewState = "empty" | "locked" | "markdown" | "binary" | "message";
export type EditMode = "read" | "edit";

export function formatSize(bytes: number): string {
	if (bytes < 1024) return `${bytes} bytes`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export class EncryptedView extends FileView {
	override allowNoFile = false;
	private shown: ViewState = "empty";
	private recordPath: string | null = null;
	/** The note as in the editor, and as last loaded or saved (both in memory only). */
	private text: string | null = null;
	private saved: string | null = null;
	private mode: EditMode = "read";
	private editor: HTMLTextAreaElement | null = null;
	private userEdited = false;
	private autosaveTimer: number | null = null;
	private saving: Promise<unknown> = Promise.resolve();
	private lastRefused: string | null = null;
	/** The note was changed elsewhere while this view had unsaved edits: saving keeps them as a copy. */
	private changedElsewhere = false;
	private objectUrl: string | null = null;
	private rendered: Component | null = null;
	private statusEl: HTMLElement | null = null;
	private modeAction: HTMLElement | null = null;
	private saveAction: HTMLElement | null = null;
	private loadSeq = 0;
	/** The note shown is signed: read-only, changes only through "Add addendum". */
	private signed = false;

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
		return this.shown === "markdown" && this.text !== null && this.text !== this.saved;
	}

	/** The note shown is signed (read-only). */
	get isSigned(): boolean {
		return this.shown === "markdown" && this.signed;
	}

	get isLocked(): boolean {
		return this.shown === "locked";
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
		// The view follows its file: a save in another view of the note, a plugin command (sign,
		// addendum, consent, an applied proposal) or a change on disk (the CLI, a sync) shows here.
		this.register(
			this.services.session.record.onChange((change) => {
				if (change.kind === "write" && change.recordPath === this.recordPath) this.services.ops.run(() => this.followChange());
			}),
		);
		this.registerEvent(
			this.app.vault.on("modify", (file) => {
				if (file === this.file) this.services.ops.run(() => this.followChange());
			}),
		);
		this.updateActions();
	}

	/**
	 * Shows the note as it now is on disk. With unsaved edits nothing is replaced under the
	 * clinician's hands: the view says the note changed elsewhere, and saving keeps their version
	 * as an encrypted copy (see saveNow).
	 */
	private async followChange(): Promise<void> {
		const path = this.recordPath;
		if (this.shown !== "markdown" || path === null || !this.services.session.isUnlocked) return;
		const current = await this.services.session.record.readText(path, "internal");
		// Its own save coming back (the vault's modify event), or nothing new: nothing to do.
		if (path !== this.recordPath || current === this.saved) return;
		if (this.isDirty) {
			this.changedElsewhere = true;
			this.updateActions();
			return;
		}
		this.text = current;
		this.saved = current;
		this.signed = signedText(current);
		if (this.signed) this.mode = "read";
		await this.renderNote();
	}

	override async onLoadFile(file: TFile): Promise<void> {
		await this.loadRecordFile(file);
	}

	override async onUnloadFile(): Promise<void> {
		await this.flush();
		this.discard();
	}

	override async onClose(): Promise<void> {
		await this.flush();
		this.discard();
	}

	/**
	 * Each record file is bound to its path, so a file moved or renamed outside the plugin no longer
	 * decrypts where it is now; the view says so instead of saving back to the old path.
	 */
	override async onRename(file: TFile): Promise<void> {
		const lostEdits = this.isDirty;
		this.discard();
		if (lostEdits) displayError(new ClinicalVaultError("refused", "The file was moved while it had unsaved changes; they were not saved. Move it back to its folder to open it again."));
		await this.loadRecordFile(file);
	}

	async reload(): Promise<void> {
		if (this.file) await this.loadRecordFile(this.file);
	}

	private async loadRecordFile(file: TFile): Promise<void> {
		this.discard();
		const seq = ++this.loadSeq;
		const { session } = this.services;
		const recordPath = session.record.layout.recordPathOf(normalizePath(file.path));
		if (!recordPath) {
			this.showMessage("Not in the clinical record", `This file is outside the clinical folder (${session.record.layout.root}/), so it cannot be opened here.`);
			return;
		}
		this.recordPath = recordPath;
		if (!session.isUnlocked) {
			this.showLocked();
			return;
		}
		let bytes: Uint8Array;
		try {
			bytes = await session.record.read(recordPath);
		} catch (error) {
			if (seq !== this.loadSeq) return;
			if (toClinicalError(error).code === "locked") this.showLocked();
			else this.showMessage("Cannot open this file", toClinicalError(error).message);
			return;
		}
		if (seq !== this.loadSeq || !session.isUnlocked) {
			bytes.fill(0);
			return;
		}
		try {
			if (recordPath.endsWith(".md")) {
				let text: string;
				try {
					text = fromUtf8(bytes);
				} catch {
					this.showMessage("Cannot open this file", "The decrypted note is not valid text. It was left untouched.");
					return;
				}
				this.text = text;
				this.saved = text;
				this.shown = "markdown";
				this.signed = signedText(text);
				if (this.signed) this.mode = "read";
				await this.renderNote();
			} else {
				this.showBinary(recordPath, bytes);
			}
		} finally {
			bytes.fill(0);
		}
	}

	private frame(): HTMLElement {
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

	private async renderNote(): Promise<void> {
		if (this.shown !== "markdown" || this.text === null) return;
		const body = this.frame();
		this.statusEl = body.createDiv({ cls: "clinical-vault-save-state" });
		// What the last reading render owned (Blob URLs of embeds, listeners) goes with it.
		if (this.rendered) {
			this.removeChild(this.rendered);
			this.rendered = null;
		}
		if (this.mode === "edit") {
			this.renderEditor(body, this.text);
		} else {
			this.editor = null;
			this.rendered = this.addChild(new Component());
			const el = body.createDiv({ cls: "clinical-vault-reading markdown-rendered" });
			// Nothing rendered fetches from another host: remote images, frames, media and styles are
			// placeholders with their address (core/markdown/remoteContent.ts).
			await MarkdownRenderer.render(this.app, blockRemoteContent(this.text).markdown, el, this.file?.path ?? "", this.rendered);
			this.wireReading(el, this.rendered);
		}
		this.updateActions();
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
			if (!embed.isConnected || this.recordPath !== recordPath) return;
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
	 * type), embeds of encrypted images and recordings show from memory, and task checkboxes are inert (a click would change only the screen, never the note:
	 * edit the note to tick a task).
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

	/**
	 * A fresh textarea whose value is set programmatically, so its undo history is empty: undo
	 * right after opening has nothing to undo. As a second line of defence, undo is refused until
	 * the clinician has typed something, and the empty-buffer save guard still applies.
	 */
	private renderEditor(body: HTMLElement, text: string): void {
		const editor = body.createEl("textarea", { cls: "clinical-vault-editor" });
		editor.value = text;
		this.userEdited = false;
		editor.addEventListener("beforeinput", (event) => {
			if ((event.inputType === "historyUndo" || event.inputType === "historyRedo") && !this.userEdited) event.preventDefault();
		});
		editor.addEventListener("keydown", (event) => {
			const mod = event.ctrlKey || event.metaKey;
			if (mod && event.key.toLowerCase() === "s") {
				event.preventDefault();
				this.services.ops.run(() => this.save(true));
			} else if (mod && event.key.toLowerCase() === "z" && !this.userEdited) {
				event.preventDefault();
			}
		});
		editor.addEventListener("input", (event) => {
			const inputType = (event as InputEvent).inputType ?? "";
			if (!inputType.startsWith("history")) this.userEdited = true;
			this.text = editor.value;
			this.lastRefused = null;
			this.scheduleAutosave();
			this.updateActions();
		});
		this.editor = editor;
		editor.focus();
	}

	async setMode(mode: EditMode): Promise<void> {
		if (this.shown !== "markdown" || mode === this.mode) return;
		if (mode === "edit" && this.signed) throw signedError();
		if (this.editor) this.text = this.editor.value;
		this.mode = mode;
		await this.renderNote();
	}

	private scheduleAutosave(): void {
		if (this.autosaveTimer !== null) window.clearTimeout(this.autosaveTimer);
		this.autosaveTimer = window.setTimeout(() => {
			this.autosaveTimer = null;
			this.services.ops.run(() => this.save(false));
		}, this.services.autosaveMs());
	}

	/**
	 * Re-encrypts the note if it changed. Returns false when a guard refused the buffer (the file is
	 * untouched and the clinician told why). Saves run one at a time.
	 */
	save(explicit = false): Promise<boolean> {
		const run = this.saving.then(() => this.saveNow(explicit));
		this.saving = run.catch(() => undefined);
		return this.services.session.track(run);
	}

	private async saveNow(explicit: boolean): Promise<boolean> {
		if (this.autosaveTimer !== null) {
			window.clearTimeout(this.autosaveTimer);
			this.autosaveTimer = null;
		}
		if (this.editor) this.text = this.editor.value;
		const { recordPath, text, saved } = this;
		if (this.shown !== "markdown" || recordPath === null || text === null || saved === null || text === saved) return true;
		if (this.signed) {
			if (explicit || this.lastRefused !== text) displayError(signedError());
			this.lastRefused = text;
			this.updateActions();
			return false;
		}
		const verdict = checkSave(text, saved);
		if (!verdict.ok) {
			if (explicit || this.lastRefused !== text) displayError(new ClinicalVaultError("refused", verdict.message));
			this.lastRefused = text;
			this.updateActions();
			return false;
		}
		const { record } = this.services.session;
		if (!(await record.exists(recordPath))) {
			throw new ClinicalVaultError("not-found", `${recordPath} was moved or deleted while it was open. Your changes were not saved, and the file was not recreated.`);
		}
		// Changed meanwhile (another view of the note, a plugin command such as sign or addendum, the
		// CLI, a sync): never written over. The clinician's text is kept as an encrypted copy beside
		// the note, and the view shows the note as it is now. The check and the write run under one
		// lock per note, shared by every view, so two views saving at once cannot both pass it.
		return withNoteLock(recordPath, async () => {
			const current = await record.readText(recordPath, "internal");
			if (current !== saved) {
				const copy = await conflictCopyPath(record, recordPath, this.services.session.clock.now());
				// What is in the editor now, typing during this save included.
				await record.writeText(copy, this.editor ? this.editor.value : text);
				this.changedElsewhere = false;
				if (this.recordPath === recordPath) {
					this.text = current;
					this.saved = current;
					this.signed = signedText(current);
					if (this.signed) this.mode = "read";
					await this.renderNote();
				}
				displayError(
					new ClinicalVaultError(
						"refused",
						`${recordPath} was changed elsewhere while you edited it (another view, a command, the CLI or a sync). Your version was not saved over it: it is kept, encrypted, as ${copy}, and the note now shows the current version. Compare the two and merge what you need.`,
					),
				);
				this.updateActions();
				return false;
			}
			// Signed (by this version: a backstop, the view is read-only then): refused, the file untouched.
			await checkEditable(record, recordPath);
			await record.writeText(recordPath, text);
			if (this.recordPath === recordPath) this.saved = text;
			this.changedElsewhere = false;
			this.updateActions();
			return true;
		});
	}

	/**
	 * Saves pending edits if the record is still unlocked; failures are shown, never thrown. The
	 * work is registered with the session at once, so a lock that starts meanwhile waits for it.
	 */
	flush(): Promise<void> {
		return this.services.session.track(this.flushNow());
	}

	private async flushNow(): Promise<void> {
		if (this.autosaveTimer !== null) {
			window.clearTimeout(this.autosaveTimer);
			this.autosaveTimer = null;
		}
		try {
			await this.saving;
			if (this.isDirty && this.services.session.isUnlocked) await this.save(false);
		} catch (error) {
			displayError(error);
		}
	}

	/** Drops everything decrypted: text, editor, rendered DOM, Blob URL. Used on close and on lock. */
	discard(): void {
		this.loadSeq++;
		if (this.autosaveTimer !== null) {
			window.clearTimeout(this.autosaveTimer);
			this.autosaveTimer = null;
		}
		if (this.editor) this.editor.value = "";
		this.editor = null;
		this.text = null;
		this.saved = null;
		this.lastRefused = null;
		this.changedElsewhere = false;
		this.userEdited = false;
		if (this.rendered) {
			this.removeChild(this.rendered);
			this.rendered = null;
		}
		if (this.objectUrl) {
			URL.revokeObjectURL(this.objectUrl);
			this.objectUrl = null;
		}
		this.contentEl.empty();
		this.statusEl = null;
		this.shown = "empty";
		this.signed = false;
		this.recordPath = null;
		this.updateActions();
	}

	/** Selects a line of the note (1-based: a search hit) like `reveal`. */
	async revealLine(line: number): Promise<void> {
		if (this.text === null) return;
		const lines = this.text.split("\n");
		const at = Math.max(0, Math.min(lines.length - 1, line - 1));
		const index = lines.slice(0, at).reduce((n, l) => n + l.length + 1, 0);
		await this.reveal(index, lines[at]!.length);
	}

	/** Selects a passage of the note (a review marker) in the editor; a signed note is only scrolled to. */
	async reveal(index: number, length: number): Promise<void> {
		if (this.shown !== "markdown") return;
		if (!this.signed) await this.setMode("edit");
		const editor = this.editor;
		if (!editor) return;
		editor.focus();
		editor.setSelectionRange(index, index + length);
	}

	private updateActions(): void {
		const note = this.shown === "markdown";
		this.modeAction?.toggleClass("clinical-vault-hidden", !note || this.signed);
		this.saveAction?.toggleClass("clinical-vault-hidden", !note || this.signed);
		if (this.modeAction) {
			setIcon(this.modeAction, this.mode === "edit" ? "book-open" : "pencil");
			this.modeAction.setAttr("aria-label", this.mode === "edit" ? "Read" : "Edit");
		}
		if (this.statusEl) {
			const text = !note
				? ""
				: this.signed
					? "Signed, read-only"
					: this.isDirty
						? this.lastRefused === this.text
							? "Not saved (refused)"
							: this.changedElsewhere
								? "Changed elsewhere: saving keeps your version as a copy"
								: "Unsaved changes"
						: "Saved, encrypted";
			this.statusEl.setText(text);
			this.statusEl.toggleClass("is-dirty", this.isDirty);
		}
	}
}

function signedText(text: string): boolean {
	try {
		return isSigned(splitFrontmatter(text).data);
	} catch {
		return false;
	}
}

function signedError(): ClinicalVaultError {
	return new ClinicalVaultError("refused", "This note is signed and cannot be edited. Add an addendum instead.");
}

/** Every open encrypted view. */
export function encryptedViews(app: App): EncryptedView[] {
	return app.workspace
		.getLeavesOfType(VIEW_TYPE)
		.map((leaf) => leaf.view)
		.filter((view): view is EncryptedView => view instanceof EncryptedView);
}

/** Before lock: every open editor saves while the keys are still there. */
export async function flushEncryptedViews(app: App): Promise<void> {
	await Promise.all(encryptedViews(app).map((view) => view.flush()));
}

/** After lock: empty every encrypted view, then close them all. */
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
export async function openRecordFile(app: App, session: RecordSession, recordPath: string): Promise<EncryptedView | null> {
	const file = await fileAt(app, normalizePath(session.record.layout.storePath(recordPath)));
	const leaf = app.workspace.getLeaf(false);
	await leaf.openFile(file, { active: true });
	return leaf.view instanceof EncryptedView ? leaf.view : null;
}

/** A free record path for a conflict copy beside a note: "2026-09-01.conflict-20261205-1130.md". */
async function conflictCopyPath(record: { exists(path: string): Promise<boolean> }, recordPath: string, now: Date): Promise<string> {
	const dot = recordPath.lastIndexOf(".");
	const base = dot > recordPath.lastIndexOf("/") ? recordPath.slice(0, dot) : recordPath;
	const ext = dot > recordPath.lastIndexOf("/") ? recordPath.slice(dot) : "";
	const pad = (n: number) => String(n).padStart(2, "0");
	const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
	for (let n = 1; n < 100; n++) {
		const path = `${base}.conflict-${stamp}${n === 1 ? "" : `-${n}`}${ext}`;
		if (!(await record.exists(path))) return path;
	}
	throw new ClinicalVaultError("storage", `Too many conflict copies of ${recordPath}; nothing was written.`);
}

/**
 * The record file a [[link]] in a record note points to: the link as a record path ("C-0142/notes/
 * 2026-09-01"), the same with the clinical root or the encrypted ending written out, or a name in
 * the note's own folder; ".md" is added when the link names no extension. Null: not a record file
 * (Obsidian opens the link as usual).
 */
export async function resolveRecordLink(record: { exists(path: string): Promise<boolean>; layout: { root: string } }, fromRecordPath: string, href: string): Promise<string | null> {
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

/** One save at a time per note, across every view of it (the check against the disk and the write). */
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
