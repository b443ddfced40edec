/**
 * Fonts for the PDF export beyond pdf-lib's 14 standard fonts, which encode Windows-1252 only
 * ("Łódź" would lose its letters, Chinese would become "?").
 *
 * Decisions (issue 18):
 *  - No font ships with the plugin. Obsidian's plugin store installs main.js, manifest.json and
 *    styles.css only, and a font that covers Chinese is tens of megabytes. The export uses the fonts
 *    already on the clinician's own computer, through the small `FontSource` interface below: core
 *    says which characters (grouped by Unicode script) the document needs that the standard font
 *    lacks, and the source answers with the bytes of fallback faces, in order of preference, and the
 *    scripts nothing on the computer covers. The Node source (src/engines/fonts.ts) looks in the
 *    usual system font folders; `STANDARD_FONTS_ONLY` is the default, so a caller that passes no
 *    source keeps the old behaviour.
 *  - The source is asked only when a document needs a script the standard font lacks: a plain
 *    English note is drawn in Helvetica and no font file is read.
 *  - What nothing covers keeps the old behaviour (transliterated, or "?"), and the export's warning
 *    names the scripts and says which free font covers them (`installHint`); an export never fails
 *    for want of a font.
 *  - Faces are embedded as subsets (only the glyphs the document uses), so a PDF that quotes three
 *    Chinese words carries tens of kilobytes of the font, not its 5–20 MB. The font engine is upstream
 *    fontkit 2 (foliojs), not the @pdf-lib/fontkit fork pdf-lib's documentation suggests: that fork
 *    (1.1.1, unmaintained since 2020) writes TrueType subsets whose short loca table loses glyphs
 *    and CID-keyed CFF subsets (Noto Sans CJK, the usual Chinese font on Linux) that viewers reject.
 *
 * Pure code: no Node, no Obsidian. fontkit (pure JavaScript) reads the font files' tables.
 */
import * as fontkit from "fontkit";
import type { Font, FontCollection } from "fontkit";

/** fontkit's reader, which takes a Uint8Array (its typings say Buffer, Node's subclass of it). */
export function readFont(bytes: Uint8Array): Font | FontCollection {
	return fontkit.create(bytes as Parameters<typeof fontkit.create>[0]);
}

/** One script the document needs, with the characters of it that the standard font cannot draw. */
export interface FontNeed {
	/**
	 * A Unicode script name as the regular expression property spells it ("Latin", "Greek", "Han",
	 * "Arabic" …), or "Common" for symbols and punctuation that belong to no script.
	 */
	script: string;
	/** Code points (each once) of that script which the document uses and the standard font lacks. */
	codePoints: number[];
	/** Some of them are in bold text (headings): a bold face is welcome. */
	bold?: boolean;
}

export interface FontRequest {
	/** Latin, Greek and Cyrillic first (their face then leads the chain), the others in order of appearance. */
	needs: FontNeed[];
}

export interface FontFile {
	/** Where it was read from (for the clinician's messages and the tests; never written into the PDF). */
	path: string;
	/** One face: a TrueType or OpenType font (a collection's face is taken out with `faceFromCollection`). */
	bytes: Uint8Array;
}

export interface FontFace {
	/** Family name, for messages ("DejaVu Sans", "WenQuanYi Micro Hei"). */
	family: string;
	regular: FontFile;
	/** The family's bold face, when the computer has it (else headings are drawn emboldened). */
	bold?: FontFile;
}

export interface FontMatch {
	/** Fallback faces in order of preference: per character, the first that has the glyph draws it. */
	faces: FontFace[];
	/** Scripts (of the request) for which some characters are in none of the faces. */
	missing: string[];
}

/** Where the export gets fonts beyond the standard ones. */
export interface FontSource {
	find(request: FontRequest): Promise<FontMatch>;
}

/** The default: the 14 standard PDF fonts only (nothing outside the vault is read). */
export const STANDARD_FONTS_ONLY: FontSource = {
	find: (request) => Promise.resolve({ faces: [], missing: request.needs.map((n) => n.script) }),
};

/**
 * Scripts tested in this order (the common ones first). A character of a script not listed is
 * reported under "Other" (it still gets any face that has it).
 */
const SCRIPTS = [
	"Latin",
	"Greek",
	"Cyrillic",
	"Hebrew",
	"Arabic",
	"Han",
	"Hiragana",
	"Katakana",
	"Hangul",
	"Bopomofo",
	"Armenian",
	"Georgian",
	"Syriac",
	"Thaana",
	"Nko",
	"Devanagari",
	"Bengali",
	"Gurmukhi",
	"Gujarati",
	"Oriya",
	"Tamil",
	"Telugu",
	"Kannada",
	"Malayalam",
	"Sinhala",
	"Thai",
	"Lao",
	"Tibetan",
	"Myanmar",
	"Khmer",
	"Ethiopic",
	"Cherokee",
	"Canadian_Aboriginal",
	"Mongolian",
	"Yi",
	"Tifinagh",
	"Vai",
	"Javanese",
	"Balinese",
	"Sundanese",
	"Samaritan",
	"Mandaic",
	"Common",
	"Inherited",
] as const;
const SCRIPT_TESTS = SCRIPTS.map((name) => ({ name, re: new RegExp(`^\\p{Script=${name}}$`, "u") }));

