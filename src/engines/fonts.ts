/**
 * The Node `FontSource` (src/core/export/fonts.ts): fonts for the PDF export, taken from the
 * clinician's own computer, because none can ship inside main.js (see that module's comment).
 *
 * It looks in the usual system font folders (`systemFontDirs`): Windows `%WINDIR%\Fonts` and the
 * per-user `%LOCALAPPDATA%\Microsoft\Windows\Fonts`; macOS `/System/Library/Fonts`, `/Library/Fonts`,
 * `~/Library/Fonts`; Linux and others `/usr/share/fonts`, `/usr/local/share/fonts`,
 * `~/.local/share/fonts` (`$XDG_DATA_HOME/fonts`), `~/.fonts`. For each script the document needs it
 * tries a short list of preferred families, by file name, and reads a file only when that family is
 * next in line for a script the document needs, then checks with fontkit that the face really has
 * the characters. It only lists folders and reads font files: it never writes, and it keeps nothing
 * between exports (each export lists the folders again, so a font installed after a warning is used
 * by the next export; read bytes live only as long as the export).
 *
 * Collections (.ttc: Microsoft YaHei, PingFang, Noto Sans CJK, WenQuanYi) hold several faces; the
 * family's face is picked by PostScript name and taken out as a standalone font.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import * as nodePath from "node:path";
import {
	collectionFaceNames,
	faceFromCollection,
	isCollection,
	parseFace,
	type FontFace,
	type FontFile,
	type FontMatch,
	type FontRequest,
	type FontSource,
} from "../core/export/fonts";

interface Family {
	family: string;
	/** File name of the regular face (matched case-insensitively against every font file's name). */
	regular: RegExp;
	/** File name of the bold face; omitted when it is the regular file (a collection with both). */
	bold?: RegExp;
	/** In a collection: the face's PostScript name (else the collection's first face). */
	face?: RegExp;
	boldFace?: RegExp;
}

/** Noto's file names: `NotoSansHebrew-Regular.ttf` (.otf), or a variable font `NotoSansHebrew[wdth,wght].ttf`. */
function noto(family: string, file: string): Family {
	return {
		family,
		regular: new RegExp(`^${file}(-Regular\\.(ttf|otf)|\\[[^\\]]*\\]\\.ttf)$`, "i"),
		bold: new RegExp(`^${file}-Bold\\.(ttf|otf)$`, "i"),
	};
}

const NOTO_SANS = noto("Noto Sans", "NotoSans");
const DEJAVU_SANS: Family = { family: "DejaVu Sans", regular: /^DejaVuSans\.ttf$/i, bold: /^DejaVuSans-Bold\.ttf$/i };
const ARIAL: Family = { family: "Arial", regular: /^arial\.ttf$/i, bold: /^(arialbd|arial bold)\.ttf$/i };
const SEGOE_UI: Family = { family: "Segoe UI", regular: /^segoeui\.ttf$/i, bold: /^segoeuib\.ttf$/i };
const LIBERATION_SANS: Family = { family: "Liberation Sans", regular: /^LiberationSans-Regular\.ttf$/i, bold: /^LiberationSans-Bold\.ttf$/i };
const ARIAL_UNICODE: Family = { family: "Arial Unicode MS", regular: /^(arial unicode|arialuni)\.ttf$/i };
const DROID_FALLBACK: Family = { family: "Droid Sans Fallback", regular: /^DroidSansFallback(Full)?\.ttf$/i };
const WQY_MICROHEI: Family = { family: "WenQuanYi Micro Hei", regular: /^wqy-microhei\.ttc$/i, face: /^WenQuanYiMicroHei$/ };
const WQY_ZENHEI: Family = { family: "WenQuanYi Zen Hei", regular: /^wqy-zenhei\.ttc$/i, face: /^WenQuanYiZenHei$/ };

