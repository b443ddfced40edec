/**
 * The hash-chained audit log under attack: edited, removed, reordered, inserted, foreign and
 * replayed entries are reported at the right entry; a torn trailing line (an interrupted append)
 * is reported as such and repaired, atomically, by the next append with an "audit-repair" entry.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/core/audit/AuditLog";
import { DeviceState, MemoryDeviceStateStore } from "../../src/core/audit/deviceState";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { ManualClock } from "../../src/core/clock";
import { deriveVaultKeys, type VaultKeys } from "../../src/core/crypto/vaultkeys";
import { fromBase64, randomBytes, toBase64, toHex, utf8 } from "../../src/core/bytes";

const DEVICE = "d0123456789abcdef";
const PATH = `Clinical/_vault/audit/${DEVICE}.cvlog`;
const ENTRIES = 8;

/** A log of this device, with a device state of its own (no anchors: these tests are about the chain). */
function open(store: MemoryStore, keys: VaultKeys, clock: ManualClock): AuditLog {
	return new AuditLog(store, keys, clock, new DeviceState(new MemoryDeviceStateStore()), DEVICE, {
		legacyPath: "Clinical/_vault/audit.cvlog",
		folder: "Clinical/_vault/audit",
	});
}

async function newKeys(): Promise<VaultKeys> {
	return deriveVaultKeys(randomBytes(32), toHex(randomBytes(16)));
}

async function buildLog(store: MemoryStore, keys: VaultKeys, clock: ManualClock): Promise<string[]> {
	const log = open(store, keys, clock);
	await log.append("init");
	for (let i = 2; i <= ENTRIES; i++) {
		clock.advance(60_000);
		await log.append(i % 2 === 0 ? "open" : "modify", { fileId: toHex(randomBytes(16)), path: `C-0001/notes/2026-01-0${i}.md` });
	}
	return lines(store);
}

function lines(store: MemoryStore): string[] {
	const text = Buffer.from(store.peek(PATH) ?? new Uint8Array(0)).toString("utf8");
	return text.split("\n").filter((l) => l !== "");
}

function putLines(store: MemoryStore, list: string[], trailing = ""): void {
	store.put(PATH, utf8(list.map((l) => `${l}\n`).join("") + trailing));
}

let store: MemoryStore;
let keys: VaultKeys;
let clock: ManualClock;
let original: string[];

beforeEach(async () => {
	store = new MemoryStore();
	keys = await newKeys();
	clock = new ManualClock();
	original = await buildLog(store, keys, clock);
	expect(original).toHaveLength(ENTRIES);
});

async function verifyFresh(): Promise<Awaited<ReturnType<AuditLog["verify"]>>> {
	return open(store, keys, clock).verify();
}

async function expectProblemAt(entry: number): Promise<void> {
	const result = await verifyFresh();
	expect(result.ok).toBe(false);
	expect(result.problems[0]).toMatch(new RegExp(`^audit log ${DEVICE}, entry ${entry}: does not verify`));
	expect(result.entries).toBe(entry - 1);
	await expect(open(store, keys, clock).entries()).rejects.toMatchObject({ code: "integrity" });
}

