/**
 * PDF rendering with `pdf-lib` (MIT, pure JavaScript, no native code; esbuild bundles it into both
 * the plugin and the CLI; it writes PDF 1.7 that every viewer opens). Layout is ours and small: A4
 * or Letter pages, wrapped text, bold headings, list indentation, a header block, page numbers and
 * a footer on every page saying the file is not encrypted, and "DRAFT — NOT SIGNED" on every page
 * of a draft.
 *
 * Fonts. pdf-lib's 14 standard fonts (Helvetica here) need nothing shipped or read, but encode
 * Windows-1252 (WinAnsi) only. A document with other characters (Polish "Łódź", Greek, Cyrillic,
 * Hebrew, Arabic, Chinese …) asks the `FontSource` given in `PdfInput.fonts` (src/core/export/fonts.ts:
 * fonts found on the clinician's computer; none ship with the plugin) for faces that cover them, and
 * embeds each face it uses as a subset (`embedFont(bytes, { subset: true })` with fontkit 2, see
 * `pdfLibFontkit`), named with the PDF subset tag ("CVAAAA+DejaVuSans"). A plain English note asks
 * nothing, reads no font file and is drawn in Helvetica as before. Known limits: a zero-width
 * non-joiner (Persian) keeps the letters apart but is drawn and read back as a space; bidi-js
 * types characters beyond U+FFFF (emoji, Adlam …) as left-to-right; pdftotext and most extractors
 * read a ligature glyph of a right-to-left line (Arabic lam-alef) with its two letters swapped,
 * though the PDF maps it in logical order.
 *  - Per character, the first face of the chain that has the glyph draws it, and a line is drawn as
 *    runs of one face each. The chain is Helvetica then the faces found, in the source's order,
 *    except when the document needs a Latin, Greek or Cyrillic letter Helvetica lacks: then the
 *    face found for it comes first, so that "Łódź" is not drawn in two typefaces. Punctuation,
 *    spaces and combining marks stay in the face of the letter before them when it has them, so an
 *    Arabic or Hebrew phrase is one run.
 *  - Bold text uses the family's bold face when the computer has one, else the regular face drawn
 *    with a thin outline (fill and stroke).
 *  - Right-to-left text: the Unicode bidi algorithm (bidi-js: embedding levels of each paragraph,
 *    mirrored brackets) orders each wrapped line: runs are reordered by level (rule L2) and a
 *    right-to-left paragraph is aligned right, its list marker on the right. Within a run, the glyph
 *    order is fontkit's: pdf-lib lays text out with fontkit, which shapes it (Arabic letters take
 *    their joined forms: the shaper of the Arabic script applies the font's init/medi/fina/rlig
 *    features) and itself reverses the glyphs of a right-to-left script when the font has layout
 *    tables. So a right-to-left run is handed over in logical order when fontkit will reverse it,
 *    and already reversed when it will not (the standard font, a font without GSUB/GPOS/morx).
 *    pdf-lib draws glyphs by their advance widths: kerning and mark offsets from GPOS are not applied.
 *  - Characters that no face covers keep the old behaviour: a letter with an accent becomes its base
 *    letter, a few symbols get an ASCII spelling (→ "->", ≥ ">="), anything else becomes "?", and a
 *    warning says how many were changed; with a font source it also names the scripts nothing on
 *    the computer covers and which free font to install. The export never fails for a font: if
 *    the fonts found cannot be used, it is drawn again with the standard font alone and says so.
 */
import type { Font, GlyphRun, Subset } from "fontkit";
import bidiFactory from "bidi-js";
import type { Bidi } from "bidi-js";
import {
	PDFDocument,
	StandardFonts,
	TextRenderingMode,
	popGraphicsState,
	pushGraphicsState,
	rgb,
	setLineWidth,
	setStrokingRgbColor,
	setTextRenderingMode,
	type PDFFont,
	type PDFPage,
} from "pdf-lib";
import { installHint, parseFace, readFont, scriptLabel, scriptOf, STANDARD_FONTS_ONLY, type FontFile, type FontNeed, type FontSource } from "./fonts";
import type { Block } from "./plain";

export type PaperSize = "a4" | "letter";