function notoCjk(region: "SC" | "JP" | "KR"): Family[] {
	return [
		{
			family: `Noto Sans CJK ${region}`,
			regular: new RegExp(`^(NotoSansCJK(${region})?-Regular\\.(ttc|otf)|NotoSansCJK-VF\\.(otf\\.)?ttc)$`, "i"),
			bold: new RegExp(`^NotoSansCJK(${region})?-Bold\\.(ttc|otf)$`, "i"),
			face: new RegExp(`^NotoSansCJK${region.toLowerCase()}-(Regular|VF)?`, "i"),
			boldFace: new RegExp(`^NotoSansCJK${region.toLowerCase()}-Bold$`, "i"),
		},
		{
			family: `Source Han Sans ${region}`,
			regular: new RegExp(`^SourceHanSans(${region})?-Regular\\.(ttc|otf)$`, "i"),
			bold: new RegExp(`^SourceHanSans(${region})?-Bold\\.(ttc|otf)$`, "i"),
			face: new RegExp(`^SourceHanSans${region}-Regular$`, "i"),
			boldFace: new RegExp(`^SourceHanSans${region}-Bold$`, "i"),
		},
		noto(`Noto Sans ${region}`, `NotoSans${region}`),
	];
}

/** Everything-fonts, tried last for any script. */
const LAST_RESORT: Family[] = [DEJAVU_SANS, SEGOE_UI, ARIAL_UNICODE, DROID_FALLBACK];

const LATIN: Family[] = [NOTO_SANS, DEJAVU_SANS, ARIAL, SEGOE_UI, LIBERATION_SANS];

const CHINESE: Family[] = [
	...notoCjk("SC"),
	WQY_MICROHEI,
	WQY_ZENHEI,
	{ family: "Microsoft YaHei", regular: /^msyh\.tt[cf]$/i, bold: /^msyhbd\.tt[cf]$/i, face: /^MicrosoftYaHei$/, boldFace: /^MicrosoftYaHei-Bold$/ },
	{ family: "PingFang SC", regular: /^PingFang\.ttc$/i, face: /^PingFangSC-Regular$/, boldFace: /^PingFangSC-Semibold$/ },
	{ family: "Hiragino Sans GB", regular: /^Hiragino Sans GB( W3)?\.ttc$/i, face: /^HiraginoSansGB-W3$/, boldFace: /^HiraginoSansGB-W6$/ },
	{ family: "Heiti SC", regular: /^STHeiti Light\.ttc$/i, bold: /^STHeiti Medium\.ttc$/i, face: /^STHeitiSC-Light$/, boldFace: /^STHeitiSC-Medium$/ },
	{ family: "SimSun", regular: /^simsun\.tt[cf]$/i, face: /^SimSun$/ },
	DROID_FALLBACK,
];

const JAPANESE: Family[] = [
	...notoCjk("JP"),
	{ family: "Yu Gothic", regular: /^YuGothR\.ttc$/i, bold: /^YuGothB\.ttc$/i, face: /^YuGothic-Regular$/, boldFace: /^YuGothic-Bold$/ },
	{ family: "Meiryo", regular: /^meiryo\.ttc$/i, bold: /^meiryob\.ttc$/i, face: /^Meiryo$/, boldFace: /^Meiryo-Bold$/ },
	{
		family: "Hiragino Sans",
		regular: /^(ヒラギノ角ゴシック W3|Hiragino Sans W3)\.ttc$/i,
		bold: /^(ヒラギノ角ゴシック W6|Hiragino Sans W6)\.ttc$/i,
		face: /^HiraginoSans-W3$/,
		boldFace: /^HiraginoSans-W6$/,
	},
	{ family: "MS Gothic", regular: /^msgothic\.ttc$/i, face: /^MS-Gothic$/ },
	WQY_MICROHEI,
	DROID_FALLBACK,
];

const KOREAN: Family[] = [
	...notoCjk("KR"),
	{ family: "Malgun Gothic", regular: /^malgun\.ttf$/i, bold: /^malgunbd\.ttf$/i },
	{ family: "Apple SD Gothic Neo", regular: /^AppleSDGothicNeo\.ttc$/i, face: /^AppleSDGothicNeo-Regular$/, boldFace: /^AppleSDGothicNeo-Bold$/ },
	{ family: "Nanum Gothic", regular: /^NanumGothic\.ttf$/i, bold: /^NanumGothicBold\.ttf$/i },
	WQY_MICROHEI,
	DROID_FALLBACK,
];

