/**
 * The modals of the drafting and review flows: draft options (format, and the summary text for a
 * draft from a summary), a text area (addendum), the review list (markers and flags, with "Sign
 * anyway" when signing was refused), and the sign modal's "risk not assessed" reason when the
 * session mentioned risk and the risk section is unwritten. Typed text is held in memory only and
 * cleared on close.
 */
import { holdClientText } from "../common/clientTextModals";
import { Modal, Setting, type App } from "obsidian";
import type { NoteFormat } from "../../core/drafting/templates";
import { ClinicalVaultError } from "../../core/errors";
import { FormModal, type FieldSpec } from "../common/modals";

export const FORMAT_NAMES: Record<NoteFormat, string> = {
	soap: "SOAP",
	dap: "DAP",
	birp: "BIRP",
	narrative: "Narrative",
	ifs: "IFS-informed DAP",
};

export interface TextFormSpec {
	cls: string;
	title: string;
	description?: string;
	/** Show a format dropdown with this default. */
	format?: NoteFormat;
	/** Show a text area with this label. */
	textLabel?: string;
	placeholder?: string;
	submitText: string;
	onSubmit: (values: { text: string; format: NoteFormat }) => Promise<void>;
	/** When the record locks with the form open: keeps the typed text, encrypted, and returns where (null: nothing to keep). */
	keepOnLock?: (text: string) => Promise<string | null>;
}

/** A form with an optional format dropdown and an optional text area; failures show inline. */
export function askText(app: App, spec: TextFormSpec): Promise<boolean> {
	const fields: FieldSpec[] = [];
	if (spec.format) fields.push({ key: "format", name: "Note format", kind: "dropdown", options: FORMAT_NAMES, value: spec.format });
	if (spec.textLabel !== undefined)
		fields.push({ key: "text", name: spec.textLabel, kind: "textarea", ...(spec.placeholder ? { placeholder: spec.placeholder } : {}) });
	const modal = new FormModal(app, {
		cls: spec.cls,
		title: spec.title,
		...(spec.description ? { description: spec.description } : {}),
		fields,
		submitText: spec.submitText,
		onSubmit: (values) => spec.onSubmit({ text: values.text ?? "", format: (values.format ?? spec.format ?? "soap") as NoteFormat }),
		...(spec.keepOnLock ? { keepOnLock: (values: Record<string, string>) => spec.keepOnLock!(values.text ?? "") } : {}),
	});
	modal.open();
	return modal.result;
}

export interface ReviewItem {
	line: number;
	reason: string;
	/** Where the marker is in the note's text (for jumping to it), when it is a marker. */
	index?: number;
	length?: number;
}

export interface ReviewListSpec {
	title: string;
	description: string;
	markers: ReviewItem[];
	/** Flags recorded in the frontmatter when the draft was made. */
	flags: { kind: string; reason: string }[];
	/** Offer "Sign anyway" (the modal's result is then true when it was chosen). */
	signAnyway?: boolean;
	/** The text of that button (default "Sign anyway"). */
	confirmText?: string;
	/** Show "Line N" before each item (default true: review markers). */
	lineNumbers?: boolean;
	/** Jumps to a marker in the note. */
	onReveal?: (item: ReviewItem) => void;
	/** Each sentence with the input moments that support it (the note's evidence). */
	evidence?: { sentence: string; evidence: string[]; line: number }[];
	/** What the evidence refers to ("the transcript C-0142/transcripts/2026-09-01.md"). */
	evidenceSource?: string;
}

/** The review list: each marker with its line and reason, and the draft's recorded flags. */
export class ReviewListModal extends Modal {
	private answer = false;
	private settle: (signAnyway: boolean) => void = () => undefined;
	readonly result: Promise<boolean>;

	constructor(
		app: App,
		private readonly spec: ReviewListSpec,
	) {
		super(app);
		this.result = new Promise((resolve) => (this.settle = resolve));
	}

	private release: () => void = () => undefined;

