/**
 * Temporary files named for their writer (issue 14: "every CLI unlock sweeps temp files by a fixed
 * name, so it deletes another process's in-flight write"). Over a real folder: each write gets its
 * own ".NAME~TAG~RANDOM.cvtmp"; the sweep that another process runs at its start or unlock leaves
 * a live writer's temporary file alone (a real child process holds the pid), removes it once that
 * writer is gone, never touches another computer's, and still removes the old fixed-name leftovers.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NodeFsStore, processWriter } from "../../src/core/store/NodeFsStore";
import { atomicWrite, newTempPathFor, parseTempName, sweepLeftovers, tempPathFor } from "../../src/core/store/atomic";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { utf8 } from "../../src/core/bytes";
import { killLiveProcesses, listFilesDeep, liveProcess, removeDir, tempDir, writerTagFor } from "./helpers";

const FILE = "Clinical/C-0001/notes/2026-01-05.md.cvault";
const dirs: string[] = [];

async function vault(): Promise<{ dir: string; store: NodeFsStore }> {
	const dir = await tempDir("cv-temp-names-");
	dirs.push(dir);
	await mkdir(join(dir, "Clinical/C-0001/notes"), { recursive: true });
	return { dir, store: new NodeFsStore(dir) };
}

afterEach(async () => {
	killLiveProcesses();
	for (const dir of dirs.splice(0)) await removeDir(dir);
});

describe("temporary files named for their writer", () => {
	it("each write has its own temporary name, carrying this process's tag (the computer's name only hashed)", async () => {
		const { store } = await vault();
		const a = newTempPathFor(store, FILE);
		const b = newTempPathFor(store, FILE);
		expect(a).not.toBe(b);
		expect(a).toMatch(/^Clinical\/C-0001\/notes\/\.2026-01-05\.md\.cvault~h[0-9a-f]{8}\.p\d+~[0-9a-f]{12}\.cvtmp$/);
		expect(parseTempName(a)).toEqual({ original: FILE, tag: processWriter.tag });
		expect(parseTempName(tempPathFor(FILE))).toEqual({ original: FILE, tag: null });
		expect(parseTempName("Clinical/x.md.cvault")).toBeNull();
		// A store that names no writer keeps the fixed name (the in-memory store of the unit tests).
		expect(newTempPathFor(new MemoryStore(), FILE)).toBe(tempPathFor(FILE));
	});

	it("a sweep leaves a live process's write in flight alone, and removes it once that process is gone", async () => {
		const { dir, store } = await vault();
		await atomicWrite(store, FILE, utf8("committed version"));
		const child = await liveProcess();
		const inFlight = join("Clinical/C-0001/notes", `.2026-01-05.md.cvault~${writerTagFor(child.pid!)}~0123456789ab.cvtmp`);
		await writeFile(join(dir, inFlight), "another process's new version, half written");
		expect(await sweepLeftovers(store, "Clinical")).toEqual([]);
		expect(existsSync(join(dir, inFlight))).toBe(true);

		child.kill("SIGKILL");
		await new Promise((resolve) => child.once("exit", resolve));
		expect(await sweepLeftovers(store, "Clinical")).toEqual([inFlight]);
		expect((await listFilesDeep(dir)).filter((p) => p.endsWith(".cvtmp"))).toEqual([]);
		expect(new TextDecoder().decode(await store.read(FILE))).toBe("committed version");
	});

	it("another computer's temporary file (synced here) is never removed; an old fixed-name leftover is", async () => {
		const { dir, store } = await vault();
		const foreign = join("Clinical/C-0001/notes", ".2026-01-05.md.cvault~h00000000.p123~0123456789ab.cvtmp");
		const legacy = tempPathFor(FILE);
		await writeFile(join(dir, foreign), "theirs");
		await writeFile(join(dir, legacy), "a crash's leftover");
		expect(await sweepLeftovers(store, "Clinical")).toEqual([legacy]);
		expect(existsSync(join(dir, foreign))).toBe(true);
	});

	it("two processes writing one file at once never share a temporary file: the file ends whole, as one of them wrote it", async () => {
		const { dir, store } = await vault();
		// Two other writers doing what atomicWrite does over a real folder, each with its own tag, 200 times.
		const script = (text: string) => `const fs = require("node:fs"), path = require("node:path"), crypto = require("node:crypto");
const file = path.join(${JSON.stringify(dir)}, ${JSON.stringify(FILE)});
for (let i = 0; i < 200; i++) {
  const temp = path.join(path.dirname(file), "." + path.basename(file) + "~h00000000.p" + process.pid + "~" + crypto.randomBytes(6).toString("hex") + ".cvtmp");
  fs.writeFileSync(temp, ${JSON.stringify(text)}.repeat(2000));
  fs.renameSync(temp, file);
}`;
		const run = (text: string) =>
			new Promise<number | null>((resolve) => {
				const child = spawn(process.execPath, ["-e", script(text)], { stdio: "ignore" });
				child.once("exit", resolve);
			});
		const codes = await Promise.all([run("A"), run("B"), atomicWrite(store, FILE, utf8("C".repeat(2000))).then(() => 0)]);
		expect(codes).toEqual([0, 0, 0]);
		const final = new TextDecoder().decode(await store.read(FILE));
		expect(["A".repeat(2000), "B".repeat(2000), "C".repeat(2000)]).toContain(final);
		expect((await listFilesDeep(dir)).filter((p) => p.endsWith(".cvtmp"))).toEqual([]);
	});
});
