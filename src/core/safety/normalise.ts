/**
 * The one normalisation every model string goes through before any check (and before it is
 * rendered): what the checks read is exactly what the page shows.
 *
 * - Unicode NFKC: full-width digits and letters ("Ｆ４１．１"), ligatures and compatibility forms
 *   become their plain forms, so a code or a word cannot hide behind a look-alike encoding.
 * - Invisible characters removed: zero-width spaces and joiners, the soft hyphen, word joiners,
 *   the byte-order mark, and every bidirectional control (a right-to-left override can show a
 *   sentence's words in another order than they are stored).
 * - Latin look-alikes from Cyrillic and Greek, inside a word that also has Latin letters, become
 *   Latin ("suіcide" with a Cyrillic і is "suicide").
 * - Every quotation mark style becomes " or ' (curly, low-9, guillemets, CJK and full-width).
 * - Dotted capital abbreviations lose their dots ("G.A.D." is "GAD", "S.I." is "SI").
 * - Line breaks are soft: a word hyphenated over a break is joined ("disap-\npear"), every other
 *   break and run of white space becomes one space, so a sentence split over two lines is checked
 *   as one sentence. Model strings never carry layout: code writes every line of a page.
 */

// Combining marks (the grapheme joiner, variation selectors) stand outside the class: a class would read them as combining with their neighbour.
const INVISIBLE = /[\u00AD\u061C\u115F\u1160\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]|\u034F|\u17B4|\u17B5|\u180B|\u180C|\u180D|\u180E|\u180F|[\uFE00-\uFE0F]/g;

const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033\u2036\u301D\u301E\u301F\uFF02\u275D\u275E\u2E42]/g;
const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B\u2039\u203A\u2032\u2035\u275B\u275C\uFF07`\u00B4]/g;

/** Cyrillic and Greek letters that look like Latin ones. */
const LOOKALIKE: Record<string, string> = {
	"а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
	"і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
	"А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
	"α": "a", "ε": "e", "ι": "i", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "ν": "v", "κ": "k", "χ": "x",
	"Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
};
const LOOKALIKE_CHARS = new RegExp(`[${Object.keys(LOOKALIKE).join("")}]`);

function foldLookalikes(text: string): string {
	if (!LOOKALIKE_CHARS.test(text)) return text;
	return text.replace(/[\p{L}\p{M}]+/gu, (word) => {
		if (!/[A-Za-z]/.test(word) || !LOOKALIKE_CHARS.test(word)) return word;
		return [...word].map((c) => LOOKALIKE[c] ?? c).join("");
	});
}

/** Normalises one model string for checking and rendering (see the module comment). */
export function normaliseModelText(text: string): string {
	return foldLookalikes(text.normalize("NFKC").replace(INVISIBLE, ""))
		.replace(DOUBLE_QUOTES, '"')
		.replace(SINGLE_QUOTES, "'")
		.replace(/\b(?:[A-Z]\.){2,}(?![A-Za-z])/g, (m) => m.replace(/\./g, ""))
		.replace(/(\p{L})-[ \t]*\r?\n[ \t]*(\p{Ll})/gu, "$1$2")
		.replace(/\s+/g, " ")
		.trim();
}

/** The same normalisation for an input text (transcript, notes) that keeps its lines: each line is normalised on its own. */
export function normaliseInputText(text: string): string {
	return text
		.replace(/\r\n?/g, "\n")
		.split("\n")
		.map((line) => foldLookalikes(line.normalize("NFKC").replace(INVISIBLE, "")).replace(DOUBLE_QUOTES, '"').replace(SINGLE_QUOTES, "'").replace(/[ \t]+/g, " ").trimEnd())
		.join("\n");
}
