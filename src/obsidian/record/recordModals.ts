/**
 * The record's forms: unlock, set up, change the passphrase, rotate the vault key, a new client, a
 * record path, and the recovery key shown once. Passphrases are never stored; inputs are cleared
 * when a form closes (common/modals.ts FormModal).
 */
import { Modal, Setting, type App } from "obsidian";
import { ClinicalVaultError } from "../../core/errors";
import { holdClientText } from "../common/clientTextModals";
import { openForm } from "../common/modals";

/** Asks for the passphrase and runs `unlock` with it; stays open (with the reason) until it succeeds or is cancelled. */
export function askPassphrase(app: App, unlock: (passphrase: string) => Promise<void>): Promise<boolean> {
	return openForm(app, {
		cls: "clinical-vault-passphrase-modal",
		title: "Unlock clinical record",
		description: "Enter the record's passphrase. It is never stored.",
		fields: [{ key: "passphrase", name: "Passphrase", kind: "password" }],
		submitText: "Unlock",
		busyText: "Unlocking…",
		onSubmit: (values) => unlock(values.passphrase ?? ""),
	});
}

/** Asks for a new passphrase twice (setting up a record). */
export function askNewPassphrase(app: App, create: (passphrase: string) => Promise<void>): Promise<boolean> {
	return openForm(app, {
		cls: "clinical-vault-setup-modal",
		title: "Set up encrypted record",
		description:
			"Choose a passphrase of at least 10 characters (a few unrelated words work well). It cannot be recovered; the recovery key shown next is the only way back.",
		fields: [
			{ key: "passphrase", name: "Passphrase", kind: "password" },
			{ key: "repeat", name: "Repeat passphrase", kind: "password" },
		],
		submitText: "Create record",
		busyText: "Creating…",
		onSubmit: async (values) => {
			if ((values.passphrase ?? "") !== (values.repeat ?? "")) throw passphraseMismatch();
			await create(values.passphrase ?? "");
		},
	});
}

/** Asks for the passphrase to rotate the vault key (ClinicalRecord.rotateVaultKey); true when it ran. */
export function askRotateVaultKey(app: App, rotate: (passphrase: string) => Promise<void>): Promise<boolean> {
	return openForm(app, {
		cls: "clinical-vault-rotate-key-modal",
		title: "Rotate the vault key",
		description:
			"After a passphrase change, an old copy of the key file (a backup, a sync tool's history) still opens today's notes with the old passphrase. Rotating makes a new vault key and re-wraps every file's key with it, so such copies open nothing of today's record. Your passphrase stays the same; you get a new recovery key, and the old one stops working.",
		fields: [{ key: "passphrase", name: "Passphrase", kind: "password" }],
		submitText: "Rotate the vault key",
		busyText: "Rotating…",
		onSubmit: async (values) => {
			await rotate(values.passphrase ?? "");
		},
	});
}

export function askChangePassphrase(app: App, change: (current: string, next: string) => Promise<void>): Promise<boolean> {
	return openForm(app, {
		cls: "clinical-vault-change-passphrase-modal",
		title: "Change passphrase",
		description: "Only the key file is rewritten. The recovery key stays valid.",
		fields: [
			{ key: "current", name: "Current passphrase", kind: "password" },
			{ key: "next", name: "New passphrase", kind: "password" },
			{ key: "repeat", name: "Repeat new passphrase", kind: "password" },
		],
		submitText: "Change passphrase",
		busyText: "Changing…",
		onSubmit: async (values) => {
			if ((values.next ?? "") !== (values.repeat ?? "")) throw passphraseMismatch();
			await change(values.current ?? "", values.next ?? "");
		},
	});
}

export interface NewClientInput {
	code: string;
	name: string;
	modality: string;
}

export function askNewClient(app: App, add: (input: NewClientInput) => Promise<void>): Promise<boolean> {
	return openForm(app, {
		cls: "clinical-vault-new-client-modal",
		title: "New client",
		description: "The code names the client's folder; the name is kept only inside the encrypted profile.",
		fields: [
			{ key: "code", name: "Client code", desc: "Capital letters and digits, like C-0142. Never initials.", kind: "text", placeholder: "C-0142" },
			{ key: "name", name: "Display name", kind: "text" },
			{ key: "modality", name: "Modality", desc: "Optional.", kind: "text", placeholder: "IFS" },
		],
		submitText: "Add client",
		busyText: "Adding…",
		onSubmit: (values) => add({ code: (values.code ?? "").trim(), name: values.name ?? "", modality: (values.modality ?? "").trim() }),
	});
}

export function askRecordPath(
	app: App,
	options: { title: string; description: string; value: string; submitText: string; onSubmit: (path: string) => Promise<void> },
): Promise<boolean> {
	return openForm(app, {
		cls: "clinical-vault-record-path-modal",
		title: options.title,
		description: options.description,
		fields: [
			{
				key: "path",
				name: "Record path",
				desc: "Relative to the clinical folder. No names or other identifying details.",
				kind: "text",
				value: options.value,
			},
		],
		submitText: options.submitText,
		busyText: "Encrypting…",
		onSubmit: (values) => options.onSubmit((values.path ?? "").trim()),
	});
}

function passphraseMismatch(): ClinicalVaultError {
	return new ClinicalVaultError("invalid-input", "The two passphrases differ. Type them again.");
}

/** Shows the recovery key once; it closes only after the clinician confirms they stored it. */
export class RecoveryKeyModal extends Modal {
	private confirmed = false;
	private errorEl: HTMLElement | null = null;
	private settle: () => void = () => undefined;
	readonly result: Promise<void>;

	constructor(
		app: App,
		private readonly recoveryKey: string,
	) {
		super(app);
		this.result = new Promise((resolve) => (this.settle = resolve));
	}

	private release: () => void = () => undefined;

	override onOpen(): void {
		this.release = holdClientText(this);
		const { contentEl } = this;
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-recovery-modal");
		this.setTitle("Save your recovery key");
		contentEl.createEl("p", {
			text: "This key is shown once. With it you can open the record if the passphrase is lost. Write it down and keep it somewhere safe, away from this computer.",
		});
		contentEl.createDiv({ cls: "clinical-vault-recovery-key", text: this.recoveryKey });
		let done: HTMLButtonElement | null = null;
		new Setting(contentEl).setName("I have stored the recovery key somewhere safe").addToggle((toggle) =>
			toggle.setValue(false).onChange((value) => {
				this.confirmed = value;
				if (done) done.disabled = !value;
				if (value) this.errorEl?.setText("");
			}),
		);
		this.errorEl = contentEl.createDiv({ cls: "clinical-vault-modal-error" });
		new Setting(contentEl).addButton((button) => {
			button
				.setButtonText("Done")
				.setCta()
				.onClick(() => this.close());
			done = button.buttonEl;
			done.disabled = true;
		});
	}

	override close(): void {
		if (!this.confirmed) {
			this.errorEl?.setText("Confirm that you stored the recovery key first. It will not be shown again.");
			return;
		}
		super.close();
	}

	override onClose(): void {
		this.release();
		this.contentEl.empty();
		this.settle();
	}
}

export function showRecoveryKey(app: App, recoveryKey: string): Promise<void> {
	const modal = new RecoveryKeyModal(app, recoveryKey);
	modal.open();
	return modal.result;
}
