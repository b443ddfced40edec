/**
 * Safeguards applied in code to every model answer, whatever the prompt said. The model answers in
 * data (a zod schema per page: sections of plain sentences); code checks every sentence and writes
 * every page. A sentence is checked after the one normalisation (safety/normalise.ts), so what is
 * checked is what is shown, and rendered inert (safety/inert.ts), so it can never open markup.
 *
 * For each sentence, in order:
 * 1. The client's identifiers (name, aliases, profile details) are replaced by "the client".
 * 2. Risk is the clinician's domain: a sentence that touches it (safety/riskDomain.ts: suicide,
 *    self-harm, death or disappearing wishes, harm to others, abuse, safety planning, crisis,
 *    means, protective factors, risk ratings and minimisation in plain words) is taken out whole,
 *    wherever it stands, and listed for the clinician with the input moments it refers to.
 * 3. Diagnoses and codes not in the clinician's own input are removed (named in the transcript
 *    only: kept, marked for review).
 * 4. Quoted words must be in the input verbatim, the client's (not the therapist's); a quote that
 *    leaves words out (an ellipsis) is marked, as the pieces can be stitched into another meaning.
 * 5. Grounding: a sentence whose content is not supported by the input is marked; one whose
 *    critical word (a person, number or name) never stands near its other words is marked too.
 * 6. Evidence: every kept sentence carries the input moments that support it (timestamps or lines).
 *
 * Risk content in the input (suicide, self-harm, harm to others, abuse, weapons; English and
 * Spanish) is listed with its timestamps, and code writes a "clinician to assess" notice and the
 * risk section's placeholder: the model never writes either. Everything removed or marked is also
 * in `flags`, the review panel's list. Markers are `==[review: <reason>]==` (see markers.ts); the
 * signer refuses while any remain.
 */
import { frontmatterBlock } from "../markdown/frontmatter";
import { transcriptLinesOf } from "../transcribe/forms";
import { timestamp } from "../transcribe/segments";
import { diagnosisKeys, diagnosisPresent, findDiagnoses, type DiagnosisHit } from "./diagnosis";
import { GROUNDING_DEFAULTS, buildSupportIndex, checkGrounding, type GroundingOptions, type SupportIndex } from "./grounding";
import { reviewMarker } from "./markers";
import { buildQuoteIndex, checkQuote, findQuotes, joinedQuotes, type QuoteIndex } from "./quotes";
import { findRiskMentionTerms, RISK_CATEGORIES, type RiskCategory } from "./riskTerms";
import { normaliseForMatch, splitSentences } from "../text/words";
import { normaliseInputText, normaliseModelText } from "../safety/normalise";
import { inert } from "../safety/inert";
import { touchesRiskDomain } from "../safety/riskDomain";
import { findIdentifiers, redactor, type ClientIdentity } from "../safety/identity";
import { evidenceFor, inputMoments, type InputMoment } from "../safety/evidence";

export { REVIEW_MARKER, findReviewMarkers, reviewMarker, stripReviewMarkers, type FoundMarker } from "./markers";
export { GROUNDING_DEFAULTS, type GroundingOptions } from "./grounding";
export type { RiskCategory } from "./riskTerms";

export type SourceKind = "transcript" | "summary";

export interface SafeguardInput {
	/** The transcript markdown (as renderTranscript writes it) or the clinician's summary. */
	source: string;
	kind: SourceKind;
	/** Anything the clinician typed themselves (may legitimately name a diagnosis). */
	clinicianText?: string;
	/** The client code the model was given (so "C-0142" in the draft is not an invented name). */
	clientCode?: string;
	/** Grounding thresholds (defaults: GROUNDING_DEFAULTS). */
	grounding?: Partial<GroundingOptions>;
	/** The client's identifiers: replaced by "the client" wherever the model writes them. */
	identity?: ClientIdentity;
	/** Leave out the grounding and evidence checks (a handout: general text, not claims about the record). */
	ungrounded?: boolean;
	/** A check of the caller's own on each kept sentence (a document's cited dates): reasons to mark it, and flags. */
	extraCheck?: (sentence: string) => { reasons: string[]; flags: Omit<SafeguardFlag, "section">[] };
}

export type FlagKind = "risk-judgement" | "risk-domain" | "diagnosis" | "unsupported" | "quote" | "risk-mention" | "identifier";

