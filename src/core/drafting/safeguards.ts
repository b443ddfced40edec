/**
 * Safeguards applied in code to every model draft, whatever the prompt said:
 *
 * 1. The risk section (heading matching /risk|safety/i) is never the model's: its content is replaced
 *    by RISK_PLACEHOLDER (and a section is added if the draft has none), with a flag when the model
 *    had written something there.
 * 2. Risk judgements ("low risk", "denies SI/HI", "contracted for safety", …) are removed wherever they
 *    appear, the clause when the rest of the sentence stands alone, else the sentence.
 * 3. Risk content in the input (suicide, self-harm, harm to others, abuse, weapons) is listed with its
 *    transcript timestamps, and a "clinician to assess" notice goes in the risk section. No judgement.
 * 4. Diagnoses and codes not in the clinician's own input are removed (named in the transcript only:
 *    kept, marked for review).
 * 5. Sentences whose content is not supported by the input are marked for review.
 * 6. Quoted words must be in the input verbatim.
 *
 * Everything removed or marked is also in `flags`, the review panel's list. Markers are
 * `==[review: <reason>]==` (see markers.ts); the signer refuses while any remain.
 */
import { parseTranscriptLines } from "../transcribe/transcript";
import { timestamp } from "../transcribe/segments";
import { diagnosisKeys, diagnosisPresent, findDiagnoses, type DiagnosisHit } from "./diagnosis";
import { GROUNDING_DEFAULTS, buildSupportIndex, checkGrounding, type GroundingOptions, type SupportIndex } from "./grounding";
import { reviewMarker } from "./markers";
import { buildQuoteIndex, checkQuote, findQuotes, type QuoteIndex } from "./quotes";
import { findRiskJudgement, findRiskMentionTerms, RISK_CATEGORIES, type RiskCategory, type TermHit } from "./riskTerms";
import { normaliseForMatch, splitSentences } from "./words";

export { REVIEW_MARKER, findReviewMarkers, reviewMarker, stripReviewMarkers, type FoundMarker } from "./markers";
export { GROUNDING_DEFAULTS, type GroundingOptions } from "./grounding";
export { reviewMarker as REVIEW_MARKER_TEXT } from "./markers";
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
}

export type FlagKind = "risk-judgement" | "diagnosis" | "unsupported" | "quote" | "risk-mention";

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

export interface SafeguardResult {
	text: string;
	flags: SafeguardFlag[];
	riskMentions: RiskMention[];
}

/** What the risk section always holds until the clinician writes it. */
export const RISK_PLACEHOLDER = "> [!warning] Clinician to complete: risk assessment (suicidal ideation, self-harm, harm to others, abuse/neglect, safety plan).";
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
		const lines = parseTranscriptLines(source);
		if (lines.length > 0) return lines.map((s) => ({ text: s.text, time: timestamp(s.start), seconds: s.start, ...(s.speaker ? { speaker: s.speaker } : {}) }));
	}
	const body = source.replace(/^---\n[\s\S]*?\n---\n/, "");
	return body
		.split("\n")
		.flatMap((line) => splitSentences(line.replace(/^\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?/, "")).map((p) => p.text))
		.filter((t) => t.trim() !== "")
		.map((text) => ({ text }));
}

/** Every mention of suicide, self-harm, harm to others, abuse or weapons in the input: one per line (or summary sentence) and category. */
export function findRiskMentions(source: string, kind: SourceKind): RiskMention[] {
	const out: RiskMention[] = [];
	for (const seg of sourceSegments(source, kind)) {
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

const CLAUSE_SPLIT = /\s*;\s*|,\s*(?:and|but|while|although|though|whereas|yet|with|without|as\s+well\s+as)\s+|,\s+|\s+(?:and|but|while|whereas|although|though)\s+/g;

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
// The pass over the draft

interface Context {
	kind: SourceKind;
	support: SupportIndex;
	clinicianSupport: SupportIndex;
	clinicianKeys: Set<string>;
	transcriptKeys: Set<string>;
	clinicianNorm: string;
	quotes: QuoteIndex;
	mentionsByCategory: Map<RiskCategory, RiskMention[]>;
	grounding: GroundingOptions;
	flags: SafeguardFlag[];
	section?: string;
}

function flag(ctx: Context, f: Omit<SafeguardFlag, "section">): void {
	ctx.flags.push({ ...f, ...(ctx.section !== undefined ? { section: ctx.section } : {}) });
}

const CATEGORY_GROUP: Record<RiskCategory, string> = { suicide: "self", "self-harm": "self", "harm to others": "others", abuse: "others", weapons: "others" };

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
		if (checkGrounding(object, ctx.support).content.length === 0 && !all.some((h) => h.kind !== "claim")) return "keep";
		const named = all.filter((h) => h.kind !== "claim");
		if (named.length > 0 && named.every((h) => diagnosisPresent(h, ctx.clinicianKeys))) return "keep";
		if (named.length === 0 && allSupported(object, ctx.clinicianSupport)) return "keep";
		if (ctx.kind === "transcript" && named.length > 0 && named.every((h) => diagnosisPresent(h, ctx.clinicianKeys) || diagnosisPresent(h, ctx.transcriptKeys))) return "mark";
		// "Client said she was diagnosed with depression years ago", in the client's own words: kept, marked.
		if (ctx.kind === "transcript" && named.length === 0 && allSupported(object, ctx.support)) return "mark";
		return "remove";
	}
	if (diagnosisPresent(hit, ctx.clinicianKeys)) return "keep";
	if (ctx.kind === "transcript" && diagnosisPresent(hit, ctx.transcriptKeys)) return "mark";
	return "remove";
}

