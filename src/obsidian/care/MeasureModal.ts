/**
 * The outcome measure form ("Enter outcome measure"): the measure, the date it was given, the
 * session note it belongs to (optional), then the answers item by item or the total alone (a paper
 * form). The total and band are computed by code (src/core/measures/scoring.ts) as the clinician
 * answers; saving goes through MeasuresService, whose refusals show in the form with nothing typed
 * lost (an existing score for that date or session offers "Replace"). Item alerts of the saved
 * score are shown in the form before it closes, as the definition words them, never interpreted.
 *
 * Answers are client data held in memory only: the form closes when the record locks, and a
 * half-entered form is not saved (the clinician is told); its controls are cleared on close.
 */
import { Modal, Setting, type App, type DropdownComponent } from "obsidian";
import { ClinicalVaultError, isCancelled, toClinicalError } from "../../core/errors";
import type { MeasureDefinition } from "../../core/measures/definition";
import type { AddedScore } from "../../core/measures/MeasuresService";
import { maxTotal, scoreAnswers, scoreTotal, type Score } from "../../core/measures/scoring";
import { holdClientText } from "../common/clientTextModals";
import { inform } from "../common/notify";

export interface MeasureRequest {
	measure: string;
	date: string;
	session?: string;
	/** One per item (null: not answered), or `total` alone. */
	answers?: (number | null)[];
	total?: number;
	replace: boolean;
}

export interface MeasureModalSpec {
	client: string;
	/** The measures to choose from, in the order shown (built-in first). */
	definitions: MeasureDefinition[];
	/** Today, YYYY-MM-DD: the default date. */
	today: string;
	/** The client's session notes (record paths), newest first. */
	notes: string[];
	/** The note preselected (the one in focus), or null. */
	session: string | null;
	/** Saves the score (MeasuresService.add); throws the service's refusal. */
	save: (request: MeasureRequest) => Promise<AddedScore>;
}

type Mode = "items" | "total";

const NO_SESSION = "";
const NOT_ANSWERED = "";
const DAY_IN_NAME = /^(\d{4}-\d{2}-\d{2})/;

/** The note's date, from its file name (notes/2026-06-24.md), when it has one. */
function dateOfNote(path: string): string | null {
	return DAY_IN_NAME.exec(path.slice(path.lastIndexOf("/") + 1))?.[1] ?? null;
}

export class MeasureModal extends Modal {
	private definition: MeasureDefinition;
	private mode: Mode = "items";
	private readonly selects: HTMLSelectElement[] = [];
	private dateEl: HTMLInputElement | null = null;
	private dateTouched = false;
	private sessionSelect: DropdownComponent | null = null;
	private totalEl: HTMLInputElement | null = null;
	private itemsEl: HTMLElement | null = null;
	private totalSectionEl: HTMLElement | null = null;
	private instructionsEl: HTMLElement | null = null;
	private scoreEl: HTMLElement | null = null;
	private errorEl: HTMLElement | null = null;
	private formEl: HTMLElement | null = null;
	private saveEl: HTMLButtonElement | null = null;
	private replaceEl: HTMLButtonElement | null = null;
	private busy = false;
	private saved: AddedScore | null = null;
	private settle: (added: AddedScore | null) => void = () => undefined;
	private release: () => void = () => undefined;
	readonly result: Promise<AddedScore | null>;

	constructor(
		app: App,
		private readonly spec: MeasureModalSpec,
	) {
		super(app);
		const first = spec.definitions[0];
		if (!first) throw new ClinicalVaultError("not-found", "No outcome measures are available.");
		this.definition = first;
		this.result = new Promise((resolve) => (this.settle = resolve));
	}

