/**
 * Remote content is blocked before a decrypted note, the brief or a page is rendered. Obsidian's
 * renderer (Chromium) fetches a remote image, frame, audio, video, stylesheet or object the moment
 * it is rendered, outside the plugin's outbound gate and with the address chosen by whoever wrote
 * the note (a model, an imported file, a pasted page): a tracking pixel with the client code in it
 * would leave the machine. Here every such reference is replaced, before rendering, by a visible
 * placeholder with the address as text ("[remote image blocked: https://…]"); links stay links
 * (nothing is fetched until the clinician clicks one, and then the system browser opens it).
 *
 * What counts as remote: an address with a scheme other than data:, blob:, app: or obsidian:,
 * or starting with "//" (protocol-relative). Inside code (fenced blocks, inline code) nothing is
 * rendered, so nothing is changed there.
 *
 * Blocked:
 * - markdown images ![alt](https://…), reference images ![alt][ref] whose definition is remote,
 *   Obsidian embeds ![[https://…]];
 * - any HTML tag that names a remote address in an attribute (src, srcset, poster, data,
 *   background, href of <link>, xlink:href, style url(…)), after character references are decoded
 *   (&#104;ttps: is https:), except <a href> (a link);
 * - <style>, <link>, <script>, <iframe>, <frame>, <object>, <embed>, <base>, <meta>, <portal>
 *   tags whatever they name, and @import or url(…) in a style block.
 */

import { inert } from "../safety/inert";

export interface BlockedContent {
	kind: "image" | "embed" | "html";
	address: string;
}

const REMOTE = /^\s*(?:[a-z][a-z0-9+.-]*:|\/\/)/i;
const LOCAL_SCHEME = /^\s*(?:data|blob|app|obsidian|capacitor):/i;

/** Whether an address would be fetched from another host. */
export function isRemoteAddress(address: string): boolean {
	return REMOTE.test(address) && !LOCAL_SCHEME.test(address);
}

function decodeReferences(text: string): string {
	return text
		.replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
		.replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
		.replace(/&colon;/gi, ":")
		.replace(/&sol;/gi, "/")
		.replace(/&period;/gi, ".")
		.replace(/&Tab;|&NewLine;/gi, "");
}

/** The placeholder: the address as inert text (safety/inert.ts), so it opens nothing itself. */
function placeholder(kind: BlockedContent["kind"], address: string): string {
	return `\\[remote ${kind === "html" ? "content" : kind} blocked: ${inert(address.slice(0, 200))}\\]`;
}