function judgementInClinicianInput(hit: TermHit, ctx: Context): boolean {
	const n = normaliseForMatch(hit.text);
	return n !== "" && ctx.clinicianNorm.includes(` ${n} `);
}

function processSentence(sentence: string, ctx: Context): string {
	let current = sentence;
	const reasons: string[] = [];
	const addReason = (r: string): void => {
		if (!reasons.includes(r)) reasons.push(r);
	};

	// 2. Risk judgements.
	for (let guard = 0; guard < 8 && current.trim() !== ""; guard++) {
		const hit = findRiskJudgement(current);
		if (!hit) break;
		const removal = removeSpan(current, hit.start, hit.end);
		const own = judgementInClinicianInput(hit, ctx);
		flag(ctx, {
			kind: "risk-judgement",
			excerpt: excerpt(removal.removed),
			reason: `Risk judgement removed ("${hit.text}": ${hit.label}); only the clinician assesses risk.${own ? " It is in your own input: write it in the risk section yourself." : " Complete the risk section."}`,
		});
		addReason("risk judgement removed");
		current = removal.kept;
	}

	// 4. Diagnoses and codes.
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

	if (current.trim() !== "") {
		// 6. Quotes.
		for (const q of findQuotes(current)) {
			const check = checkQuote(q.inner, ctx.quotes);
			if (!check.found) {
				flag(ctx, { kind: "quote", excerpt: excerpt(q.inner), reason: `Quote not found verbatim in the ${INPUT_NAME[ctx.kind]}: check the words or remove the quotation marks.` });
				addReason(`quote not in the ${INPUT_NAME[ctx.kind]}`);
			} else if (check.therapistOnly && !/\b(?:therapist|clinician|writer|counsell?or)\b/i.test(current)) {
				flag(ctx, { kind: "quote", excerpt: excerpt(q.inner), reason: "These words are the therapist's in the transcript, not the client's.", timestamps: check.timestamps });
				addReason("quote is the therapist's words");
			}
		}

		// 3. Risk content the draft mentions (not a judgement): the clinician checks it against the session.
		const mentions = findRiskMentionTerms(current);
		const categories = [...new Map(mentions.map((m) => [CATEGORY_GROUP[m.category], m.category])).values()];
		for (const category of categories) {
			// Violence towards someone and abuse are one subject ("he hit my mom" / "his hitting her mother").
			const group = CATEGORY_GROUP[category];
			const inSource = RISK_CATEGORIES.filter((c) => CATEGORY_GROUP[c] === group).flatMap((c) => ctx.mentionsByCategory.get(c) ?? []);
			const times = [...new Set(inSource.map((m) => m.timestamp).filter((t): t is string => t !== undefined))];
			if (inSource.length > 0) {
				flag(ctx, {
					kind: "risk-mention",
					excerpt: excerpt(current),
					reason: `Risk content (${category}) in the draft: check it against the ${INPUT_NAME[ctx.kind]} and assess it in the risk section.`,
					...(times.length > 0 ? { timestamps: times } : {}),
				});
				addReason("risk content: clinician to assess");
			} else {
				flag(ctx, { kind: "risk-mention", excerpt: excerpt(current), reason: `Risk content (${category}) in the draft that the ${INPUT_NAME[ctx.kind]} does not mention: likely invented.` });
				addReason("risk content not in the input");
			}
		}

		// 5. Grounding.
		const g = checkGrounding(current.replace(/\[\d{1,2}:\d{2}(?::\d{2})?\]/g, " "), ctx.support, ctx.grounding);
		if (g.flagged) {
			const words = (g.critical.length > 0 ? g.critical : g.unsupported).slice(0, 4);
			flag(ctx, {
				kind: "unsupported",
				excerpt: excerpt(current),
				reason: `Not found in the ${INPUT_NAME[ctx.kind]}: ${words.join(", ")}${g.critical.length > 0 ? "" : ` (${g.unsupported.length} of ${g.content.length} content words unsupported)`}.`,
			});
			addReason(`unsupported: ${words.slice(0, 3).join(", ")}`);
		}
	}

	const marker = reasons.length > 0 ? reviewMarker(reasons.join("; ")) : "";
	if (current.trim() === "") return marker;
	return marker === "" ? current : `${current} ${marker}`;
}

