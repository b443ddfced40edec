/**
 * Words, the floor under every feature that reads text: the one definition of a word (`wordSpans`:
 * a run of letters and digits), used by search's index, the privacy check's name
 * matching and the drafting safeguards alike; and, for the safeguards and the brief, sentence
 * splitting that keeps the original text, tokenising, a light English stemmer (irregular verbs +
 * suffix stripping), stop words, and number normalisation ("seven" = "7"). Hand-written, small and
 * deterministic: the safeguards must give the same answer on every machine, offline, in a few
 * milliseconds. (Search stems with Porter instead, on purpose: docs/ARCHITECTURE.md, "Two stemmers".)
 */

/** A word as written, with its character offsets. */
export interface WordSpan {
	word: string;
	start: number;
	end: number;
}

/**
 * Letters and digits; everything else separates words ("GAD-7" is "gad" and "7"). Combining marks
 * separate too, as they always have in the stored search index: a decomposed "José" is "Jose", and
 * scripts written with vowel signs (Devanagari, Thai) split inside words. Changing that is an index
 * migration, not a tidy-up.
 */
const WORD = /[\p{L}\p{N}]+/gu;
/** The same, with contractions and possessives joined ("don't", "client's"). */
const WORD_WITH_CONTRACTIONS = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

/**
 * The words of a text with their offsets: runs of letters and digits. With `contractions`, a run
 * followed by an apostrophe and letters stays one word ("don't"), as the safeguards read it; without,
 * the apostrophe separates ("don", "t"), as search's index has always stored it.
 */
export function wordSpans(text: string, options: { contractions?: boolean } = {}): WordSpan[] {
	const out: WordSpan[] = [];
	for (const m of text.matchAll(options.contractions ? WORD_WITH_CONTRACTIONS : WORD)) out.push({ word: m[0], start: m.index, end: m.index + m[0].length });
	return out;
}

/** A sentence of a line, with the exact whitespace that followed it (joining all pieces gives the line back). */
export interface SentencePiece {
	text: string;
	after: string;
}

const ABBREVIATIONS = new Set([
	"dr",
	"mr",
	"mrs",
	"ms",
	"mx",
	"st",
	"jr",
	"sr",
	"vs",
	"etc",
	"eg",
	"ie",
	"e.g",
	"i.e",
	"approx",
	"no",
	"pt",
	"hx",
	"dx",
	"tx",
	"rx",
	"sx",
	"a.m",
	"p.m",
	"min",
	"mins",
	"hr",
	"hrs",
	"wk",
	"wks",
	"mo",
	"yr",
	"yrs",
	"fig",
	"cf",
	"al",
]);

const CLOSE_QUOTES = new Set(["”", "’"]);

/**
 * Splits a line of prose into sentences. A sentence ends at . ! ? (or …) followed by whitespace and
 * then not a lowercase letter, outside double quotes; common abbreviations ("Dr.", "e.g.") and
 * decimals ("F41.1") do not end a sentence.
 */