	override onOpen(): void {
		this.release = holdClientText({ close: () => this.close(), keep: () => this.discardForLock() });
		const { contentEl, spec } = this;
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-measure-modal");
		this.setTitle(`Enter outcome measure: ${spec.client}`);
		const form = contentEl.createDiv({ cls: "clinical-vault-measure-form" });
		this.formEl = form;

		new Setting(form).setName("Measure").addDropdown((dropdown) => {
			for (const def of spec.definitions) dropdown.addOption(def.id, def.name);
			dropdown.setValue(this.definition.id);
			dropdown.selectEl.name = "measure";
			dropdown.onChange((id) => {
				const def = spec.definitions.find((d) => d.id === id);
				if (!def) return;
				this.definition = def;
				this.showError("", false);
				this.renderMeasure();
			});
		});
		new Setting(form)
			.setName("Date given")
			.setDesc("The day it was given, today or earlier (year-month-day).")
			.addText((text) => {
				text.inputEl.name = "date";
				text.inputEl.autocomplete = "off";
				text.setPlaceholder(spec.today).setValue(spec.session ? (this.noteDate(spec.session) ?? spec.today) : spec.today);
				text.onChange(() => {
					this.dateTouched = true;
					// "Replace" was offered for the score of another date.
					this.showError("", false);
				});
				this.dateEl = text.inputEl;
			});
		new Setting(form)
			.setName("Session note")
			.setDesc("Optional: the session it was given at.")
			.addDropdown((dropdown) => {
				dropdown.addOption(NO_SESSION, "None");
				for (const path of spec.notes) dropdown.addOption(path, path.slice(path.indexOf("/") + 1));
				dropdown.setValue(spec.session ?? NO_SESSION);
				dropdown.selectEl.name = "session";
				dropdown.onChange((path) => {
					// The date follows the note's unless the clinician typed one.
					const day = path === NO_SESSION ? null : this.noteDate(path);
					if (day && !this.dateTouched && this.dateEl) this.dateEl.value = day;
					this.showError("", false);
				});
				this.sessionSelect = dropdown;
			});
		new Setting(form).setName("Answers").addDropdown((dropdown) => {
			dropdown.addOptions({ items: "Item by item", total: "Total only (paper form)" });
			dropdown.setValue(this.mode);
			dropdown.selectEl.name = "mode";
			dropdown.onChange((mode) => {
				this.mode = mode === "total" ? "total" : "items";
				this.showMode();
			});
		});

		this.instructionsEl = form.createEl("p", { cls: "clinical-vault-modal-description clinical-vault-measure-instructions" });
		this.itemsEl = form.createDiv({ cls: "clinical-vault-measure-items" });
		this.totalSectionEl = form.createDiv({ cls: "clinical-vault-measure-total" });
		this.scoreEl = form.createDiv({ cls: "clinical-vault-measure-score" });
		this.errorEl = form.createDiv({ cls: "clinical-vault-modal-error" });
		new Setting(form)
			.addButton((button) => {
				button
					.setButtonText("Save")
					.setCta()
					.onClick(() => void this.submit(false));
				this.saveEl = button.buttonEl;
			})
			.addButton((button) => {
				button
					.setButtonText("Replace")
					.setWarning()
					.onClick(() => void this.submit(true));
				this.replaceEl = button.buttonEl;
				this.replaceEl.addClass("clinical-vault-hidden");
			})
			.addButton((button) => button.setButtonText("Cancel").onClick(() => this.close()));
		this.renderMeasure();
	}

	override onClose(): void {
		this.release();
		for (const select of this.selects) select.value = NOT_ANSWERED;
		this.selects.length = 0;
		if (this.totalEl) this.totalEl.value = "";
		this.contentEl.empty();
		this.settle(this.saved);
	}

	private noteDate(path: string): string | null {
		const day = dateOfNote(path);
		return day !== null && day <= this.spec.today ? day : null;
	}

	/** The items and total field of the chosen measure; answers given to another measure are dropped. */
	private renderMeasure(): void {
		const def = this.definition;
		for (const select of this.selects) select.value = NOT_ANSWERED;
		this.selects.length = 0;
		this.instructionsEl?.setText(`${def.title}.${def.instructions ? ` ${def.instructions}` : ""}`);
		const items = this.itemsEl!;
		items.empty();
		def.items.forEach((item, i) => {
			new Setting(items)
				.setName(`${i + 1}. ${item.text}`)
				.setClass("clinical-vault-measure-item")
				.addDropdown((dropdown) => {
					dropdown.addOption(NOT_ANSWERED, "Not answered");
					for (const option of def.options) dropdown.addOption(String(option.value), `${option.value}: ${option.label}`);
					dropdown.setValue(NOT_ANSWERED);
					dropdown.selectEl.name = `item-${i + 1}`;
					dropdown.selectEl.setAttr("aria-label", `Item ${i + 1}`);
					dropdown.onChange(() => this.update());
					this.selects.push(dropdown.selectEl);
				});
		});
		const total = this.totalSectionEl!;
		total.empty();
		this.totalEl = null;
		new Setting(total)
			.setName("Total")
			.setDesc(`From the scored paper form: a whole number from 0 to ${maxTotal(def)}. No item alerts can be raised from a total alone.`)
			.addText((text) => {
				text.inputEl.name = "total";
				text.inputEl.autocomplete = "off";
				text.inputEl.inputMode = "numeric";
				text.onChange(() => this.update());
				this.totalEl = text.inputEl;
			});
		this.showMode();
	}

	private showMode(): void {
		this.itemsEl?.toggleClass("clinical-vault-hidden", this.mode !== "items");
		this.instructionsEl?.toggleClass("clinical-vault-hidden", this.mode !== "items");
		this.totalSectionEl?.toggleClass("clinical-vault-hidden", this.mode !== "total");
		this.update();
	}

	private answers(): (number | null)[] {
		return this.selects.map((select) => (select.value === NOT_ANSWERED ? null : Number(select.value)));
	}

	/** The score of what is entered so far; a string says what is missing or wrong. */
	private current(): Score | string {
		const def = this.definition;
		if (this.mode === "total") {
			const text = (this.totalEl?.value ?? "").trim();
			if (text === "") return "Enter the total.";
			const max = maxTotal(def);
			if (!/^\d+$/.test(text) || Number(text) > max) return `A ${def.name} total is a whole number from 0 to ${max}.`;
			return scoreTotal(def, Number(text));
		}
		const answers = this.answers();
		const missing = answers.filter((a) => a === null).length;
		if (missing > def.scoring.prorateMaxMissing) return `${answers.length - missing} of ${answers.length} items answered.`;
		try {
			return scoreAnswers(def, answers);
		} catch (error) {
			return toClinicalError(error).message;
		}
	}