export interface SafeguardFlag {
	kind: FlagKind;
	/** The text concerned (for removals: the text removed). */
	excerpt: string;
	/** Why, in a sentence the clinician can act on. */
	reason: string;
	/** The draft section heading it was under. */
	section?: string;
	/** Transcript timestamps ("12:04"), where known. */
	timestamps?: string[];
}

/** The drafter's name for a flag. */
export type ReviewFlag = SafeguardFlag;

export interface RiskMention {
	category: RiskCategory;
	/** The words that matched, e.g. "don't want to be here". */
	phrases: string[];
	/** The transcript line or summary sentence. */
	excerpt: string;
	/** "12:04" (transcripts only). */
	timestamp?: string;
	seconds?: number;
	speaker?: string;
}

/** One section of a model answer: plain strings, never markdown. */
export interface ModelSection {
	key: string;
	heading: string;
	/** What the model wrote: one string (split into sentences by code) or a list of sentences. */
	text: string | readonly string[];
}

export interface CheckedSentence {
	/** The sentence as kept (normalised, plain: render it with `inert`); "" when it was taken out. */
	text: string;
	/** Why it is marked for review (empty: not marked). */
	reasons: string[];
	/** The input moments that support it ("12:04", "line 7"). */
	evidence: string[];
}

export interface CheckedSection {
	key: string;
	heading: string;
	sentences: CheckedSentence[];
}

export interface SafeguardResult {
	sections: CheckedSection[];
	flags: SafeguardFlag[];
	riskMentions: RiskMention[];
}

/** What the risk section always holds until the clinician writes it. */
export const RISK_PLACEHOLDER =
	"> [!warning] Clinician to complete: risk assessment (suicidal ideation, self-harm, harm to others, abuse/neglect, safety plan).";
/** The heading added when a draft has no risk section. */
export const RISK_HEADING = "## Risk and safety";
/** A heading that names the risk section. */
export const RISK_SECTION_HEADING = /risk|safety/i;

const EXCERPT_MAX = 240;

function excerpt(text: string): string {
	const t = text.replace(/\s+/g, " ").trim();
	return t.length <= EXCERPT_MAX ? t : `${t.slice(0, EXCERPT_MAX - 1)}…`;
}

// ---------------------------------------------------------------------------------------------
// Risk mentions in the input

interface SourceSegment {
	text: string;
	time?: string;
	seconds?: number;
	speaker?: string;
}

function sourceSegments(source: string, kind: SourceKind): SourceSegment[] {
	if (kind === "transcript") {
		const lines = transcriptLinesOf(source);
		if (lines.length > 0) {
			return lines.map((s) => ({
				text: s.text,
				...(s.start === null ? {} : { time: timestamp(Math.floor(s.start)), seconds: Math.floor(s.start) }),
				...(s.speaker ? { speaker: s.speaker } : {}),
			}));
		}
	}
	const body = source.slice(frontmatterBlock(source).length);
	return body
		.split("\n")
		.flatMap((line) => splitSentences(line.replace(/^\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?/, "")).map((p) => p.text))
		.filter((t) => t.trim() !== "")
		.map((text) => ({ text }));
}

/** Every mention of suicide, self-harm, harm to others, abuse or weapons in the input: one per line (or summary sentence) and category. */
export function findRiskMentions(source: string, kind: SourceKind): RiskMention[] {
	const out: RiskMention[] = [];
	for (const seg of sourceSegments(normaliseInputText(source), kind)) {
		const hits = findRiskMentionTerms(seg.text);
		for (const category of RISK_CATEGORIES) {
			const phrases = [...new Set(hits.filter((h) => h.category === category).map((h) => h.text))];
			if (phrases.length === 0) continue;
			out.push({
				category,
				phrases,
				excerpt: excerpt(seg.text),
				...(seg.time !== undefined ? { timestamp: seg.time, seconds: seg.seconds } : {}),
				...(seg.speaker ? { speaker: seg.speaker } : {}),
			});
		}
	}
	return out;
}

/**
 * The timestamps of the input's risk mentions, "[12:04]" each, once, in order; for mentions without a
 * timestamp (a summary) a single "". Empty when the input mentions no risk content.
 */
export function detectRiskMentions(source: string, kind: SourceKind): string[] {
	const mentions = findRiskMentions(source, kind);
	const times = [...new Set(mentions.map((m) => (m.timestamp !== undefined ? `[${m.timestamp}]` : "")))];
	return times.includes("") && times.length > 1 ? times.filter((t) => t !== "") : times;
}