describe("audit chain verification", () => {
	it("an untouched log verifies, with every entry in order", async () => {
		const result = await verifyFresh();
		expect(result).toMatchObject({ ok: true, entries: ENTRIES, problems: [] });
		expect(result.entryList.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
		expect(result.entryList[0]!.action).toBe("init");
	});

	it("an edited entry (one ciphertext bit) is reported at that entry", async () => {
		for (const target of [1, 4, ENTRIES]) {
			const raw = fromBase64(original[target - 1]!.slice(3));
			raw[raw.length - 20]! ^= 0x01;
			const edited = [...original];
			edited[target - 1] = `A1.${toBase64(raw)}`;
			putLines(store, edited);
			await expectProblemAt(target);
		}
	});

	it("an edited line prefix or base64 text is reported at that entry", async () => {
		const edited = [...original];
		edited[2] = `A2.${original[2]!.slice(3)}`;
		putLines(store, edited);
		await expectProblemAt(3);
		edited[2] = `${original[2]!.slice(0, -2)}!=`;
		putLines(store, edited);
		await expectProblemAt(3);
	});

	it("a removed middle entry is reported where the gap is", async () => {
		putLines(store, [...original.slice(0, 4), ...original.slice(5)]);
		await expectProblemAt(5);
		putLines(store, original.slice(1));
		await expectProblemAt(1);
	});

	it("two swapped entries are reported at the first of them", async () => {
		const swapped = [...original];
		[swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
		putLines(store, swapped);
		await expectProblemAt(4);
	});

	it("an inserted forged line is reported at the insertion", async () => {
		const forged = `A1.${toBase64(randomBytes(12 + 120 + 16))}`;
		putLines(store, [...original.slice(0, 3), forged, ...original.slice(3)]);
		await expectProblemAt(4);
		putLines(store, [...original, forged]);
		await expectProblemAt(ENTRIES + 1);
	});

	it("an entry copied from another vault's log is reported, replacing or inserted", async () => {
		const otherStore = new MemoryStore();
		const other = await buildLog(otherStore, await newKeys(), new ManualClock());
		const replaced = [...original];
		replaced[3] = other[3]!;
		putLines(store, replaced);
		await expectProblemAt(4);
		putLines(store, [...original.slice(0, 5), other[5]!, ...original.slice(5)]);
		await expectProblemAt(6);
	});

	it("a replayed (duplicated) entry of the same log is reported", async () => {
		putLines(store, [...original, original[ENTRIES - 1]!]);
		await expectProblemAt(ENTRIES + 1);
		putLines(store, [...original.slice(0, 3), original[2]!, ...original.slice(3)]);
		await expectProblemAt(4);
	});

	it("a whole log from another vault does not verify from its first entry", async () => {
		const otherStore = new MemoryStore();
		putLines(store, await buildLog(otherStore, await newKeys(), new ManualClock()));
		await expectProblemAt(1);
	});
});

describe("a torn trailing line (interrupted append)", () => {
	it("is reported as incomplete, and the next append repairs it with an audit-repair entry", async () => {
		// What an append cut short leaves: part of a line, no newline.
		putLines(store, original, original[3]!.slice(0, 40));

		const torn = await verifyFresh();
		expect(torn.ok).toBe(false);
		expect(torn.entries).toBe(ENTRIES);
		expect(torn.problems).toEqual([`audit log ${DEVICE}, entry ${ENTRIES + 1}: incomplete (an append was interrupted)`]);

		const log = open(store, keys, clock);
		const appended = await log.append("unlock");
		expect(appended.seq).toBe(ENTRIES + 2);

		const repaired = await verifyFresh();
		expect(repaired).toMatchObject({ ok: true, entries: ENTRIES + 2, problems: [] });
		expect(repaired.entryList.slice(-2).map((e) => e.action)).toEqual(["audit-repair", "unlock"]);
		expect(repaired.entryList.at(-2)!.note).toMatch(/interrupted/);
		expect(lines(store).slice(0, ENTRIES)).toEqual(original);
		expect(store.paths().filter((p) => p.endsWith(".cvtmp") || p.endsWith(".cvbak"))).toEqual([]);
		// The repair rewrote the log through the atomic protocol, not in place.
		expect(store.log.some((op) => op.startsWith(`rename Clinical/_vault/audit/.${DEVICE}.cvlog.cvtmp -> `))).toBe(true);
	});

	it("a torn first line (the log had a single interrupted append) is repaired too", async () => {
		store.put(PATH, utf8(original[0]!.slice(0, 17)));
		expect((await verifyFresh()).problems).toEqual([`audit log ${DEVICE}, entry 1: incomplete (an append was interrupted)`]);
		await open(store, keys, clock).append("unlock");
		const repaired = await verifyFresh();
		expect(repaired).toMatchObject({ ok: true, entries: 2 });
		expect(repaired.entryList.map((e) => e.action)).toEqual(["audit-repair", "unlock"]);
	});

	it("the repair is refused on a read-only store and the torn log stays as it was", async () => {
		putLines(store, original, "A1.torn");
		const before = store.peek(PATH)!.slice();
		store.failNext({ operation: "write", code: "EROFS" });
		await expect(open(store, keys, clock).append("unlock")).rejects.toMatchObject({
			code: "storage",
			message: expect.stringMatching(/read-only/) as unknown,
		});
		expect(Buffer.from(store.peek(PATH)!).equals(Buffer.from(before))).toBe(true);
		expect(store.paths().filter((p) => p.endsWith(".cvtmp"))).toEqual([]);
	});
});
