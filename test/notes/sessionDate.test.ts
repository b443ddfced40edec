/**
 * A session's date wherever a note keeps it (src/core/notes/sessionDate.ts), and retention using it:
 * a signed note with `date:` (not `session_date:`) kept its recording forever ("kept (no signed
 * note)"). Real encrypted record for the retention part. Synthetic text only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dateInName, dateInRecordingName, dateInText, dayOf, sessionDateOf } from "../../src/core/notes/sessionDate";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { planRetention } from "../../src/core/transcribe/retention";

describe("the session date of a note", () => {
	it("reads a recording's file name as the plugin names and Obsidian's recorder writes them", () => {
		expect(dateInRecordingName("Recording 20260901123456.webm")).toBe("2026-09-01");
		expect(dateInRecordingName("session-2026-09-01.m4a")).toBe("2026-09-01");
		// dateInName refuses the recorder's stamp: digits run on after the date.
		expect(dateInName("Recording 20260901123456.webm")).toBeNull();
		expect(dateInRecordingName("take 2026-13-01.wav")).toBeNull();
		expect(dateInRecordingName("1826-09-01.wav")).toBeNull();
		expect(dateInRecordingName("untitled.webm")).toBeNull();
	});

	it("reads unambiguous dates and refuses to guess the rest", () => {
		const cases: [unknown, string | null][] = [
			["2026-03-02", "2026-03-02"],
			["2026-03-02T14:00:00Z", "2026-03-02"],
			["2026/3/2", "2026-03-02"],
			[new Date("2026-03-02T00:00:00Z"), "2026-03-02"],
			["2 March 2026", "2026-03-02"],
			["March 2nd, 2026", "2026-03-02"],
			["Monday, 2 March 2026", "2026-03-02"],
			["02.03.2026", "2026-03-02"],
			["25/03/2026", "2026-03-25"],
			["03/25/2026", "2026-03-25"],
			["03/02/2026", null],
			["2026-02-30", null],
			["next Tuesday", null],
			[42, null],
			[undefined, null],
		];
		expect(cases.map(([v]) => dayOf(v))).toEqual(cases.map(([, d]) => d));
	});

	it("fields first in their order, then the file name, then a Date: line in the text", () => {
		expect(sessionDateOf({ date: "2026-03-09", session_date: "2026-03-02" }, "x.md")).toEqual({ date: "2026-03-02", from: "session_date" });
		expect(sessionDateOf({ date: "2026-03-09" }, "C-0001/notes/2026-01-01.md")).toEqual({ date: "2026-03-09", from: "date" });
		expect(sessionDateOf({ date_of_service: "9 March 2026" }, "note.md")).toEqual({ date: "2026-03-09", from: "date_of_service" });
		expect(sessionDateOf({ title: "Session" }, "Session 2026_03_16 Dana.md")).toEqual({ date: "2026-03-16", from: "file name" });
		expect(sessionDateOf({}, "session-4.md", "# Session 4\n**Date:** 23 March 2026\n\nText.")).toEqual({ date: "2026-03-23", from: "text" });
		expect(sessionDateOf({}, "session-4.md", "No date anywhere.")).toBeNull();
		expect(dateInName("recording-20260302-1.m4a")).toBe("2026-03-02");
		expect(dateInName("notes v2.md")).toBeNull();
		expect(dateInText("## Session, 2026-03-30\nText")).toBe("2026-03-30");
	});
});

describe("retention finds the session of a signed note from any date field or its file name", () => {
	const record = new ClinicalRecord({ store: new MemoryStore() });
	beforeAll(async () => {
		await record.init("correct horse battery", { kdf: floorKdfParams() });
		await record.addClient({ code: "C-0142", name: "Synthetic Person" });
		for (const day of ["2026-09-01", "2026-09-08", "2026-09-15", "2026-09-22"]) await record.write(`C-0142/audio/${day}.m4a`, new Uint8Array([1, 2, 3]));
		const signed = "status: signed\nsigned_at: 2026-09-23T10:00:00Z";
		await record.writeText("C-0142/notes/intake.md", `---\ndate: 2026-09-01\n${signed}\n---\nSigned with date:.\n`);
		await record.writeText("C-0142/notes/second-session.md", `---\ndate_of_service: 8 September 2026\n${signed}\n---\nSigned with date_of_service:.\n`);
		await record.writeText("C-0142/notes/2026-09-15_session.md", `---\n${signed}\n---\nDated by its file name.\n`);
		await record.writeText("C-0142/notes/fourth.md", `---\nstatus: draft\n---\n**Date:** 22 September 2026\nNot signed.\n`);
	});
	afterAll(async () => {
		await record.lock();
	});

	it("three signed notes with other date forms make their recordings due; the unsigned one is kept", async () => {
		const plan = await planRetention(record, 24, new Date("2026-09-30T00:00:00Z"));
		expect(plan.due.map((i) => [i.audioPath, i.notePath])).toEqual([
			["C-0142/audio/2026-09-01.m4a", "C-0142/notes/intake.md"],
			["C-0142/audio/2026-09-08.m4a", "C-0142/notes/second-session.md"],
			["C-0142/audio/2026-09-15.m4a", "C-0142/notes/2026-09-15_session.md"],
		]);
		expect(plan.unsigned).toEqual(["C-0142/audio/2026-09-22.m4a"]);
	});

	it("a signed note whose date field and file name disagree releases neither recording", async () => {
		await record.write("C-0142/audio/2026-09-29.m4a", new Uint8Array([4, 5, 6]));
		await record.writeText(
			"C-0142/notes/2026-09-29.md",
			"---\ndate: 2026-09-22\nstatus: signed\nsigned_at: 2026-09-29T10:00:00Z\n---\nWhich session is this?\n",
		);
		const plan = await planRetention(record, 24, new Date("2026-10-30T00:00:00Z"));
		expect(plan.unsigned).toEqual(["C-0142/audio/2026-09-22.m4a", "C-0142/audio/2026-09-29.m4a"]);
		await record.remove("C-0142/notes/2026-09-29.md");
		await record.remove("C-0142/audio/2026-09-29.m4a");
	});
});