	override onOpen(): void {
		this.release = holdClientText(this);
		const { contentEl, spec } = this;
		this.modalEl.addClass("clinical-vault-modal", "clinical-vault-review-modal");
		this.setTitle(spec.title);
		contentEl.createEl("p", { text: spec.description, cls: "clinical-vault-modal-description" });
		const list = contentEl.createEl("ul", { cls: "clinical-vault-review-list" });
		for (const item of spec.markers) {
			const li = list.createEl("li", { cls: "clinical-vault-review-item" });
			if (spec.lineNumbers !== false) li.createSpan({ cls: "clinical-vault-review-line", text: `Line ${item.line}` });
			li.createSpan({ cls: "clinical-vault-review-reason", text: item.reason });
			if (spec.onReveal) {
				li.addClass("mod-clickable");
				li.addEventListener("click", () => {
					this.close();
					spec.onReveal?.(item);
				});
			}
		}
		if (spec.markers.length === 0) list.createEl("li", { text: "No review markers remain in the note." });
		if (spec.flags.length > 0) {
			contentEl.createEl("h4", { text: "Flagged when drafted" });
			const flags = contentEl.createEl("ul", { cls: "clinical-vault-review-flags" });
			for (const flag of spec.flags) flags.createEl("li", { text: `${flag.kind}: ${flag.reason}` });
		}
		if (spec.evidence && spec.evidence.length > 0) {
			contentEl.createEl("h4", { text: "Evidence for each sentence" });
			if (spec.evidenceSource)
				contentEl.createEl("p", { text: `Moments of ${spec.evidenceSource} that hold the sentence's words.`, cls: "clinical-vault-modal-description" });
			const evidence = contentEl.createEl("ul", { cls: "clinical-vault-review-evidence" });
			for (const item of spec.evidence) {
				const li = evidence.createEl("li", { cls: item.evidence.length === 0 ? "clinical-vault-review-unsupported" : "" });
				li.createSpan({ cls: "clinical-vault-review-moments", text: item.evidence.length > 0 ? item.evidence.join(", ") : "No support found" });
				li.createSpan({ cls: "clinical-vault-review-sentence", text: item.sentence });
			}
		}
		const buttons = new Setting(contentEl);
		if (spec.signAnyway) {
			buttons.addButton((button) =>
				button
					.setButtonText(spec.confirmText ?? "Sign anyway")
					.setWarning()
					.onClick(() => {
						this.answer = true;
						this.close();
					}),
			);
		}
		buttons.addButton((button) => button.setButtonText("Close").onClick(() => this.close()));
	}

	override onClose(): void {
		this.release();
		this.contentEl.empty();
		this.settle(this.answer);
	}
}

export function showReviewList(app: App, spec: ReviewListSpec): Promise<boolean> {
	const modal = new ReviewListModal(app, spec);
	modal.open();
	return modal.result;
}

export interface RiskNotAssessedSpec {
	/** Why signing was refused (the risk gate's message). */
	refusal: string;
}

/**
 * The sign modal for a note whose session mentioned risk and whose risk section is unwritten: the
 * refusal, and a field for the reason risk was not assessed. Resolves to the reason, or null when
 * the clinician closes it (to write the risk section instead).
 */
export async function askRiskNotAssessed(app: App, spec: RiskNotAssessedSpec): Promise<string | null> {
	const chosen: { reason?: string } = {};
	const modal = new FormModal(app, {
		cls: "clinical-vault-risk-modal",
		title: "Not signed: risk assessment missing",
		description: spec.refusal,
		fields: [
			{
				key: "reason",
				name: "Risk not assessed: reason",
				desc: "Only if you did not assess risk. Written into the risk section and the note's frontmatter; the audit log notes it. Otherwise cancel and write the risk section.",
				kind: "text",
				placeholder: "Client left before risk could be assessed",
			},
		],
		submitText: "Sign with risk not assessed",
		onSubmit: (values) => {
			const reason = (values.reason ?? "").trim();
			if (reason === "")
				return Promise.reject(new ClinicalVaultError("invalid-input", "Enter the reason risk was not assessed, or cancel and write the risk section."));
			chosen.reason = reason;
			return Promise.resolve();
		},
	});
	modal.open();
	return (await modal.result) && chosen.reason !== undefined ? chosen.reason : null;
}
