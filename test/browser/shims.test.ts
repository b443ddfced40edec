/**
 * The browser page's Node shims against Node itself: the same file-system steps on a real
 * temporary folder and on the in-memory disk give the same results and the same error codes, and
 * the POSIX path functions agree with node:path's. (Runs in Node; the shims need no browser for this.)
 */
import * as realFs from "node:fs/promises";
import { tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import * as nodePath from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as shimFs from "./page/shims/fs-promises";
import * as shimPath from "./page/shims/path";

type Fs = Pick<
	typeof shimFs,
	"writeFile" | "readFile" | "appendFile" | "mkdir" | "readdir" | "rename" | "rm" | "rmdir" | "unlink" | "stat" | "access" | "copyFile" | "open"
>;

/** A step's outcome: its value, or the error code it failed with. */
async function outcome(step: () => Promise<unknown>): Promise<unknown> {
	try {
		const value = await step();
		return { ok: value === undefined ? null : value };
	} catch (error) {
		return { code: (error as { code?: string }).code ?? String(error) };
	}
}

const STEPS: [string, (fs: Fs, p: (rel: string) => string) => Promise<unknown>][] = [
	["write into a missing folder", (fs, p) => fs.writeFile(p("missing/a.txt"), "x")],
	["mkdir without its parent", (fs, p) => fs.mkdir(p("missing/deeper"))],
	["mkdir recursive", async (fs, p) => (await fs.mkdir(p("notes/2026"), { recursive: true })) !== undefined],
	["mkdir an existing folder", (fs, p) => fs.mkdir(p("notes"))],
	["write and read text", async (fs, p) => (await fs.writeFile(p("notes/a.md"), "Synthetic é"), fs.readFile(p("notes/a.md"), "utf8"))],
	["read bytes", async (fs, p) => Array.from(await fs.readFile(p("notes/a.md")))],
	["append", async (fs, p) => (await fs.appendFile(p("notes/a.md"), "!"), fs.readFile(p("notes/a.md"), "utf8"))],
	["stat a file", async (fs, p) => ((s) => [s.isFile(), s.isDirectory(), s.size])(await fs.stat(p("notes/a.md")))],
	["stat under a file", (fs, p) => fs.stat(p("notes/a.md/x"))],
	["readdir with types", async (fs, p) => (await fs.readdir(p("notes"), { withFileTypes: true })).map((d) => [d.name, d.isDirectory()]).sort()],
	[
		"rename onto an existing file",
		async (fs, p) => (await fs.writeFile(p("notes/b.md"), "B"), await fs.rename(p("notes/b.md"), p("notes/a.md")), fs.readFile(p("notes/a.md"), "utf8")),
	],
	[
		"rename a folder onto a non-empty one",
		async (fs, p) => (await fs.mkdir(p("other")), await fs.writeFile(p("other/x"), ""), fs.rename(p("other"), p("notes"))),
	],
	["rename a folder into itself", (fs, p) => fs.rename(p("notes"), p("notes/2026/inner"))],
	["rename a folder with content", async (fs, p) => (await fs.rename(p("other"), p("moved")), fs.readdir(p("moved")))],
	["rm a folder without recursive", (fs, p) => fs.rm(p("moved"))],
	["rmdir a non-empty folder", (fs, p) => fs.rmdir(p("moved"))],
	["unlink a folder", (fs, p) => fs.unlink(p("moved"))],
	["unlink a missing file", (fs, p) => fs.unlink(p("nothing"))],
	["rm missing with force", (fs, p) => fs.rm(p("nothing"), { force: true })],
	["rm recursive", async (fs, p) => (await fs.rm(p("moved"), { recursive: true }), fs.access(p("moved")))],
	["copy over a file", async (fs, p) => (await fs.writeFile(p("c"), "C"), await fs.copyFile(p("c"), p("notes/a.md")), fs.readFile(p("notes/a.md"), "utf8"))],
	[
		"open w truncates, a appends",
		async (fs, p) => {
			const w = await fs.open(p("notes/a.md"), "w");
			await w.writeFile(new TextEncoder().encode("new"));
			await w.sync();
			await w.close();
			const a = await fs.open(p("notes/a.md"), "a");
			await a.write(new TextEncoder().encode("+tail"), 0, 5);
			await a.close();
			return fs.readFile(p("notes/a.md"), "utf8");
		},
	],
	["open r on a missing file", (fs, p) => fs.open(p("nothing"), "r")],
	[
		"mtime moves with a write",
		async (fs, p) => ((before) => fs.writeFile(p("c"), "CC").then(async () => (await fs.stat(p("c"))).mtimeMs > before))((await fs.stat(p("c"))).mtimeMs),
	],
];

describe("the page's fs shim", () => {
	let dir = "";
	beforeAll(async () => {
		dir = await realFs.mkdtemp(nodePath.join(tmpdir(), "cv-shim-"));
		await shimFs.mkdir("/shim-test");
	});
	afterAll(async () => {
		await realFs.rm(dir, { recursive: true, force: true });
	});

	it("gives Node's results and error codes, step by step", async () => {
		const real: unknown[] = [];
		const shim: unknown[] = [];
		for (const [name, step] of STEPS) {
			// A write landing in the same millisecond as the one before would not move a real mtime.
			if (name.startsWith("mtime")) await sleep(5);
			real.push([name, await outcome(() => step(realFs as unknown as Fs, (rel) => nodePath.join(dir, rel)))]);
			shim.push([name, await outcome(() => step(shimFs, (rel) => `/shim-test/${rel}`))]);
		}
		expect(shim).toEqual(real);
	});
});

describe("the page's path shim", () => {
	const samples = ["", ".", "/", "a", "/a/b/", "a//b/../c/./d", "../x", "/../x", "a/b.c.md", ".hidden", "/v/.x.cvtmp", "C-0001/notes/2026-03-02.md.cvault"];

	it("agrees with node:path (POSIX)", () => {
		for (const s of samples) {
			expect([s, shimPath.normalize(s)]).toEqual([s, nodePath.posix.normalize(s)]);
			expect([s, shimPath.dirname(s)]).toEqual([s, nodePath.posix.dirname(s)]);
			expect([s, shimPath.basename(s)]).toEqual([s, nodePath.posix.basename(s)]);
			expect([s, shimPath.basename(s, ".md")]).toEqual([s, nodePath.posix.basename(s, ".md")]);
			expect([s, shimPath.extname(s)]).toEqual([s, nodePath.posix.extname(s)]);
			expect([s, shimPath.resolve("/vault", s)]).toEqual([s, nodePath.posix.resolve("/vault", s)]);
			expect([s, shimPath.join("/vault", s, "x")]).toEqual([s, nodePath.posix.join("/vault", s, "x")]);
			expect([s, shimPath.relative("/vault/a", `/vault/${s}`)]).toEqual([s, nodePath.posix.relative("/vault/a", `/vault/${s}`)]);
		}
	});
});
