/**
 * Remote content is blocked before rendering: a catalogue of the ways a note can make Chromium
 * fetch from another host, each replaced by a placeholder with the address as text; links, local
 * images and code stay as they are.
 */
import { describe, expect, it } from "vitest";
import { blockRemoteContent, isRemoteAddress } from "../../src/core/markdown/remoteContent";

const FETCHES: [string, string][] = [
	["markdown image", "![x](https://tracker.example.invalid/p.png?c=C-0142)"],
	["image with title", '![x](http://tracker.example.invalid/p.png "t")'],
	["image in angle brackets", "![x](<https://tracker.example.invalid/p.png>)"],
	["protocol-relative image", "![x](//tracker.example.invalid/p.png)"],
	["reference image", "![x][pixel]\n\n[pixel]: https://tracker.example.invalid/p.png"],
	["collapsed reference image", "![pixel]\n\n[pixel]: https://tracker.example.invalid/p.png"],
	["embed of an address", "![[https://tracker.example.invalid/p.png]]"],
	["img tag", '<img src="https://tracker.example.invalid/x.png">'],
	["IMG upper case, no quotes", "<IMG SRC=https://tracker.example.invalid/x.png>"],
	["img over two lines", '<img\n  src="https://tracker.example.invalid/x.png"\n  alt="">'],
	["srcset", '<img srcset="a.png 1x, https://tracker.example.invalid/x.png 2x">'],
	["character references", '<img src="&#104;ttps&#58;//tracker.example.invalid/x.png">'],
	["hex references", '<img src="&#x68;&#x74;tps://tracker.example.invalid/x.png">'],
	["iframe", '<iframe src="https://evil.example.invalid"></iframe>'],
	["audio", '<audio src="https://x.example.invalid/a.mp3" autoplay></audio>'],
	["video poster", '<video poster="https://x.example.invalid/p.jpg"></video>'],
	["source", '<video><source src="https://x.example.invalid/v.mp4"></video>'],
	["object", '<object data="https://x.example.invalid/o.swf"></object>'],
	["embed tag", '<embed src="https://x.example.invalid/e">'],
	["stylesheet link", '<link rel="stylesheet" href="https://x.example.invalid/s.css">'],
	["style block url", "<style>body{background:url(https://x.example.invalid/c.png)}</style>"],
	["style block import", "<style>@import 'https://x.example.invalid/s.css';</style>"],
	["style attribute", '<div style="background-image: url(https://x.example.invalid/c.png)">x</div>'],
	["background attribute", '<table background="https://x.example.invalid/t.png"><tr><td>x</td></tr></table>'],
	["svg image", '<svg><image xlink:href="https://x.example.invalid/i.png"/></svg>'],
	["meta refresh", '<meta http-equiv="refresh" content="0;url=https://x.example.invalid">'],
	["base", '<base href="https://x.example.invalid/">'],
	["script", '<script src="https://x.example.invalid/s.js"></script>'],
	["link ping", '<a href="#" ping="https://x.example.invalid/ping">x</a>'],
	["input image", '<input type="image" src="https://x.example.invalid/i.png">'],
	["image after unmatched backtick runs", "`` ![x](https://tracker.example.invalid/p.png) `"],
	["image after a backtick line that is no fence", "``` x `\n![x](https://tracker.example.invalid/p.png)"],
	["second url in a style", '<div style="background: url(a.png), url(https://x.example.invalid/c.png)">x</div>'],
	["image-set in a style", `<div style="background-image: image-set('https://x.example.invalid/c.png' 1x)">x</div>`],
	["angle-bracket address with a space", "![x](<https://tracker.example.invalid/a b.png>)"],
];

describe("remote content before rendering", () => {
	it.each(FETCHES)("blocks a %s", (_what, markdown) => {
		const { markdown: out, blocked } = blockRemoteContent(`Before.\n\n${markdown}\n\nAfter.`);
		expect(blocked.length).toBeGreaterThan(0);
		// Nothing that fetches is left: no tag or image syntax naming another host.
		expect(out).not.toMatch(/<[a-z][^>]*(?:https?:|\/\/|&#)/i);
		expect(out).not.toMatch(/!\[[^\]]*\]\((?:<)?(?:https?:)?\/\//);
		expect(out).not.toMatch(/<(?:style|iframe|script|object|embed|link|meta|base)\b/i);
		expect(out).toContain("remote");
		expect(out).toContain("Before.");
		expect(out).toContain("After.");
	});

	it("keeps links, local and in-memory images, and code as they are", () => {
		const keep = [
			"[a link](https://example.invalid/page)",
			'<a href="https://example.invalid/page">a link</a>',
			"https://example.invalid/bare",
			"![local](images/scan.png)",
			"![[C-0142/attachments/drawing.png]]",
			'<img src="data:image/png;base64,iVBORw0KGgo=">',
			"```\n![x](https://example.invalid/p.png)\n<img src=https://example.invalid/x.png>\n```",
			"`<img src=https://example.invalid/x.png>` in inline code",
			"<details><summary>More</summary>Plain text.</details>",
		].join("\n\n");
		const { markdown, blocked } = blockRemoteContent(keep);
		expect(blocked).toEqual([]);
		expect(markdown).toBe(keep);
	});

	it("says what was blocked, with the address as text that opens nothing", () => {
		const { markdown, blocked } = blockRemoteContent("![x](https://tracker.example.invalid/p.png?c=C-0142)");
		expect(blocked).toEqual([{ kind: "image", address: "https://tracker.example.invalid/p.png?c=C-0142" }]);
		expect(markdown).toBe("\\[remote image blocked: https\\://tracker.example.invalid/p.png?c\\=C-0142\\]");
	});

	it("knows a remote address from a local one", () => {
		for (const a of ["https://x", "http://x", "//x", "ftp://x", "file:///etc/passwd"]) expect(isRemoteAddress(a), a).toBe(true);
		for (const a of ["data:image/png;base64,AA", "blob:app://obsidian.md/1", "app://local/x", "images/x.png", "#anchor"])
			expect(isRemoteAddress(a), a).toBe(false);
	});
});
