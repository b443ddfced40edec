/**
 * A conservative token count: never lower than what the local models' tokenizers (Llama 3.x and
 * Qwen 2.5/3, both byte-level BPE) count, so that a prompt sized with it fits the context it was
 * sized for. Characters per token vary several-fold between scripts and shapes (English prose about
 * 5, a timestamped transcript about 3.3, Chinese about 1.3, Greek for Qwen about 1.1), so one ratio
 * is always wrong for some text. This prices the pieces the tokenizers split text into before BPE:
 *
 *   - letters: a run of letters is one piece, at least one token; each script has its cost per
 *     letter (Cyrillic half a token, Greek and Hebrew over one, Han 1.4). ASCII letters cost a
 *     quarter in English text and a third in any other (German, Dutch, French words split into
 *     pieces of about three letters); a text is English when at least one Latin word in sixteen is
 *     a frequent English word that is not also frequent in another language written in Latin
 *     letters. Capitals in an all-caps word, a capital after a small letter ("camelCase") and
 *     accented letters cost more. A space before a word is free (the tokenizers join it).
 *   - digits: one token each (Qwen splits every digit; Llama takes three at a time).
 *   - punctuation and symbols: a run is one piece; ASCII punctuation (JSON, markdown) 0.7 a
 *     character, and one or two line breaks right after it join it (".\n" is one token); other
 *     symbols by their UTF-8 length (emoji three, CJK punctuation two).
 *   - blanks: a run of line breaks is a token (one more per four breaks); indentation a token per
 *     four blanks; a blank before a digit or at the end a token.
 *
 * test/llm/tokens.test.ts holds it to both real tokenizers on transcripts, prose in fifteen
 * languages, JSON, markdown, emoji and digits, whole and line by line: never under, and at most 1.6
 * times over for English (1.2 to 1.45 measured). Random strings (base64, strings of random letters)
 * can count more than this says; they are not what a clinical prompt holds. One pass over the text,
 * no dependency.
 */

/** Character classes; the letter classes each have a cost per letter. */
const enum K {
	Space,
	Tab,
	Newline,
	Digit,
	Lower,
	Upper,
	LatinExtra,
	Cyrillic,
	Greek,
	Arabic,
	Hebrew,
	Indic,
	Thai,
	Han,
	Kana,
	Hangul,
	OtherLetter,
	Mark,
	Punct,
	Symbol,
	Emoji,
	Joiner,
	Apostrophe,
	/** Past the end of the text. */
	End,
}

const LETTER_MIN = K.Lower;
const LETTER_MAX = K.OtherLetter;

/** Cost per letter, by class (index K.Lower … K.OtherLetter); Latin letters are priced by LATIN_COST. */
const LETTER_COST: Record<number, number> = {
	[K.Lower]: 0,
	[K.Upper]: 0,
	[K.LatinExtra]: 0.75,
	[K.Cyrillic]: 0.5,
	[K.Greek]: 1.1,
	[K.Arabic]: 0.6,
	[K.Hebrew]: 1.15,
	[K.Indic]: 1.2,
	[K.Thai]: 0.75,
	[K.Han]: 1.4,
	[K.Kana]: 1,
	[K.Hangul]: 1.3,
	[K.OtherLetter]: 1.5,
};

/**
 * Cost per ASCII letter: a quarter in English (common words are one token however long), a third in
 * any other text (German, Spanish, Dutch words split into pieces of about three letters).
 */
const LATIN_COST_ENGLISH = 0.25;
const LATIN_COST_OTHER = 0.34;
/** Extra cost per capital in a word of two or more capitals ("THERAPIST" is four tokens, "therapist" one). */
const CAPITALS_EXTRA = 0.2;
/** Extra cost per capital after a small letter ("camelCase", base64): the tokenizers split there. */
const CASE_SWITCH = 0.6;
/** ASCII punctuation, per character in a run; a line break right after it joins it (".\n" is one token). */
const PUNCT_COST = 0.7;
const BREAK_AFTER_PUNCT = 0.3;
/** Marks (accents, vowel signs, points), per character. */
const MARK_COST = 1.2;
/** Symbols outside ASCII, per code point: emoji and skin tones (four UTF-8 bytes) three, the rest one per byte after the first. */
const WIDE_SYMBOL_COST = 3;

