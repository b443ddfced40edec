/**
 * The one normalisation every model string goes through before any check (and before it is
 * rendered): what the checks read is exactly what the page shows.
 *
 * - Unicode NFKC: full-width digits and letters ("Ｆ４１．１"), ligatures and compatibility forms
 *   become their plain forms, so a code or a word cannot hide behind a look-alike encoding; the
 *   decimal digits of every other script are written 0-9 ("٥٥٥-٠١٤٢" is "555-0142").
 * - Invisible characters removed: zero-width spaces and joiners, the soft hyphen, word joiners,
 *   the byte-order mark, tag characters, every other default-ignorable code point, control
 *   characters (an escape sequence, NUL), and every bidirectional control (a right-to-left override
 *   can show a sentence's words in another order than they are stored). A next-line control
 *   (U+0085) is white space.
 * - Latin look-alikes become Latin: Cyrillic, Greek, Armenian, Cherokee and Lisu letters, Latin small
 *   capitals and IPA letters ("suіcide" with a Cyrillic і, "rısk" with a dotless ı, "ʀɪsᴋ"), inside
 *   a word that also has Latin letters, or a whole word of look-alikes in a text whose other
 *   letters are Latin ("ЅІ" in Cyrillic in an English sentence is "SI").
 * - Combining marks left on a plain ASCII letter, digit or sign after composition (a strike-through
 *   overlay, a dot above an i, stacked marks) are removed: "ri̇sk" is "risk", "F4̸1.1" is "F41.1". Accented letters that Unicode
 *   composes ("ï", "ó") stay as written; the checks also read them without their accents
 *   (`foldAccents`).
 * - Every quotation mark style becomes " or ' (curly, low-9, guillemets, CJK corner brackets,
 *   full-width, a doubled apostrophe ''…'' and doubled angle brackets <<…>>).
 * - Dotted capital abbreviations lose their dots ("G.A.D." is "GAD", "S.I." is "SI"), and a word
 *   spelt letter by letter is written whole ("P-T-S-D", "R I S K", "R.o.b.i.n", "s_u_i_c_i_d_e").
 * - Line breaks are soft: a word hyphenated over a break is joined ("disap-\npear"), every other
 *   break and run of white space becomes one space, so a sentence split over two lines is checked
 *   as one sentence. Model strings never carry layout: code writes every line of a page.
 */

// Combining marks (the grapheme joiner, variation selectors) stand outside the class: a class would read them as combining with their neighbour.
// Every default-ignorable code point (tag characters U+E0000-E007F, variation selectors, Hangul fillers, …) and the control characters (an escape sequence, NUL) go too.
export const INVISIBLE =
	/[\u00AD\u061C\u115F\u1160\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]|\u034F|\u17B4|\u17B5|\u180B|\u180C|\u180D|\u180E|\u180F|[\uFE00-\uFE0F]|\p{Default_Ignorable_Code_Point}|(?![\t\n\v\f\r])\p{Cc}/gu;

const DOUBLE_QUOTES =
	/[\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033\u2036\u301D\u301E\u301F\uFF02\u275D\u275E\u2E42\u300C-\u300F\uFE41-\uFE44\u{1F676}-\u{1F678}]|<<|>>/gu;