	/** The live total and band. */
	private update(): void {
		const score = this.current();
		const el = this.scoreEl;
		if (!el) return;
		el.empty();
		if (typeof score === "string") {
			el.removeClass("is-complete");
			el.setText(score);
			return;
		}
		el.addClass("is-complete");
		el.createSpan({ cls: "clinical-vault-measure-total-value", text: `Total ${score.total} of ${maxTotal(this.definition)}` });
		el.appendText(`: ${score.band}`);
		if (score.prorated > 0) el.appendText(` (${score.prorated} unanswered item${score.prorated === 1 ? "" : "s"} prorated as the manual allows)`);
	}

	private request(replace: boolean): MeasureRequest {
		const session = this.sessionSelect?.getValue() ?? NO_SESSION;
		const base = { measure: this.definition.id, date: (this.dateEl?.value ?? "").trim(), replace, ...(session !== NO_SESSION ? { session } : {}) };
		if (this.mode === "total") return { ...base, total: Number((this.totalEl?.value ?? "").trim()) };
		return { ...base, answers: this.answers() };
	}

	/** Whether anything was entered (a form closed by the lock then says it was not saved). */
	private hasInput(): boolean {
		if (this.saved) return false;
		return this.selects.some((select) => select.value !== NOT_ANSWERED) || (this.totalEl?.value ?? "").trim() !== "";
	}

	private discardForLock(): Promise<null> {
		if (this.hasInput())
			inform(
				`The record locked while a ${this.definition.name} was being entered for ${this.spec.client}: those answers were not saved. Unlock and enter them again.`,
			);
		return Promise.resolve(null);
	}

	private setBusy(busy: boolean): void {
		this.busy = busy;
		if (this.saveEl) this.saveEl.disabled = busy;
		if (this.replaceEl) this.replaceEl.disabled = busy;
	}

	private showError(message: string, offerReplace: boolean): void {
		this.errorEl?.setText(message);
		this.replaceEl?.toggleClass("clinical-vault-hidden", !offerReplace);
	}

	private async submit(replace: boolean): Promise<void> {
		if (this.busy || this.saved) return;
		this.showError("", false);
		// What the service would refuse about the answers is said here, before anything is sent.
		let problem: string | null = null;
		if (this.mode === "total") {
			const score = this.current();
			if (typeof score === "string") problem = score;
		} else {
			try {
				scoreAnswers(this.definition, this.answers());
			} catch (error) {
				problem = toClinicalError(error).message;
			}
		}
		if (problem !== null) {
			this.showError(problem, false);
			return;
		}
		const request = this.request(replace);
		this.setBusy(true);
		try {
			this.saved = await this.spec.save(request);
		} catch (error) {
			this.setBusy(false);
			if (isCancelled(error)) {
				this.close();
				return;
			}
			const failure = toClinicalError(error);
			// The service refuses a second score for one date or session as "already-exists": offer to replace it.
			const offer = !replace && failure.code === "already-exists";
			this.showError(failure.message, offer);
			return;
		}
		this.setBusy(false);
		if (this.saved.entry.alerts.length === 0) {
			this.close();
			return;
		}
		this.showAlerts(this.saved);
	}

	/** The saved score's item alerts, before the form closes: the definition's words, the answer and the date. */
	private showAlerts(added: AddedScore): void {
		const def = this.definition;
		const { entry } = added;
		for (const select of this.selects) select.value = NOT_ANSWERED;
		if (this.totalEl) this.totalEl.value = "";
		this.formEl?.addClass("clinical-vault-hidden");
		const done = this.contentEl.createDiv({ cls: "clinical-vault-measure-saved" });
		done.createEl("p", { text: `Saved: ${def.name} ${entry.date}, total ${entry.total} (${entry.band}).` });
		const callout = done.createDiv({ cls: "clinical-vault-measure-alert" });
		callout.createDiv({ cls: "clinical-vault-measure-alert-title", text: entry.alerts.length === 1 ? "Item alert" : "Item alerts" });
		const list = callout.createEl("ul");
		for (const alert of entry.alerts) {
			const option = def.options.find((o) => o.value === alert.answer)?.label;
			list.createEl("li", { text: `${alert.label}. Answer: ${alert.answer}${option ? ` (${option})` : ""}, ${entry.date}.` });
		}
		callout.createEl("p", { text: "Kept with the score; the pre-session brief lists it." });
		new Setting(done).addButton((button) =>
			button
				.setButtonText("Close")
				.setCta()
				.onClick(() => this.close()),
		);
	}
}

/** Opens the form; resolves to the saved score, or null when it was closed without saving. */
export function enterMeasureScore(app: App, spec: MeasureModalSpec): Promise<AddedScore | null> {
	const modal = new MeasureModal(app, spec);
	modal.open();
	return modal.result;
}