/** Preferred families per script, best first (then `LAST_RESORT`). */
const FAMILIES: Record<string, Family[]> = {
	Latin: LATIN,
	Greek: LATIN,
	Cyrillic: LATIN,
	Hebrew: [
		noto("Noto Sans Hebrew", "NotoSansHebrew"),
		ARIAL,
		DEJAVU_SANS,
		{ family: "Arial Hebrew", regular: /^ArialHB\.ttc$/i, face: /^ArialHebrew$/, boldFace: /^ArialHebrew-Bold$/ },
		SEGOE_UI,
	],
	Arabic: [
		noto("Noto Sans Arabic", "NotoSansArabic"),
		noto("Noto Naskh Arabic", "NotoNaskhArabic"),
		ARIAL,
		SEGOE_UI,
		DEJAVU_SANS,
		{ family: "Geeza Pro", regular: /^GeezaPro\.ttc$/i, face: /^GeezaPro$/, boldFace: /^GeezaPro-Bold$/ },
	],
	Han: CHINESE,
	Bopomofo: CHINESE,
	Hiragana: JAPANESE,
	Katakana: JAPANESE,
	Hangul: KOREAN,
	Common: [
		DEJAVU_SANS,
		noto("Noto Sans Symbols 2", "NotoSansSymbols2"),
		noto("Noto Sans Math", "NotoSansMath"),
		{ family: "Segoe UI Symbol", regular: /^seguisym\.ttf$/i },
		NOTO_SANS,
	],
};

/** Other scripts: Noto's family for the script, then Windows' fonts that cover many. */
function familiesFor(script: string): Family[] {
	const listed = FAMILIES[script];
	const own = listed ?? [
		noto(`Noto Sans ${script}`, `NotoSans${script.replace(/_/g, "")}`),
		noto(`Noto Serif ${script}`, `NotoSerif${script.replace(/_/g, "")}`),
		{ family: "Nirmala UI", regular: /^nirmala\.tt[cf]$/i, face: /^NirmalaUI$/ },
		{ family: "Ebrima", regular: /^ebrima\.ttf$/i },
	];
	return [...own, ...LAST_RESORT.filter((f) => !own.includes(f))];
}

/** The usual font folders of this platform, most specific (the user's own) last. */
export function systemFontDirs(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
	if (platform === "win32") {
		const windir = env.WINDIR ?? env.SystemRoot ?? "C:\\Windows";
		const local = env.LOCALAPPDATA ?? `${home}\\AppData\\Local`;
		return [`${windir}\\Fonts`, `${local}\\Microsoft\\Windows\\Fonts`];
	}
	if (platform === "darwin") return ["/System/Library/Fonts", "/Library/Fonts", `${home}/Library/Fonts`];
	const dataHome = env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== "" ? env.XDG_DATA_HOME : `${home}/.local/share`;
	return ["/usr/share/fonts", "/usr/local/share/fonts", `${dataHome}/fonts`, `${home}/.fonts`];
}

export interface SystemFontOptions {
	/** Folders to look in (default: `systemFontDirs()`). */
	dirs?: readonly string[];
	/** How a font file is read (default: Node's readFile); the tests count the reads. */
	readFile?: (path: string) => Promise<Uint8Array>;
}

const FONT_FILE = /\.(ttf|otf|ttc|otc)$/i;
const MAX_DEPTH = 8;
const MAX_FILES = 50_000;

/** Font files under the folders, by lower-case file name (folders that do not exist are skipped). */
async function listFontFiles(dirs: readonly string[]): Promise<Map<string, string[]>> {
	const byName = new Map<string, string[]>();
	const seen = new Set<string>();
	let count = 0;
	const walk = async (dir: string, depth: number): Promise<void> => {
		if (depth > MAX_DEPTH || count > MAX_FILES) return;
		// A folder reached twice (a symbolic link to a folder already listed, a loop) is listed once.
		let key: string;
		try {
			const s = await stat(dir);
			key = s.ino ? `${s.dev}:${s.ino}` : dir;
		} catch {
			return;
		}
		if (seen.has(key)) return;
		seen.add(key);
		let entries;
		try {
			entries = await readdir(dir, { withFileTypes: true });
		} catch {
			return;
		}
		entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		for (const entry of entries) {
			if (++count > MAX_FILES) return;
			const path = nodePath.join(dir, entry.name);
			let isDir = entry.isDirectory();
			let isFile = entry.isFile();
			if (entry.isSymbolicLink()) {
				try {
					const s = await stat(path);
					isDir = s.isDirectory();
					isFile = s.isFile();
				} catch {
					continue;
				}
			}
			if (isDir) await walk(path, depth + 1);
			else if (isFile && FONT_FILE.test(entry.name)) {
				const key = entry.name.toLowerCase();
				byName.set(key, [...(byName.get(key) ?? []), path]);
			}
		}
	};
	for (const dir of dirs) await walk(dir, 0);
	return byName;
}