/** The prominent notice for the draft: "Risk content mentioned at [12:04], [31:40]; clinician to assess." (null when there is none). */
export function riskMentionNotice(mentions: readonly RiskMention[]): string | null {
	if (mentions.length === 0) return null;
	const times = [...new Set(mentions.map((m) => m.timestamp).filter((t): t is string => t !== undefined))];
	const where = times.length > 0 ? `at ${times.map((t) => `[${t}]`).join(", ")}` : "in the session input";
	return `> [!danger] Risk content mentioned ${where}; clinician to assess.`;
}

// ---------------------------------------------------------------------------------------------
// Removing a clause or a sentence

const CLAUSE_SPLIT =
	/\s*;\s*|,\s*(?:and|but|while|although|though|whereas|yet|with|without|as\s+well\s+as)\s+|,\s+|\s+(?:and|but|while|whereas|although|though)\s+/g;

interface Removal {
	kept: string;
	removed: string;
}

/**
 * Removes the part of a sentence holding [start, end): the bracketed aside it sits in, else its
 * clause when that is not the first and the rest still reads as a sentence, else the whole sentence.
 */
export function removeSpan(sentence: string, start: number, end: number): Removal {
	const open = sentence.lastIndexOf("(", start);
	const close = sentence.indexOf(")", end);
	if (open >= 0 && close >= 0 && !sentence.slice(open + 1, start).includes(")") && !sentence.slice(end, close).includes("(")) {
		const from = open > 0 && sentence[open - 1] === " " ? open - 1 : open;
		const kept = (sentence.slice(0, from) + sentence.slice(close + 1)).replace(/\s+([.,;!?])/g, "$1");
		if (/\p{L}/u.test(kept)) return { kept, removed: sentence.slice(open, close + 1) };
	}
	const terminal = /[.!?…]+["”')\]]*\s*$/.exec(sentence)?.[0] ?? "";
	const body = sentence.slice(0, sentence.length - terminal.length);
	const clauses: { from: number; to: number; delimFrom: number }[] = [];
	let last = 0;
	let delimFrom = 0;
	for (const m of body.matchAll(new RegExp(CLAUSE_SPLIT.source, "g"))) {
		if (m.index === 0) continue;
		clauses.push({ from: last, to: m.index, delimFrom });
		delimFrom = m.index;
		last = m.index + m[0].length;
	}
	clauses.push({ from: last, to: body.length, delimFrom });
	const first = clauses.findIndex((c) => start < c.to || c === clauses[clauses.length - 1]);
	let lastIdx = first;
	while (lastIdx + 1 < clauses.length && end > clauses[lastIdx]!.to) lastIdx++;
	if (first > 0) {
		const a = clauses[first]!;
		const b = clauses[lastIdx]!;
		const next = clauses[lastIdx + 1];
		const kept = body.slice(0, a.delimFrom) + (next ? body.slice(next.delimFrom) : terminal.trimEnd());
		if ((kept.match(/\p{L}+/gu) ?? []).length >= 3) return { kept, removed: body.slice(a.from, b.to).trim() };
	}
	return { kept: "", removed: sentence.trim() };
}

// ---------------------------------------------------------------------------------------------
// The pass over a model answer, sentence by sentence

interface Context {
	kind: SourceKind;
	support: SupportIndex;
	clinicianSupport: SupportIndex;
	clinicianKeys: Set<string>;
	transcriptKeys: Set<string>;
	clinicianNorm: string;
	quotes: QuoteIndex;
	moments: InputMoment[];
	riskTimes: string[];
	grounding: GroundingOptions;
	ungrounded: boolean;
	identity: ClientIdentity | undefined;
	redact: (text: string) => string;
	extraCheck: SafeguardInput["extraCheck"];
	flags: SafeguardFlag[];
	section?: string;
}

function flag(ctx: Context, f: Omit<SafeguardFlag, "section">): void {
	ctx.flags.push({ ...f, ...(ctx.section !== undefined ? { section: ctx.section } : {}) });
}

const INPUT_NAME: Record<SourceKind, string> = { transcript: "transcript", summary: "summary" };

function clauseAfter(text: string, from: number): string {
	const rest = text.slice(from);
	const stop = rest.search(/[.;!?]|,\s/);
	return stop < 0 ? rest : rest.slice(0, stop);
}

function allSupported(text: string, index: SupportIndex): boolean {
	const r = checkGrounding(text, index, { unsupportedShare: 1, minUnsupported: 1 });
	return r.content.length > 0 && r.unsupported.length === 0;
}

type DxDecision = "keep" | "mark" | "remove";

function decideDiagnosis(hit: DiagnosisHit, sentence: string, all: DiagnosisHit[], ctx: Context): DxDecision {
	if (hit.kind === "claim") {
		const object = clauseAfter(sentence, hit.end);
		// "Meets criteria." names nothing, but it is still a diagnosis: kept only when the clinician wrote it.
		const bareCriteria = /criteria/i.test(hit.text) && !ctx.clinicianNorm.includes(` ${normaliseForMatch(hit.text)} `);
		if (checkGrounding(object, ctx.support).content.length === 0 && !all.some((h) => h.kind !== "claim") && !bareCriteria) return "keep";
		const named = all.filter((h) => h.kind !== "claim");
		if (named.length > 0 && named.every((h) => diagnosisPresent(h, ctx.clinicianKeys))) return "keep";
		if (named.length === 0 && allSupported(object, ctx.clinicianSupport)) return "keep";
		if (
			ctx.kind === "transcript" &&
			named.length > 0 &&
			named.every((h) => diagnosisPresent(h, ctx.clinicianKeys) || diagnosisPresent(h, ctx.transcriptKeys))
		)
			return "mark";
		// "Client said she was diagnosed with depression years ago", in the client's own words: kept, marked.
		if (ctx.kind === "transcript" && named.length === 0 && allSupported(object, ctx.support)) return "mark";
		return "remove";
	}
	if (diagnosisPresent(hit, ctx.clinicianKeys)) return "keep";
	if (ctx.kind === "transcript" && diagnosisPresent(hit, ctx.transcriptKeys)) return "mark";
	return "remove";
}

function judgementInClinicianInput(text: string, ctx: Context): boolean {
	const n = normaliseForMatch(text);
	return n !== "" && ctx.clinicianNorm.includes(` ${n} `);
}

/** The first risk-domain hit of a sentence (the domain classifier runs the judgement and mention patterns itself, with their context checks). */
function riskHit(sentence: string): { text: string; label: string } | null {
	return touchesRiskDomain(sentence);
}

function checkSentence(raw: string, ctx: Context): CheckedSentence {
	let current = normaliseModelText(raw);
	const reasons: string[] = [];
	const addReason = (r: string): void => {
		if (!reasons.includes(r)) reasons.push(r);
	};
	if (current === "") return { text: "", reasons, evidence: [] };

	// 1. The client's identifiers.
	if (ctx.identity) {
		const found = findIdentifiers(current, ctx.identity);
		if (found.length > 0) {
			current = ctx.redact(current);
			flag(ctx, {
				kind: "identifier",
				excerpt: excerpt(current),
				reason: `The model wrote an identifier of the client (${found.length === 1 ? "1 name or detail" : `${found.length} names or details`}); replaced by "the client". Check the sentence.`,
			});
			addReason("identifier replaced");
		}
	}

	// 2. Risk is the clinician's domain: the whole sentence goes, listed with the moments it refers to.
	const risk = riskHit(current);
	if (risk) {
		const evidence = ctx.ungrounded ? [] : evidenceFor(current, ctx.moments).at;
		const times = [...new Set([...evidence.filter((e) => !e.startsWith("line ")), ...ctx.riskTimes])];
		const own = judgementInClinicianInput(current, ctx);
		flag(ctx, {
			kind: "risk-domain",
			excerpt: excerpt(current),
			reason: `Sentence about risk taken out of the model's text ("${risk.text}"): risk is yours to assess.${own ? " The words are in your own input: write them in the risk section yourself." : " Assess it in the risk section."}${times.length > 0 ? ` Moments: ${times.map((t) => `[${t}]`).join(", ")}.` : ""}`,
			...(times.length > 0 ? { timestamps: times } : {}),
		});
		addReason("sentence about risk taken out: yours to assess");
		return { text: "", reasons, evidence };
	}

	// 3. Diagnoses and codes.
	const marked = new Set<string>();
	for (let guard = 0; guard < 12 && current.trim() !== ""; guard++) {
		const hits = findDiagnoses(current);
		let removedOne = false;
		for (const hit of hits) {
			const decision = decideDiagnosis(hit, current, hits, ctx);
			if (decision === "keep") continue;
			if (decision === "mark") {
				if (!marked.has(hit.key + hit.text)) {
					marked.add(hit.key + hit.text);
					flag(ctx, {
						kind: "diagnosis",
						excerpt: excerpt(current),
						reason: `Diagnosis "${hit.text}" is named in the session, not in your input: kept for you to verify (the model does not diagnose).`,
					});
					addReason(`diagnosis from the session: verify`);
				}
				continue;
			}
			const removal = removeSpan(current, hit.start, hit.end);
			const named = findDiagnoses(removal.removed).filter((h) => h.kind !== "claim");
			const what = named.length > 0 ? named.map((h) => `"${h.text}"`).join(", ") : `"${hit.text}"`;
			flag(ctx, {
				kind: "diagnosis",
				excerpt: excerpt(removal.removed),
				reason: `${named.length > 0 ? "Diagnosis or code" : "Diagnostic statement"} ${what} removed: not in your own input (the model does not diagnose).`,
			});
			addReason("diagnosis removed");
			current = removal.kept;
			removedOne = true;
			break;
		}
		if (!removedOne) break;
	}
	if (current.trim() === "") return { text: "", reasons, evidence: [] };

	// 4. Quotes.
	const quotes = findQuotes(current);
	for (const joined of joinedQuotes(current, quotes)) {
		if (checkQuote(joined, ctx.quotes).found) continue;
		flag(ctx, {
			kind: "quote",
			excerpt: excerpt(joined),
			reason: "Quotes set side by side read as one remark, and these words are not one remark in the input: check them.",
		});
		addReason("quotes joined from separate remarks");
	}
	for (const q of quotes) {
		const check = checkQuote(q.inner, ctx.quotes);
		if (!check.found) {
			flag(ctx, {
				kind: "quote",
				excerpt: excerpt(q.inner),
				reason: `Quote not found verbatim in the ${INPUT_NAME[ctx.kind]}: check the words or remove the quotation marks.`,
			});
			addReason(`quote not in the ${INPUT_NAME[ctx.kind]}`);
		} else if (check.therapistOnly && !/\b(?:therapist|clinician|writer|counsell?or)\b/i.test(current)) {
			flag(ctx, {
				kind: "quote",
				excerpt: excerpt(q.inner),
				reason: "These words are the therapist's in the transcript, not the client's.",
				timestamps: check.timestamps,
			});
			addReason("quote is the therapist's words");
		} else if (/\.\.\.|…|\[[^\]]*\]/.test(q.inner)) {
			flag(ctx, {
				kind: "quote",
				excerpt: excerpt(q.inner),
				reason: "A quote with words left out: check that the pieces keep the client's meaning.",
				timestamps: check.timestamps,
			});
			addReason("quote leaves words out: check the meaning");
		}
	}

	// 5. Grounding and 6. evidence.
	let evidence: string[] = [];
	if (!ctx.ungrounded) {
		const claim = current.replace(/\[\d{1,2}:\d{2}(?::\d{2})?\]/g, " ");
		const g = checkGrounding(claim, ctx.support, ctx.grounding);
		const e = evidenceFor(claim, ctx.moments);
		evidence = e.at;
		if (g.flagged) {
			const words = (g.critical.length > 0 ? g.critical : g.unsupported).slice(0, 4);
			flag(ctx, {
				kind: "unsupported",
				excerpt: excerpt(current),
				reason: `Not found in the ${INPUT_NAME[ctx.kind]}: ${words.join(", ")}${g.critical.length > 0 ? "" : ` (${g.unsupported.length} of ${g.content.length} content words unsupported)`}.`,
			});
			addReason(`unsupported: ${words.slice(0, 3).join(", ")}`);
		} else if (e.stitched !== null) {
			flag(ctx, {
				kind: "unsupported",
				excerpt: excerpt(current),
				reason: `"${e.stitched}" never stands near the sentence's other words in the ${INPUT_NAME[ctx.kind]}: the sentence may join moments that do not belong together.`,
				...(e.at.length > 0 ? { timestamps: e.at } : {}),
			});
			addReason(`words from separate moments: ${e.stitched}`);
		} else if (g.content.length > 0 && evidence.length === 0) {
			addReason("no supporting moment found");
		}
	}
	if (ctx.extraCheck) {
		const extra = ctx.extraCheck(current);
		for (const f of extra.flags) flag(ctx, f);
		for (const r of extra.reasons) addReason(r);
	}
	return { text: current, reasons, evidence };
}

