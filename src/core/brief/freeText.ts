/**
 * Reading a session note the way a clinician wrote it (issue 18): not only our templates' level-2
 * sections but headings of any level and in other words ("### Homework", "**Between sessions**",
 * "Homework:" alone on a line), inline labels ("HW: …", "**Risk:** …", "Plan – …"), bullets and
 * prose. Deterministic: regular expressions and the risk-domain classifier, no model.
 *
 * A note is read into lines, each with the heading it stands under and its own label, and every
 * line gets a role: risk, homework, plan, assessment, opening, field (a "Date:"/"Mood:" line) or
 * text. A line's own label decides its role; otherwise the heading above it does. From the roles:
 *
 * - risk: every line under a risk heading or with a risk label ("Risk:", "Safety:", "SI/HI:",
 *   "Self-harm:"…), and every sentence elsewhere that touches the risk domain (safety/riskDomain:
 *   "SI/HI denied", "a passing thought of wanting to disappear"), kept exactly as written: only the
 *   list marker and the bold marks around a label are dropped. Nothing is reworded or judged here.
 * - homework: lines under a homework heading, with a homework label, or after one mid-line
 *   ("… weekly. HW: …"); practice clauses of the plan ("Plan: continue weekly; she will practise
 *   …"); assignments in prose ("for homework …", "she agreed to track … each evening").
 * - the client's words: quotations ("…" or “…”) of three or more words in the first person, or
 *   attributed ("she said", "client said", "in her words").
 * - parts: named the IFS way: "the Critic (manager)", "named it "the Binger"", "Manager part",
 *   "a young exile", "the part that …", an archetype after "the" ("the Pleaser"), and afterwards
 *   every "the <name>" of a part found so.
 * - theme text: every line that is not a heading or risk, a field's name ("**Mood:**") left out.
 *
 * Risk sentences stay out of everything else (themes, quotes, parts, homework, the model summary).
 */
import { normaliseModelText } from "../safety/normalise";
import { touchesRiskDomain } from "../safety/riskDomain";
import { splitSentences } from "../text/words";

export type LineRole = "risk" | "homework" | "plan" | "assessment" | "opening" | "field" | "text";

export interface NoteLine {
	/** 0-based line in the body. */
	index: number;
	/** The heading the line stands under ("" when none). */
	heading: string;
	/** The line's own label ("HW", "Risk", "Client said"), as written without its marks; null when none. */
	label: string | null;
	/** Whether the label was set in bold (or is one of a note's usual field names): left out of themes. */
	fieldLabel: boolean;
	/** The line without its list marker and without its label. */
	text: string;
	/** The line as written, without its list marker (and without the bold marks around a label). */
	written: string;
	/** The line exactly as in the note. */
	raw: string;
	/** Sentences of this line already put to the risk-domain classifier (each is asked once). */
	riskMemo: Map<string, boolean>;
	role: LineRole;
}

const HOMEWORK_NAME =
	/^(?:home ?work|hw|h\/w|assignments?|homework (?:assigned|set|given|for (?:the|this|next) week)|between[- ]sessions?(?: (?:practice|work|tasks?|plan|homework))?|practi[cs]e(?: between sessions| for (?:the|this) week)?|to practi[cs]e|tasks?(?: for (?:the|this|next) week)?|for (?:the )?next (?:session|week|time)|(?:homework|hw) ?[/&] ?between[- ]sessions?|plan (?:and|&) homework)$/i;
const RISK_NAME =
	/^(?:risks?(?: (?:assessment|screen(?:ing)?|review|notes?|status|factors?|and safety|& safety))?|safety(?: (?:plan(?:ning)?|check|assessment|concerns?|screen(?:ing)?|and risk|& risk))?|risk ?\/ ?safety|safety ?\/ ?risk|si(?: ?\/ ?hi)?|hi|si ?\/ ?hi ?\/ ?sh|suicid(?:e|ality|al ideation)(?: risk)?|self[- ]harm|nssi|harm to (?:self|others)(?: or (?:self|others))?|c-?ssrs|columbia)$/i;
