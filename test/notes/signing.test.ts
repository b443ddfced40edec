/**
 * Signing (docs/FORMAT.md §9) on a real encrypted record (MemoryStore, real WebCrypto): the stamp
 * covers the whole body, so a "## Addendum (" heading written into a draft is signed text; addenda
 * are recognised only by the frontmatter record addAddendum writes; tampering with an addendum or
 * appending unrecorded text fails verification; notes signed with the version 1 rule still verify;
 * the risk gate; and the documented verification done independently (node:crypto, and the shell
 * recipe with sed/head/tail/sha256sum). All content is synthetic.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { ManualClock } from "../../src/core/clock";
import { ClinicalVaultError } from "../../src/core/errors";
import { joinFrontmatter, splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { findReviewMarkers, RISK_PLACEHOLDER } from "../../src/core/drafting/safeguards";
import { readForExport, exportHeader } from "../../src/core/export/exportDocument";
import { addAddendum, checkEditable, checkSignature, copyForEhr, riskGate, RiskGateRefused, signNote, verifySignature } from "../../src/core/notes/signing";
import { removeDir, tempDir } from "../core/helpers";

const PATH = "C-0142/notes/2026-09-01.md";
const SIGNER = "Dr. Synthetic Clinician, PsyD";
let record: ClinicalRecord;
let clock: ManualClock;

beforeEach(async () => {
	clock = new ManualClock("2026-09-01T17:00:00Z");
	record = new ClinicalRecord({ store: new MemoryStore(), clock });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: "C-0142", name: "Synthetic Person", modality: "cbt" });
});

const NOTICE = "> [!danger] Risk content mentioned at [12:04]; clinician to assess.";

/** A drafted note's body, as the SOAP template lays it out; `risk` is the risk section's content. */
function body(risk: string, extra = ""): string {
	return [
		"# SOAP note: C-0142, session 3, 2026-09-01",
		"",
		"## Subjective",
		"Client reported a calmer week and used the breathing exercise twice.",
		"",
		"## Plan",
		"Continue weekly sessions; practise the exercise before meetings.",
		extra,
		"## Risk assessment",
		risk,
		"",
		"Next session: 2026-09-08",
		"",
	].join("\n");
}

async function writeDraft(text: string, meta: Record<string, unknown> = {}): Promise<void> {
	await record.writeText(PATH, joinFrontmatter({ kind: "note", client: "C-0142", session_date: "2026-09-01", status: "draft", ...meta }, text));
}

const read = () => record.readText(PATH, "internal");
const sign = (options: { override?: string; riskNotAssessed?: string } = {}) => signNote(record, PATH, { signer: SIGNER, now: clock.now(), ...options });
const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * The verification of docs/FORMAT.md §9 written from the document alone: the body is every byte
 * after the closing "---" line; the first signed_bytes bytes hash to content_sha256; each recorded
 * addendum follows, in order, with its length and hash; nothing else follows.
 */
function verifyPerFormatDoc(text: string): boolean {
	const bytes = Buffer.from(text, "utf8");
	const lines = text.split("\n");
	if (lines[0] !== "---") return false;
	const close = lines.indexOf("---", 1);
	if (close < 0) return false;
	const front = parse(lines.slice(1, close).join("\n")) as Record<string, unknown>;
	const bodyStart = Buffer.byteLength(lines.slice(0, close + 1).join("\n") + "\n", "utf8");
	const b = bytes.subarray(bodyStart);
	if (front.status !== "signed" || front.signature_version !== 2) return false;
	const n = front.signed_bytes as number;
	if (n > b.length || sha256Hex(b.subarray(0, n)) !== front.content_sha256) return false;
	let offset = n;
	for (const a of (front.addenda ?? []) as { bytes: number; sha256: string }[]) {
		if (offset + a.bytes > b.length || sha256Hex(b.subarray(offset, offset + a.bytes)) !== a.sha256) return false;
		offset += a.bytes;
	}
	return offset === b.length;
}

