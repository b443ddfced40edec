/**
 * Every script survives the PDF export (issue 18): a signed note with Polish, Greek, Cyrillic,
 * Hebrew, Arabic and Chinese sentences (synthetic) is exported with the Node font source (this
 * machine's system fonts: CI installs Debian's fonts-dejavu-core and fonts-wqy-microhei) and read
 * back with poppler: every character is in pdftotext's text; right-to-left lines are in logical
 * order (pdftotext's own reading, and the words' boxes: the first word of a Hebrew or Arabic
 * sentence is drawn rightmost, its letters right to left); Arabic letters are joined (the Arabic
 * font's ToUnicode map has several glyphs for one letter: its contextual forms, and the lam-alef
 * ligature); the embedded fonts are subsets. A plain English note asks for no font and reads no font
 * file; a script no font covers is named in the warning, with the font to install; the built CLI's
 * export uses the same font source; a font that cannot be used never costs the export.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { signNote } from "../../src/core/notes/signing";
import { exportDocument, UNENCRYPTED_WARNING } from "../../src/core/export/exportDocument";
import type { Font, Glyph } from "fontkit";
import {
	faceFromCollection,
	collectionFaceNames,
	parseFace,
	readFont,
	scriptOf,
	type FontMatch,
	type FontRequest,
	type FontSource,
} from "../../src/core/export/fonts";
import { SystemFontSource, systemFontDirs } from "../../src/engines/fonts";
import { cli, ensureBuilt, makeVault, removeDir, type TestVault } from "../cli/support";
import { embeddedFontPrograms, pdfFonts, pdfText, pdfWords, renderComplaints, toUnicodeMaps, type Word } from "./pdfInspect";

const CLIENT = "C-0907";

/** One synthetic sentence per script, each on its own line of the note. */
const SENTENCES = {
	Polish: "Łódź, zażółć gęślą jaźń",
	Greek: "Η θεραπεία προχωρά καλά σήμερα",
	Cyrillic: "Клиентка рассказала о работе и семье",
	Hebrew: "המטופלת דיברה על העבודה והמשפחה",
	// No lam followed by alef here: pdftotext reads a ligature's two letters backwards (below).
	Arabic: "تحدثت العميلة عن ضغوط العمل",
	Chinese: "来访者今天谈到了工作和家庭的压力",
} as const;
type Script = keyof typeof SENTENCES;
const RTL: Script[] = ["Hebrew", "Arabic"];
/** Lam-alef: one ligature glyph for two letters. */
const LAM_ALEF = "لا بأس";
const HEBREW_HEADING = "סיכום הפגישה";

const NOTE_BODY = [
	"# Session summary",
	"",
	...Object.values(SENTENCES).flatMap((s) => [s, ""]),
	`## ${HEBREW_HEADING}`,
	"",
	LAM_ALEF,
	"",
	"המטופלת אמרה hello world היום",
	"",
].join("\n");

const ENGLISH_BODY = "# Session summary\n\nClient completed the homework on four of seven days and brought the log.\n\n- Next: review the log together.\n";

/** What the font source was asked and what it read: the tests count both. */
class Watched implements FontSource {
	requests: FontRequest[] = [];
	answers: FontMatch[] = [];
	reads: string[] = [];
	readonly inner: SystemFontSource;

	constructor(dirs?: string[]) {
		this.inner = new SystemFontSource({
			...(dirs ? { dirs } : {}),
			readFile: async (path) => {
				this.reads.push(path);
				return new Uint8Array(await readFile(path));
			},
		});
	}

	async find(request: FontRequest): Promise<FontMatch> {
		this.requests.push(request);
		const answer = await this.inner.find(request);
		this.answers.push(answer);
		return answer;
	}
}

let dir: string;
let record: ClinicalRecord;

async function signed(path: string, body: string): Promise<string> {
	await record.writeText(path, `---\nclient: ${CLIENT}\nnote_type: session\nsession_date: 2026-07-01\n---\n${body}`);
	await signNote(record, path, { signer: "Dr. Test Clinician", now: new Date("2026-07-01T18:00:00Z") });
	return path;
}