const ALWAYS_BLOCKED_TAGS = /^<\s*\/?\s*(?:style|link|script|iframe|frame|frameset|object|embed|base|meta|portal|applet)\b/i;
const ATTRIBUTE = /([a-z:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi;
const FETCHING_ATTRIBUTES = new Set([
	"src",
	"srcset",
	"poster",
	"data",
	"background",
	"xlink:href",
	"href",
	"action",
	"formaction",
	"style",
	"codebase",
	"lowsrc",
	"dynsrc",
	"longdesc",
	"manifest",
	"ping",
	"cite",
]);

/** The first remote address an HTML tag would fetch, or null. */
function remoteInTag(tag: string): string | null {
	const decoded = decodeReferences(tag);
	const name = /^<\s*\/?\s*([a-z][a-z0-9-]*)/i.exec(decoded)?.[1]?.toLowerCase() ?? "";
	for (const m of decoded.matchAll(ATTRIBUTE)) {
		const attr = m[1]!.toLowerCase();
		const value = m[2]!.replace(/^["']|["']$/g, "");
		if (!FETCHING_ATTRIBUTES.has(attr)) continue;
		// A link is clicked, not fetched: <a href> stays.
		if ((attr === "href" || attr === "ping") && name === "a") {
			if (attr === "ping" && isRemoteAddress(value)) return value;
			continue;
		}
		if (attr === "style" || attr === "background") {
			// Every url(…) and image-set("…") of the style, not only the first.
			for (const u of value.matchAll(/url\(\s*["']?([^"')]+)|image-set\(([^)]*)\)/gi)) {
				const addresses = u[1] !== undefined ? [u[1]] : [...(u[2] ?? "").matchAll(/["']([^"']+)["']/g)].map((x) => x[1]!);
				const remote = addresses.find(isRemoteAddress);
				if (remote) return remote;
			}
			if (attr === "background" && isRemoteAddress(value)) return value;
			continue;
		}
		if (attr === "srcset") {
			const remote = value
				.split(",")
				.map((c) => c.trim().split(/\s+/)[0] ?? "")
				.find(isRemoteAddress);
			if (remote) return remote;
			continue;
		}
		if (isRemoteAddress(value)) return value;
	}
	return null;
}

/** Replaces every remote reference outside code by a placeholder; returns the markdown and what was blocked. */
export function blockRemoteContent(markdown: string): { markdown: string; blocked: BlockedContent[] } {
	const blocked: BlockedContent[] = [];
	const block = (kind: BlockedContent["kind"], address: string): string => {
		blocked.push({ kind, address: address.trim() });
		return placeholder(kind, address);
	};
	// Reference definitions with a remote address: images that use them are blocked.
	const remoteRefs = new Set<string>();
	for (const m of markdown.matchAll(/^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s|$)/gm)) if (isRemoteAddress(m[2]!)) remoteRefs.add(m[1]!.trim().toLowerCase());

	const out: string[] = [];
	let fence: string | null = null;
	const lines = markdown.split("\n");
	// HTML tags may run over lines: work on the text between fences as one piece.
	let chunk: string[] = [];
	const flush = (): void => {
		if (chunk.length === 0) return;
		out.push(processProse(chunk.join("\n")));
		chunk = [];
	};
	const processProse = (text: string): string => {
		// Inline code is kept as it is: split it out first (a span closes only on a run of the same length).
		return splitCodeSpans(text)
			.map((part, i) => {
				if (i % 2 === 1) return part;
				let s = part;
				s = s.replace(/<style\b[\s\S]*?(?:<\/style\s*>|$)/gi, (m) =>
					block("html", /url\(\s*["']?([^"')]+)|@import\s+["']?([^"';\s]+)/i.exec(m)?.slice(1).find(Boolean) ?? "a style block"),
				);
				s = s.replace(/<(?:script|iframe|object)\b[\s\S]*?(?:<\/(?:script|iframe|object)\s*>|$)/gi, (m) =>
					block("html", remoteInTag(m) ?? /^<\s*([a-z]+)/i.exec(m)?.[1] ?? "html"),
				);
				s = s.replace(/<\s*\/?\s*[a-z][a-z0-9-]*(?:[^>"']|"[^"]*"|'[^']*')*>?/gi, (tag) => {
					if (ALWAYS_BLOCKED_TAGS.test(tag)) return block("html", remoteInTag(tag) ?? /^<\s*\/?\s*([a-z]+)/i.exec(tag)?.[1] ?? "html");
					const remote = remoteInTag(tag);
					return remote ? block("html", remote) : tag;
				});
				s = s.replace(/!\[\[([^\]]+)\]\]/g, (whole, target: string) => (isRemoteAddress(target) ? block("embed", target) : whole));
				s = s.replace(
					/!\[((?:[^\]\\]|\\.)*)\]\(\s*(?:<([^>\n]*)>|([^)\s]+))(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g,
					(whole, _alt: string, angled: string | undefined, bare: string | undefined) => {
						const address = angled ?? bare ?? "";
						return isRemoteAddress(address) ? block("image", address) : whole;
					},
				);
				s = s.replace(/!\[((?:[^\]\\]|\\.)*)\](?:\[([^\]]*)\])?/g, (whole, alt: string, ref: string | undefined) => {
					const key = (ref === undefined || ref === "" ? alt : ref).trim().toLowerCase();
					return remoteRefs.has(key) ? block("image", key) : whole;
				});
				return s;
			})
			.join("");
	};
	for (const line of lines) {
		// A backtick fence's info string has no backtick (CommonMark): "``` x `" is text, not a fence.
		const f = /^\s{0,3}(`{3,}(?=[^`]*$)|~{3,})/.exec(line);
		if (fence !== null) {
			out.push(line);
			if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length) fence = null;
			continue;
		}
		if (f) {
			flush();
			fence = f[1]!;
			out.push(line);
			continue;
		}
		chunk.push(line);
	}
	flush();
	return { markdown: out.join("\n"), blocked };
}

/** Text and code spans, alternating (odd indexes are code): a span opens on a run of backticks and closes on a run of the same length. */
function splitCodeSpans(text: string): string[] {
	const out: string[] = [];
	let start = 0;
	let i = 0;
	while (i < text.length) {
		if (text[i] !== "`") {
			i++;
			continue;
		}
		let j = i;
		while (text[j] === "`") j++;
		const run = j - i;
		// The closing run: exactly `run` backticks.
		let k = j;
		let close = -1;
		while (k < text.length) {
			if (text[k] !== "`") {
				k++;
				continue;
			}
			let e = k;
			while (text[e] === "`") e++;
			if (e - k === run) {
				close = e;
				break;
			}
			k = e;
		}
		if (close < 0) {
			i = j;
			continue;
		}
		out.push(text.slice(start, i), text.slice(i, close));
		start = close;
		i = close;
	}
	out.push(text.slice(start));
	return out;
}