const PREFIX = /^(\s*(?:>\s*)*(?:\[![\w-]+\][+-]?\s*)?(?:[-*+]\s+|\d+[.)]\s+)?(?:\[[ xX]\]\s+)?)/;

function processProse(text: string, ctx: Context): string {
	return splitSentences(text)
		.map((p) => {
			const out = processSentence(p.text, ctx);
			return out === "" ? "" : out + p.after;
		})
		.join("")
		.replace(/\s+$/, (ws) => (text.endsWith(ws) ? ws : ""));
}

/** Lines the drafter's template writes, not the model: left as they are. */
const NOTICE_LINE = /^\s*>\s*\[!danger\]\s*risk content mentioned/i;
const NEXT_SESSION_LINE = /^\s*(?:\*\*|__)?next\s+(?:session|appointment)s?(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(?:\[[^\]]*\]|\S*\d{4}-\d{2}-\d{2}\S*|\d{1,2}\/\d{1,2}(?:\/\d{2,4})?|tbd|to be scheduled)?[\s.]*$/i;

function isTemplateLine(line: string): boolean {
	return line.trim() === RISK_PLACEHOLDER || NOTICE_LINE.test(line) || NEXT_SESSION_LINE.test(line);
}

function processLine(line: string, ctx: Context): string {
	if (line.trim() === "" || isTemplateLine(line)) return line;
	if (/^\s*\|/.test(line)) {
		if (/^\s*\|?[\s:|-]+\|?\s*$/.test(line)) return line;
		const cells = line.trim().replace(/^\||\|$/g, "").split("|");
		return `| ${cells.map((c) => processProse(c.trim(), ctx)).join(" | ")} |`;
	}
	const prefix = PREFIX.exec(line)?.[1] ?? "";
	const body = line.slice(prefix.length);
	if (body.trim() === "") return line;
	return prefix + processProse(body, ctx);
}

function riskSectionModelText(lines: string[]): string {
	const body = lines.join("\n").replace(RISK_PLACEHOLDER, "");
	return body
		.split("\n")
		.map((l) => l.replace(/^\s*(?:>\s*)*(?:\[![\w-]+\][+-]?\s*)?(?:[-*+]\s+|\d+[.)]\s+)?/, "").trim())
		.filter((l) => l !== "" && !/^\[[^\]]*\]$/.test(l) && !/^clinician to complete/i.test(l))
		.join(" ");
}

function riskSectionLines(notice: string | null): string[] {
	return ["", ...(notice ? [notice, ""] : []), RISK_PLACEHOLDER, ""];
}

/**
 * Applies every safeguard to a model draft (the note body: "## Heading" sections). Returns the text
 * to save, the review list, and the risk mentions found in the input.
 */
