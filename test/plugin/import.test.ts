// @vitest-environment happy-dom
/**
 * "Import notes and transcripts into the record" through the stub on a real temporary vault: an
 * existing folder of session notes (one subfolder named by the client's code, one file with no
 * client that the clinician assigns), a WebVTT transcript and a note without any date; the plan is
 * shown before anything is written, the files land encrypted, and the plaintext originals are
 * removed only on the second yes, never to the trash. Synthetic data only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import * as nodePath from "node:path";
import { chooseSuggestion, clearNotices, clickButton, waitForModal, waitForModalClosed, waitForNotice } from "../support/obsidian-harness";
import { addClient, session, setUpRecord, startPlugin, type Harness } from "./helpers";

const CLIENT = "C-0142";
let h: Harness;

async function put(path: string, text: string): Promise<void> {
	await mkdir(nodePath.dirname(nodePath.join(h.dir, path)), { recursive: true });
	await writeFile(nodePath.join(h.dir, path), text);
}

beforeEach(async () => {
	clearNotices();
	h = await startPlugin();
	await setUpRecord(h);
	await addClient(h, CLIENT, "Synthetic Person");
	await put(`Old notes/${CLIENT}/2026-05-04 session.md`, "---\ndate: 2026-05-04\n---\nSynthetic note of the first session. HW: a walk a day.\n");
	await put(`Old notes/${CLIENT}/transcripts/2026-05-04.vtt`, "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Client>I walked twice.\n");
	await put("Old notes/misc/2026-05-11.md", "Synthetic note filed without a client.\n");
	await put(`Old notes/${CLIENT}/undated.md`, "A note with no date anywhere.\n");
});
afterEach(async () => {
	await h.cleanup();
});

describe("import into the record (plugin)", () => {
	it("plans, asks for the missing client, imports on yes, removes the originals only on a second yes, never to the trash", async () => {
		h.run("import-into-record");
		const folders = await waitForModal("clinical-vault-folder-modal");
		await chooseSuggestion(folders, "Old notes");
		const noClient = await waitForModal("clinical-vault-confirm-modal");
		expect(noClient.contentEl.textContent).toMatch(/1 files of Old notes name no client/);
		clickButton(noClient, "Choose the client");
		const clients = await waitForModal("clinical-vault-client-modal");
		await chooseSuggestion(clients, CLIENT);
		const plan = await waitForModal("clinical-vault-import-modal");
		const text = plan.contentEl.textContent ?? "";
		expect(text).toMatch(/2 notes, 1 transcripts and 0 recordings will be encrypted/);
		expect(text).toMatch(/Skipped: Old notes\/C-0142\/undated\.md: no session date/);
		expect(text).toContain(`Old notes/misc/2026-05-11.md → ${CLIENT}/notes/2026-05-11.md (client by your choice`);
		// Nothing is written before the clinician says yes.
		expect(await session(h).record.exists(`${CLIENT}/notes/2026-05-04.md`)).toBe(false);
		clickButton(plan, "Import 3 files");
		await waitForModalClosed(plan);
		await waitForNotice(/Imported 3 files into the record\. 1 skipped/);
		const record = session(h).record;
		expect(await record.readText(`${CLIENT}/notes/2026-05-04.md`, "internal")).toMatch(/HW: a walk a day\./);
		expect(await record.readText(`${CLIENT}/transcripts/2026-05-04.md`, "internal")).toMatch(
			/^---\nkind: transcript\nclient: C-0142\nsession_date: 2026-05-04\nsource_format: webvtt\nimported: .*\n---\nWEBVTT\n\n00:00:01\.000 --> 00:00:03\.000\n<v Client>I walked twice\.\n$/,
		);
		const remove = await waitForModal("clinical-vault-confirm-modal");
		expect(remove.contentEl.textContent).toMatch(/3 files are now encrypted in the record and were read back/);
		clickButton(remove, "Remove 3 originals");
		await waitForNotice(/Removed 3 plaintext originals\./);
		const left = (await readdir(nodePath.join(h.dir, "Old notes"), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
		expect(left).toEqual(["undated.md"]);
		const trash = await readdir(nodePath.join(h.dir, ".trash")).catch(() => []);
		expect(trash).toEqual([]);
	});
});