/**
 * Words that mark a text as English (it is priced as English when at least one Latin word in sixteen
 * is "I" or one of these): frequent English words that are not also frequent in another language
 * written in Latin letters ("in", "a", "so", "was", "no", "me", "on", "we", "had" and Dutch "of",
 * Polish "to" and "my", Scandinavian "for" and "just" are left out).
 */
const ENGLISH_MARKERS = new Set([
	"the",
	"and",
	"you",
	"that",
	"it",
	"this",
	"with",
	"have",
	"but",
	"not",
	"what",
	"they",
	"there",
	"be",
	"are",
	"your",
	"about",
	"would",
	"been",
	"from",
	"like",
	"she",
	"his",
	"her",
	"our",
	"them",
	"were",
	"think",
	"feel",
	"really",
	"know",
]);

const ALPHA_LOWER = /\p{Ll}/u;
const LETTER = /\p{L}/u;
const NUMBER = /\p{N}/u;
const MARK = /\p{M}/u;
const SPACE = /\s/u;

function classify(cp: number): K {
	if (cp < 0x80) {
		if (cp >= 0x61 && cp <= 0x7a) return K.Lower;
		if (cp >= 0x41 && cp <= 0x5a) return K.Upper;
		if (cp >= 0x30 && cp <= 0x39) return K.Digit;
		if (cp === 0x20) return K.Space;
		if (cp === 0x0a || cp === 0x0d) return K.Newline;
		if (cp === 0x09 || cp === 0x0b || cp === 0x0c) return K.Tab;
		if (cp === 0x27) return K.Apostrophe;
		return cp < 0x20 || cp === 0x7f ? K.Symbol : K.Punct;
	}
	if (cp >= 0xc0 && cp <= 0x24f) return cp === 0xd7 || cp === 0xf7 ? K.Symbol : K.LatinExtra;
	if (cp >= 0x300 && cp <= 0x36f) return K.Mark;
	if (cp >= 0x370 && cp <= 0x3ff) return cp === 0x37e || cp === 0x387 ? K.Punct : K.Greek;
	if (cp >= 0x400 && cp <= 0x52f) return cp >= 0x483 && cp <= 0x489 ? K.Mark : K.Cyrillic;
	if (cp >= 0x1e00 && cp <= 0x1eff) return K.LatinExtra;
	if (cp >= 0x1f00 && cp <= 0x1fff) return K.Greek;
	if (cp >= 0x4e00 && cp <= 0x9fff) return K.Han;
	if (cp >= 0xac00 && cp <= 0xd7af) return K.Hangul;
	if (cp >= 0x3040 && cp <= 0x30ff) return cp === 0x30fb ? K.Punct : K.Kana;
	if (cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x1f3fb && cp <= 0x1f3ff) || (cp >= 0xe0020 && cp <= 0xe007f)) return K.Joiner;
	if ((cp >= 0x1f000 && cp <= 0x1faff) || (cp >= 0x2600 && cp <= 0x27bf) || (cp >= 0x2b00 && cp <= 0x2bff) || (cp >= 0x2300 && cp <= 0x23ff)) return K.Emoji;
	const ch = String.fromCodePoint(cp);
	if (SPACE.test(ch)) return cp === 0x85 || cp === 0x2028 || cp === 0x2029 ? K.Newline : K.Tab;
	if (NUMBER.test(ch)) return K.Digit;
	if (MARK.test(ch)) return K.Mark;
	if (LETTER.test(ch)) {
		if (cp >= 0x590 && cp <= 0x5ff) return K.Hebrew;
		if ((cp >= 0x600 && cp <= 0x8ff) || (cp >= 0xfb50 && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff)) return K.Arabic;
		if (cp >= 0x900 && cp <= 0xdff) return K.Indic;
		if (cp >= 0xe00 && cp <= 0xeff) return K.Thai;
		if ((cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3ffff)) return K.Han;
		if ((cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f)) return K.Hangul;
		if ((cp >= 0x31f0 && cp <= 0x31ff) || (cp >= 0xff66 && cp <= 0xff9f)) return K.Kana;
		if (cp >= 0xff21 && cp <= 0xff5a) return K.OtherLetter;
		return ALPHA_LOWER.test(ch) && cp < 0x250 ? K.LatinExtra : K.OtherLetter;
	}
	return K.Symbol;
}