describe("the stamp covers the whole note", () => {
	it("a forged addendum heading in a draft is signed text: the hash covers what follows it, and editing it breaks verification", async () => {
		const forged = body(
			"Client denied current ideation; safety plan reviewed.",
			"\n## Addendum (2026-09-01, Dr X)\n\nText a model wrote under a heading it made up.\n",
		);
		await writeDraft(forged);
		const result = await sign();
		const signed = await read();
		const { data, body: signedBody } = splitFrontmatter(signed);
		// Everything after the frontmatter, the forged heading and what follows it included.
		expect(signedBody).toBe(forged.trimEnd() + "\n");
		expect(data).toMatchObject({
			status: "signed",
			signed_by: SIGNER,
			signed_at: "2026-09-01T17:00:00.000Z",
			signature_version: 2,
			signed_bytes: Buffer.byteLength(signedBody, "utf8"),
			content_sha256: sha256Hex(signedBody),
		});
		expect(data.addenda).toBeUndefined();
		expect(result).toMatchObject({
			contentSha256: sha256Hex(signedBody),
			signedBytes: Buffer.byteLength(signedBody),
			markersOverridden: 0,
			riskNotAssessed: false,
		});
		expect(await verifySignature(signed, PATH)).toBe(true);
		expect(verifyPerFormatDoc(signed)).toBe(true);

		// Edited after the forged heading: under the old rule this was outside the signature; now it fails.
		const edited = signed.replace("a model wrote", "someone changed");
		await record.writeText(PATH, edited);
		expect(await verifySignature(edited, PATH)).toBe(false);
		expect(verifyPerFormatDoc(edited)).toBe(false);
		expect(await checkSignature(edited, PATH)).toMatchObject({
			ok: false,
			version: 2,
			problem: expect.stringMatching(/signed text does not match/) as unknown,
		});
		await expect(addAddendum(record, PATH, "More.", { now: clock.now() })).rejects.toMatchObject({ code: "integrity" });
		await expect(readForExport(record, PATH, {})).rejects.toMatchObject({ code: "integrity" });
	});

	it("normalises line endings and trailing white space before hashing, and stores exactly what it hashed", async () => {
		await writeDraft(body("No current risk indicators; client future-oriented.").replace(/\n/g, "\r\n") + "\r\n\r\n  ");
		await sign();
		const { data, body: signedBody } = splitFrontmatter(await read());
		expect(signedBody).not.toContain("\r");
		expect(signedBody.endsWith("Next session: 2026-09-08\n")).toBe(true);
		expect(data.content_sha256).toBe(sha256Hex(signedBody));
	});

	it("a real addendum is recorded (time, signer, bytes, hash) and verifies; tampering with it or appending unrecorded text fails", async () => {
		await writeDraft(body("Client denied current ideation; safety plan reviewed."));
		await sign();
		const signed = await read();
		clock.advance(86_400_000);
		await addAddendum(record, PATH, "Client called: the breathing exercise helped. José’s café visit went fine.\r\n", { signer: SIGNER, now: clock.now() });
		clock.advance(3_600_000);
		await addAddendum(record, PATH, "Second call: ## Addendum ( inside an addendum is just its text.", { now: clock.now() });
		const text = await read();
		const { data, body: b } = splitFrontmatter(text);
		// Appended after the signed text, which is unchanged byte for byte.
		expect(b.startsWith(splitFrontmatter(signed).body)).toBe(true);
		expect(b).toMatch(
			/\n\n## Addendum \(2026-09-02 \d\d:00, Dr\. Synthetic Clinician, PsyD\)\n\nClient called: the breathing exercise helped\. José’s café visit went fine\.\n\n## Addendum \(2026-09-02 \d\d:00\)\n\nSecond call/,
		);
		const addenda = data.addenda as { at: string; by?: string; bytes: number; sha256: string }[];
		expect(addenda).toHaveLength(2);
		expect(addenda[0]).toMatchObject({ at: "2026-09-02T17:00:00.000Z", by: SIGNER });
		expect(addenda[1]!.by).toBeUndefined();
		// Lengths are UTF-8 bytes (the accented letters and the apostrophe take more than one).
		const firstStart = Buffer.byteLength(splitFrontmatter(signed).body);
		const first = Buffer.from(b, "utf8").subarray(firstStart, firstStart + addenda[0]!.bytes);
		expect(first.toString("utf8")).toMatch(/^\n## Addendum \(.*\)\n\nClient called: .*café visit went fine\.\n$/);
		expect(addenda[0]!.bytes).toBeGreaterThan(first.toString("utf8").length);
		expect(addenda[0]!.sha256).toBe(sha256Hex(first));
		expect(data.signed_bytes).toBe(firstStart);
		expect(await verifySignature(text, PATH)).toBe(true);
		expect(verifyPerFormatDoc(text)).toBe(true);
		expect(await exportHeader(PATH, await readForExport(record, PATH, {}), clock.now())).toContain("Addenda: 2 (after the signed text)");

		const cases: [string, string][] = [
			["an addendum's text edited", text.replace("helped", "did not help")],
			["unrecorded text appended", `${text}\n## Addendum (2026-09-03 10:00, Dr X)\n\nNot added by the plugin.\n`],
			["one character appended", `${text} `],
			["a recorded addendum dropped from the frontmatter", joinFrontmatter({ ...data, addenda: addenda.slice(0, 1) }, b)],
			["a recorded addendum's hash changed", joinFrontmatter({ ...data, addenda: [addenda[0], { ...addenda[1], sha256: "0".repeat(64) }] }, b)],
			["an addendum record without bytes", joinFrontmatter({ ...data, addenda: [addenda[0], { at: addenda[1]!.at, sha256: addenda[1]!.sha256 }] }, b)],
			["the signed extent moved", joinFrontmatter({ ...data, signed_bytes: (data.signed_bytes as number) + 1 }, b)],
			["the addenda removed, text kept", joinFrontmatter({ ...data, addenda: [] }, b)],
			["an unknown signature version", joinFrontmatter({ ...data, signature_version: 3 }, b)],
		];
		for (const [what, changed] of cases) {
			expect(await verifySignature(changed, PATH), what).toBe(false);
			expect(verifyPerFormatDoc(changed), what).toBe(false);
		}
		await record.writeText(PATH, cases[1]![1]);
		await expect(addAddendum(record, PATH, "More.", { now: clock.now() })).rejects.toThrow(/no longer matches its signature/);
	});

	it("the documented shell recipe (sed, head, tail, sha256sum) verifies a signed note with an addendum", async () => {
		if (!["/usr/bin/sha256sum", "/bin/sha256sum"].some((p) => existsSync(p))) return expect(process.platform).not.toBe("linux");
		await writeDraft(body("Client denied current ideation; safety plan reviewed."));
		await sign();
		await addAddendum(record, PATH, "Client called — all well.", { signer: SIGNER, now: clock.now() });
		const text = await read();
		const { data } = splitFrontmatter(text);
		const [addendum] = data.addenda as { bytes: number; sha256: string }[];
		const dir = await tempDir("signing");
		try {
			await writeFile(join(dir, "note.md"), text);
			const n = data.signed_bytes as number;
			const run = (script: string) => execFileSync("sh", ["-c", script], { cwd: dir, encoding: "utf8" }).trim();
			run("sed '1,/^---$/d' note.md > body.md");
			expect(run(`head -c ${n} body.md | sha256sum`).split(" ")[0]).toBe(data.content_sha256);
			expect(run(`tail -c +${n + 1} body.md | head -c ${addendum!.bytes} | sha256sum`).split(" ")[0]).toBe(addendum!.sha256);
			expect(Number(run("wc -c < body.md"))).toBe(n + addendum!.bytes);
		} finally {
			await removeDir(dir);
		}
	});
});

describe("notes signed with the version 1 rule", () => {
	/** A note stamped the way version 1 did: the hash of the body up to the first "## Addendum (" line, trimmed, plus one newline; `addenda` a count. */
	function legacyNote(signedText: string, after: string, addenda?: number): string {
		const stamp = {
			kind: "note",
			client: "C-0142",
			status: "signed",
			signed_by: "Dr. Legacy",
			signed_at: "2025-03-04T17:00:00.000Z",
			content_sha256: sha256Hex(signedText.trimEnd() + "\n"),
			modified: "2025-03-05T09:00:00.000Z",
			...(addenda ? { addenda } : {}),
		};
		return joinFrontmatter(stamp, signedText + after);
	}

	it("still verify (addenda after the first addendum heading are outside the hash), get new addenda the version 1 way, and export", async () => {
		const signedText = body("Client denied current ideation; safety plan reviewed.").trimEnd() + "\n";
		const old = legacyNote(signedText, "\n## Addendum (2025-03-05 09:00, Dr. Legacy)\n\nClient called to reschedule.\n", 1);
		expect(await checkSignature(old, PATH)).toEqual({ ok: true, version: 1 });
		// The version 1 rule, unchanged: the signed part changed fails; the text after the heading is not covered.
		expect(await verifySignature(old.replace("safety plan reviewed", "safety plan skipped"), PATH)).toBe(false);
		expect(await verifySignature(old.replace("to reschedule", "about billing"), PATH)).toBe(true);
		expect(await verifySignature(legacyNote(signedText, ""), PATH)).toBe(true);

		await record.writeText(PATH, old);
		await expect(checkEditable(record, PATH)).rejects.toThrow(/signed and cannot be edited/);
		await addAddendum(record, PATH, "Second call.", { signer: "Dr. Legacy", now: clock.now() });
		const after = await read();
		expect(splitFrontmatter(after).data).toMatchObject({ addenda: 2, content_sha256: splitFrontmatter(old).data.content_sha256 });
		expect(splitFrontmatter(after).data.signature_version).toBeUndefined();
		expect(after).toMatch(/Client called to reschedule\.\n\n## Addendum \(2026-09-01 \d\d:00, Dr\. Legacy\)\n\nSecond call\.\n$/);
		expect(await verifySignature(after, PATH)).toBe(true);
		const checked = await readForExport(record, PATH, {});
		expect(await exportHeader(PATH, checked, clock.now())).toContain("Addenda: 2 (after the signed text)");
	});
});

describe("the risk gate", () => {
	const RISK = { risk_mentioned_at: ["[12:04]"] };

	async function refusal(options: { override?: string; riskNotAssessed?: string } = {}): Promise<RiskGateRefused> {
		const before = await read();
		const error = await sign(options).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RiskGateRefused);
		expect(error).toBeInstanceOf(ClinicalVaultError);
		expect((error as ClinicalVaultError).code).toBe("refused");
		expect(await read()).toBe(before);
		return error as RiskGateRefused;
	}

	it("refuses while the risk section holds the placeholder, with a message saying what to do; the review override does not bypass it", async () => {
		await writeDraft(body(`${NOTICE}\n\n${RISK_PLACEHOLDER}`), RISK);
		const error = await refusal();
		expect(error.gate).toEqual({ mentioned: true, mentionedAt: ["[12:04]"], problem: "placeholder" });
		expect(error.message).toMatch(
			/was not signed: the session mentioned risk at \[12:04\] and its risk section still holds the "Clinician to complete: risk assessment" placeholder\. To sign, write your risk assessment in the risk section in place of the placeholder, or record that risk was not assessed, with the reason/,
		);
		expect(error.message).toMatch(/review override does not cover this/);
		await refusal({ override: "Reviewed everything." });

		// With review markers too: the override covers the markers, never the risk section.
		await writeDraft(body(`${NOTICE}\n\n${RISK_PLACEHOLDER}`).replace("twice.", "twice. ==[review: unsupported: not in the transcript]=="), RISK);
		await expect(sign()).rejects.toThrow(/1 review marker/);
		await refusal({ override: "Checked against the session." });
	});

	it("refuses an empty risk section, one with only the drafter's notice, and a note without one", async () => {
		await writeDraft(body(""), RISK);
		expect((await refusal()).gate.problem).toBe("empty");
		await writeDraft(body(NOTICE), RISK);
		const onlyNotice = await refusal();
		expect(onlyNotice.gate.problem).toBe("empty");
		expect(onlyNotice.message).toMatch(
			/its risk section is empty \(the drafter's notice is not an assessment\)\. To sign, write your risk assessment in the risk section, or record/,
		);
		await writeDraft(body(`${NOTICE}\n>\n==[review: check]==\n%% to do %%`), RISK);
		expect((await refusal({ override: "ok" })).gate.problem).toBe("empty");
		await writeDraft(body("").replace("## Risk assessment\n", ""), RISK);
		expect((await refusal()).message).toMatch(/it has no risk section\. To sign, add a "## Risk and safety" section with your assessment, or record/);
		// A summary's mention has no timestamp ([""]); a count alone also counts.
		await writeDraft(body(RISK_PLACEHOLDER), { risk_mentioned_at: [""] });
		expect((await refusal()).message).toMatch(/the session mentioned risk and its risk section still holds/);
		await writeDraft(body(RISK_PLACEHOLDER), { risk_mentions: 2 });
		expect((await refusal()).gate.problem).toBe("placeholder");
	});

	it("signs once the clinician wrote the risk section (the notice may stay)", async () => {
		await writeDraft(
			body(`${NOTICE}\n\nClient reported passive thoughts last month, none this week; denies plan or intent. Safety plan reviewed and updated.`),
			RISK,
		);
		expect(riskGate(await read()).problem).toBeNull();
		const result = await sign();
		expect(result.riskNotAssessed).toBe(false);
		const text = await read();
		expect(splitFrontmatter(text).data.risk_not_assessed).toBeUndefined();
		expect(await verifySignature(text, PATH)).toBe(true);
	});

	it("signs with risk recorded as not assessed: the reason in the frontmatter, the audit log and (escaped) in the risk section, before hashing", async () => {
		await writeDraft(body(`${NOTICE}\n\n${RISK_PLACEHOLDER}`), RISK);
		const reason = "Client left early\n(crisis at home); **call** [[C-0099]] ==[review: x]== <b>#tag</b> _now_";
		const oneLine = reason.replace(/\s+/g, " ");
		const result = await sign({ riskNotAssessed: reason, override: "not needed" });
		expect(result).toMatchObject({ riskNotAssessed: true, markersOverridden: 0 });
		const text = await read();
		const { data, body: b } = splitFrontmatter(text);
		expect(data).toMatchObject({ status: "signed", risk_not_assessed: oneLine });
		expect(data.review_override).toBeUndefined();
		// In place of the placeholder, inside the risk section, before the footer; the notice stays.
		const section = b.slice(b.indexOf("## Risk assessment"));
		expect(section).not.toContain("Clinician to complete");
		expect(section).toContain(NOTICE);
		const line = section.split("\n").find((l) => l.startsWith("Risk not assessed: "))!;
		expect(section.indexOf(line)).toBeLessThan(section.indexOf("Next session:"));
		// Escaped: nothing in it can open markup (no marker, link, emphasis, tag, HTML or code).
		expect(line).toContain("\\*\\*call\\*\\* \\[\\[C-0099\\]\\] \\=\\=\\[review: x\\]\\=\\=");
		expect(line.replace(/\\./g, "")).not.toMatch(/[*[\]=<>#`]/);
		expect(findReviewMarkers(b)).toEqual([]);
		expect(copyForEhr(text)).toContain(`Risk not assessed: ${oneLine}`);
		// Hashed with the line in it.
		expect(data.content_sha256).toBe(sha256Hex(b));
		expect(await verifySignature(text, PATH)).toBe(true);
		const audit = (await record.audit.entries()).filter((e) => e.action === "sign");
		expect(audit.map((e) => e.note ?? "")).toEqual(["", "signed with risk recorded as not assessed (reason in the note)"]);
		expect(audit.map((e) => e.note ?? "").join(" ")).not.toContain("crisis");
	});

	it("records not assessed where there is no placeholder (end of the risk section) or no risk section (a new one); an empty reason is refused", async () => {
		await writeDraft(body(NOTICE), RISK);
		await expect(sign({ riskNotAssessed: "   " })).rejects.toMatchObject({ code: "invalid-input" });
		await sign({ riskNotAssessed: "Session ended abruptly" });
		expect(splitFrontmatter(await read()).body).toContain(
			`## Risk assessment\n${NOTICE}\n\nRisk not assessed: Session ended abruptly\n\nNext session: 2026-09-08\n`,
		);

		await writeDraft(body("").replace("## Risk assessment\n", ""), RISK);
		await sign({ riskNotAssessed: "Telehealth connection lost" });
		const text = await read();
		expect(splitFrontmatter(text).body.endsWith("Next session: 2026-09-08\n\n## Risk and safety\n\nRisk not assessed: Telehealth connection lost\n")).toBe(
			true,
		);
		expect(await verifySignature(text, PATH)).toBe(true);
	});

	it("a note whose session did not mention risk signs as before, placeholder or not", async () => {
		await writeDraft(body(RISK_PLACEHOLDER));
		expect(riskGate(await read())).toEqual({ mentioned: false, mentionedAt: [], problem: null });
		await sign();
		const text = await read();
		expect(splitFrontmatter(text).data.status).toBe("signed");
		expect(text).toContain(RISK_PLACEHOLDER);
		expect(await verifySignature(text, PATH)).toBe(true);
	});
});

afterEach(async () => {
	if (record.isUnlocked) await record.lock();
});