const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B\u2039\u203A\u2032\u2035\u275B\u275C\uFF07`\u00B4\u02BB\u02BC\u02BD\u02C8\u02CA\u02CB]/g;

/** Letters of other scripts, and Latin letters outside A-Z, that look like plain Latin ones. */
const LOOKALIKE: Record<string, string> = {
	а: "a",
	в: "b",
	е: "e",
	ё: "e",
	к: "k",
	м: "m",
	н: "h",
	о: "o",
	р: "p",
	с: "c",
	т: "t",
	у: "y",
	х: "x",
	і: "i",
	ї: "i",
	ј: "j",
	ѕ: "s",
	ԁ: "d",
	ԛ: "q",
	ԝ: "w",
	һ: "h",
	ӏ: "l",
	А: "A",
	В: "B",
	Е: "E",
	К: "K",
	М: "M",
	Н: "H",
	О: "O",
	Р: "P",
	С: "C",
	Т: "T",
	У: "Y",
	Х: "X",
	І: "I",
	Ј: "J",
	Ѕ: "S",
	α: "a",
	ε: "e",
	ι: "i",
	ο: "o",
	ρ: "p",
	τ: "t",
	υ: "u",
	ν: "v",
	κ: "k",
	χ: "x",
	Α: "A",
	Β: "B",
	Ε: "E",
	Ζ: "Z",
	Η: "H",
	Ι: "I",
	Κ: "K",
	Μ: "M",
	Ν: "N",
	Ο: "O",
	Ρ: "P",
	Τ: "T",
	Υ: "Y",
	Χ: "X",
	ϲ: "c",
	ϳ: "j",
	Ϲ: "C",
	Ϳ: "J",
	ԍ: "G",
	ѡ: "w",
	ɩ: "i",
	// Latin letters that are not A-Z: dotless i and j, IPA letters, small capitals.
	ı: "i",
	ȷ: "j",
	ɑ: "a",
	ɡ: "g",
	ɢ: "g",
	ʜ: "h",
	ɪ: "i",
	ʟ: "l",
	ɴ: "n",
	ʀ: "r",
	ʏ: "y",
	ʙ: "b",
	ɾ: "r",
	ʋ: "v",
	ʍ: "w",
	ᴀ: "a",
	ᴄ: "c",
	ᴅ: "d",
	ᴇ: "e",
	ꜰ: "f",
	ᴊ: "j",
	ᴋ: "k",
	ᴍ: "m",
	ᴏ: "o",
	ᴘ: "p",
	"ꞯ": "q",
	ꜱ: "s",
	ᴛ: "t",
	ᴜ: "u",
	ᴠ: "v",
	ᴡ: "w",
	ᴢ: "z",
	// Armenian.
	օ: "o",
	ս: "u",
	հ: "h",
	ո: "n",
	ց: "g",
	զ: "q",
	ա: "w",
	ւ: "l",
	Օ: "O",
	Տ: "S",
	Ս: "U",
	Լ: "L",
	// Cherokee (capitals).
	Ꭺ: "A",
	Ᏼ: "B",
	Ꮯ: "C",
	Ꭰ: "D",
	Ꭼ: "E",
	Ꮐ: "G",
	Ꮋ: "H",
	Ꭵ: "i",
	Ꭻ: "J",
	Ꮶ: "K",
	Ꮮ: "L",
	Ꮇ: "M",
	Ꮎ: "O",
	Ꮲ: "P",
	Ꮢ: "R",
	Ꮪ: "S",
	Ꮥ: "S",
	Ꭲ: "T",
	Ꮩ: "V",
	Ꮃ: "W",
	Ꮓ: "Z",
	// Lisu.
	ꓐ: "B",
	ꓚ: "C",
	ꓓ: "D",
	ꓰ: "E",
	ꓝ: "F",
	ꓖ: "G",
	ꓧ: "H",
	ꓲ: "I",
	ꓙ: "J",
	ꓗ: "K",
	ꓡ: "L",
	ꓟ: "M",
	ꓠ: "N",
	ꓳ: "O",
	ꓑ: "P",
	ꓣ: "R",
	ꓢ: "S",
	ꓔ: "T",
	ꓴ: "U",
	ꓦ: "V",
	ꓪ: "W",
	ꓫ: "X",
	ꓬ: "Y",
	ꓜ: "Z",
};
const LOOKALIKE_CHARS = new RegExp(`[${Object.keys(LOOKALIKE).join("")}]`, "u");
const ALL_LOOKALIKE = new RegExp(`^[${Object.keys(LOOKALIKE).join("")}\\p{M}]+$`, "u");
/** A letter of a script with look-alikes that is not itself a look-alike: the text is really written in that script. */
const OTHER_SCRIPT = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}\p{Script=Cherokee}\p{Script=Lisu}]/u;

function foldLookalikes(text: string): string {
	if (!LOOKALIKE_CHARS.test(text)) return text;
	// Whole words of look-alikes fold too when the text's other letters are Latin ("denied ЅІ").
	const latinText = /[A-Za-z]/.test(text) && ![...text].some((c) => OTHER_SCRIPT.test(c) && LOOKALIKE[c] === undefined);
	return text.replace(/[\p{L}\p{M}]+/gu, (word) => {
		if (!LOOKALIKE_CHARS.test(word)) return word;
		if (!/[A-Za-z]/.test(word) && !(latinText && ALL_LOOKALIKE.test(word))) return word;
		return [...word].map((c) => LOOKALIKE[c] ?? c).join("");
	});
}

/** Combining marks still on a plain letter, digit or sign once composed (NFKC composes every accent Unicode has a letter for), or on nothing. */
const STRAY_MARKS = /(?<=^|\p{ASCII})\p{M}+/gu;

/**
 * A word spelt letter by letter, three letters or more, the same separator between each: "P-T-S-D",
 * "R I S K", "R.o.b.i.n", "s_u_i_c_i_d_e" (dotted capitals are handled first: "G.A.D.").
 */
const SPELT = /(?<![\p{L}\p{N}])\p{L}(?<sep>[ .\-_*·•|/]|\. )\p{L}(?:\k<sep>\p{L})+(?![\p{L}\p{N}])/gu;

function joinSpelt(text: string): string {
	return text.replace(SPELT, (m: string, sep: string, offset: number, all: string) => {
		// A stutter ("s-s-sorry") is not a spelt word: the run goes on into a longer word.
		if (!/\s/.test(sep) && new RegExp(`^${sep.replace(/[.*|/]/g, "\\$&")}[\\p{L}\\p{N}]`, "u").test(all.slice(offset + m.length))) return m;
		return m.split(sep).join("");
	});
}

/**
 * The text without accents on Latin letters, character for character (same length, so offsets found
 * in it stand in the original): for the checks, so "suïcidal" or "Róbin" is read as "suicidal",
 * "Robin". Letters whose base is not one character stay as they are.
 */
export function foldAccents(text: string): string {
	if (/^\p{ASCII}*$/u.test(text)) return text;
	let out = "";
	for (const ch of text) {
		const base = ch.normalize("NFD").replace(/\p{M}+/gu, "");
		out += base.length === ch.length && /^[A-Za-z]$/.test(base) ? base : ch;
	}
	return out;
}

const OTHER_DIGIT = /(?![0-9])\p{Nd}/gu;

/** A decimal digit of any script written as 0-9 ("٥٥٥" is "555"): digits of a script come in runs of ten from its zero. */
function asciiDigits(text: string): string {
	return text.replace(OTHER_DIGIT, (d) => {
		const cp = d.codePointAt(0)!;
		let zero = cp;
		while (cp - zero < 9 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--;
		return String((cp - zero) % 10);
	});
}

/** Normalises one model string for checking and rendering (see the module comment). */
export function normaliseModelText(text: string): string {
	const s = foldLookalikes(
		asciiDigits(
			text
				.normalize("NFKC")
				.replace(/\u0085/g, " ")
				.replace(INVISIBLE, ""),
		),
	)
		.replace(STRAY_MARKS, "")
		.replace(DOUBLE_QUOTES, '"')
		.replace(SINGLE_QUOTES, "'")
		.replace(/''/g, '"')
		.replace(/\b(?:[A-Z]\.){2,}(?![A-Za-z])/g, (m) => m.replace(/\./g, ""))
		.replace(/(\p{L})-[ \t]*\r?\n[ \t]*(\p{Ll})/gu, "$1$2")
		.replace(/\s+/g, " ")
		.trim();
	return joinSpelt(s);
}

/** The same normalisation for an input text (transcript, notes) that keeps its lines: each line is normalised on its own. */
export function normaliseInputText(text: string): string {
	return text
		.replace(/\r\n?/g, "\n")
		.split("\n")
		.map((line) =>
			joinSpelt(
				foldLookalikes(
					asciiDigits(
						line
							.normalize("NFKC")
							.replace(/\u0085/g, " ")
							.replace(INVISIBLE, ""),
					),
				)
					.replace(STRAY_MARKS, "")
					.replace(DOUBLE_QUOTES, '"')
					.replace(SINGLE_QUOTES, "'")
					.replace(/''/g, '"')
					.replace(/[ \t]+/g, " ")
					.trimEnd(),
			),
		)
		.join("\n");
}