interface Loaded {
	file: FontFile;
	has: (codePoint: number) => boolean;
}

/** Fonts from this computer's font folders (see the module comment). */
export class SystemFontSource implements FontSource {
	private readonly dirs: readonly string[];
	private readonly read: (path: string) => Promise<Uint8Array>;

	constructor(options: SystemFontOptions = {}) {
		this.dirs = options.dirs ?? systemFontDirs();
		this.read = options.readFile ?? (async (path) => new Uint8Array(await readFile(path)));
	}

	async find(request: FontRequest): Promise<FontMatch> {
		const files = await listFontFiles(this.dirs);
		const bytesByPath = new Map<string, Promise<Uint8Array | null>>();
		const readOnce = (path: string) => {
			let bytes = bytesByPath.get(path);
			if (!bytes) {
				bytes = this.read(path).catch(() => null);
				bytesByPath.set(path, bytes);
			}
			return bytes;
		};
		/**
		 * The face in the first file whose name matches (null when absent or unreadable). In a
		 * collection, the face named `face`; failing that the first face, unless `strict`.
		 */
		const load = async (name: RegExp, face: RegExp | undefined, strict = false): Promise<Loaded | null> => {
			for (const [key, paths] of files) {
				if (!name.test(key)) continue;
				for (const path of paths) {
					const bytes = await readOnce(path);
					if (!bytes) continue;
					let faceBytes = bytes;
					if (isCollection(bytes)) {
						const names = collectionFaceNames(bytes);
						let index = face ? names.findIndex((n) => face.test(n)) : 0;
						if (index < 0 && strict) continue;
						index = Math.max(0, index);
						try {
							faceBytes = faceFromCollection(bytes, index);
						} catch {
							continue;
						}
					}
					const font = parseFace(faceBytes);
					if (!font) continue;
					return { file: { path, bytes: faceBytes }, has: (cp) => font.hasGlyphForCodePoint(cp) };
				}
			}
			return null;
		};

		const chosen: { face: FontFace; has: (cp: number) => boolean; key: string }[] = [];
		const missing: string[] = [];
		for (const need of request.needs) {
			let remaining = need.codePoints.filter((cp) => !chosen.some((c) => c.has(cp)));
			for (const family of familiesFor(need.script)) {
				if (remaining.length === 0) break;
				const key = family.family;
				if (chosen.some((c) => c.key === key)) continue;
				const regular = await load(family.regular, family.face);
				if (!regular || !remaining.some((cp) => regular.has(cp))) continue;
				const face: FontFace = { family: family.family, regular: regular.file };
				// Bold only for a script in bold text that this face draws (a CJK face is megabytes: not read for nothing).
				const wantsBold = request.needs.some((n) => n.bold === true && n.codePoints.some((cp) => regular.has(cp) && !chosen.some((c) => c.has(cp))));
				if (wantsBold) {
					// A bold file of its own, or the bold face of the same collection (never the regular face again).
					const bold = family.bold
						? await load(family.bold, family.boldFace)
						: family.boldFace
							? await load(family.regular, family.boldFace, true)
							: null;
					if (bold) face.bold = bold.file;
				}
				chosen.push({ face, has: regular.has, key });
				remaining = remaining.filter((cp) => !regular.has(cp));
			}
			if (remaining.length > 0) missing.push(need.script);
		}
		return { faces: chosen.map((c) => c.face), missing };
	}
}

/** The font source the CLI and the plugin export with. */
export function systemFontSource(): FontSource {
	return new SystemFontSource();
}