export interface PdfInput {
	/** Lines of the header block (client code, date, signer, hash …). */
	header: string[];
	blocks: readonly Block[];
	footer: string;
	draft: boolean;
	paper: PaperSize;
	/** Document creation time (metadata). */
	now: Date;
	/** Fonts beyond the standard ones (default: the standard fonts only, nothing outside the vault read). */
	fonts?: FontSource;
}

const PAPER: Record<PaperSize, [number, number]> = { a4: [595.28, 841.89], letter: [612, 792] };
const MARGIN = 56;
const BODY_SIZE = 10.5;
const LEADING = 1.38;
const HEADING_SIZE: Record<number, number> = { 1: 15, 2: 12.5, 3: 11 };
const FOOTER_SIZE = 8;
const DRAFT_MARK = "DRAFT — NOT SIGNED";

const SPELLED: Record<string, string> = {
	"→": "->",
	"←": "<-",
	"↔": "<->",
	"⇒": "=>",
	"≥": ">=",
	"≤": "<=",
	"≠": "!=",
	"≈": "~",
	"−": "-",
	"‐": "-",
	"‑": "-",
	"‒": "-",
	Ł: "L",
	ł: "l",
	Đ: "D",
	đ: "d",
	ı: "i",
	Ħ: "H",
	ħ: "h",
	ß: "ss",
	"✓": "v",
	"✔": "v",
	"✗": "x",
	"✘": "x",
	"☐": "[ ]",
	"☑": "[x]",
	"\u00a0": " ",
	"\u2009": " ",
	"\u202f": " ",
	"\u200b": "",
	"\t": "    ",
};

/** Makes text drawable with the fonts at hand (the standard font, by default); counts what had to change. */
export class Transliterator {
	private readonly ok: (codePoint: number) => boolean;
	replaced = 0;
	readonly unknown = new Set<string>();
	/** Every character that was changed (for the warning's scripts). */
	readonly changed = new Set<string>();

	constructor(font: PDFFont | ((codePoint: number) => boolean)) {
		if (typeof font === "function") this.ok = font;
		else {
			const supported = new Set(font.getCharacterSet());
			this.ok = (cp) => supported.has(cp);
		}
	}

	private has(ch: string): boolean {
		return this.ok(ch.codePointAt(0)!);
	}

	apply(text: string): string {
		let out = "";
		for (const ch of text) {
			if (ch === "\n" || this.has(ch)) {
				out += ch;
				continue;
			}
			this.replaced++;
			this.changed.add(ch);
			const spelled = SPELLED[ch];
			if (spelled !== undefined) {
				out += spelled;
				continue;
			}
			const base = ch.normalize("NFD").replace(/\p{M}/gu, "");
			if (base !== "" && [...base].every((c) => this.has(c))) {
				out += base;
				continue;
			}
			this.unknown.add(ch);
			out += "?";
		}
		return out;
	}
}

/* ------------------------------------------------------------------------------------------------
 * Faces: the standard font, or a face from the font source (measured with our own fontkit object,
 * embedded by pdf-lib on first use).
 */

interface Face {
	readonly custom: boolean;
	/** Drawn with a thin outline: the bold chain's stand-in for a family without a bold face. */
	readonly embolden: boolean;
	has(codePoint: number): boolean;
	/** Width of `text` at `size`, as pdf-lib will draw it. */
	width(text: string, size: number): number;
	/** Whether fontkit (inside pdf-lib) reverses the glyphs of this text itself (a right-to-left script, a font with layout tables). */
	reverses(text: string): boolean;
	font(): Promise<PDFFont>;
}

class StandardFace implements Face {
	readonly custom = false;
	readonly embolden = false;
	private readonly chars: Set<number>;

	constructor(private readonly pdfFont: PDFFont) {
		this.chars = new Set(pdfFont.getCharacterSet());
	}

	has(codePoint: number): boolean {
		return this.chars.has(codePoint);
	}

	width(text: string, size: number): number {
		return this.pdfFont.widthOfTextAtSize(text, size);
	}

	reverses(): boolean {
		return false;
	}

	font(): Promise<PDFFont> {
		return Promise.resolve(this.pdfFont);
	}
}

class CustomFace implements Face {
	readonly custom = true;
	readonly embolden = false;
	private embedded: Promise<PDFFont> | null = null;
	private readonly runs = new Map<string, GlyphRun>();
	private readonly layoutTables: boolean;