const PLAN_NAME = /^(?:plan|p|next steps?|next session|next time|next|treatment plan|follow[- ]up plan|plan for next session)$/i;
const ASSESSMENT_NAME = /^(?:assessment|a|response|impression|formulation|clinical impression|progress)$/i;
const OPENING_NAME =
	/^(?:data|subjective|s|behaviou?r|session narrative|presentation|session content|content|summary|session summary|session notes?|notes?|narrative|what happened|check-?in|focus|session focus|themes?)$/i;
/** Labels a note uses for fields rather than prose: never themes, never the session's first lines. */
const FIELD_NAME =
	/^(?:date|time|session(?: (?:number|no|#|type|length))?|duration|length|location|attendance|attended|modality|format|client|code|mood|affect|mse|appearance|cpt|dx|diagnosis|interventions?|techniques?|goals?|parts(?: present)?|self[- ]energy|observations?|o|objective|signed|status|type|present|mode|telehealth)$/i;

const ATX = /^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$/;
const BOLD_ALONE = /^\s*(\*\*|__)([^*_\n]{1,60}?)\1\s*:?\s*$/;
const PLAIN_ALONE = /^\s*(\p{L}[\p{L}\p{N} /&'’-]{0,40}):\s*$/u;
const LIST_MARKER = /^\s*(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?/;
const BOLD_LABEL = /^(\*\*|__)([^*_\n]{1,40}?)\1\s*(.*)$/;
const PLAIN_LABEL = /^(\p{L}[\p{L}\p{N} /&'’-]{0,30}?)\s*:\s+(\S.*)$/u;
const DASH_LABEL = /^(\p{L}[\p{L}\p{N} /&'’-]{0,30}?)\s+[-–—]\s+(\S.*)$/u;

function cleanName(name: string): string {
	return name.replace(/[*_]/g, "").replace(/:\s*$/, "").replace(/\s+/g, " ").trim();
}

function wordCount(text: string): number {
	return text.split(/\s+/).filter((w) => w !== "").length;
}

function knownName(name: string): boolean {
	return (
		HOMEWORK_NAME.test(name) ||
		RISK_NAME.test(name) ||
		PLAN_NAME.test(name) ||
		ASSESSMENT_NAME.test(name) ||
		OPENING_NAME.test(name) ||
		FIELD_NAME.test(name)
	);
}

function roleOfName(name: string): LineRole | null {
	if (RISK_NAME.test(name)) return "risk";
	if (HOMEWORK_NAME.test(name)) return "homework";
	if (PLAN_NAME.test(name)) return "plan";
	if (ASSESSMENT_NAME.test(name)) return "assessment";
	if (OPENING_NAME.test(name)) return "opening";
	if (FIELD_NAME.test(name)) return "field";
	return null;
}

/** A heading's role: its words matched as a whole, else by what it is about ("Risk and safety", "Homework / practice"). */
function roleOfHeading(name: string): LineRole | null {
	const exact = roleOfName(name);
	if (exact) return exact;
	// "Homework review", "Follow-up on homework": what the client did, not what is set.
	if (/\b(?:review(?:ed)?|follow[- ]?up|check(?:ed)?|completed|progress|feedback|done)\b/i.test(name) && !/\b(?:risk|safety)\b/i.test(name)) return null;
	if (/\b(?:risk|safety|suicid\w*|self[- ]harm)\b/i.test(name) || /\bSI\b/.test(name)) return "risk";
	if (/\b(?:home ?work|hw|between[- ]sessions?|assignments?)\b/i.test(name)) return "homework";
	if (/^plan\b/i.test(name)) return "plan";
	if (/^assessment\b/i.test(name)) return "assessment";
	return null;
}

/** The line's own label: "**Risk:** …", "HW: …", "Plan – …" (a dash only after a known name). */
function labelOf(line: string): { label: string; bold: boolean; rest: string } | null {
	const bold = BOLD_LABEL.exec(line);
	if (bold) {
		let inner = bold[2]!.trim();
		let rest = bold[3]!;
		if (inner.endsWith(":")) inner = inner.slice(0, -1).trim();
		else if (/^\s*[:–—-]\s*/.test(rest)) rest = rest.replace(/^\s*[:–—-]\s*/, "");
		else return null;
		if (inner === "" || wordCount(inner) > 5 || /[.!?]$/.test(inner)) return null;
		return { label: inner, bold: true, rest: rest.trim() };
	}
	const plain = PLAIN_LABEL.exec(line);
	if (plain && wordCount(plain[1]!) <= 4) return { label: plain[1]!.trim(), bold: false, rest: plain[2]!.trim() };
	const dash = DASH_LABEL.exec(line);
	if (dash && knownName(dash[1]!.trim())) return { label: dash[1]!.trim(), bold: false, rest: dash[2]!.trim() };
	return null;
}

/** Callouts code writes into notes (the risk placeholder and flags, the psychotherapy-note banner, a stopped draft): not the clinician's words. */
const CODE_CALLOUT =
	/^\s*>\s*\[!\w+\][-+]?\s*(?:Clinician to complete|Risk content mentioned|The notes' risk sections were not given|Psychotherapy \(process\) note|The .{0,80}this is what the model wrote)|^\s*>\s*\[!danger\]\s*$/;

/** The lines of a note body with their headings, labels and roles. */
export function readNoteLines(body: string): NoteLine[] {
	const out: NoteLine[] = [];
	let heading = "";
	let headingRole: LineRole | null = null;
	/** A label alone on its line ("**Homework**", "Homework:") heads its paragraph only. */
	let paragraphHeading = false;
	let sawContent = false;
	let inCodeCallout = false;
	let first = true;
	const all = body.split(/\r\n?|\n/);
	all.forEach((raw, index) => {
		if (inCodeCallout && /^\s*>/.test(raw)) return;
		inCodeCallout = CODE_CALLOUT.test(raw);
		if (inCodeCallout) return;
		if (raw.trim() === "") {
			if (paragraphHeading && sawContent) {
				heading = "";
				headingRole = null;
				paragraphHeading = false;
			}
			return;
		}
		const atx = ATX.exec(raw);
		// "Homework", "Between sessions", "Risk" alone on a line are headings too.
		const alone = atx
			? null
			: (BOLD_ALONE.exec(raw) ??
				PLAIN_ALONE.exec(raw) ??
				(knownName(cleanName(raw)) && wordCount(raw) <= 4 && roleOfName(cleanName(raw)) !== "field" ? [raw, raw.trim()] : null));
		// A title: the note's first line, short, with no sentence's end and a blank line after it ("23 June – session 3").
		// Never a risk line ("Passive SI this week, no plan"): that is the clinician's risk note, not a title.
		const title =
			first &&
			!atx &&
			!alone &&
			(all[index + 1] ?? "").trim() === "" &&
			wordCount(raw) <= 8 &&
			!/[.!?:;,"”]\s*$/.test(raw.trim()) &&
			labelOf(raw.trim()) === null &&
			!isRiskSentence(raw.trim());
		first = false;
		if (title) {
			heading = raw.trim();
			headingRole = null;
			paragraphHeading = false;
			sawContent = false;
			return;
		}
		if (atx || (alone && wordCount(cleanName(alone[alone.length - 1]!)) <= 6)) {
			heading = cleanName(atx ? atx[2]! : alone![alone!.length - 1]!);
			headingRole = roleOfHeading(heading);
			paragraphHeading = !atx;
			sawContent = false;
			return;
		}
		sawContent = true;
		// A quote or a callout of the clinician's own is read as its text.
		const unlisted = raw
			.replace(/^\s*>\s*(?:\[!\w+\][-+]?\s*)?/, "")
			.replace(/^\s*>\s*/, "")
			.replace(LIST_MARKER, "")
			.trim();
		if (unlisted === "") return;
		const label = labelOf(unlisted);
		const labelRole = label ? roleOfName(cleanName(label.label)) : null;
		const written = label?.bold ? `${label.label}: ${label.rest}` : unlisted;
		out.push({
			index,
			heading,
			label: label ? cleanName(label.label) : null,
			fieldLabel: label !== null && (label.bold || labelRole !== null),
			text: label && (label.bold || labelRole !== null) ? label.rest : unlisted,
			written,
			raw,
			riskMemo: new Map(),
			role: labelRole ?? headingRole ?? "text",
		});
	});
	return out;
}

/** Whether a sentence the clinician wrote touches the risk domain (it is then shown as written, in the risk notes only). `memo`: the line's answers so far. */
export function isRiskSentence(sentence: string, memo?: Map<string, boolean>): boolean {
	const known = memo?.get(sentence);
	if (known !== undefined) return known;
	const s = normaliseModelText(sentence);
	const risk = s !== "" && touchesRiskDomain(s) !== null;
	memo?.set(sentence, risk);
	return risk;
}

/** The sentences of a line (as written). */
export function sentencesIn(text: string): string[] {
	return splitSentences(text)
		.map((p) => p.text.trim())
		.filter((s) => s !== "");
}

/** A line split into runs of risk sentences and the rest, each run exactly as written. */
function riskRuns(text: string, memo: Map<string, boolean>): { risk: boolean; text: string }[] {
	const runs: { risk: boolean; text: string }[] = [];
	for (const piece of splitSentences(text)) {
		const risk = isRiskSentence(piece.text, memo);
		const last = runs.at(-1);
		if (last && last.risk === risk) last.text += piece.text + piece.after;
		else runs.push({ risk, text: piece.text + piece.after });
	}
	return runs.map((r) => ({ risk: r.risk, text: r.text.trim() })).filter((r) => r.text !== "");
}

// ---------------------------------------------------------------------------------------------
// Homework

/** Words of a task for the client whatever the context. */
const PRACTICE =
	/\b(?:homework|practi[cs](?:e|es|ing)|keep(?:ing)? (?:a|the|her|his|their) (?:log|diary|journal|record|tally)|log(?:ging)?|track(?:ing)?|journal(?:l?ing)?|write down|writing down|jot(?:ting)? down|worksheet|experiment)\b/i;
/** Words of a task only when the client does it, or when it has a when ("notice", "try"): a clinician's plan uses them too. */
const PRACTICE_WEAK = /\b(?:try(?:ing)?|notic(?:e|ing)|check[- ]?ins?|check in|exercises?|pause|breath(?:e|ing)|read(?:ing)?|listen(?:ing)?)\b/i;
const CLIENT_DOES = /^(?:she|he|they|client|cl|pt|patient)\b|\b(?:she|he|they|client|cl|pt|patient) (?:will|is to|are to|agreed|wants to|plans to)\b/i;
const ASSIGNED = /\b(?:assigned|agreed to|agreed (?:she|he|they) would|will|is going to|are going to|plans? to|committed to|is to|are to)\b/i;
const WHEN =
	/\b(?:this week|this coming week|between sessions|before (?:the )?next (?:session|time|week)|until (?:the )?next (?:session|time|week)|by next (?:session|time|week)|daily|each (?:day|morning|evening|night)|every (?:day|morning|evening|night)|(?:once|twice|three times) (?:a|per) (?:day|week))\b/i;
const HOMEWORK_PHRASE = /\b(?:for homework|as homework|homework (?:is|was|will be) to)\b|^between[- ]sessions?\b/i;
const NOT_HOMEWORK = /^(?:next (?:session|time|week)|continue|will continue|review|follow[- ]up|revisit|weekly|fortnightly|monthly|refer|consult)\b/i;
/** "HW:" or "Homework:" after a sentence: "Plan: continue weekly. HW: pause when the Binger shows up." */
const MID_LABEL = /(?:^|[.;!?]\s+)(?:\*\*|__)?(?:HW|H\/W|Homework|Between[- ]sessions?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s*(.+)$/i;

function clauses(sentence: string): string[] {
	return sentence
		.split(/;\s+/)
		.map((c) => c.trim())
		.filter((c) => c !== "");
}

/** Homework set in one note: the text of every assignment line, and the lines it comes from. */
export function homeworkIn(lines: readonly NoteLine[]): { text: string; lines: Set<number> } | null {
	const found: string[] = [];
	const used = new Set<number>();
	const add = (line: NoteLine, text: string) => {
		const t = text.trim();
		if (t === "" || isRiskSentence(t, line.riskMemo)) return;
		found.push(t);
		used.add(line.index);
	};
	for (const line of lines) {
		if (line.role === "homework") {
			add(line, line.text);
			continue;
		}
		if (line.role === "risk" || line.role === "field") continue;
		const mid = MID_LABEL.exec(line.text);
		if (mid) {
			add(line, mid[1]!);
			continue;
		}
		for (const sentence of sentencesIn(line.text)) {
			for (const clause of clauses(sentence)) {
				if (NOT_HOMEWORK.test(clause)) continue;
				const task = PRACTICE.test(clause) || PRACTICE_WEAK.test(clause);
				const assignment = HOMEWORK_PHRASE.test(clause) || (ASSIGNED.test(clause) && task && WHEN.test(clause));
				const planned =
					line.role === "plan" && (PRACTICE.test(clause) || (PRACTICE_WEAK.test(clause) && (WHEN.test(clause) || CLIENT_DOES.test(clause))));
				if (assignment || planned) add(line, clause);
			}
		}
	}
	return found.length === 0 ? null : { text: found.join(" "), lines: used };
}

/** What a note tells (for following homework up): its prose, without the plan, homework, risk or fields. */
export function toldIn(lines: readonly NoteLine[], homeworkLines: ReadonlySet<number>): string[] {
	return lines
		.filter((l) => (l.role === "text" || l.role === "opening" || l.role === "assessment") && !homeworkLines.has(l.index))
		.flatMap((l) => sentencesIn(l.text).filter((s) => !isRiskSentence(s, l.riskMemo)));
}

// ---------------------------------------------------------------------------------------------
// Risk

/**
 * The risk notes of a note as written, in order: the blocks under a risk heading and the lines
 * with a risk label first, then the risk sentences of the prose (runs of them, as written).
 */
export function riskIn(lines: readonly NoteLine[]): string[] {
	const blocks: string[] = [];
	let current: { heading: string; lines: string[]; last: number } | null = null;
	const flush = () => {
		if (current) blocks.push(current.lines.join("\n"));
		current = null;
	};
	for (const line of lines) {
		if (line.role !== "risk") continue;
		if (line.label !== null && RISK_NAME.test(line.label)) {
			flush();
			blocks.push(line.written);
			continue;
		}
		const c: { heading: string; lines: string[]; last: number } | null = current;
		if (c && c.heading === line.heading && c.last === line.index - 1) {
			c.lines.push(line.written);
			c.last = line.index;
		} else {
			flush();
			current = { heading: line.heading, lines: [line.written], last: line.index };
		}
	}
	flush();
	const prose: string[] = [];
	for (const line of lines) {
		if (line.role === "risk") continue;
		for (const run of riskRuns(line.text, line.riskMemo)) if (run.risk) prose.push(run.text);
	}
	return [...blocks, ...prose].filter((t) => t.trim() !== "");
}

/** A note's text with its risk left out (for themes and the model's summary): lines, risk runs removed. */
export function withoutRisk(lines: readonly NoteLine[], pick: (line: NoteLine) => string = (l) => l.text): string {
	return lines
		.filter((l) => l.role !== "risk")
		.map((l) =>
			riskRuns(pick(l), l.riskMemo)
				.filter((r) => !r.risk)
				.map((r) => r.text)
				.join(" "),
		)
		.filter((t) => t !== "")
		.join("\n");
}

/** The body of a section with its risk lines and sentences left out (and the headings of risk blocks): every other line as it is. */
export function bodyWithoutRisk(body: string): string {
	const lines = new Map(readNoteLines(body).map((l) => [l.index, l]));
	const out: string[] = [];
	body.split(/\r\n?|\n/).forEach((raw, index) => {
		const line = lines.get(index);
		if (!line) {
			const heading = ATX.exec(raw)?.[2] ?? BOLD_ALONE.exec(raw)?.[2];
			if (heading !== undefined && roleOfHeading(cleanName(heading)) === "risk") return;
			// A line read as no note line (a title, a callout's continuation) still never carries risk to the model.
			const kept = riskRuns(raw, new Map())
				.filter((r) => !r.risk)
				.map((r) => r.text)
				.join(" ");
			if (kept.trim() !== "" || raw.trim() === "") out.push(kept.trim() === "" ? raw : kept);
			return;
		}
		if (line.role === "risk") return;
		const runs = riskRuns(line.raw, line.riskMemo);
		if (runs.every((r) => !r.risk)) out.push(raw);
		else {
			const kept = runs
				.filter((r) => !r.risk)
				.map((r) => r.text)
				.join(" ");
			if (kept !== "") out.push(kept);
		}
	});
	return out.join("\n").trim();
}

// ---------------------------------------------------------------------------------------------
// The client's words

/** Quotations paired from the left (a short one, "the Critic", must not pair its closing mark with the next one's opening). */
const QUOTATION = /"([^"\n]{1,400})"|“([^”\n]{1,400})”/g;
const FIRST_PERSON = /\b(?:I|I'm|I’m|I've|I’ve|I'd|I’d|I'll|I’ll|me|my|mine|myself)\b/;
const ATTRIBUTION =
	/\b(?:she|he|they|client|cl|pt|patient)\s+(?:said|says|stated|states|reported|reports|put it|shared|added|explained|described it as|called it|told me|wrote)\b|\bin (?:her|his|their|the client'?s|client'?s) (?:own )?words\b|\b(?:quote|quoted|verbatim)\b/i;

/** Quotations in a line that are the client's words: first person (four words or more), or attributed to the client (three or more). */
// "She said" / "he said" in a note is the client; "I" and "we" are the clinician, a relation is someone else.
const OTHERS = String.raw`(?:I|we|(?:her|his|their|my|our|the client's|a)\s+(?:mother|mum|mom|father|dad|sister|brother|partner|husband|wife|boyfriend|girlfriend|boss|manager|friend|teacher|son|daughter|grandmother|grandfather|colleague|doctor|therapist|ex)|the therapist|the clinician)`;
/** Just before a quotation: another person speaking ("I told her,", "her mother used to say"). */
const SOMEONE_ELSE = new RegExp(
	String.raw`\b${OTHERS}\s+(?:(?:used to|would|always|often|once|then)\s+)?(?:said|says|say|told|tells|asked|asks|wrote|writes|shouted|yelled|replied|answered)\b(?:\s+(?:her|him|them|me|us|the client))?[\s,:]*$`,
	"i",
);
/** Just after one: ", her mother said". */
const SOMEONE_ELSE_AFTER = new RegExp(String.raw`^[\s,]*${OTHERS}\s+(?:said|says|told|asked|wrote|shouted|replied)\b`, "i");

export function quotesInLine(written: string): string[] {
	const out: string[] = [];
	for (const m of written.matchAll(QUOTATION)) {
		// A comma that hands the sentence back to the writer ("…anything," he said) is not the client's.
		const inner = (m[1] ?? m[2]!).trim().replace(/[,;]$/, "");
		if (inner.length < 12) continue;
		const words = wordCount(inner);
		const before = written.slice(Math.max(0, m.index - 60), m.index);
		const after = written.slice(m.index + m[0].length, m.index + m[0].length + 40);
		// Someone else's words ("I told her, "…"", "her mother used to say "…"") are never the client's.
		if (SOMEONE_ELSE.test(before) || SOMEONE_ELSE_AFTER.test(after)) continue;
		if ((words >= 4 && FIRST_PERSON.test(inner)) || (words >= 3 && (ATTRIBUTION.test(before) || ATTRIBUTION.test(after)))) out.push(inner);
	}
	return out;
}

/** The client's words in a note (its risk lines and sentences left out). */
export function quotesInNote(lines: readonly NoteLine[]): string[] {
	return lines
		.filter((l) => l.role !== "risk")
		.flatMap((l) =>
			riskRuns(l.written, l.riskMemo)
				.filter((r) => !r.risk)
				.flatMap((r) => quotesInLine(r.text)),
		);
}

// ---------------------------------------------------------------------------------------------
// Parts

export interface NamedPart {
	/** As the note names it: "Critic", "Little One", "young exile", "the part that binges". */
	name: string;
	kind?: string;
	/** Written with "the" before it ("the Critic"). */
	article: boolean;
}

const KIND = /\b(manager|firefighter|exile|protector)s?\b/i;
const NAME_WORD = String.raw`\p{Lu}[\p{L}'’-]*`;
const NAME = String.raw`${NAME_WORD}(?:\s+${NAME_WORD}){0,2}`;
const WITH_KIND = new RegExp(
	String.raw`(?:\b([Tt]he|[Aa]n?|[Hh]er|[Hh]is|[Tt]heir)\s+)?(${NAME})["”]?\s*\((?:an?\s+|the\s+)?(manager|firefighter|exile|protector|part|self-like part)\b[^)]*\)`,
	"gu",
);
/** "named it "the Critic"", "calls this part the Planner": a quoted name within a few words of the verb, or "the <Name>" right after it. */
const NAMING = new RegExp(
	String.raw`\b(?:named|names|calls?|called|calling|refers? to as|referred to as|nicknamed|dubbed|knows? as|known as)\b(?:[^.;!?"“]{0,40}?["“]\s*([Tt]he\s+)?([^"”]{2,30}?)\s*["”]|\s+(?:it|this part|that part|the part|this one|her|him|them)?\s*([Tt]he\s+)(${NAME}))`,
	"gu",
);
const NAMED_PART = new RegExp(String.raw`(?:\b([Tt]he|[Aa]n?|[Hh]er|[Hh]is|[Tt]heir)\s+)?\b(\p{Lu}[\p{L}-]*)\s+part\b`, "gu");
const DESCRIBED =
	/\b(?:[Tt]he|[Aa]n?|[Hh]er|[Hh]is|[Tt]heir)\s+((?:[a-z][a-z-]*\s+){1,2}?)(exile|manager|firefighter|protector|part)s?\b(?!\s+(?:of|in|time|way))/g;
const PART_THAT = /\bthe part (?:of (?:her|him|them|the client) )?((?:that|who|which)\s+[^.,;:!?"“”()]{3,80})/gi;
/** Names IFS work commonly gives protectors, counted as parts after "the" with a capital ("the Worrier"). */
const ARCHETYPE =
	/\b[Tt]he\s+(?:\*\*|__|\*|_)?(Inner Critic|Critic|Pleaser|People[- ]Pleaser|Perfectionist|Planner|Controller|Worrier|Caretaker|Achiever|Pusher|Taskmaster|Skeptic|Avoider|Numb One|Distractor|Procrastinator|Binger|Drinker|Rager)\b/g;
/** Words that describe no part of their own ("a new part", "another manager", "the same exile"). */
const NOT_DESCRIPTIVE = new Set(
	"new another other same different first second third main big small hard best most last whole early next key large this that some any each every one only own younger older which what such certain given latter former particular".split(
		" ",
	),
);
/** Capitalised names that are not parts. */
const NOT_NAMES =
	/^(?:Client|Therapist|Clinician|Self|Session|Plan|Homework|Risk|Safety|IFS|DAP|SOAP|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December|I|It|She|He|They|We|Her|His|Their|This|That|The|A|An|In|For|As|On|At|By|With|No|One|Any|Every|Each|Which|What|Whose|Our|Your|My|Its|Another|Other|Some|Most|Part)$/;

/** One key for the ways a part is written: "the Critic", "Critic", "Critic part". */
export function partKey(name: string): string {
	const key = name
		.toLowerCase()
		.replace(/^the\s+/, "")
		.replace(/\s+/g, " ")
		.trim();
	return /^\p{Lu}/u.test(name.replace(/^the\s+/i, "")) ? key.replace(/ part$/, "") : key;
}

/** The kind word nearest a position in a sentence, within `within` characters. */
function kindNear(sentence: string, at: number, within = 100): string | undefined {
	let best: { kind: string; distance: number } | null = null;
	for (const m of sentence.matchAll(new RegExp(KIND.source, "gi"))) {
		const distance = Math.abs(m.index - at);
		if (!best || distance < best.distance) best = { kind: m[1]!.toLowerCase(), distance };
	}
	return best && best.distance <= within ? best.kind : undefined;
}

/** Parts named in a note's prose (risk left out), in order of first mention. */
export function partsInNote(lines: readonly NoteLine[], known: readonly NamedPart[] = []): NamedPart[] {
	const found = new Map<string, NamedPart>();
	const add = (name: string, kind: string | undefined, article: boolean) => {
		const clean = name
			.replace(/^[Tt]he\s+(?=\p{Lu})/u, "")
			.replace(/[\s'’-]+$/, "")
			.trim();
		if (clean.length < 3 || NOT_NAMES.test(clean)) return;
		const key = partKey(clean);
		const existing = found.get(key);
		if (existing) {
			if (!existing.kind && kind) existing.kind = kind;
			return;
		}
		found.set(key, { name: clean, ...(kind ? { kind } : {}), article });
	};
	const text = withoutRisk(lines, (l) => l.written);
	for (const sentence of text.split("\n").flatMap((l) => sentencesIn(l))) {
		const named = new Set<string>();
		for (const m of sentence.matchAll(WITH_KIND)) {
			const article = m[1] !== undefined && /^the$/i.test(m[1]);
			if (NOT_NAMES.test(m[2]!)) continue;
			// A capitalised word that opens the sentence is not the name's ("Met Little One (exile)").
			const name =
				m.index === 0 && !m[1] && /\s/.test(m[2]!) && /^(?:\p{Lu}\p{Ll}+(?:ed|s)|Met|Saw|Meet|Found|Held|Felt|Began|Spoke)\s/u.test(m[2]!)
					? m[2]!.replace(/^\S+\s+/, "")
					: m[2]!;
			add(name, m[3]!.toLowerCase() === "part" ? undefined : m[3]!.toLowerCase(), article);
			named.add(partKey(name));
		}
		for (const m of sentence.matchAll(NAMING)) {
			const quoted = m[2];
			const name = (quoted ?? m[4] ?? "").trim();
			if (name === "" || !/^\p{Lu}/u.test(name) || wordCount(name) > 3 || NOT_NAMES.test(name)) continue;
			add(name, kindNear(sentence, m.index), (m[1] ?? m[3]) !== undefined);
			named.add(partKey(name));
		}
		for (const m of sentence.matchAll(NAMED_PART)) {
			if (NOT_NAMES.test(m[2]!) || NOT_DESCRIPTIVE.has(m[2]!.toLowerCase())) continue;
			add(`${m[2]!} part`, KIND.exec(m[2]!)?.[1]?.toLowerCase(), m[1] !== undefined && /^the$/i.test(m[1]));
		}
		for (const m of named.size > 0 ? [] : sentence.matchAll(DESCRIBED)) {
			// "a young part, "Little One"": the name follows, and is found by itself.
			if (/^,?\s*(?:["“]|(?:named|called|whom? (?:she|he|they) calls?)\b)/.test(sentence.slice(m.index + m[0].length))) continue;
			const words = m[1]!
				.trim()
				.split(/\s+/)
				.filter((w) => !NOT_DESCRIPTIVE.has(w) && !["and", "or", "very", "more", "less"].includes(w));
			if (words.length === 0 || words.length !== m[1]!.trim().split(/\s+/).length) continue;
			const kind = m[2]!.toLowerCase();
			add(`${words.join(" ")} ${kind}`, kind === "part" ? undefined : kind, false);
		}
		// "the Critic, the part that comments on every email": the clause describes a part named in
		// the sentence, so it is not a part of its own.
		const archetypes = [...sentence.matchAll(ARCHETYPE)];
		if (named.size === 0 && archetypes.length === 0) {
			for (const m of sentence.matchAll(PART_THAT)) {
				// As written, to its sixth word: "the part that hides in the closet".
				add(`the part ${m[1]!.trim().split(/\s+/).slice(0, 6).join(" ")}`, undefined, false);
			}
		}
		for (const m of archetypes) add(m[1]!, KIND.exec(m[1]!)?.[1]?.toLowerCase() ?? kindNear(sentence, m.index, 40), true);
	}
	// A part found in this note or an earlier one is counted wherever "the <name>" (or the name itself, for names of two words or more) stands.
	const names = [...known, ...found.values()].filter((p) => /^\p{Lu}/u.test(p.name));
	for (const p of names) {
		const escaped = p.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
		const re = p.name.includes(" ") ? new RegExp(String.raw`\b${escaped}\b`, "u") : new RegExp(String.raw`\b[Tt]he\s+${escaped}\b`, "u");
		if (re.test(text)) add(p.name, p.kind, p.article);
	}
	return [...found.values()];
}
