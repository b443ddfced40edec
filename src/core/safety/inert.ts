/**
 * Model strings rendered inert. A page is written by code; a string the model wrote goes into it
 * only through `inert`, which escapes every character that could open markup in Obsidian's
 * markdown or a community plugin's syntax, so the string always shows as the text it is:
 *
 * - CommonMark/GFM: emphasis (* _), code (`), links and images ([ ] !), HTML and autolinks (< >),
 *   entities (&), headings and tags (#), tables (|), strikethrough (~), bare URLs ("https\://",
 *   "www\."), e-mail autolinks (@);
 * - Obsidian: wikilinks and embeds ([[ ]], ![[ ]]), highlights (==), comments (%%), callouts and
 *   quotes (> at a line start), math ($), footnotes ([^ ]), block references (^), tags (#);
 * - plugins: Templater (<% %>), Dataview inline fields (key:: value) and queries (`= `), Mermaid
 *   fences (```), template variables ({{ }}).
 *
 * Every one of these is escaped with a backslash, which CommonMark defines for all ASCII
 * punctuation and Obsidian honours, so the text reads as written: escape, don't filter. A string
 * never carries a line break (normaliseModelText makes it one line), and a leading list or
 * numbered-list marker, quote marker or indentation is escaped or removed, so a string placed at
 * the start of a line cannot open a block either.
 *
 * One form stays as written because it cannot open anything and is how notes cite: a bracketed
 * date or timestamp ("[2026-06-23]", "[12:04]", "[1:02:03]") not followed by "(", "[" or ":".
 *
 * `plainFromInert` undoes the escaping for plain-text output (Copy for EHR, plain-text export).
 */
import { INVISIBLE, normaliseModelText } from "./normalise";

/** Characters escaped wherever they stand. */
const ALWAYS = /[\\`*_[\]<>#|!%=~$^{}&@]/g;

/** A model string as inert markdown text (one line). */
export function inert(text: string): string {
	return escapeMarkup(normaliseModelText(text));
}

/**
 * The clinician's own text (a risk line in the brief) as inert markdown, shown as written: no
 * folding of lookalikes, quotes or "S.I." (inert's normalisation is for model text); only invisible
 * characters (zero-width, bidi controls) go, and the line breaks become spaces.
 */
export function inertAsWritten(text: string): string {
	return escapeMarkup(text.replace(INVISIBLE, "").replace(/\s+/g, " ").trim());
}

function escapeMarkup(text: string): string {
	let s = text
		.replace(ALWAYS, (c) => `\\${c}`)
		// Autolinks and Dataview inline fields: "https://", "www.", "key:: value".
		.replace(/:(?=\/\/)/g, "\\:")
		.replace(/::/g, "\\:\\:")
		.replace(/\b(www)\./gi, "$1\\.");
	// A block opener at the start of the string: list items, ordered lists, setext/thematic breaks.
	s = s.replace(/^([-+])/, "\\$1").replace(/^(\d{1,9})([.)])(?=\s|$)/, "$1\\$2");
	// Citations: "\[2026-06-23\]" back to "[2026-06-23]" where nothing can follow it to make a link.
	return s.replace(/\\\[(\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(?::\d{2})?)\\\](?![([:]|\\[([:])/g, "[$1]");
}

/** Text rendered by `inert` (and code's own escapes) back to plain characters. */
export function plainFromInert(markdown: string): string {
	return markdown.replace(/\\([!-/:-@[-`{-~])/g, "$1");
}
