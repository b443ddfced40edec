/**
 * The checks every model string of a parts-map or treatment-plan proposal passes before the
 * clinician sees it (the plan imports this module too). Model text is data: it enters a proposal
 * only as
 *
 * 1. normalised (safety/normalise.ts: NFKC, invisible characters out, quotes unified, one line),
 *    with the page's own markers taken out ("<!--", "-->" and "```" become a space, so a value can
 *    never forge a generated-region marker or close the data block's fence), and cut to a length;
 * 2. without the client's name or identifying details (safety/identity.ts): a name becomes "the
 *    client" and the replacement is reported;
 * 3. dropped, and reported, when it touches the risk domain (safety/riskDomain.ts, sentence by
 *    sentence): risk is the clinician's to write;
 * 4. dropped, and reported, when it names a diagnosis or code that the text the model was given
 *    does not name, or makes a diagnostic claim ("meets criteria for"): diagnosing is the
 *    clinician's. drafting/diagnosis.ts finds names and codes; the usual evasions it does not cover
 *    (a name without "disorder" such as "generalised anxiety", an abbreviation in lower case or
 *    spelled out "P T S D", a code written "F 41.1") are found here and compared the same way.
 *
 * Rendering is separate: a kept string is still shown only through safety/inert.ts on a page.
 */
import { diagnosisKeys, diagnosisPresent, findDiagnoses } from "../drafting/diagnosis";
import { NO_IDENTITY, findIdentifiers, redactor, type ClientIdentity } from "../safety/identity";
import { normaliseModelText } from "../safety/normalise";
import { touchesRiskDomain } from "../safety/riskDomain";

export interface ModelTextContext {
	/** The client's identifiers (identityOf(profile)). */
	identity: ClientIdentity;
	/** The text the model was given (a session note, an intake): diagnoses it names may be repeated. */
	input: string;
}

export type DropReason = "touches the risk domain" | "names a diagnosis";

/** What the checks did to one string, for the proposal's report (no clinical text in it). */
export interface TextReport {
	/** Which string: 'part 2 "the Critic" role', "part 3 name", "objective of G1", "O1.1". */
	item: string;
	reason: DropReason | 'client\'s name replaced by "the client"';
}

export type TextCheck = { kept: true; text: string; redacted: boolean } | { kept: false; reason: DropReason };

