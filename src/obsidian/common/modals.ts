/**
 * The plugin's modal kinds: forms, confirmations, summaries and pickers (a feature's own forms are
 * in its folder, such as record/recordModals.ts). Each one resolves a promise so flows read top to bottom; closing a
 * modal without answering resolves to "not done" (false or null). Form modals run their action
 * while open and show a failure inline (a wrong passphrase lets the clinician try again), so
 * nothing typed is ever written anywhere; inputs are cleared when the modal closes.
 */
import { holdClientText } from "./clientTextModals";
import { FuzzySuggestModal, Modal, Setting, type App, type TFile, type TFolder } from "obsidian";
import { isCancelled, toClinicalError } from "../../core/errors";

export interface FieldSpec {
	key: string;
	name: string;
	desc?: string;
	kind: "password" | "text" | "textarea" | "dropdown";
	placeholder?: string;
	value?: string;
	/** A dropdown's choices: value → label. */
	options?: Record<string, string>;
}

type FieldElement = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

export interface FormSpec {
	/** A CSS class naming the modal (tests and themes find it by this). */
	cls: string;
	title: string;
	description?: string;
	fields: FieldSpec[];
	submitText: string;
	busyText?: string;
	onSubmit: (values: Record<string, string>) => Promise<void>;
	/** When the record locks while the form is open: saves what was typed (encrypted) and returns where, or null when there is nothing to keep. */
	keepOnLock?: (values: Record<string, string>) => Promise<string | null>;
}

/** A small form: fields, an inline error line, submit and cancel. Enter in a one-line field submits. */
export class FormModal extends Modal {
	private readonly inputs = new Map<string, FieldElement>();
	private errorEl: HTMLElement | null = null;
	private submitEl: HTMLButtonElement | null = null;
	private busy = false;
	private done = false;
	private settle: (done: boolean) => void = () => undefined;
	readonly result: Promise<boolean>;

	constructor(
		app: App,
		private readonly spec: FormSpec,
	) {
		super(app);
		this.result = new Promise((resolve) => (this.settle = resolve));
	}

	private release: () => void = () => undefined;

	override onOpen(): void {
		this.release = holdClientText({ close: () => this.close(), ...(this.spec.keepOnLock ? { keep: () => this.spec.keepOnLock!(this.values()) } : {}) });
		const { contentEl, spec } = this;
		this.modalEl.addClass("clinical-vault-modal", spec.cls);
		this.setTitle(spec.title);
		if (spec.description) contentEl.createEl("p", { text: spec.description, cls: "clinical-vault-modal-description" });
		for (const field of spec.fields) {
			const setting = new Setting(contentEl).setName(field.name);
			if (field.desc) setting.setDesc(field.desc);
			if (field.kind === "dropdown") {
				setting.addDropdown((dropdown) => {
					dropdown.addOptions(field.options ?? {});
					if (field.value) dropdown.setValue(field.value);
					dropdown.selectEl.name = field.key;
					this.inputs.set(field.key, dropdown.selectEl);
				});
				continue;
			}
			if (field.kind === "textarea") {
				setting.settingEl.addClass("clinical-vault-modal-textarea-setting");
				setting.addTextArea((area) => {
					area.inputEl.name = field.key;
					area.inputEl.rows = 8;
					area.inputEl.addClass("clinical-vault-modal-textarea");
					if (field.placeholder) area.setPlaceholder(field.placeholder);
					if (field.value) area.setValue(field.value);
					this.inputs.set(field.key, area.inputEl);
				});
				continue;
			}
			setting.addText((text) => {
				text.inputEl.type = field.kind === "password" ? "password" : "text";
				text.inputEl.name = field.key;
				text.inputEl.autocomplete = "off";
				text.inputEl.spellcheck = false;
				if (field.placeholder) text.setPlaceholder(field.placeholder);
				if (field.value) text.setValue(field.value);
				text.inputEl.addEventListener("keydown", (event) => {
					if (event.key === "Enter" && !event.isComposing) {
						event.preventDefault();
						void this.submit();
					}
				});
				this.inputs.set(field.key, text.inputEl);
			});
		}
		this.errorEl = contentEl.createDiv({ cls: "clinical-vault-modal-error" });
		new Setting(contentEl)
			.addButton((button) => {
				button
					.setButtonText(spec.submitText)
					.setCta()
					.onClick(() => void this.submit());
				this.submitEl = button.buttonEl;
			})
			.addButton((button) => button.setButtonText("Cancel").onClick(() => this.close()));
		this.inputs.values().next().value?.focus();
	}