export function splitSentences(line: string): SentencePiece[] {
	const out: SentencePiece[] = [];
	let start = 0;
	let inStraight = false;
	let curlyDepth = 0;
	let i = 0;
	while (i < line.length) {
		const ch = line[i]!;
		let closedQuote = false;
		if (ch === '"') {
			inStraight = !inStraight;
			closedQuote = !inStraight;
		} else if (ch === "“") curlyDepth++;
		else if (ch === "”") {
			curlyDepth = Math.max(0, curlyDepth - 1);
			closedQuote = curlyDepth === 0;
		}
		// A quotation that ends its sentence inside the marks: "… at work." Next sentence.
		const endsInside = closedQuote && !inStraight && curlyDepth === 0 && /[.!?…]/.test(line[i - 1] ?? "");
		if (((ch === "." || ch === "!" || ch === "?" || ch === "…") && !inStraight && curlyDepth === 0) || endsInside) {
			let j = i + 1;
			while (j < line.length && /[.!?…]/.test(line[j]!)) j++;
			while (j < line.length && (/[)\]"'*_]/.test(line[j]!) || CLOSE_QUOTES.has(line[j]!))) j++;
			let k = j;
			while (k < line.length && /\s/.test(line[k]!)) k++;
			const atEnd = k >= line.length;
			const hasSpace = k > j;
			const next = line[k] ?? "";
			const word = /([\p{L}.]+)$/u.exec(line.slice(start, i))?.[1]?.toLowerCase() ?? "";
			const isAbbrev = ch === "." && ABBREVIATIONS.has(word.replace(/^\.+/, ""));
			if (atEnd || (hasSpace && !/\p{Ll}/u.test(next) && !isAbbrev)) {
				out.push({ text: line.slice(start, j), after: line.slice(j, k) });
				start = k;
				i = k;
				continue;
			}
		}
		i++;
	}
	if (start < line.length) {
		const rest = line.slice(start);
		const trimmed = rest.replace(/\s+$/, "");
		out.push({ text: trimmed, after: rest.slice(trimmed.length) });
	}
	return out;
}

/** Straightens curly quotes and apostrophes. */
export function straighten(text: string): string {
	return text.replace(/[‘’ʼ]/g, "'").replace(/[“”]/g, '"');
}

/** Lowercase, apostrophes straightened, every run of non-letters/digits one space: for verbatim comparison. */
export function normaliseForMatch(text: string): string {
	return straighten(text)
		.toLowerCase()
		.replace(/'/g, "")
		.replace(/[^\p{L}\p{N}]+/gu, " ")
		.trim();
}

export const STOP_WORDS = new Set(
	(
		"a about above across after again against all almost along already also although always am among an and another any anyone anything anyway " +
		"are around as at away back be became because become been before being below beside besides between both but by can cannot could did do " +
		"does doing done down during each either else enough even ever every everyone everything few for from further had has have having he her " +
		"here hers herself him himself his how however i if in into is it its itself just least less let like likely made make many may me might " +
		"mine more most much must my myself near neither never no nor not now of off often on once one only onto or other others otherwise our ours " +
		"ourselves out over own per perhaps quite rather really same several she should since so some somehow someone something sometimes somewhat " +
		"still such than that the their theirs them themselves then there these they thing things this those though through throughout thus to " +
		"together too toward towards under until up upon us very via was way we well were what whatever when where whether which while who whom " +
		"whose why will with within without would yet you your yours yourself yourselves ok okay oh yeah yes um uh hmm mm mhm er ah gonna wanna " +
		"kind sort lot lots bit got get gets getting go goes going went gone said say says saying tell told thing stuff actually basically " +
		"maybe probably definitely totally pretty right sure also able unable upon whereas whose whom shall ll ve re s t d m don didn doesn isn " +
		"wasn weren aren couldn wouldn shouldn hasn haven hadn won can't"
	).split(/\s+/),
);

/** Irregular forms to their base (only the ones therapy notes and transcripts use). */
const IRREGULAR: Record<string, string> = {
	slept: "sleep",
	felt: "feel",
	went: "go",
	gone: "go",
	said: "say",
	thought: "think",
	told: "tell",
	lost: "lose",
	left: "leave",
	took: "take",
	taken: "take",
	made: "make",
	came: "come",
	got: "get",
	gotten: "get",
	began: "begin",
	begun: "begin",
	ate: "eat",
	eaten: "eat",
	drank: "drink",
	drunk: "drink",
	spoke: "speak",
	spoken: "speak",
	wrote: "write",
	written: "write",
	fought: "fight",
	bought: "buy",
	brought: "bring",
	kept: "keep",
	met: "meet",
	ran: "run",
	saw: "see",
	seen: "see",
	knew: "know",
	known: "know",
	gave: "give",
	given: "give",
	hid: "hide",
	hidden: "hide",
	broke: "break",
	broken: "break",
	woke: "wake",
	woken: "wake",
	fell: "fall",
	fallen: "fall",
	held: "hold",
	heard: "hear",
	cried: "cry",
	cries: "cry",
	tried: "try",
	tries: "try",
	sat: "sit",
	stood: "stand",
	understood: "understand",
	forgot: "forget",
	forgotten: "forget",
	forgave: "forgive",
	forgiven: "forgive",
	hurt: "hurt",
	hit: "hit",
	quit: "quit",
	shut: "shut",
	led: "lead",
	meant: "mean",
	sent: "send",
	spent: "spend",
	built: "build",
	dealt: "deal",
	drove: "drive",
	driven: "drive",
	rode: "ride",
	chose: "choose",
	chosen: "choose",
	froze: "freeze",
	frozen: "freeze",
	shook: "shake",
	shaken: "shake",
	threw: "throw",
	thrown: "throw",
	grew: "grow",
	grown: "grow",
	blew: "blow",
	wore: "wear",
	worn: "wear",
	tore: "tear",
	torn: "tear",
	won: "win",
	sold: "sell",
	found: "find",
	paid: "pay",
	laid: "lay",
	lay: "lie",
	lied: "lie",
	lying: "lie",
	dying: "die",
	died: "die",
	children: "child",
	men: "man",
	women: "woman",
	people: "person",
	feet: "foot",
	teeth: "tooth",
	mice: "mouse",
	lives: "life",
	wives: "wife",
	selves: "self",
	better: "good",
	best: "good",
	worse: "bad",
	worst: "bad",
	anxious: "anxiety",
	anxiously: "anxiety",
	mom: "mother",
	mum: "mother",
	mommy: "mother",
	mama: "mother",
	dad: "father",
	daddy: "father",
	papa: "father",
	was: "be",
	were: "be",
	is: "be",
	are: "be",
	been: "be",
	am: "be",
	has: "have",
	had: "have",
	does: "do",
	did: "do",
	done: "do",
};

/** A light stemmer: irregular forms, then -ies/-ied/-ing/-ed/-ly/-ness/-ment/-ful/-es/-s, undoubled consonant, final e/y. */
export function stem(word: string): string {
	let w = straighten(word).toLowerCase().replace(/'s$/, "").replace(/'/g, "");
	w = IRREGULAR[w] ?? w;
	if (w.length <= 3) return w;
	const strip = (suffix: string, min: number, replacement = ""): boolean => {
		if (w.endsWith(suffix) && w.length - suffix.length >= min) {
			w = w.slice(0, -suffix.length) + replacement;
			return true;
		}
		return false;
	};
	strip("fulness", 3) ||
		strip("lessness", 3, "less") ||
		strip("iness", 3, "y") ||
		strip("ness", 3) ||
		strip("ment", 4) ||
		strip("fully", 3) ||
		strip("ful", 3);
	strip("ies", 2, "y") ||
		strip("ied", 2, "y") ||
		strip("ingly", 3) ||
		strip("ing", 3) ||
		strip("edly", 3) ||
		strip("ed", 3) ||
		strip("ily", 3, "y") ||
		strip("ly", 3) ||
		(/(?:ss|sh|ch|x|z)es$/.test(w) && strip("es", 3)) ||
		(/[^su]s$/.test(w) && strip("s", 3));
	strip("ation", 3) || strip("ition", 3) || strip("ion", 4);
	if (/([b-df-hj-np-rtv-z])\1$/.test(w) && !/(?:ll|ss|zz|ff)$/.test(w)) w = w.slice(0, -1);
	if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
	if (w.length > 2 && w.endsWith("y")) w = `${w.slice(0, -1)}i`;
	return w;
}

const NUMBER_WORDS: Record<string, number> = {
	zero: 0,
	two: 2,
	three: 3,
	four: 4,
	five: 5,
	six: 6,
	seven: 7,
	eight: 8,
	nine: 9,
	ten: 10,
	eleven: 11,
	twelve: 12,
	thirteen: 13,
	fourteen: 14,
	fifteen: 15,
	sixteen: 16,
	seventeen: 17,
	eighteen: 18,
	nineteen: 19,
	twenty: 20,
	thirty: 30,
	forty: 40,
	fifty: 50,
	sixty: 60,
	seventy: 70,
	eighty: 80,
	ninety: 90,
	hundred: 100,
	twice: 2,
	half: 0.5,
	dozen: 12,
	third: 3,
	fourth: 4,
	fifth: 5,
	sixth: 6,
	seventh: 7,
	eighth: 8,
	ninth: 9,
	tenth: 10,
};

/** The number a token stands for ("7", "7th", "3pm", "seven"), or null. "one" and "first" are left out: they are pronouns and ordinary words far more often. */
export function numberValue(token: string): number | null {
	const t = token.toLowerCase();
	const digits = /^(\d+(?:[.,]\d+)?)(?:st|nd|rd|th|am|pm|s|x|mg|kg|lbs?|k|%)?$/.exec(t);
	if (digits) return Number(digits[1]!.replace(",", "."));
	const word = NUMBER_WORDS[t];
	return word === undefined ? null : word;
}

export interface Token {
	/** As written. */
	raw: string;
	lower: string;
	stem: string;
	/** Starts with a capital and is not the first word of its sentence (nor after a colon, bracket or quote). */
	capitalisedMidSentence: boolean;
	number: number | null;
}

/** Words of a text: letters/digits, split at hyphens and slashes, possessives and "n't" dropped. */
export function tokenise(text: string): Token[] {
	const out: Token[] = [];
	let first = true;
	let lastEnd = 0;
	for (const span of wordSpans(text, { contractions: true })) {
		const between = text.slice(lastEnd, span.start);
		if (/[:([{"“‘—–]|^\s*[-*+]\s/.test(between) || /[.!?]\s/.test(between)) first = true;
		lastEnd = span.end;
		let raw = straighten(span.word);
		raw = raw.replace(/n't$/i, "").replace(/'(?:s|ll|re|ve|d|m)$/i, "");
		if (raw === "") continue;
		const lower = raw.toLowerCase();
		out.push({
			raw,
			lower,
			stem: stem(lower),
			capitalisedMidSentence: !first && /^\p{Lu}/u.test(raw),
			number: numberValue(lower),
		});
		first = false;
	}
	return out;
}