/** UTF-8 length of a code point. */
function utf8Length(cp: number): number {
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

const CONTRACTIONS = new Set(["s", "t", "re", "ve", "m", "ll", "d"]);

/** A conservative (never lower than real) token count for one text, per script. */
export function estimateTokens(text: string): number {
	// Pieces priced the same in any language; Latin words priced as English and as any other language.
	let shared = 0;
	let latinEnglish = 0;
	let latinOther = 0;
	let latinWords = 0;
	let markers = 0;
	const n = text.length;
	let i = 0;
	// The code point at i and its class.
	let cp = n > 0 ? text.codePointAt(0)! : 0;
	let k: K = n > 0 ? classify(cp) : K.End;
	/** Moves to the next code point; returns its class (K.End past the end). */
	const next = (): K => {
		i += cp > 0xffff ? 2 : 1;
		if (i >= n) return K.End;
		cp = text.codePointAt(i)!;
		return classify(cp);
	};
	/** Whether the last piece was a word (for "'s", "'t"…). */
	let afterWord = false;
	while (i < n) {
		if (k >= LETTER_MIN && k <= LETTER_MAX) {
			// A run of letters (any script): the sum of its letters' costs, at least one token.
			let cost = 0;
			let latin = 0;
			let capitals = 0;
			let switches = 0;
			const start = i;
			while (i < n && ((k >= LETTER_MIN && k <= LETTER_MAX) || k === K.Mark)) {
				if (k === K.Mark) cost += MARK_COST;
				else if (k === K.Lower) latin++;
				else if (k === K.Upper) {
					latin++;
					capitals++;
					if (i > start && classify(text.charCodeAt(i - 1)) === K.Lower) switches++;
				} else cost += LETTER_COST[k]!;
				k = next();
			}
			cost += switches * CASE_SWITCH;
			if (capitals >= 2) cost += capitals * CAPITALS_EXTRA;
			if (latin === 0) shared += Math.max(1, Math.ceil(cost));
			else {
				latinWords++;
				if (i - start <= 6 && latin === i - start) {
					const word = text.slice(start, i);
					if (word === "I" || ENGLISH_MARKERS.has(word.toLowerCase())) markers++;
				}
				latinEnglish += Math.max(1, Math.ceil(cost + latin * LATIN_COST_ENGLISH));
				latinOther += Math.max(1, Math.ceil(cost + latin * LATIN_COST_OTHER));
			}
			afterWord = true;
			continue;
		}
		if (k === K.Digit) {
			// Digits: one token each (Qwen splits every digit; a space before them is counted with the blanks).
			while (i < n && k === K.Digit) {
				shared += 1;
				k = next();
			}
			afterWord = false;
			continue;
		}
		if (k === K.Apostrophe && afterWord) {
			// "'s", "'t", "'re", "'ve", "'m", "'ll", "'d" after a word: one token with the apostrophe.
			const after = /^[a-z]{1,2}(?![a-z])/i.exec(text.slice(i + 1, i + 4))?.[0]?.toLowerCase();
			if (after !== undefined && CONTRACTIONS.has(after)) {
				shared += 1;
				for (let m = 0; m <= after.length; m++) k = next();
				afterWord = true;
				continue;
			}
		}
		if (k === K.Punct || k === K.Apostrophe || k === K.Symbol || k === K.Emoji || k === K.Joiner || k === K.Mark) {
			// A run of punctuation and symbols is one piece.
			let cost = 0;
			let ascii = true;
			while (i < n && (k === K.Punct || k === K.Apostrophe || k === K.Symbol || k === K.Emoji || k === K.Joiner || k === K.Mark)) {
				if (k === K.Punct || k === K.Apostrophe) cost += PUNCT_COST;
				else {
					ascii = false;
					if (k === K.Mark) cost += MARK_COST;
					else if (cp < 0x80) cost += 1;
					else if (cp > 0xffff) cost += WIDE_SYMBOL_COST;
					else cost += utf8Length(cp) - 1;
				}
				k = next();
			}
			// One or two line breaks right after ASCII punctuation join it (".\n", "?\n\n").
			if (ascii && i < n && k === K.Newline) {
				const from = i;
				let breaks = 0;
				while (i < n && k === K.Newline && breaks < 2) {
					if (cp === 0x0a) breaks++;
					k = next();
				}
				if (k === K.Newline) {
					// Three or more: leave them to the line-break rule.
					i = from;
					cp = text.codePointAt(i)!;
					k = classify(cp);
				} else cost += BREAK_AFTER_PUNCT;
			}
			shared += Math.max(1, Math.ceil(cost));
			afterWord = false;
			continue;
		}
		if (k === K.Newline) {
			// A run of line breaks (with the blanks around them) is one token, plus one for every four breaks.
			let breaks = 0;
			while (i < n && (k === K.Newline || k === K.Space || k === K.Tab)) {
				if (k === K.Newline) breaks++;
				k = next();
			}
			shared += 1 + Math.floor(breaks / 4);
			afterWord = false;
			continue;
		}
		if (k !== K.Space && k !== K.Tab) {
			// Not reached (every class is handled above); a token, so that the loop always moves on.
			shared += 1;
			k = next();
			continue;
		}
		// Spaces and tabs: the last blank joins the word or punctuation after it; the rest cost a token
		// per four (indentation); blanks before a digit or at the end are a token of their own.
		let blanks = 0;
		let wide = 0;
		while (i < n && (k === K.Space || k === K.Tab)) {
			blanks++;
			if (cp > 0x7f) wide++;
			k = next();
		}
		afterWord = false;
		if (i < n && k === K.Newline) continue;
		if (i >= n || k === K.Digit) shared += 1 + (blanks >= 2 ? Math.ceil((blanks - 1) / 4) : 0);
		else if (blanks >= 2) shared += Math.ceil((blanks - 1) / 4);
		shared += wide;
	}
	const english = markers >= 2 && markers * 16 >= latinWords;
	return shared + (english ? latinEnglish : latinOther);
}

/**
 * Tokens a chat template adds per message: Llama 3's "<|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>"
 * and Qwen's "<|im_start|>role\n…<|im_end|>\n" are four besides the role; two more for other templates.
 */
const PER_MESSAGE = 6;
/** The start of the prompt and the assistant header that ends it (Llama 3: five; Qwen3 with an empty think block: nine). */
const PER_CHAT = 12;
/** A template's own system prompt when the chat has none (Qwen 2.5's "You are Qwen, created by Alibaba Cloud…" is 20). */
const DEFAULT_SYSTEM = 24;

/** Tokens for a chat's messages as the model's chat template renders them (role headers, separators), conservative. */
export function estimateChatTokens(messages: { role: string; content: string }[]): number {
	let tokens = PER_CHAT;
	if (!messages.some((m) => m.role === "system")) tokens += DEFAULT_SYSTEM;
	for (const m of messages) tokens += PER_MESSAGE + estimateTokens(m.role) + estimateTokens(m.content);
	return tokens;
}