	override onClose(): void {
		this.release();
		for (const input of this.inputs.values()) input.value = "";
		this.contentEl.empty();
		this.settle(this.done);
	}

	private setBusy(busy: boolean): void {
		this.busy = busy;
		for (const input of this.inputs.values()) input.disabled = busy;
		if (this.submitEl) {
			this.submitEl.disabled = busy;
			this.submitEl.setText(busy ? (this.spec.busyText ?? "Working…") : this.spec.submitText);
		}
	}

	/** What the fields hold now. */
	private values(): Record<string, string> {
		const values: Record<string, string> = {};
		for (const [key, input] of this.inputs) values[key] = input.value;
		return values;
	}

	private async submit(): Promise<void> {
		if (this.busy || this.done) return;
		const values = this.values();
		this.errorEl?.setText("");
		this.setBusy(true);
		try {
			await this.spec.onSubmit(values);
			this.done = true;
			this.setBusy(false);
			this.close();
		} catch (error) {
			this.setBusy(false);
			if (isCancelled(error)) {
				this.close();
				return;
			}
			const failure = toClinicalError(error);
			this.errorEl?.setText(failure.message);
			if (failure.code === "wrong-passphrase") {
				for (const input of this.inputs.values()) if (input.type === "password") input.value = "";
			}
			[...this.inputs.values()].find((input) => input.type === "password" && input.value === "")?.focus();
		}
	}
}

export function openForm(app: App, spec: FormSpec): Promise<boolean> {
	const modal = new FormModal(app, spec);
	modal.open();
	return modal.result;
}

export interface ConfirmOptions {
	title: string;
	message: string;
	confirmText: string;
	/** The button that declines (default "Cancel"). */
	cancelText?: string;
	/** A destructive action: the confirm button is styled as a warning. */
	warning?: boolean;
}

export class ConfirmModal extends Modal {
	private answer = false;
	private settle: (answer: boolean) => void = () => undefined;
	readonly result: Promise<boolean>;

	constructor(
		app: App,
		private readonly options: ConfirmOptions,
	) {
		super(app);
		this.result = new Promise((resolve) => (this.settle = resolve));
	}

	private release: () => void = () => undefined;

	override onOpen(): void {
		this.release = holdClientText(this);
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-confirm-modal");
		this.setTitle(this.options.title);
		this.contentEl.createEl("p", { text: this.options.message });
		new Setting(this.contentEl)
			.addButton((button) => {
				button.setButtonText(this.options.confirmText).onClick(() => {
					this.answer = true;
					this.close();
				});
				if (this.options.warning) button.setWarning();
				else button.setCta();
			})
			.addButton((button) => button.setButtonText(this.options.cancelText ?? "Cancel").onClick(() => this.close()));
	}

	override onClose(): void {
		this.release();
		this.contentEl.empty();
		this.settle(this.answer);
	}
}

export function confirm(app: App, options: ConfirmOptions): Promise<boolean> {
	const modal = new ConfirmModal(app, options);
	modal.open();
	return modal.result;
}

/** A summary modal (verify results): a title and lines of text. */
export class SummaryModal extends Modal {
	constructor(
		app: App,
		private readonly title: string,
		private readonly lines: { text: string; cls?: string }[],
	) {
		super(app);
	}

	private release: () => void = () => undefined;

	override onOpen(): void {
		this.release = holdClientText(this);
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-summary-modal");
		this.setTitle(this.title);
		const list = this.contentEl.createEl("ul", { cls: "clinical-vault-summary" });
		for (const line of this.lines) list.createEl("li", { text: line.text, cls: line.cls });
		new Setting(this.contentEl).addButton((button) => button.setButtonText("Close").onClick(() => this.close()));
	}

	override onClose(): void {
		this.release();
		this.contentEl.empty();
	}
}