/** A model string as the data keeps it: normalised, the page's markers out, at most `max` characters. */
export function dataText(text: string, max = 300): string {
	const clean = normaliseModelText(text)
		.replace(/<!--|-->|```/g, " ")
		.replace(/\s+/g, " ")
		.trim();
	const chars = Array.from(clean);
	return chars.length <= max ? clean : chars.slice(0, max).join("").trimEnd();
}

/** Diagnosis evasions findDiagnoses leaves alone, each with the key it would have given. */
const EVASIONS: readonly { re: RegExp; key: string }[] = [
	{ re: /\bgenerali[sz]ed\s+anxiety\b/gi, key: "dx:gad" },
	{ re: /\bmajor\s+depressive\b/gi, key: "dx:mdd" },
	{ re: /\bpersistent\s+depressive\b/gi, key: "dx:pdd" },
	{ re: /\bpost[\s-]*traumatic\s+stress\b/gi, key: "dx:ptsd" },
	{ re: /\bobsessive[\s-]*compulsive\b/gi, key: "dx:ocd" },
	{ re: /\bborderline\s+personality\b/gi, key: "dx:bpd" },
	{ re: /\bnarcissistic\s+personality\b/gi, key: "dx:npd" },
	{ re: /\bantisocial\s+personality\b/gi, key: "dx:aspd" },
	{ re: /\bdissociative\s+identity\b/gi, key: "dx:did" },
	{ re: /\battention[\s-]*deficit\b/gi, key: "dx:adhd" },
	{ re: /\bautism\s+spectrum\b/gi, key: "dx:autism" },
];

/** Abbreviations that are diagnoses in any case and when spelled out letter by letter ("p.t.s.d", "P T S D"). */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
	ptsd: "dx:ptsd",
	cptsd: "dx:cptsd",
	gad: "dx:gad",
	mdd: "dx:mdd",
	ocd: "dx:ocd",
	ocpd: "dx:ocpd",
	bpd: "dx:bpd",
	eupd: "dx:bpd",
	adhd: "dx:adhd",
	npd: "dx:npd",
	aspd: "dx:aspd",
	pmdd: "dx:pmdd",
	arfid: "dx:arfid",
};

/** The diagnosis keys of the evasions in a (normalised) text. */
function evasionKeys(text: string): string[] {
	const keys: string[] = [];
	for (const e of EVASIONS) if (new RegExp(e.re.source, e.re.flags).test(text)) keys.push(e.key);
	// "GAD-7" and "GAD 7" are a questionnaire, not a diagnosis.
	const questionnaire = (end: number) => /^[\s-]?7\b/.test(text.slice(end));
	for (const m of text.matchAll(/(?<![\p{L}\p{N}])\p{L}+(?![\p{L}\p{N}])/gu)) {
		const key = ABBREVIATIONS[m[0].toLowerCase()];
		if (key && !questionnaire(m.index + m[0].length)) keys.push(key);
	}
	// Spelled out letter by letter: "P T S D", "p.t.s.d", "G-A-D".
	for (const m of text.matchAll(/(?<![\p{L}\p{N}])\p{L}(?:[\s.-]+\p{L}(?![\p{L}\p{N}])){2,}/gu)) {
		const letters = m[0].replace(/[\s.-]/g, "").toLowerCase();
		for (let i = 0; i < letters.length; i++) {
			for (let j = i + 3; j <= Math.min(letters.length, i + 5); j++) {
				const key = ABBREVIATIONS[letters.slice(i, j)];
				if (key && !(j === letters.length && questionnaire(m.index + m[0].length))) keys.push(key);
			}
		}
	}
	// A code with a space or dash after its letter: "F 41.1", "F-41", "Z 63.0".
	for (const m of text.matchAll(/\b([FZ])[\s-]+([0-9]{2})(?:\s*\.\s*([0-9A-Z]{1,4}))?\b/g)) keys.push(`code:${m[1]}${m[2]}${m[3] ? `.${m[3]}` : ""}`);
	return keys;
}

/** Sentences of a one-line text (the risk classifier reads one sentence at a time). */
function sentences(text: string): string[] {
	return text.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== "");
}

/** The checks for one proposal: one context (identity, model input), any number of strings. */
export class ModelTextChecker {
	private readonly redact: (text: string) => string;
	private readonly inputKeys: Set<string>;

	constructor(private readonly context: ModelTextContext = { identity: NO_IDENTITY, input: "" }) {
		this.redact = redactor(context.identity);
		const input = normaliseModelText(context.input);
		this.inputKeys = diagnosisKeys(input);
		for (const key of evasionKeys(input)) this.inputKeys.add(key);
	}

	/** Whether a (normalised) text names a diagnosis the input does not, or makes a diagnostic claim. */
	namesDiagnosis(text: string): boolean {
		if (findDiagnoses(text).some((h) => !diagnosisPresent(h, this.inputKeys))) return true;
		return evasionKeys(text).some((key) => !this.inputKeys.has(key));
	}

	/** Whether a (normalised) text touches the risk domain. */
	touchesRisk(text: string): boolean {
		return sentences(text).some((s) => touchesRiskDomain(s) !== null);
	}

	/**
	 * One model string through every check: kept (as the data will hold it) or dropped with the
	 * reason. `subject` is read before the string by the risk classifier when the string is a
	 * predicate of it (a part's role: "keeps her safe" is read as "the Worrier keeps her safe").
	 */
	check(raw: string, max = 300, subject?: string): TextCheck {
		const normalised = dataText(raw, max);
		const redacted = findIdentifiers(normalised, this.context.identity).length > 0;
		const text = redacted ? dataText(this.redact(normalised), max) : normalised;
		if (this.touchesRisk(subject === undefined ? text : `${subject} ${text}`)) return { kept: false, reason: "touches the risk domain" };
		if (this.namesDiagnosis(text)) return { kept: false, reason: "names a diagnosis" };
		return { kept: true, text, redacted };
	}

	/**
	 * The same check with its report: the kept text (or null when dropped), the drop or the name's
	 * replacement recorded in `reports` under `item`.
	 */
	keep(raw: string, item: string, reports: { dropped: TextReport[]; redacted: TextReport[] }, max = 300, subject?: string): string | null {
		const result = this.check(raw, max, subject);
		if (!result.kept) {
			reports.dropped.push({ item, reason: result.reason });
			return null;
		}
		if (result.redacted) reports.redacted.push({ item, reason: 'client\'s name replaced by "the client"' });
		return result.text;
	}
}
