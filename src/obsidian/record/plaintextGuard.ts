/**
 * Plaintext never stays in the clinical folder. Ordinary Obsidian actions put plaintext there:
 * "New note" in a client's folder, a dropped or pasted attachment, a note dragged in from elsewhere
 * in the vault, a file copied in with the file manager. Each file created under the clinical root that is not an encrypted record file (the
 * record's own hidden temporary files and its system folder aside) is encrypted into the record at
 * once, at the same place under a name the record accepts; the plaintext is removed only after the
 * encrypted copy reads back identical, and never goes to the trash. A note that was open as
 * plaintext opens again, encrypted, in the same place.
 *
 * Refused, with the reason, and kept for the clinician to move: a file outside any client's folder
 * (the record would not know whose it is). While the record is locked nothing can be encrypted: the
 * clinician is told, and the file is encrypted as soon as the record is unlocked.
 */
import { freeRecordPath } from "../../core/record/freePath";
import { MarkdownView, TFile, normalizePath, type EventRef, type TAbstractFile } from "obsidian";
import { ClinicalVaultError } from "../../core/errors";
import { SYSTEM_FOLDER, ENCRYPTED_EXTENSION } from "../../core/record/layout";
import { encryptFileInto, safeSegment } from "./recordFlows";
import type { CommandContext } from "../common/context";
import { openRecordFile } from "./EncryptedView";
import { displayError, inform } from "../common/notify";

/** The record path a plaintext file in the clinical folder is encrypted to, or null when it is not one. */
export function plaintextTarget(root: string, vaultPath: string): { recordPath: string | null; reason?: string } | null {
	const path = normalizePath(vaultPath);
	if (!path.startsWith(`${root}/`) || path.endsWith(`.${ENCRYPTED_EXTENSION}`)) return null;
	const segments = path.slice(root.length + 1).split("/");
	if (segments[0] === SYSTEM_FOLDER || segments.some((s) => s.startsWith("."))) return null;
	if (segments.length < 2) return { recordPath: null, reason: "it is not inside a client's folder" };
	return { recordPath: segments.map((s, i) => (i === 0 ? s : safeSegment(s))).join("/") };
}

/** How long after a "create" event the file is handled. */
const SETTLE_MS = 300;

export class PlaintextGuard {
	/** Files created while the record was locked: encrypted at the next unlock. */
	private readonly pending = new Set<string>();

	constructor(private readonly ctx: CommandContext) {}

	/**
	 * Listens for files created in the vault (call once the layout is ready: the vault's first
	 * indexing emits "create" too). Each file is handled a moment after its event, once Obsidian has
	 * finished creating it (indexing a new note, opening it in an editor).
	 */
	watch(): EventRef[] {
		const later = (file: TAbstractFile) => window.setTimeout(() => this.ctx.ops.run(() => this.onCreate(file)), SETTLE_MS);
		return [
			this.ctx.app.vault.on("create", later),
			// A note dragged into the clinical folder inside Obsidian arrives as a rename, not a create.
			this.ctx.app.vault.on("rename", (file, oldPath) => {
				const root = `${this.ctx.session.record.layout.root}/`;
				if (!normalizePath(oldPath).startsWith(root)) later(file);
			}),
		];
	}

	/** Encrypts what was created while the record was locked (call after unlock). */
	async afterUnlock(): Promise<void> {
		const paths = [...this.pending];
		this.pending.clear();
		for (const path of paths) {
			const file = this.ctx.app.vault.getFileByPath(path);
			if (file) await this.encrypt(file);
		}
	}

	private async onCreate(file: TAbstractFile): Promise<void> {
		if (!(file instanceof TFile) || !this.ctx.app.vault.getFileByPath(file.path)) return;
		const root = this.ctx.session.record.layout.root;
		const target = plaintextTarget(root, file.path);
		if (target === null) return;
		if (target.recordPath === null) {
			displayError(
				new ClinicalVaultError(
					"refused",
					`"${file.path}" is plaintext in the clinical folder and ${target.reason}, so it was not encrypted. Move it into a client's folder (or out of ${root}/); the privacy check lists it until then.`,
				),
			);
			return;
		}
		if (!this.ctx.session.isUnlocked) {
			this.pending.add(file.path);
			inform(`"${file.path}" is plaintext in the clinical folder. Unlock the record and it is encrypted at once.`);
			return;
		}
		await this.encrypt(file);
	}

	/**
	 * Waits until the file has stopped changing (a copy still being written, an editor still
	 * saving): its size and modification time the same across two looks SETTLE_MS apart.
	 */
	private async settled(file: TFile): Promise<boolean> {
		const adapter = this.ctx.app.vault.adapter;
		let last = "";
		for (let i = 0; i < 40; i++) {
			const stat = await adapter.stat(file.path);
			if (!stat) return false;
			const now = `${stat.size}:${stat.mtime}`;
			if (now === last) return true;
			last = now;
			await new Promise((resolve) => window.setTimeout(resolve, SETTLE_MS));
		}
		return false;
	}

	private async encrypt(file: TFile): Promise<void> {
		const root = this.ctx.session.record.layout.root;
		const target = plaintextTarget(root, file.path);
		if (!target?.recordPath) return;
		// A note open in Obsidian's editor: what is typed there is saved to the file first.
		const leaves = this.ctx.app.workspace
			.getLeavesOfType("markdown")
			.filter((leaf) => leaf.view instanceof MarkdownView && leaf.view.file?.path === file.path);
		for (const leaf of leaves) await (leaf.view as MarkdownView).save();
		if (!(await this.settled(file))) {
			displayError(
				new ClinicalVaultError(
					"refused",
					`"${file.path}" is plaintext in the clinical folder and kept changing, so it was not encrypted yet. Run "Encrypt a note or attachment into the record" once it is complete.`,
				),
			);
			return;
		}
		const record = await this.ctx.session.ensureUnlocked();
		const wasOpen = leaves.length > 0 || this.ctx.app.workspace.getActiveFile()?.path === file.path;
		const recordPath = await freeRecordPath(record, target.recordPath);
		const written = await encryptFileInto(this.ctx, file, recordPath);
		inform(`"${file.path}" was plaintext in the clinical folder: it is now encrypted as ${written}, and the plaintext was removed (not to the trash).`);
		if (wasOpen) await openRecordFile(this.ctx.app, this.ctx.session, written);
	}
}