/**
 * Base for "pick one" modals that resolve a promise. Obsidian closes a suggest modal before it
 * calls onChooseItem, so "closed without a choice" is settled a tick later.
 */
abstract class PickModal<T> extends FuzzySuggestModal<T> {
	private settle: (value: T | null) => void = () => undefined;
	readonly result: Promise<T | null>;

	constructor(
		app: App,
		protected readonly items: T[],
		cls: string,
		placeholder: string,
	) {
		super(app);
		this.result = new Promise((resolve) => (this.settle = resolve));
		this.modalEl.addClass("clinical-vault-modal", cls);
		this.setPlaceholder(placeholder);
	}

	getItems(): T[] {
		return this.items;
	}

	onChooseItem(item: T): void {
		this.settle(item);
	}

	private release: () => void = () => undefined;

	override onOpen(): void {
		super.onOpen();
		this.release = holdClientText(this);
	}

	override onClose(): void {
		this.release();
		window.setTimeout(() => this.settle(null), 0);
	}
}

export interface ClientChoice {
	code: string;
	name?: string;
}

export class ClientSuggestModal extends PickModal<ClientChoice> {
	constructor(app: App, clients: ClientChoice[]) {
		super(app, clients, "clinical-vault-client-modal", "Choose a client (code or name)");
		this.emptyStateText = "No matching client.";
	}

	getItemText(client: ClientChoice): string {
		return client.name ? `${client.code} · ${client.name}` : client.code;
	}
}

export function chooseClient(app: App, clients: ClientChoice[]): Promise<ClientChoice | null> {
	const modal = new ClientSuggestModal(app, clients);
	modal.open();
	return modal.result;
}

export class FileSuggestModal extends PickModal<TFile> {
	constructor(app: App, files: TFile[], placeholder = "Choose a note or attachment to encrypt") {
		super(app, files, "clinical-vault-file-modal", placeholder);
		this.emptyStateText = "No matching file.";
	}

	getItemText(file: TFile): string {
		return file.path;
	}
}

export function chooseFile(app: App, files: TFile[], placeholder?: string): Promise<TFile | null> {
	const modal = new FileSuggestModal(app, files, placeholder);
	modal.open();
	return modal.result;
}

export class FolderSuggestModal extends PickModal<TFolder> {
	constructor(app: App, folders: TFolder[], placeholder: string) {
		super(app, folders, "clinical-vault-folder-modal", placeholder);
		this.emptyStateText = "No matching folder.";
	}

	getItemText(folder: TFolder): string {
		return folder.path;
	}
}

export function chooseFolder(app: App, folders: TFolder[], placeholder: string): Promise<TFolder | null> {
	const modal = new FolderSuggestModal(app, folders, placeholder);
	modal.open();
	return modal.result;
}

/** Picks a file already in the record, by its record path. */
export class RecordFileSuggestModal extends PickModal<string> {
	constructor(app: App, paths: string[], placeholder: string) {
		super(app, paths, "clinical-vault-record-file-modal", placeholder);
		this.emptyStateText = "No matching file.";
	}

	getItemText(path: string): string {
		return path;
	}
}

export function chooseRecordFile(app: App, paths: string[], placeholder: string): Promise<string | null> {
	const modal = new RecordFileSuggestModal(app, paths, placeholder);
	modal.open();
	return modal.result;
}

/** Asks for a session date (YYYY-MM-DD); `check` throws to keep the modal open with the reason. */
export function askSessionDate(app: App, options: { description: string; value: string; check: (date: string) => void }): Promise<string | null> {
	const chosen: { date?: string } = {};
	return openForm(app, {
		cls: "clinical-vault-session-date-modal",
		title: "Session date",
		description: options.description,
		fields: [
			{
				key: "date",
				name: "Session date",
				desc: "YYYY-MM-DD. Names the recording and its transcript in the record.",
				kind: "text",
				value: options.value,
			},
		],
		submitText: "Continue",
		onSubmit: async (values) => {
			const date = (values.date ?? "").trim();
			options.check(date);
			chosen.date = date;
		},
	}).then((done) => (done && chosen.date !== undefined ? chosen.date : null));
}
