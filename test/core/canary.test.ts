/**
 * Canaries: unique random markers planted in a note, a client profile (name and details) and
 * binary attachments, written through the record (creates, modifies, a crypto-erased delete).
 * After lock, no file anywhere under the vault folder (dot files, _vault/, leftovers included)
 * contains any canary as raw bytes, hex, or base64 (standard and URL-safe) at each of the three
 * byte alignments. The scanner is first shown to find each form in a control folder.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { ManualClock } from "../../src/core/clock";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { concatBytes, randomBytes, toBase64, toHex, utf8 } from "../../src/core/bytes";
import { listFilesDeep, removeDir, tempDir } from "./helpers";

/** Every encoding of `canary` that must not appear: bytes, hex, and base64 at alignments 0, 1, 2. */
function forms(canary: Uint8Array): { name: string; bytes: Buffer }[] {
	const out = [
		{ name: "bytes", bytes: Buffer.from(canary) },
		{ name: "hex", bytes: Buffer.from(toHex(canary), "latin1") },
	];
	for (let skip = 0; skip < 3; skip++) {
		// Whichever alignment the canary has inside a base64-encoded stream, the groups that start at
		// the first 3-byte boundary inside it encode exactly these bytes.
		const aligned = canary.subarray(skip, skip + Math.floor((canary.length - skip) / 3) * 3);
		const b64 = toBase64(aligned);
		out.push({ name: `base64@${skip}`, bytes: Buffer.from(b64, "latin1") });
		out.push({ name: `base64url@${skip}`, bytes: Buffer.from(b64.replace(/\+/g, "-").replace(/\//g, "_"), "latin1") });
	}
	return out;
}

async function scan(root: string, canaries: Map<string, Uint8Array>): Promise<{ files: string[]; hits: string[] }> {
	const files = await listFilesDeep(root);
	const hits: string[] = [];
	for (const file of files) {
		const data = await readFile(join(root, file));
		for (const [label, canary] of canaries) {
			for (const form of forms(canary)) if (data.includes(form.bytes)) hits.push(`${file}: ${label} as ${form.name}`);
		}
	}
	return { files, hits };
}

function textCanary(): string {
	return `CANARY-${toHex(randomBytes(12))}`;
}

let dir: string;
let control: string;
const canaries = new Map<string, Uint8Array>();

beforeAll(async () => {
	dir = await tempDir("canary");
	control = await tempDir("canary-control");
});

afterAll(async () => {
	await removeDir(dir);
	await removeDir(control);
});

describe("canaries", () => {
	it("the scanner finds every form of a canary at every alignment (control)", async () => {
		const canary = utf8(textCanary());
		const probes = new Map([["control", canary]]);
		for (let pad = 0; pad < 3; pad++) {
			const stream = concatBytes(randomBytes(10 + pad), canary, randomBytes(7));
			await writeFile(join(control, `b64-${pad}.txt`), toBase64(stream));
			await writeFile(join(control, `b64url-${pad}.txt`), toBase64(stream).replace(/\+/g, "-").replace(/\//g, "_"));
		}
		await mkdir(join(control, ".hidden"), { recursive: true });
		await writeFile(join(control, ".hidden", ".raw"), concatBytes(randomBytes(5), canary));
		await writeFile(join(control, "hex.txt"), toHex(concatBytes(randomBytes(3), canary)));
		const { files, hits } = await scan(control, probes);
		expect(files).toHaveLength(8);
		for (const file of files)
			expect(
				hits.some((h) => h.startsWith(`${file}:`)),
				file,
			).toBe(true);
		expect(hits.filter((h) => h.includes("base64@")).length).toBeGreaterThanOrEqual(3);
	});

	it("after lock, no file under the vault folder contains a canary in any form", async () => {
		const clock = new ManualClock();
		const record = new ClinicalRecord({ store: new NodeFsStore(dir), clock });
		await record.init("canary test passphrase", { kdf: floorKdfParams() });

		const name = textCanary();
		const detail = textCanary();
		const note = textCanary();
		const edited = textCanary();
		const erased = textCanary();
		const binary = randomBytes(48);
		const attachmentText = textCanary();
		for (const [label, value] of [
			["profile name", name],
			["profile detail", detail],
			["note", note],
			["edited note", edited],
			["erased note", erased],
			["attachment text", attachmentText],
		] as const) {
			canaries.set(label, utf8(value));
		}
		canaries.set("attachment bytes", binary);

		await record.addClient({ code: "C-0042", name: `Synthetic ${name}`, modality: "ifs", details: { contact: detail } });
		await record.writeText("C-0042/notes/2026-06-01.md", `# Session\n\n${note}\n`);
		await record.writeText("C-0042/notes/2026-06-01.md", `# Session (edited)\n\n${note}\n${edited}\n`);
		await record.writeText("C-0042/notes/2026-06-02.md", `# To be removed\n${erased}\n`);
		await record.remove("C-0042/notes/2026-06-02.md");
		// A small attachment and a multi-chunk one with canaries across the 64 KiB chunk boundary.
		await record.write("C-0042/attachments/drawing.png", concatBytes(randomBytes(300), binary, utf8(attachmentText), randomBytes(300)));
		const big = concatBytes(randomBytes(64 * 1024 - 20), binary, new Uint8Array(nodeRandomBytes(70 * 1024)), utf8(attachmentText), randomBytes(1000));
		await record.write("C-0042/attachments/recording.webm", big);
		expect((await record.readProfile("C-0042")).name).toBe(`Synthetic ${name}`);
		expect(await record.readText("C-0042/notes/2026-06-01.md")).toContain(edited);
		const auditLog = `${record.layout.auditFolder}/${record.audit.device}.cvlog`;
		await record.lock();

		const { files, hits } = await scan(dir, canaries);
		expect(hits).toEqual([]);
		// The scan covered the system folder (dot-free names) and every record file; no leftovers exist.
		expect(files).toEqual(
			[
				"Clinical/C-0042/attachments/drawing.png.cvault",
				"Clinical/C-0042/attachments/recording.webm.cvault",
				"Clinical/C-0042/notes/2026-06-01.md.cvault",
				"Clinical/C-0042/profile.md.cvault",
				auditLog,
				"Clinical/_vault/FORMAT.md",
				"Clinical/_vault/keyfile.json",
			].sort(),
		);
	});
});