	constructor(
		private readonly doc: PDFDocument,
		private readonly fk: Font,
		private readonly file: FontFile,
		/** The PDF subset tag: six capital letters, one per face in the document. */
		private readonly tag: string,
	) {
		// fontkit's LayoutEngine shapes (and reverses right-to-left runs) only through an AAT or
		// OpenType engine, which it makes when the font has a morx, GSUB or GPOS table.
		const tables = fk as unknown as Record<string, unknown>;
		this.layoutTables = Boolean(tables.morx ?? tables.GSUB ?? tables.GPOS);
	}

	has(codePoint: number): boolean {
		return this.fk.hasGlyphForCodePoint(codePoint);
	}

	private layout(text: string): GlyphRun {
		let run = this.runs.get(text);
		if (!run) {
			run = this.fk.layout(text);
			this.runs.set(text, run);
		}
		return run;
	}

	width(text: string, size: number): number {
		// pdf-lib's CustomFontEmbedder.widthOfTextAtSize: the glyphs' advance widths after layout.
		const units = this.layout(text).glyphs.reduce((sum, g) => sum + g.advanceWidth, 0);
		return (units * size) / this.fk.unitsPerEm;
	}

	reverses(text: string): boolean {
		return this.layoutTables && this.layout(text).direction === "rtl";
	}

	font(): Promise<PDFFont> {
		if (!this.embedded) {
			const name = (this.fk.postscriptName ?? "Font").replace(/[^A-Za-z0-9-]/g, "");
			this.embedded = this.doc.embedFont(this.file.bytes, { subset: true, customName: `${this.tag}+${name}` });
		}
		return this.embedded;
	}
}

/** A regular face standing in for a missing bold one: drawn with a thin outline. */
class Emboldened implements Face {
	readonly custom: boolean;
	readonly embolden = true;

	constructor(private readonly inner: Face) {
		this.custom = inner.custom;
	}

	has(codePoint: number): boolean {
		return this.inner.has(codePoint);
	}

	width(text: string, size: number): number {
		return this.inner.width(text, size);
	}

	reverses(text: string): boolean {
		return this.inner.reverses(text);
	}

	font(): Promise<PDFFont> {
		return this.inner.font();
	}
}

/**
 * fontkit 2 as pdf-lib's font engine (`registerFontkit`). pdf-lib 1.17 was written against the
 * @pdf-lib/fontkit fork, whose subsets are broken (see ./fonts.ts); fontkit 2 has the same API
 * except that a subset is encoded with `encode()` where pdf-lib calls `encodeStream()` and listens
 * for 'data' and 'end'. This adds that one method.
 */
function pdfLibFontkit(): Parameters<PDFDocument["registerFontkit"]>[0] {
	const withEncodeStream = (subset: Subset) => {
		const encodeStream = () => {
			const handlers: Record<string, ((value?: unknown) => void) | undefined> = {};
			const stream = {
				on(event: string, handler: (value?: unknown) => void) {
					handlers[event] = handler;
					return stream;
				},
			};
			// pdf-lib attaches its handlers right after the call; encode once they are there.
			void Promise.resolve().then(() => {
				try {
					handlers.data?.(subset.encode());
					handlers.end?.();
				} catch (error) {
					handlers.error?.(error);
				}
			});
			return stream;
		};
		return Object.assign(subset, { encodeStream });
	};
	const create = (bytes: Uint8Array) => {
		const font = readFont(bytes);
		if (!("createSubset" in font)) throw new RangeError("a font collection, not one face");
		const createSubset = font.createSubset.bind(font);
		return Object.assign(font, { createSubset: () => withEncodeStream(createSubset()) });
	};
	return { create } as unknown as Parameters<PDFDocument["registerFontkit"]>[0];
}

function subsetTag(index: number): string {
	let tag = "";
	for (let n = index, i = 0; i < 4; i++, n = Math.floor(n / 26)) tag = String.fromCharCode(65 + (n % 26)) + tag;
	return `CV${tag}`;
}

/* ------------------------------------------------------------------------------------------------
 * Text: scripts, line breaks, bidi.
 */