/** The Unicode script of one code point ("Common" for punctuation, digits and symbols; "Inherited" for combining marks). */
export function scriptOf(codePoint: number): string {
	const ch = String.fromCodePoint(codePoint);
	for (const { name, re } of SCRIPT_TESTS) if (re.test(ch)) return name;
	return "Other";
}

const LABELS: Record<string, string> = {
	Han: "Chinese (Han characters)",
	Hiragana: "Japanese (hiragana)",
	Katakana: "Japanese (katakana)",
	Hangul: "Korean (Hangul)",
	Bopomofo: "Chinese (Bopomofo)",
	Common: "symbols",
	Other: "other scripts",
	Canadian_Aboriginal: "Canadian Aboriginal syllabics",
};

/** How a script is named in a warning. */
export function scriptLabel(script: string): string {
	return LABELS[script] ?? script.replace(/_/g, " ");
}

/** The free Noto family that covers a script, for the warning's advice. */
function notoFamilyFor(script: string): string {
	switch (script) {
		case "Latin":
		case "Greek":
		case "Cyrillic":
			return "Noto Sans";
		case "Han":
		case "Bopomofo":
			return "Noto Sans CJK SC";
		case "Hiragana":
		case "Katakana":
			return "Noto Sans CJK JP";
		case "Hangul":
			return "Noto Sans CJK KR";
		case "Common":
		case "Other":
		case "Inherited":
			return "Noto Sans Symbols 2";
		default:
			return `Noto Sans ${script.replace(/_/g, " ")}`;
	}
}

/** The warning's advice for scripts nothing covers: which font to install, and where from. */
export function installHint(scripts: readonly string[]): string {
	const families = [...new Set(scripts.map(notoFamilyFor))];
	return `install a font that covers ${scripts.length === 1 ? "it" : "them"} (the free ${families.join(", ")} from fonts.google.com/noto, or your system's Noto font packages, e.g. fonts-noto-core and fonts-noto-cjk on Debian and Ubuntu) and export again`;
}

/** Parses one face with fontkit; null when the bytes are not a single font fontkit can read. */
export function parseFace(bytes: Uint8Array): Font | null {
	try {
		const font = readFont(bytes);
		return "hasGlyphForCodePoint" in font ? font : null;
	} catch {
		return null;
	}
}

function u32(bytes: Uint8Array, at: number): number {
	if (at + 4 > bytes.length) throw new RangeError("truncated font file");
	return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function u16(bytes: Uint8Array, at: number): number {
	if (at + 2 > bytes.length) throw new RangeError("truncated font file");
	return (bytes[at]! << 8) | bytes[at + 1]!;
}

/** Whether the bytes are a TrueType/OpenType collection (.ttc/.otc: several faces sharing tables). */
export function isCollection(bytes: Uint8Array): boolean {
	return bytes.length >= 12 && bytes[0] === 0x74 && bytes[1] === 0x74 && bytes[2] === 0x63 && bytes[3] === 0x66; // "ttcf"
}

/** The PostScript names of a collection's faces, in the collection's order (empty when unreadable). */
export function collectionFaceNames(bytes: Uint8Array): string[] {
	if (!isCollection(bytes)) return [];
	try {
		// fontkit reads a collection as an object with its faces (their tables are read lazily: no copy).
		const collection = readFont(bytes);
		return "fonts" in collection ? collection.fonts.map((f) => f.postscriptName ?? "") : [];
	} catch {
		return [];
	}
}

/**
 * Takes face `index` out of a collection as a standalone font file: its table directory with the
 * tables it points to (shared tables copied), each on a 4-byte boundary. pdf-lib embeds single
 * faces only, and most collections on real computers (Microsoft YaHei, PingFang, Noto Sans CJK,
 * WenQuanYi) are .ttc files. Throws a RangeError on a damaged file (the source then skips it).
 */
export function faceFromCollection(bytes: Uint8Array, index: number): Uint8Array {
	if (!isCollection(bytes)) throw new RangeError("not a font collection");
	const count = u32(bytes, 8);
	if (index < 0 || index >= count) throw new RangeError(`no face ${index} in a collection of ${count}`);
	const dir = u32(bytes, 12 + 4 * index);
	const numTables = u16(bytes, dir + 4);
	const tables: { record: Uint8Array; offset: number; length: number }[] = [];
	for (let t = 0; t < numTables; t++) {
		const at = dir + 12 + 16 * t;
		const offset = u32(bytes, at + 8);
		const length = u32(bytes, at + 12);
		if (offset + length > bytes.length) throw new RangeError("table outside the font file");
		tables.push({ record: bytes.subarray(at, at + 16), offset, length });
	}
	const headerSize = 12 + 16 * numTables;
	const pad = (n: number) => (n + 3) & ~3;
	const size = tables.reduce((sum, t) => sum + pad(t.length), headerSize);
	const out = new Uint8Array(size);
	out.set(bytes.subarray(dir, dir + 12), 0);
	let next = headerSize;
	tables.forEach((t, i) => {
		const at = 12 + 16 * i;
		out.set(t.record, at);
		out[at + 8] = (next >>> 24) & 0xff;
		out[at + 9] = (next >>> 16) & 0xff;
		out[at + 10] = (next >>> 8) & 0xff;
		out[at + 11] = next & 0xff;
		out.set(bytes.subarray(t.offset, t.offset + t.length), next);
		next += pad(t.length);
	});
	return out;
}