export function applySafeguards(draft: string, input: SafeguardInput): SafeguardResult {
	const clinicianText = input.clinicianText ?? "";
	const segments = sourceSegments(input.source, input.kind);
	const sourceText = segments.map((s) => s.text).join("\n");
	const clinicianInput = input.kind === "summary" ? `${input.source}\n${clinicianText}` : clinicianText;
	const riskMentions = findRiskMentions(input.source, input.kind);
	const mentionsByCategory = new Map<RiskCategory, RiskMention[]>();
	for (const m of riskMentions) mentionsByCategory.set(m.category, [...(mentionsByCategory.get(m.category) ?? []), m]);

	const ctx: Context = {
		kind: input.kind,
		support: buildSupportIndex(sourceText, clinicianText, input.clientCode ?? ""),
		clinicianSupport: buildSupportIndex(clinicianInput),
		clinicianKeys: diagnosisKeys(clinicianInput),
		transcriptKeys: input.kind === "transcript" ? diagnosisKeys(sourceText) : new Set(),
		clinicianNorm: ` ${normaliseForMatch(clinicianInput)} `,
		quotes: buildQuoteIndex(input.kind === "transcript" ? input.source : sourceText, input.kind, clinicianText),
		mentionsByCategory,
		grounding: { ...GROUNDING_DEFAULTS, ...input.grounding },
		flags: [],
	};

	// Source risk mentions first in the review list: they matter most.
	for (const category of RISK_CATEGORIES) {
		const ms = mentionsByCategory.get(category);
		if (!ms) continue;
		const times = [...new Set(ms.map((m) => m.timestamp).filter((t): t is string => t !== undefined))];
		ctx.flags.push({
			kind: "risk-mention",
			excerpt: ms[0]!.excerpt,
			reason: `Risk content (${category}) mentioned in the ${INPUT_NAME[input.kind]}${times.length > 0 ? ` at ${times.map((t) => `[${t}]`).join(", ")}` : ""}: clinician to assess.`,
			...(times.length > 0 ? { timestamps: times } : {}),
		});
	}
	// The drafter may already have put the notice in the template; then it is not added twice.
	const notice = draft.split("\n").some((l) => NOTICE_LINE.test(l)) ? null : riskMentionNotice(riskMentions);

	let front = "";
	let body = draft.replace(/\r\n/g, "\n");
	const fm = /^---\n[\s\S]*?\n---\n/.exec(body);
	if (fm) {
		front = fm[0];
		body = body.slice(front.length);
	}

	const lines = body.split("\n");
	const out: string[] = [];
	let fence: string | null = null;
	let riskLevel = 0;
	let riskBody: string[] = [];
	let riskSections = 0;
	const closeRisk = (): void => {
		if (riskLevel === 0) return;
		const written = riskSectionModelText(riskBody);
		if (written !== "") {
			ctx.flags.push({ kind: "risk-judgement", excerpt: excerpt(written), reason: "The model wrote in the risk section; replaced by the clinician-to-complete placeholder.", section: ctx.section });
		}
		out.push(...riskSectionLines(riskSections === 1 ? notice : null));
		riskLevel = 0;
		riskBody = [];
	};

	for (const line of lines) {
		const fenceMatch = /^\s*(```|~~~)/.exec(line);
		const heading = fence ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
		if (heading) {
			const level = heading[1]!.length;
			if (riskLevel > 0 && level > riskLevel) {
				riskBody.push(line);
				continue;
			}
			closeRisk();
			let title = heading[2]!;
			ctx.section = title;
			if (RISK_SECTION_HEADING.test(title)) {
				// "## Risk: low" — what follows the separator is the model's, not the template's.
				const sep = /\s*[:(—–]\s*|\s+-\s+/.exec(title);
				if (sep) {
					const head = title.slice(0, sep.index).trim();
					const tail = title.slice(sep.index + sep[0].length).replace(/\)\s*$/, "").trim();
					if (tail !== "" && !/clinician|complete/i.test(tail)) {
						riskBody.push(tail);
						title = RISK_SECTION_HEADING.test(head) ? head : RISK_HEADING.replace(/^#+\s*/, "");
					}
				}
				ctx.section = title;
				riskLevel = level;
				riskSections++;
				out.push(`${heading[1]!} ${title}`);
				continue;
			}
			const hits = findDiagnoses(title).filter((h) => h.kind !== "claim" && !diagnosisPresent(h, ctx.clinicianKeys));
			for (const h of hits.reverse()) {
				flag(ctx, { kind: "diagnosis", excerpt: h.text, reason: `Diagnosis "${h.text}" removed from a heading: not in your own input.` });
				title = (title.slice(0, h.start) + title.slice(h.end)).replace(/\s*\(\s*\)/g, "").replace(/\s{2,}/g, " ").replace(/[\s:,-]+$/, "");
			}
			out.push(`${heading[1]!} ${title}`);
			continue;
		}
		if (riskLevel > 0) {
			// The template's footer ("Next session: …") ends the risk section as a heading would.
			if (!NEXT_SESSION_LINE.test(line)) {
				riskBody.push(line);
				continue;
			}
			closeRisk();
			ctx.section = undefined;
		}
		if (fenceMatch) {
			fence = fence === null ? fenceMatch[1]! : fence === fenceMatch[1] ? null : fence;
			out.push(line);
			continue;
		}
		out.push(fence ? line : processLine(line, ctx));
	}
	closeRisk();
	if (riskSections === 0) {
		while (out.length > 0 && out[out.length - 1]!.trim() === "") out.pop();
		out.push("", RISK_HEADING, ...riskSectionLines(notice));
	}

	const text = front + out.join("\n").replace(/\n{3,}/g, "\n\n").replace(/^\n+/, "").replace(/\n*$/, "\n");
	return { text, flags: ctx.flags, riskMentions };
}
