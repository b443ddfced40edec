/**
 * PDF rendering with `pdf-lib` (MIT, pure JavaScript, no native code, no fonts to ship: it embeds
 * the 14 standard PDF fonts by name, and esbuild bundles it into both the plugin and the CLI; it
 * writes PDF 1.7 that every viewer opens). Layout is ours and small: A4 or Letter pages, wrapped
 * Helvetica text, bold headings, list indentation, a header block, page numbers and a footer on
 * every page saying the file is not encrypted, and "DRAFT — NOT SIGNED" on every page of a draft.
 *
 * The standard fonts only encode Windows-1252 (WinAnsi). Other characters never crash the export:
 * a letter with an accent outside it becomes its base letter, a few symbols get an ASCII spelling
 * (→ "->", ≥ ">="), anything else becomes "?", and a warning says how many were changed.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";
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
}

const PAPER: Record<PaperSize, [number, number]> = { a4: [595.28, 841.89], letter: [612, 792] };
const MARGIN = 56;
const BODY_SIZE = 10.5;
const LEADING = 1.38;
const HEADING_SIZE: Record<number, number> = { 1: 15, 2: 12.5, 3: 11 };
const FOOTER_SIZE = 8;

const SPELLED: Record<string, string> = {
	"→": "->", "←": "<-", "↔": "<->", "⇒": "=>", "≥": ">=", "≤": "<=", "≠": "!=", "≈": "~", "−": "-", "‐": "-", "‑": "-", "‒": "-",
	"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H", "ħ": "h", "ß": "ss",
	"✓": "v", "✔": "v", "✗": "x", "✘": "x", "☐": "[ ]", "☑": "[x]", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "", "\t": "    ",
};

/** Makes text drawable with the standard fonts; counts what had to change. */
export class Transliterator {
	private readonly supported: Set<number>;
	replaced = 0;
	readonly unknown = new Set<string>();

	constructor(font: PDFFont) {
		this.supported = new Set(font.getCharacterSet());
	}

	private ok(ch: string): boolean {
		return this.supported.has(ch.codePointAt(0)!);
	}

	apply(text: string): string {
		let out = "";
		for (const ch of text) {
			if (ch === "\n" || this.ok(ch)) {
				out += ch;
				continue;
			}
			this.replaced++;
			const spelled = SPELLED[ch];
			if (spelled !== undefined) {
				out += spelled;
				continue;
			}
			const base = ch.normalize("NFD").replace(/\p{M}/gu, "");
			if (base !== "" && [...base].every((c) => this.ok(c))) {
				out += base;
				continue;
			}
			this.unknown.add(ch);
			out += "?";
		}
		return out;
	}
}

/** Splits text into lines no wider than `width` (long words are broken). */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
	const lines: string[] = [];
	let line = "";
	const fits = (t: string) => font.widthOfTextAtSize(t, size) <= width;
	for (const word of text.split(/ +/)) {
		const candidate = line === "" ? word : `${line} ${word}`;
		if (fits(candidate)) {
			line = candidate;
			continue;
		}
		if (line !== "") lines.push(line);
		line = "";
		let rest = word;
		while (!fits(rest)) {
			let cut = rest.length - 1;
			while (cut > 1 && !fits(rest.slice(0, cut))) cut--;
			lines.push(rest.slice(0, cut));
			rest = rest.slice(cut);
		}
		line = rest;
	}
	if (line !== "" || lines.length === 0) lines.push(line);
	return lines;
}

export async function renderPdf(input: PdfInput): Promise<{ bytes: Uint8Array; warnings: string[] }> {
	const doc = await PDFDocument.create();
	doc.setProducer("Clinical Vault");
	doc.setCreator("Clinical Vault");
	doc.setCreationDate(input.now);
	doc.setModificationDate(input.now);
	const regular = await doc.embedFont(StandardFonts.Helvetica);
	const bold = await doc.embedFont(StandardFonts.HelveticaBold);
	const tr = new Transliterator(regular);
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
	const draw = (text: string, options: { font?: PDFFont; size?: number; indent?: number; hanging?: string; color?: [number, number, number] } = {}) => {
		const font = options.font ?? regular;
		const size = options.size ?? BODY_SIZE;
		const indent = options.indent ?? 0;
		const hangWidth = options.hanging ? font.widthOfTextAtSize(`${options.hanging} `, size) : 0;
		const lines = wrap(tr.apply(text), font, size, textWidth - indent - hangWidth);
		lines.forEach((line, i) => {
			if (y - size < bottom) newPage();
			y -= size * LEADING;
			const color = options.color ? rgb(...options.color) : rgb(0, 0, 0);
			if (i === 0 && options.hanging) page.drawText(tr.apply(options.hanging), { x: MARGIN + indent, y, size, font, color });
			page.drawText(line, { x: MARGIN + indent + hangWidth, y, size, font, color });
		});
	};
	const gap = (points: number) => {
		y -= points;
	};

	for (const line of input.header) draw(line, { size: 9, color: [0.25, 0.25, 0.25] });
	gap(6);
	page.drawLine({ start: { x: MARGIN, y }, end: { x: pageWidth - MARGIN, y }, thickness: 0.5, color: rgb(0.6, 0.6, 0.6) });
	gap(8);
	for (const b of input.blocks) {
		if (b.type === "blank") gap(BODY_SIZE * 0.6);
		else if (b.type === "heading") {
			gap(b.level <= 2 ? 8 : 4);
			if (y - 3 * BODY_SIZE * LEADING < bottom) newPage();
			draw(b.text, { font: bold, size: HEADING_SIZE[b.level] ?? BODY_SIZE });
			gap(2);
		} else if (b.type === "item") draw(b.text, { indent: 12 + b.indent * 14, hanging: b.marker === "-" ? "•" : b.marker });
		else draw(b.text);
	}

	const pages = doc.getPages();
	pages.forEach((p, i) => {
		const footer = tr.apply(input.footer);
		const number = `Page ${i + 1} of ${pages.length}`;
		const footerLines = wrap(footer, regular, FOOTER_SIZE, textWidth - regular.widthOfTextAtSize(number, FOOTER_SIZE) - 12);
		footerLines.forEach((line, j) => p.drawText(line, { x: MARGIN, y: MARGIN - j * FOOTER_SIZE * 1.3, size: FOOTER_SIZE, font: regular, color: rgb(0.3, 0.3, 0.3) }));
		p.drawText(number, { x: pageWidth - MARGIN - regular.widthOfTextAtSize(number, FOOTER_SIZE), y: MARGIN, size: FOOTER_SIZE, font: regular, color: rgb(0.3, 0.3, 0.3) });
		if (input.draft) p.drawText("DRAFT — NOT SIGNED", { x: MARGIN, y: pageHeight - MARGIN, size: 12, font: bold, color: rgb(0.75, 0.1, 0.1) });
	});

	const warnings: string[] = [];
	if (tr.replaced > 0) {
		const unknown = [...tr.unknown].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
		warnings.push(
			`${tr.replaced} character${tr.replaced === 1 ? "" : "s"} outside the PDF's standard font ${tr.replaced === 1 ? "was" : "were"} written differently (accents dropped, symbols spelled out${unknown.length > 0 ? `, ${unknown.join(" ")} shown as "?"` : ""}); the plain-text export keeps them.`,
		);
	}
	return { bytes: await doc.save(), warnings };
}