async function exportPdf(path: string, fonts: FontSource, name: string) {
	const result = await exportDocument(record, path, { format: "pdf", fonts });
	const file = join(dir, name);
	await writeFile(file, result.bytes);
	return { ...result, file };
}

const squash = (text: string) => text.replace(/\s+/g, " ");
const reverse = (text: string) => [...text].reverse().join("");

/** The words drawn on the line whose text includes `word` (same baseline), left to right. */
function lineOf(words: Word[], word: string): Word[] {
	const anchor = words.find((w) => w.text === word);
	if (!anchor) throw new Error(`"${word}" was not drawn as a word; words: ${words.map((w) => w.text).join(" ")}`);
	return words.filter((w) => Math.abs(w.yMin - anchor.yMin) < 0.5).sort((a, b) => a.xMin - b.xMin);
}

/** A font file by name in this computer's font folders. */
async function findFontFile(name: string): Promise<string | undefined> {
	for (const folder of systemFontDirs()) {
		const found = (await readdir(folder, { recursive: true }).catch(() => [])).find((p) => basename(p) === name);
		if (found !== undefined) return join(folder, found);
	}
	return undefined;
}

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-pdf-scripts-"));
	record = new ClinicalRecord({ store: new NodeFsStore(join(dir, "vault")), clock: new ManualClock("2026-07-06T09:00:00Z") });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: CLIENT, name: "Sam Sample", modality: "ifs" });
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("PDF export of every script with this computer's fonts", () => {
	it("finds a font for each script in the system font folders (fonts-dejavu-core and fonts-wqy-microhei on Debian)", async () => {
		const source = new SystemFontSource();
		for (const [script, sentence] of Object.entries(SENTENCES)) {
			const codePoints = [...new Set([...sentence].filter((c) => c !== " " && c !== ",").map((c) => c.codePointAt(0)!))];
			const match = await source.find({ needs: [{ script: scriptOf(codePoints[0]!), codePoints }] });
			expect(
				match.missing,
				`no font in ${systemFontDirs().join(", ")} covers the ${script} test sentence: install Debian's fonts-dejavu-core and fonts-wqy-microhei (bash .ci/run installs them)`,
			).toEqual([]);
			expect(match.faces.length).toBeGreaterThan(0);
		}
	});

	it("keeps every character of Polish, Greek, Cyrillic, Hebrew, Arabic and Chinese, right-to-left lines in logical order", async () => {
		const source = new Watched();
		const path = await signed(`${CLIENT}/notes/2026-07-01.md`, NOTE_BODY);
		const { warnings, file } = await exportPdf(path, source, "scripts.pdf");
		expect(warnings).toEqual([UNENCRYPTED_WARNING]);
		expect(source.requests).toHaveLength(1);
		// Bold faces are wanted for the Hebrew heading, and for Latin, Greek, Cyrillic (their face draws the English heading), not for Arabic or Chinese.
		expect(source.requests[0]!.needs.filter((n) => n.bold === true).map((n) => n.script)).toEqual(["Latin", "Greek", "Cyrillic", "Hebrew"]);
		expect(new Set(source.requests[0]!.needs.map((n) => n.script))).toEqual(new Set(["Latin", "Greek", "Cyrillic", "Hebrew", "Arabic", "Han"]));

		// pdftotext reads every sentence back whole: each character kept, right-to-left ones in logical order.
		const text = squash(pdfText(file));
		for (const sentence of [...Object.values(SENTENCES), HEBREW_HEADING]) expect(text).toContain(sentence);
		for (const script of Object.keys(SENTENCES) as Script[]) {
			const kept = [...SENTENCES[script]].filter((c) => c !== " " && text.includes(c));
			expect(kept.join(""), script).toBe([...SENTENCES[script]].filter((c) => c !== " ").join(""));
		}

		// The boxes say the same without pdftotext's reordering: a right-to-left sentence's first word is
		// drawn rightmost, and each word's glyphs, read left to right, are its letters last to first.
		const words = pdfWords(file);
		for (const script of RTL) {
			const logical = SENTENCES[script].split(" ");
			const drawn = lineOf(words, reverse(logical[0]!));
			expect(drawn.map((w) => reverse(w.text)).reverse(), script).toEqual(logical);
			// Aligned on the right margin (A4: 595.28 − 56), left-to-right lines on the left one.
			expect(drawn[drawn.length - 1]!.xMin).toBeGreaterThan(400);
		}
		expect(lineOf(words, "Łódź,").map((w) => w.text)).toEqual(SENTENCES.Polish.split(" "));
		expect(lineOf(words, "Łódź,")[0]!.xMin).toBeCloseTo(56, 0);

		// Left-to-right words inside a Hebrew sentence keep their own order, as one unit between the Hebrew words.
		const mixed = lineOf(words, "hello").map((w) => w.text);
		expect(mixed).toEqual([reverse("היום"), "hello", "world", reverse("אמרה"), reverse("המטופלת")]);
	});

	it("joins the Arabic letters (contextual forms, the lam-alef ligature) and embeds every font as a subset", async () => {
		const source = new Watched();
		const path = await signed(`${CLIENT}/notes/2026-07-02.md`, NOTE_BODY);
		const { bytes, file } = await exportPdf(path, source, "joined.pdf");

		const maps = await toUnicodeMaps(bytes);
		const arabic = [...maps.values()].find((m) => [...m.values()].some((t) => /\p{Script=Arabic}/u.test(t)))!;
		expect(arabic).toBeDefined();
		const letters = new Set([...SENTENCES.Arabic, ...LAM_ALEF].filter((c) => /\p{Script=Arabic}/u.test(c)));
		const glyphsPerLetter = [...letters].map((letter) => [...arabic.values()].filter((t) => t === letter).length);
		// Unshaped text would use one glyph per letter; joined text uses the letters' initial, medial and final forms.
		expect([...arabic.values()].filter((t) => letters.has(t)).length).toBeGreaterThan(letters.size);
		expect(Math.max(...glyphsPerLetter)).toBeGreaterThanOrEqual(2);
		// Lam and alef are one glyph, standing for both letters in logical order.
		expect([...arabic.values()]).toContain("لا");
		// pdftotext reads a multi-letter glyph of a right-to-left line backwards ("ال"; pdfminer.six, PyMuPDF and
		// pypdf do the same), so the line is compared letter by letter.
		const text = pdfText(file);
		const line = text.split("\n").find((l) => l.includes("بأس"))!;
		expect([...line.replace(/\s/g, "")].sort()).toEqual([...LAM_ALEF.replace(/\s/g, "")].sort());

		// Subsets: each embedded font program is a small part of the face it comes from.
		const fonts = pdfFonts(file);
		const embedded = fonts.filter((f) => f.embedded);
		expect(embedded.length).toBeGreaterThanOrEqual(2);
		for (const f of embedded) expect(f, f.name).toMatchObject({ subset: true, name: expect.stringMatching(/^[A-Z]{6}\+/) as unknown });
		const faces = source.answers[0]!.faces.flatMap((f) => [f.regular, ...(f.bold ? [f.bold] : [])]);
		const fullSize = new Map(faces.map((f) => [parseFace(f.bytes)!.postscriptName, f.bytes.length]));
		const programs = await embeddedFontPrograms(bytes);
		expect([...programs.keys()].sort()).toEqual(embedded.map((f) => f.name).sort());
		for (const [name, { program }] of programs) {
			const full = fullSize.get(name.replace(/^[A-Z]{6}\+/, ""))!;
			expect(full, name).toBeGreaterThan(0);
			expect(program.length, `${name}: ${program.length} of ${full} bytes`).toBeLessThan(full / (full > 500_000 ? 10 : 2));
		}

		// The subsets are sound: poppler renders every page without a word about the fonts, and every glyph of a
		// TrueType subset has the outline and advance of a glyph the original face draws for this note's text
		// (a subset with a broken loca table loses glyphs silently: blank or garbage, text layer intact).
		expect(renderComplaints(file, join(dir, "joined-page"))).toBe("");
		// What was drawn: the note's lines, and the header and footer as pdftotext reads them.
		const lines = [...NOTE_BODY.split("\n").map((l) => l.replace(/^#+ /, "")), ...pdfText(file).split("\n")].filter((l) => l.trim() !== "");
		const signature = (g: Glyph) => `${g.advanceWidth} ${g.path.toSVG()}`;
		for (const [name, { kind, program }] of programs) {
			if (kind !== "FontFile2") continue;
			const subset = readFont(program) as Font;
			const original = parseFace(faces.find((f) => parseFace(f.bytes)!.postscriptName === name.replace(/^[A-Z]{6}\+/, ""))!.bytes)!;
			const drawn = new Set(
				lines
					.flatMap((l) => [...original.layout(l).glyphs, ...[...l].map((c) => original.glyphForCodePoint(c.codePointAt(0)!))])
					.filter((g) => g.id !== 0)
					.map(signature),
			);
			// Glyphs drawn are in the ToUnicode map; the others are components of accented letters, checked through them.
			const mapped = [...maps.get(name)!.keys()];
			expect(mapped.length, name).toBeGreaterThan(3);
			for (const id of mapped) expect(drawn.has(signature(subset.getGlyph(id))), `${name} glyph ${id} (${maps.get(name)!.get(id)})`).toBe(true);
		}
		// The Chinese face is megabytes; the whole PDF is a few dozen kilobytes.
		const chinese = faces.find((f) => parseFace(f.bytes)!.hasGlyphForCodePoint("来".codePointAt(0)!))!;
		expect(chinese.bytes.length).toBeGreaterThan(1_000_000);
		expect(bytes.length).toBeLessThan(chinese.bytes.length / 20);
	});

	it("draws a plain English note in Helvetica: no font asked for, no font file read, none embedded", async () => {
		const source = new Watched();
		const path = await signed(`${CLIENT}/notes/2026-07-03.md`, ENGLISH_BODY);
		const { warnings, file } = await exportPdf(path, source, "english.pdf");
		expect(warnings).toEqual([UNENCRYPTED_WARNING]);
		expect(source.requests).toEqual([]);
		expect(source.reads).toEqual([]);
		const fonts = pdfFonts(file);
		expect(fonts.map((f) => f.name).sort()).toEqual(["Helvetica", "Helvetica-Bold"]);
		expect(fonts.every((f) => !f.embedded)).toBe(true);
		expect(squash(pdfText(file))).toContain("Client completed the homework on four of seven days and brought the log.");
	});

	it("names the script no font covers and the font to install, and keeps the rest", async () => {
		// A computer whose only font is DejaVu Sans: Polish is drawn, Chinese cannot be.
		const only = await mkdtemp(join(dir, "fonts-"));
		const dejavu = await findFontFile("DejaVuSans.ttf");
		expect(dejavu, "DejaVu Sans is not installed: install Debian's fonts-dejavu-core (bash .ci/run installs it)").toBeDefined();
		await symlink(dejavu!, join(only, "DejaVuSans.ttf"));
		const source = new Watched([only]);
		const path = await signed(`${CLIENT}/notes/2026-07-04.md`, `# Note\n\n${SENTENCES.Polish}\n\n${SENTENCES.Chinese}\n`);
		const { warnings, file } = await exportPdf(path, source, "missing.pdf");
		expect(source.answers[0]!.missing).toEqual(["Han"]);
		expect(source.reads).toEqual([join(only, "DejaVuSans.ttf")]);
		const warning = warnings.find((w) => w.includes("no font on this computer covers"));
		expect(warning).toBeDefined();
		expect(warning).toContain(`${[...SENTENCES.Chinese].length} characters that no font on this computer covers were written differently`);
		expect(warning).toMatch(/U\+6765 U\+8BBF( U\+[0-9A-F]{4}){10} and 4 more shown as "\?"/);
		expect(warning).toContain("Missing: Chinese (Han characters).");
		expect(warning).toContain("Noto Sans CJK SC");
		expect(warning).not.toMatch(/Latin/);
		const text = squash(pdfText(file));
		expect(text).toContain(SENTENCES.Polish);
		expect(text).toContain("?".repeat([...SENTENCES.Chinese].length));

		// No font at all: the old behaviour (Polish letters lose their accents), and both scripts are named.
		const none = await mkdtemp(join(dir, "nofonts-"));
		const bare = await exportPdf(path, new Watched([none]), "bare.pdf");
		expect(squash(pdfText(bare.file))).toContain("Lódz, zazólc gesla jazn");
		expect(bare.warnings.join(" ")).toMatch(
			/Missing: Latin, Chinese \(Han characters\)\. To keep them, install a font that covers them \(the free Noto Sans, Noto Sans CJK SC/,
		);
	});
});

describe("clinical-vault export --pdf", () => {
	let v: TestVault;
	const NOTE = "C-0908/notes/2026-07-01.md";
	beforeAll(async () => {
		await ensureBuilt();
		v = await makeVault(["C-0908"]);
		const put = await cli(["put", v.vault, NOTE, "--replace"], {
			input: `---\nnote_type: session\n---\n# Notatka\n\n${SENTENCES.Polish}\n\n${SENTENCES.Hebrew}\n`,
		});
		if (put.code !== 0) throw new Error(put.stderr);
		const sign = await cli(["sign", v.vault, NOTE, "--signer", "Dr. Test Clinician"]);
		if (sign.code !== 0) throw new Error(sign.stderr);
	}, 120_000);
	afterAll(async () => {
		await removeDir(v.dir);
	});

	it("draws with this computer's fonts", async () => {
		const out = join(v.dir, "note.pdf");
		// The shipped bundle (node dist/cli.js), whose PDF export loads fontkit and pdf-lib from its own chunks.
		const r = await cli(["export", v.vault, NOTE, "--out", out, "--pdf"], { spawn: true });
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).not.toMatch(/written differently/);
		const text = squash(pdfText(out));
		expect(text).toContain(SENTENCES.Polish);
		expect(text).toContain(SENTENCES.Hebrew);
		expect(pdfFonts(out).filter((f) => f.embedded && f.subset).length).toBeGreaterThan(0);
	});
});

describe("an export never fails for a font", () => {
	it("skips a font file it cannot read, and falls back to the standard font when the fonts cannot be used", async () => {
		const path = await signed(`${CLIENT}/notes/2026-07-05.md`, `# Note\n\n${SENTENCES.Polish}\n\n${SENTENCES.Greek}\n`);
		const junk: FontSource = {
			find: () =>
				Promise.resolve({
					faces: [{ family: "Broken Sans", regular: { path: "/fonts/broken.ttf", bytes: new Uint8Array(4096).fill(7) } }],
					missing: [],
				}),
		};
		const skipped = await exportPdf(path, junk, "junk.pdf");
		expect(squash(pdfText(skipped.file))).toContain("Lódz, zazólc gesla jazn");
		expect(skipped.warnings.join(" ")).toContain("Missing: Latin, Greek.");

		const failing: FontSource = { find: () => Promise.reject(new Error("font folder unreadable")) };
		const fallback = await exportPdf(path, failing, "fallback.pdf");
		expect(squash(pdfText(fallback.file))).toContain("Lódz, zazólc gesla jazn");
		expect(fallback.warnings).toContain(
			"The fonts found on this computer could not be used (font folder unreadable), so the PDF uses its standard font only.",
		);
		expect(fallback.warnings.join(" ")).toMatch(/characters? outside the PDF's standard font/);
	});
});

describe("font collections", () => {
	it("takes one face out of a .ttc as a font of its own", async () => {
		const source = new SystemFontSource();
		const match = await source.find({ needs: [{ script: "Han", codePoints: ["来".codePointAt(0)!] }] });
		const face = match.faces[0];
		expect(face, "no Chinese font: install Debian's fonts-wqy-microhei").toBeDefined();
		const file = new Uint8Array(await readFile(face!.regular.path));
		expect((await stat(face!.regular.path)).size).toBe(file.length);
		const names = collectionFaceNames(file);
		if (names.length === 0) return expect(parseFace(file)).not.toBeNull(); // a single-face font: nothing to take out
		for (const [i, name] of names.entries()) {
			const one = faceFromCollection(file, i);
			expect(parseFace(one)?.postscriptName).toBe(name);
			expect(one.length).toBeLessThanOrEqual(file.length);
		}
		expect(() => faceFromCollection(file, names.length)).toThrow(RangeError);
		expect(() => faceFromCollection(file.subarray(0, 40), 0)).toThrow(RangeError);
	});

	it("prefers the listed families in order, by their file names on Linux, Windows and macOS", async () => {
		// A font folder laid out like other computers', its files standing in for the real ones (same tables).
		const dejavu = await findFontFile("DejaVuSans.ttf");
		const dejavuBold = await findFontFile("DejaVuSans-Bold.ttf");
		const wqy = await findFontFile("wqy-microhei.ttc");
		expect(dejavu && dejavuBold && wqy, "install Debian's fonts-dejavu-core and fonts-wqy-microhei (bash .ci/run installs them)").toBeTruthy();
		const folder = await mkdtemp(join(dir, "other-computer-"));
		await mkdir(join(folder, "noto"));
		await symlink(dejavu!, join(folder, "noto", "NotoSansHebrew-Regular.ttf"));
		await symlink(dejavuBold!, join(folder, "noto", "NotoSansHebrew-Bold.ttf"));
		await symlink(dejavu!, join(folder, "arial.ttf"));
		await symlink(wqy!, join(folder, "msyh.ttc"));
		await symlink(wqy!, join(folder, "PingFang.ttc"));
		const source = new Watched([folder]);
		const hebrew = [..."שלום"].map((c) => c.codePointAt(0)!);
		const han = [..."来访"].map((c) => c.codePointAt(0)!);
		const match = await source.find({
			needs: [
				{ script: "Hebrew", codePoints: hebrew, bold: true },
				{ script: "Han", codePoints: han },
			],
		});
		expect(match.missing).toEqual([]);
		expect(match.faces.map((f) => [f.family, basename(f.regular.path), f.bold ? basename(f.bold.path) : null])).toEqual([
			["Noto Sans Hebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"],
			["Microsoft YaHei", "msyh.ttc", null],
		]);
		// Only what was chosen was read: not Arial (after Noto Sans Hebrew), not PingFang (after Microsoft YaHei).
		expect(source.reads.map((p) => basename(p)).sort()).toEqual(["NotoSansHebrew-Bold.ttf", "NotoSansHebrew-Regular.ttf", "msyh.ttc"]);
		// A collection's face is taken out: one face of the two in wqy-microhei.ttc.
		expect(parseFace(match.faces[1]!.regular.bytes)?.postscriptName).toBe("WenQuanYiMicroHei");
	});

	it("knows each platform's font folders", () => {
		expect(systemFontDirs("win32", { WINDIR: "C:\\Windows", LOCALAPPDATA: "C:\\Users\\t\\AppData\\Local" }, "C:\\Users\\t")).toEqual([
			"C:\\Windows\\Fonts",
			"C:\\Users\\t\\AppData\\Local\\Microsoft\\Windows\\Fonts",
		]);
		expect(systemFontDirs("darwin", {}, "/Users/t")).toEqual(["/System/Library/Fonts", "/Library/Fonts", "/Users/t/Library/Fonts"]);
		expect(systemFontDirs("linux", {}, "/home/t")).toEqual(["/usr/share/fonts", "/usr/local/share/fonts", "/home/t/.local/share/fonts", "/home/t/.fonts"]);
	});
});
