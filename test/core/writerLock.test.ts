/**
 * The cross-process writer lock over a real folder: a live process's lock is waited for and then
 * named in a clear error (nothing changed); a dead process's lock, or one taken before the computer
 * last started (a power cut, the pid since reused), is taken over at once; another
 * computer's lock (a synced folder) is respected until it is stale; holders in one process share
 * the lock and the last one out removes it.
 */
import { setTimeout as delay } from "node:timers/promises";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { WriterLock } from "../../src/core/store/writerLock";
import { killLiveProcesses, liveProcess, removeDir, tempDir, writerTagFor } from "./helpers";

const LOCK = "Clinical/_vault/.writer.lock";
const dirs: string[] = [];

async function setup(): Promise<{ dir: string; store: NodeFsStore }> {
	const dir = await tempDir("cv-writer-lock-");
	dirs.push(dir);
	await mkdir(join(dir, "Clinical/_vault"), { recursive: true });
	return { dir, store: new NodeFsStore(dir) };
}

afterEach(async () => {
	killLiveProcesses();
	for (const dir of dirs.splice(0)) await removeDir(dir);
});

describe("the cross-process writer lock", () => {
	it("holders in one process share it; the file exists while any is inside and goes with the last", async () => {
		const { dir, store } = await setup();
		const lock = new WriterLock(store, LOCK);
		let inside = 0;
		const seen: boolean[] = [];
		await Promise.all(
			[1, 2, 3].map((n) =>
				lock.hold(async () => {
					inside++;
					seen.push(existsSync(join(dir, LOCK)));
					await delay(10 * n);
					inside--;
				}),
			),
		);
		// Nested: a write holding it, then its audit entry inside.
		await lock.hold(() => lock.hold(() => Promise.resolve()));
		await lock.hold(() => Promise.resolve());
		expect(seen).toEqual([true, true, true]);
		expect(inside).toBe(0);
		await delay(20);
		expect(existsSync(join(dir, LOCK))).toBe(false);
	});

	it("a live process's lock: waited for, then a clear error naming it; nothing runs", async () => {
		const { dir, store } = await setup();
		const child = await liveProcess();
		await writeFile(join(dir, LOCK), JSON.stringify({ tag: writerTagFor(child.pid!), at: Date.now() }));
		let ran = false;
		const lock = new WriterLock(store, LOCK, { waitMs: 300 });
		await expect(
			lock.hold(async () => {
				ran = true;
			}),
		).rejects.toThrow(new RegExp(`being written by process ${child.pid} on this computer .* Nothing was changed`));
		expect(ran).toBe(false);
		// Released by its owner: taken at once.
		await store.remove(LOCK);
		await lock.hold(async () => {
			ran = true;
		});
		expect(ran).toBe(true);
	});

	it("a dead process's lock (a crash) is taken over at once", async () => {
		const { dir, store } = await setup();
		const child = await liveProcess();
		const pid = child.pid!;
		child.kill("SIGKILL");
		await new Promise((resolve) => child.once("exit", resolve));
		await writeFile(join(dir, LOCK), JSON.stringify({ tag: writerTagFor(pid), at: Date.now() }));
		const started = Date.now();
		await new WriterLock(store, LOCK, { waitMs: 5000 }).hold(() => Promise.resolve());
		expect(Date.now() - started).toBeLessThan(2000);
	});

	it("a lock taken before this computer last started (a power cut) is taken over, though its pid now names a live process", async () => {
		const { dir, store } = await setup();
		const child = await liveProcess();
		const bootTime = store.writer.bootTime!;
		expect(bootTime).toBeLessThan(Date.now());
		await writeFile(join(dir, LOCK), JSON.stringify({ tag: writerTagFor(child.pid!), at: bootTime - 60_000 }));
		const started = Date.now();
		await expect(new WriterLock(store, LOCK, { waitMs: 5000 }).hold(() => Promise.resolve("ran"))).resolves.toBe("ran");
		expect(Date.now() - started).toBeLessThan(2000);
		// Taken since the start: the live process's lock is respected.
		while (existsSync(join(dir, LOCK))) await delay(5); // the first holder's release
		await writeFile(join(dir, LOCK), JSON.stringify({ tag: writerTagFor(child.pid!), at: bootTime + 60_000 }));
		await expect(new WriterLock(store, LOCK, { waitMs: 200 }).hold(() => Promise.resolve("ran"))).rejects.toThrow(/being written by process/);
	});

	it("where the computer names its start (Linux boot_id): a lock of another start is taken over at once, one of this start is respected whatever its time says", async () => {
		const { dir, store } = await setup();
		const bootId = store.writer.bootId;
		if (process.platform === "linux") expect(bootId).toMatch(/^[0-9a-f-]{36}$/);
		if (bootId === undefined) return;
		const child = await liveProcess();
		// Another start, taken a moment ago by the clock: a pid reused after a restart.
		await writeFile(join(dir, LOCK), JSON.stringify({ tag: writerTagFor(child.pid!), at: Date.now(), boot: "00000000-0000-0000-0000-000000000000" }));
		await expect(new WriterLock(store, LOCK, { waitMs: 5000 }).hold(() => Promise.resolve("ran"))).resolves.toBe("ran");
		while (existsSync(join(dir, LOCK))) await delay(5);
		// This start, though its time reads as before the start (a clock stepped forward since): respected.
		await writeFile(join(dir, LOCK), JSON.stringify({ tag: writerTagFor(child.pid!), at: store.writer.bootTime! - 3_600_000, boot: bootId }));
		await expect(new WriterLock(store, LOCK, { waitMs: 200 }).hold(() => Promise.resolve("ran"))).rejects.toThrow(/being written by process/);
	});

	it("another computer's lock is respected until it is stale, then taken over", async () => {
		const { dir, store } = await setup();
		let now = 1_000_000;
		await writeFile(join(dir, LOCK), JSON.stringify({ tag: "h00000000.p77", at: now }));
		const lock = new WriterLock(store, LOCK, { waitMs: 200, staleMs: 60_000, now: () => now });
		const busy = lock.hold(() => Promise.resolve("ran"));
		// The clock does not move: the wait runs out.
		await expect(busy).rejects.toThrow(/another program, or another computer through file sync/);
		now += 61_000;
		await expect(lock.hold(() => Promise.resolve("ran"))).resolves.toBe("ran");
	});
});
