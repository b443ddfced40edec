/**
 * docs/FORMAT.md travels with the record: the bundled copy (src/core/record/formatText.ts, made by
 * npm run format-text) is the document itself, init writes it to _vault/FORMAT.md, and an unlock
 * puts it back when it is missing or out of date, leaving it alone when it is current.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { FORMAT_TEXT } from "../../src/core/record/formatText";

const PASS = "correct horse battery staple";
let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "cv-format-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("the format description beside the record", () => {
	it("is docs/FORMAT.md word for word (run npm run format-text after editing it)", async () => {
		expect(FORMAT_TEXT).toBe(await readFile(join(__dirname, "../../docs/FORMAT.md"), "utf8"));
	});

	it("is written at init, restored at unlock when missing or stale, and counts as neither plaintext nor a failure", async () => {
		const record = new ClinicalRecord({ store: new NodeFsStore(dir) });
		await record.init(PASS, { kdf: floorKdfParams() });
		const copy = join(dir, "Clinical", "_vault", "FORMAT.md");
		expect(await readFile(copy, "utf8")).toBe(FORMAT_TEXT);
		expect(await record.verify()).toMatchObject({ ok: true, plaintext: [] });
		await record.lock();
		const mtime = (await stat(copy)).mtimeMs;
		await record.unlock(PASS);
		expect((await stat(copy)).mtimeMs).toBe(mtime); // current: not rewritten
		await record.lock();
		await writeFile(copy, "an older description\n");
		await record.unlock(PASS);
		expect(await readFile(copy, "utf8")).toBe(FORMAT_TEXT);
		await record.lock();
		await unlink(copy);
		await record.unlock(PASS);
		expect(await readFile(copy, "utf8")).toBe(FORMAT_TEXT);
	});
});