/** Invisible format characters (bidi controls, zero-width space, BOM …): used by the bidi algorithm, never drawn. */
const FORMAT = /^\p{Cf}$/u;
/** Zero-width non-joiner and joiner: kept inside a run of a font from the source, where they steer the Arabic shaping. */
const JOINERS = new Set([0x200c, 0x200d]);
const LATIN_LIKE = new Set(["Latin", "Greek", "Cyrillic"]);
const NEUTRAL_SCRIPTS = new Set(["Common", "Inherited"]);
/** Scripts written without spaces: a line may break between any two of their characters. */
const BREAK_ANYWHERE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\u3000-\u303f\uff00-\uffef]/u;
/** Characters that never start a line (closing punctuation) or end one (opening punctuation). */
const NO_LINE_START = /[，。、！？：；）」』》〉】〕…‥·・ー々,.!?:;)\]}%]/u;
const NO_LINE_END = /[（「『《〈【〔([{]/u;

/** Scripts of a text's characters, with punctuation and marks taking the script of the letter before (else after) them. */
function resolvedScripts(chars: readonly string[]): string[] {
	const own = chars.map((ch) => scriptOf(ch.codePointAt(0)!));
	const out = [...own];
	let last: string | null = null;
	own.forEach((script, i) => {
		if (!NEUTRAL_SCRIPTS.has(script)) last = script;
		else if (last !== null) out[i] = last;
	});
	let next: string | null = null;
	for (let i = own.length - 1; i >= 0; i--) {
		if (!NEUTRAL_SCRIPTS.has(own[i]!)) next = own[i]!;
		else if (NEUTRAL_SCRIPTS.has(out[i]!) && next !== null) out[i] = next;
	}
	return out.map((s) => (s === "Inherited" ? "Common" : s));
}

let bidiInstance: Bidi | null = null;
function bidi(): Bidi {
	bidiInstance ??= bidiFactory();
	return bidiInstance;
}

/** A paragraph ready to lay out: its text after transliteration, the face of each UTF-16 unit, its bidi levels. */
interface Prepared {
	text: string;
	faces: (Face | null)[];
	levels: Uint8Array;
	rtl: boolean;
	size: number;
}

interface Run {
	start: number;
	end: number;
	level: number;
	face: Face;
	/** The text handed to pdf-lib (mirrored and, when fontkit will not, reversed for a right-to-left run). */
	draw: string;
	width: number;
}

/** Reverses text by clusters (a character with the marks after it stays together). */
function reverseClusters(text: string): string {
	const clusters: string[] = [];
	for (const ch of text) {
		if (/^\p{M}$/u.test(ch) && clusters.length > 0) clusters[clusters.length - 1] += ch;
		else clusters.push(ch);
	}
	return clusters.reverse().join("");
}

class Typesetter {
	readonly tr: Transliterator;

	constructor(
		private readonly chain: readonly Face[],
		tr: Transliterator,
	) {
		this.tr = tr;
	}

	/** The first face that has the character (the last face, the standard font, has what transliteration leaves). */
	private faceFor(cp: number, previous: Face | null): Face {
		if (previous && NEUTRAL_SCRIPTS.has(scriptOf(cp)) && previous.has(cp)) return previous;
		return this.chain.find((f) => f.has(cp)) ?? this.chain[this.chain.length - 1]!;
	}

	prepare(raw: string, size: number, direction: "ltr" | "rtl" | "auto" = "auto"): Prepared {
		const covered = (cp: number) => this.chain.some((f) => f.has(cp));
		let text = "";
		for (const ch of raw.replace(/\r?\n/g, " ").normalize("NFC")) {
			const cp = ch.codePointAt(0)!;
			text += FORMAT.test(ch) || covered(cp) ? ch : this.tr.apply(ch);
		}
		const faces: (Face | null)[] = [];
		let previous: Face | null = null;
		for (const ch of text) {
			const cp = ch.codePointAt(0)!;
			const face: Face | null = FORMAT.test(ch) ? null : this.faceFor(cp, previous);
			if (face) previous = face;
			for (let u = 0; u < ch.length; u++) faces.push(face);
		}
		const { levels, paragraphs } = bidi().getEmbeddingLevels(text, direction);
		const rtl = ((paragraphs[0]?.level ?? 0) & 1) === 1;
		return { text, faces, levels, rtl, size };
	}

	/** The runs of one line, `[start, end)` of the paragraph, in visual order (left to right). */
	runs(p: Prepared, start: number, end: number): Run[] {
		const logical: { start: number; end: number; level: number; face: Face; text: string }[] = [];
		for (let i = start; i < end;) {
			const cp = p.text.codePointAt(i)!;
			const n = cp > 0xffff ? 2 : 1;
			const face = p.faces[i];
			const last = logical[logical.length - 1];
			const level = p.levels[i]!;
			if (!face) {
				// A format character: dropped (a joiner is kept inside a run of a font that shapes).
				if (last && last.end === i) {
					if (JOINERS.has(cp) && last.face.custom) last.text += p.text.slice(i, i + n);
					last.end = i + n;
				}
				i += n;
				continue;
			}
			if (last && last.face === face && last.level === level && last.end === i) {
				last.text += p.text.slice(i, i + n);
				last.end = i + n;
			} else logical.push({ start: i, end: i + n, level, face, text: p.text.slice(i, i + n) });
			i += n;
		}
		// Rule L2: from the highest level down to the lowest odd one, reverse every sequence of runs at that level or higher.
		const order = logical.map((r) => r);
		const levels = order.map((r) => r.level);
		const highest = Math.max(0, ...levels);
		const lowestOdd = Math.min(...levels.filter((l) => (l & 1) === 1), highest + 1);
		for (let level = highest; level >= lowestOdd; level--) {
			for (let i = 0; i < order.length;) {
				if (order[i]!.level < level) {
					i++;
					continue;
				}
				let j = i;
				while (j < order.length && order[j]!.level >= level) j++;
				order.splice(i, j - i, ...order.slice(i, j).reverse());
				i = j;
			}
		}
		const b = bidi();
		return order.map((r) => {
			let draw = r.text;
			if ((r.level & 1) === 1) {
				draw = [...draw]
					.map((ch) => {
						const mirrored = b.getMirroredCharacter(ch);
						return mirrored !== null && r.face.has(mirrored.codePointAt(0)!) ? mirrored : ch;
					})
					.join("");
				if (!r.face.reverses(draw)) draw = reverseClusters(draw);
			}
			return { start: r.start, end: r.end, level: r.level, face: r.face, draw, width: r.face.width(draw, p.size) };
		});
	}

	/** Width of `[start, end)` as one line. */
	width(p: Prepared, start: number, end: number): number {
		return this.runs(p, start, end).reduce((sum, r) => sum + r.width, 0);
	}

	/** Wrapped lines, `[start, end)` each, no wider than `width` (long words are broken). */
	wrap(p: Prepared, width: number): [number, number][] {
		const { text } = p;
		// Break opportunities: after spaces, and between characters of scripts written without spaces.
		const tokens: [number, number][] = [];
		let tokenStart = -1;
		const chars = [...text];
		let at = 0;
		chars.forEach((ch, k) => {
			const here = at;
			at += ch.length;
			if (ch === " ") {
				if (tokenStart >= 0) tokens.push([tokenStart, here]);
				tokenStart = -1;
				return;
			}
			if (tokenStart >= 0) {
				const prev = chars[k - 1]!;
				if ((BREAK_ANYWHERE.test(prev) || BREAK_ANYWHERE.test(ch)) && !NO_LINE_START.test(ch) && !NO_LINE_END.test(prev)) {
					tokens.push([tokenStart, here]);
					tokenStart = here;
				}
			} else tokenStart = here;
		});
		if (tokenStart >= 0) tokens.push([tokenStart, text.length]);

		// Greedy: a line grows by the spaces and the next token while it fits. Widths add up, since no
		// shaping crosses a space or a break between ideographs.
		const lines: [number, number][] = [];
		let line: [number, number] | null = null;
		let lineWidth = 0;
		for (const [s, e] of tokens) {
			if (line) {
				const more = this.width(p, line[1], e);
				if (lineWidth + more <= width) {
					line = [line[0], e];
					lineWidth += more;
					continue;
				}
				lines.push(line);
				line = null;
			}
			let rest = s;
			while (this.width(p, rest, e) > width) {
				// A word wider than the line: as many characters as fit (at least one), the rest on the next line.
				let cut = this.nextCluster(text, rest);
				for (let next = this.nextCluster(text, cut); cut < e && this.width(p, rest, next) <= width; next = this.nextCluster(text, next)) cut = next;
				lines.push([rest, cut]);
				rest = cut;
				if (rest >= e) break;
			}
			if (rest < e) {
				line = [rest, e];
				lineWidth = this.width(p, rest, e);
			}
		}
		if (line) lines.push(line);
		if (lines.length === 0) lines.push([0, 0]);
		return lines;
	}

	/** Where the character at `i` and the marks after it end. */
	private nextCluster(text: string, i: number): number {
		let at = i + ((text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1);
		while (at < text.length && /^\p{M}$/u.test(String.fromCodePoint(text.codePointAt(at)!))) at += (text.codePointAt(at) ?? 0) > 0xffff ? 2 : 1;
		return Math.min(at, text.length);
	}
}

/* ------------------------------------------------------------------------------------------------
 * The document.
 */

interface Texts {
	regular: string[];
	bold: string[];
}

function documentTexts(input: PdfInput): Texts {
	const regular = [...input.header, input.footer];
	const bold: string[] = [];
	for (const b of input.blocks) {
		if (b.type === "heading") bold.push(b.text);
		else if (b.type === "item") regular.push(b.text, b.marker === "-" ? "•" : b.marker);
		else if (b.type === "paragraph") regular.push(b.text);
	}
	if (input.draft) bold.push(DRAFT_MARK);
	return { regular, bold };
}

/** Characters the standard font lacks, by script, and whether the source needs to be asked at all. */
function fontNeeds(texts: Texts, standard: StandardFace): { needs: FontNeed[]; ask: boolean } {
	const byScript = new Map<string, Set<number>>();
	const boldScripts = new Set<string>();
	let ask = false;
	const scan = (text: string, isBold: boolean) => {
		const chars = [...text.replace(/\r?\n/g, " ").normalize("NFC")];
		const scripts = resolvedScripts(chars);
		chars.forEach((ch, i) => {
			const cp = ch.codePointAt(0)!;
			if (FORMAT.test(ch) || ch === "\t" || standard.has(cp)) return;
			const script = scripts[i]!;
			// A script the standard font lacks, or a symbol it could only show as "?".
			if (script !== "Common" || (SPELLED[ch] === undefined && !/^\p{L}/u.test(ch.normalize("NFD")))) ask = true;
			if (isBold) boldScripts.add(script);
			let set = byScript.get(script);
			if (!set) byScript.set(script, (set = new Set()));
			set.add(cp);
		});
	};
	for (const t of texts.regular) scan(t, false);
	for (const t of texts.bold) scan(t, true);
	// Latin, Greek and Cyrillic first, so that the face for them leads the chain (see the module comment).
	const needs = [...byScript.entries()]
		.sort(([a], [b]) => Number(LATIN_LIKE.has(b)) - Number(LATIN_LIKE.has(a)))
		// The face for Latin, Greek or Cyrillic leads the bold chain too: it draws every bold heading.
		.map(([script, set]) => ({
			script,
			codePoints: [...set],
			...(boldScripts.has(script) || (LATIN_LIKE.has(script) && texts.bold.length > 0) ? { bold: true } : {}),
		}));
	return { needs, ask };
}

interface Chains {
	regular: Face[];
	bold: Face[];
	/** Scripts the source said nothing covers. */
	missing: string[];
	/** The source was asked (the warning then talks about the computer's fonts). */
	asked: boolean;
}

async function buildChains(doc: PDFDocument, input: PdfInput, helvetica: StandardFace, helveticaBold: StandardFace): Promise<Chains> {
	const plain: Chains = { regular: [helvetica], bold: [helveticaBold], missing: [], asked: false };
	const source = input.fonts ?? STANDARD_FONTS_ONLY;
	if (source === STANDARD_FONTS_ONLY) return plain;
	const { needs, ask } = fontNeeds(documentTexts(input), helvetica);
	if (!ask) return plain;
	const match = await source.find({ needs });
	doc.registerFontkit(pdfLibFontkit());
	let index = 0;
	const regular: Face[] = [];
	const boldFaces: Face[] = [];
	const load = (file: FontFile): CustomFace | null => {
		const fk = parseFace(file.bytes);
		return fk ? new CustomFace(doc, fk, file, subsetTag(index++)) : null;
	};
	for (const face of match.faces) {
		const r = load(face.regular);
		if (!r) continue;
		regular.push(r);
		const b = face.bold ? load(face.bold) : null;
		boldFaces.push(b ?? new Emboldened(r));
	}
	const latinFirst = needs.some((n) => LATIN_LIKE.has(n.script) && n.codePoints.some((cp) => regular[0]?.has(cp) === true));
	return {
		regular: latinFirst ? [...regular, helvetica] : [helvetica, ...regular],
		bold: latinFirst ? [...boldFaces, helveticaBold] : [helveticaBold, ...boldFaces],
		missing: match.missing,
		asked: true,
	};
}

/** "U+65E5 U+672C", the first dozen only (a Chinese note could list thousands). */
function codes(chars: Iterable<string>): string {
	const all = [...chars];
	const listed = all.slice(0, 12).map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
	return all.length > listed.length ? `${listed.join(" ")} and ${all.length - listed.length} more` : listed.join(" ");
}

async function render(input: PdfInput, useFonts: boolean): Promise<{ bytes: Uint8Array; warnings: string[] }> {
	const doc = await PDFDocument.create();
	doc.setProducer("Clinical Vault");
	doc.setCreator("Clinical Vault");
	doc.setCreationDate(input.now);
	doc.setModificationDate(input.now);
	const helvetica = new StandardFace(await doc.embedFont(StandardFonts.Helvetica));
	const helveticaBold = new StandardFace(await doc.embedFont(StandardFonts.HelveticaBold));
	const chains = useFonts
		? await buildChains(doc, input, helvetica, helveticaBold)
		: { regular: [helvetica], bold: [helveticaBold], missing: [], asked: false };
	const regular = new Typesetter(chains.regular, new Transliterator((cp) => chains.regular.some((f) => f.has(cp))));
	const bold = new Typesetter(chains.bold, new Transliterator((cp) => chains.bold.some((f) => f.has(cp))));

	const [pageWidth, pageHeight] = PAPER[input.paper];
	const textWidth = pageWidth - 2 * MARGIN;
	const top = pageHeight - MARGIN - (input.draft ? 18 : 0);
	const bottom = MARGIN + 24;

	let page: PDFPage = doc.addPage([pageWidth, pageHeight]);
	let y = top;
	const newPage = () => {
		page = doc.addPage([pageWidth, pageHeight]);
		y = top;
	};

	const drawRuns = async (on: PDFPage, runs: readonly Run[], x: number, atY: number, size: number, color: [number, number, number]) => {
		for (const run of runs) {
			if (run.draw !== "") {
				const font = await run.face.font();
				if (run.face.embolden)
					on.pushOperators(
						pushGraphicsState(),
						setTextRenderingMode(TextRenderingMode.FillAndOutline),
						setLineWidth(size * 0.035),
						setStrokingRgbColor(...color),
					);
				on.drawText(run.draw, { x, y: atY, size, font, color: rgb(...color) });
				if (run.face.embolden) on.pushOperators(popGraphicsState());
			}
			x += run.width;
		}
	};

	const draw = async (text: string, options: { bold?: boolean; size?: number; indent?: number; hanging?: string; color?: [number, number, number] } = {}) => {
		const setter = options.bold ? bold : regular;
		const size = options.size ?? BODY_SIZE;
		const indent = options.indent ?? 0;
		const color = options.color ?? [0, 0, 0];
		const p = setter.prepare(text, size);
		// The list marker takes the paragraph's direction ("1." reads ".1" in a right-to-left list).
		const marker = options.hanging ? setter.prepare(options.hanging, size, p.rtl ? "rtl" : "ltr") : null;
		const markerRuns = marker ? setter.runs(marker, 0, marker.text.length) : [];
		const markerWidth = markerRuns.reduce((sum, r) => sum + r.width, 0);
		const hangWidth = marker ? markerWidth + setter.width(setter.prepare(" ", size), 0, 1) : 0;
		const lines = setter.wrap(p, textWidth - indent - hangWidth);
		for (const [i, [start, end]] of lines.entries()) {
			if (y - size < bottom) newPage();
			y -= size * LEADING;
			const runs = setter.runs(p, start, end);
			const width = runs.reduce((sum, r) => sum + r.width, 0);
			if (p.rtl) {
				// Right to left: aligned on the right margin, the list marker to the right of the text.
				const right = pageWidth - MARGIN - indent;
				if (i === 0 && marker) await drawRuns(page, markerRuns, right - markerWidth, y, size, color);
				await drawRuns(page, runs, right - hangWidth - width, y, size, color);
			} else {
				if (i === 0 && marker) await drawRuns(page, markerRuns, MARGIN + indent, y, size, color);
				await drawRuns(page, runs, MARGIN + indent + hangWidth, y, size, color);
			}
		}
	};
	const gap = (points: number) => {
		y -= points;
	};

	for (const line of input.header) await draw(line, { size: 9, color: [0.25, 0.25, 0.25] });
	gap(6);
	page.drawLine({ start: { x: MARGIN, y }, end: { x: pageWidth - MARGIN, y }, thickness: 0.5, color: rgb(0.6, 0.6, 0.6) });
	gap(8);
	for (const b of input.blocks) {
		if (b.type === "blank") gap(BODY_SIZE * 0.6);
		else if (b.type === "heading") {
			gap(b.level <= 2 ? 8 : 4);
			if (y - 3 * BODY_SIZE * LEADING < bottom) newPage();
			await draw(b.text, { bold: true, size: HEADING_SIZE[b.level] ?? BODY_SIZE });
			gap(2);
		} else if (b.type === "item") await draw(b.text, { indent: 12 + b.indent * 14, hanging: b.marker === "-" ? "•" : b.marker });
		else await draw(b.text);
	}

	const pages = doc.getPages();
	const grey: [number, number, number] = [0.3, 0.3, 0.3];
	const footer = regular.prepare(input.footer, FOOTER_SIZE);
	for (const [i, p] of pages.entries()) {
		const number = regular.prepare(`Page ${i + 1} of ${pages.length}`, FOOTER_SIZE);
		const numberWidth = regular.width(number, 0, number.text.length);
		const footerLines = regular.wrap(footer, textWidth - numberWidth - 12);
		for (const [j, [start, end]] of footerLines.entries())
			await drawRuns(p, regular.runs(footer, start, end), MARGIN, MARGIN - j * FOOTER_SIZE * 1.3, FOOTER_SIZE, grey);
		await drawRuns(p, regular.runs(number, 0, number.text.length), pageWidth - MARGIN - numberWidth, MARGIN, FOOTER_SIZE, grey);
		if (input.draft) {
			const mark = bold.prepare(DRAFT_MARK, 12);
			await drawRuns(p, bold.runs(mark, 0, mark.text.length), MARGIN, pageHeight - MARGIN, 12, [0.75, 0.1, 0.1]);
		}
	}

	const warnings: string[] = [];
	const n = regular.tr.replaced + bold.tr.replaced;
	if (n > 0) {
		const unknownChars = new Set([...regular.tr.unknown, ...bold.tr.unknown]);
		const unknown = unknownChars.size > 0 ? `, ${codes(unknownChars)} shown as "?"` : "";
		if (!chains.asked) {
			warnings.push(
				`${n} character${n === 1 ? "" : "s"} outside the PDF's standard font ${n === 1 ? "was" : "were"} written differently (accents dropped, symbols spelled out${unknown}); the plain-text export keeps them.`,
			);
		} else {
			const changed = [...new Set([...regular.tr.changed, ...bold.tr.changed])];
			const scripts = [
				...new Set([...resolvedScripts(changed), ...chains.missing.filter((s) => changed.some((c) => scriptOf(c.codePointAt(0)!) === s))]),
			];
			warnings.push(
				`${n} character${n === 1 ? "" : "s"} that no font on this computer covers ${n === 1 ? "was" : "were"} written differently (accents dropped, symbols spelled out${unknown}). Missing: ${scripts.map(scriptLabel).join(", ")}. To keep them, ${installHint(scripts)}; the plain-text export keeps them.`,
			);
		}
	}
	return { bytes: await doc.save(), warnings };
}

export async function renderPdf(input: PdfInput): Promise<{ bytes: Uint8Array; warnings: string[] }> {
	if (input.fonts === undefined || input.fonts === STANDARD_FONTS_ONLY) return render(input, false);
	try {
		return await render(input, true);
	} catch (error) {
		// A font file that parses but cannot be laid out or subset must not cost the clinician the export.
		const result = await render(input, false);
		const why = error instanceof Error ? error.message : String(error);
		result.warnings.push(`The fonts found on this computer could not be used (${why}), so the PDF uses its standard font only.`);
		return result;
	}
}