/** The sentences of one model string: normalised into one line, then split. */
function modelSentences(text: string | readonly string[]): string[] {
	const items = typeof text === "string" ? [text] : text;
	return items.flatMap((item) => splitSentences(normaliseModelText(item)).map((p) => p.text.trim())).filter((t) => t !== "");
}

/**
 * Checks every sentence of a model answer's sections (see the module comment). The result is data:
 * render it with `renderSentences`; nothing the model wrote is markdown.
 */
export function checkModelAnswer(sections: readonly ModelSection[], given: SafeguardInput): SafeguardResult {
	// The one normalisation, on the input too: what the model's words are checked against is normalised like them.
	const input: SafeguardInput = {
		...given,
		source: normaliseInputText(given.source),
		...(given.clinicianText !== undefined ? { clinicianText: normaliseInputText(given.clinicianText) } : {}),
	};
	const clinicianText = input.clinicianText ?? "";
	const segments = sourceSegments(input.source, input.kind);
	const sourceText = segments.map((s) => s.text).join("\n");
	const clinicianInput = input.kind === "summary" ? `${input.source}\n${clinicianText}` : clinicianText;
	const riskMentions = findRiskMentions(input.source, input.kind);
	const ctx: Context = {
		kind: input.kind,
		support: buildSupportIndex(sourceText, clinicianText, input.clientCode ?? ""),
		clinicianSupport: buildSupportIndex(clinicianInput),
		clinicianKeys: diagnosisKeys(clinicianInput),
		transcriptKeys: input.kind === "transcript" ? diagnosisKeys(sourceText) : new Set(),
		clinicianNorm: ` ${normaliseForMatch(clinicianInput)} `,
		quotes: buildQuoteIndex(input.kind === "transcript" ? input.source : sourceText, input.kind, clinicianText),
		moments: input.ungrounded ? [] : inputMoments(input.source, input.kind),
		riskTimes: [...new Set(riskMentions.map((m) => m.timestamp).filter((t): t is string => t !== undefined))],
		grounding: { ...GROUNDING_DEFAULTS, ...input.grounding },
		ungrounded: input.ungrounded ?? false,
		identity: input.identity,
		redact: input.identity ? redactor(input.identity) : (t) => t,
		extraCheck: input.extraCheck,
		flags: [],
	};

	// Source risk mentions first in the review list: they matter most.
	const byCategory = new Map<RiskCategory, RiskMention[]>();
	for (const m of riskMentions) byCategory.set(m.category, [...(byCategory.get(m.category) ?? []), m]);
	for (const category of RISK_CATEGORIES) {
		const ms = byCategory.get(category);
		if (!ms) continue;
		const times = [...new Set(ms.map((m) => m.timestamp).filter((t): t is string => t !== undefined))];
		ctx.flags.push({
			kind: "risk-mention",
			excerpt: ms[0]!.excerpt,
			reason: `Risk content (${category}) mentioned in the ${INPUT_NAME[input.kind]}${times.length > 0 ? ` at ${times.map((t) => `[${t}]`).join(", ")}` : ""}: clinician to assess.`,
			...(times.length > 0 ? { timestamps: times } : {}),
		});
	}

	const checked = sections.map((section): CheckedSection => {
		ctx.section = section.heading;
		return { key: section.key, heading: section.heading, sentences: modelSentences(section.text).map((sentence) => checkSentence(sentence, ctx)) };
	});
	return { sections: checked, flags: ctx.flags, riskMentions };
}

/** A section's checked sentences as one inert markdown paragraph, each marked sentence followed by its review marker; `empty` (code's own text) when none is left. */
export function renderSentences(sentences: readonly CheckedSentence[], empty = "[not addressed in this session]"): string {
	const parts = sentences
		.map((s) => {
			const marker = s.reasons.length > 0 ? reviewMarker(s.reasons.join("; ")) : "";
			if (s.text === "") return marker;
			return marker === "" ? inert(s.text) : `${inert(s.text)} ${marker}`;
		})
		.filter((p) => p !== "");
	return parts.length === 0 ? empty : parts.join(" ");
}

/** The checked sentences with their evidence, for the review list and `draft --json`. */
export function sentenceEvidence(result: SafeguardResult): { section: string; sentence: string; evidence: string[]; reasons: string[] }[] {
	return result.sections.flatMap((s) =>
		s.sentences.filter((x) => x.text !== "").map((x) => ({ section: s.heading, sentence: x.text, evidence: x.evidence, reasons: x.reasons })),
	);
}
