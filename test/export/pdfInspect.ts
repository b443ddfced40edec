/**
 * Reading a PDF back for the export tests: poppler's pdftotext (text, and each word's box) and
 * pdffonts (the fonts and whether they are embedded subsets), and pdf-lib for the ToUnicode maps of
 * the embedded fonts (which glyphs were drawn for which characters).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { PDFDict, PDFDocument, PDFName, PDFRawStream, decodePDFRawStream } from "pdf-lib";

/** Bidi embedding marks that pdftotext puts around right-to-left text. */
const BIDI_MARKS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** pdftotext's text (reading order, logical order for right-to-left lines), without bidi marks. */
export function pdfText(path: string): string {
	return execFileSync("pdftotext", [path, "-"], { encoding: "utf8" }).replace(BIDI_MARKS, "");
}

export interface Word {
	text: string;
	xMin: number;
	yMin: number;
}

const ENTITIES: Record<string, string> = { "&quot;": '"', "&amp;": "&", "&lt;": "<", "&gt;": ">", "&apos;": "'" };

/** Every word with its box (`pdftotext -bbox`): the text of a word is its glyphs' characters in drawing order, left to right. */
export function pdfWords(path: string): Word[] {
	const xml = execFileSync("pdftotext", ["-bbox", path, "-"], { encoding: "utf8" });
	return [...xml.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)<\/word>/g)].map((m) => ({
		text: m[3]!.replace(/&(quot|amp|lt|gt|apos);/g, (e) => ENTITIES[e]!).replace(BIDI_MARKS, ""),
		xMin: Number(m[1]),
		yMin: Number(m[2]),
	}));
}

export interface PdfFontRow {
	name: string;
	type: string;
	embedded: boolean;
	subset: boolean;
}

/** pdffonts' table. */
export function pdfFonts(path: string): PdfFontRow[] {
	const out = execFileSync("pdffonts", [path], { encoding: "utf8" })
		.split("\n")
		.slice(2)
		.filter((l) => l.trim() !== "");
	return out.map((line) => {
		const m = /^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/.exec(line);
		if (!m) throw new Error(`pdffonts printed a line this test cannot read: ${line}`);
		return { name: m[1]!, type: m[2]!, embedded: m[4] === "yes", subset: m[5] === "yes" };
	});
}

/** For each embedded Type 0 font (by its PDF name), its glyphs' characters: glyph id → the text it stands for. */
export async function toUnicodeMaps(bytes: Uint8Array): Promise<Map<string, Map<number, string>>> {
	const doc = await PDFDocument.load(bytes);
	const maps = new Map<string, Map<number, string>>();
	for (const [, object] of doc.context.enumerateIndirectObjects()) {
		if (!(object instanceof PDFDict) || object.get(PDFName.of("Subtype")) !== PDFName.of("Type0")) continue;
		const name = object.get(PDFName.of("BaseFont"))!.toString().replace(/^\//, "");
		const stream = object.lookup(PDFName.of("ToUnicode"));
		if (!(stream instanceof PDFRawStream)) throw new Error(`${name} has no ToUnicode stream`);
		const cmap = new TextDecoder().decode(decodePDFRawStream(stream).decode());
		const glyphs = new Map<number, string>();
		for (const section of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
			for (const m of section[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
				const units = m[2]!.match(/.{4}/g)!.map((h) => parseInt(h, 16));
				glyphs.set(parseInt(m[1]!, 16), String.fromCharCode(...units));
			}
		}
		maps.set(name, glyphs);
	}
	return maps;
}

/** Each embedded font program (its FontFile2 (TrueType) or FontFile3 (CFF) stream, decoded), by the font's PDF name. */
export async function embeddedFontPrograms(bytes: Uint8Array): Promise<Map<string, { kind: string; program: Uint8Array }>> {
	const doc = await PDFDocument.load(bytes);
	const programs = new Map<string, { kind: string; program: Uint8Array }>();
	for (const [, object] of doc.context.enumerateIndirectObjects()) {
		if (!(object instanceof PDFDict) || object.get(PDFName.of("Type")) !== PDFName.of("FontDescriptor")) continue;
		const name = object.get(PDFName.of("FontName"))!.toString().replace(/^\//, "");
		for (const kind of ["FontFile", "FontFile2", "FontFile3"]) {
			const stream = object.lookup(PDFName.of(kind));
			if (stream instanceof PDFRawStream) programs.set(name, { kind, program: decodePDFRawStream(stream).decode() });
		}
	}
	return programs;
}

/** Renders every page with pdftoppm and returns what poppler said on stderr ("Embedded font file may be invalid" …). */
export function renderComplaints(path: string, outPrefix: string): string {
	const r = spawnSync("pdftoppm", ["-png", "-r", "40", path, outPrefix], { encoding: "utf8" });
	if (r.status !== 0) throw new Error(`pdftoppm failed (${r.status}): ${r.stderr}`);
	return r.stderr;
}
