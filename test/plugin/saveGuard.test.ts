/** The editor's save guards, as a pure function: an emptied buffer and ciphertext are refused. */
import { describe, expect, it } from "vitest";
import { BASE64_RUN_MIN, checkSave, looksLikeCiphertext } from "../../src/obsidian/record/saveGuard";
import { toBase64, randomBytes } from "../../src/core/bytes";

const NOTE = "# Session 2026-09-01\n\nSynthetic note text.\n";

describe("save guards", () => {
	it("accepts ordinary edits, including emptying a note that was already empty", () => {
		expect(checkSave(`${NOTE}More.\n`, NOTE)).toEqual({ ok: true });
		expect(checkSave("", "")).toEqual({ ok: true });
		expect(checkSave("First words", "")).toEqual({ ok: true });
		expect(checkSave("x", NOTE)).toEqual({ ok: true });
	});

	it("refuses an empty or whitespace-only buffer when the saved note was not empty", () => {
		for (const buffer of ["", " ", "\n\n", "\t \n"]) {
			const verdict = checkSave(buffer, NOTE);
			expect(verdict).toMatchObject({ ok: false, reason: "empty" });
			expect(verdict.ok ? "" : verdict.message).toMatch(/left unchanged/);
		}
	});

	it("refuses a buffer that starts with the encrypted file magic", () => {
		expect(checkSave('CVAULT\u0001\n\u0000\u0000\u0001{"fileId"', NOTE)).toMatchObject({ ok: false, reason: "ciphertext" });
		expect(checkSave("   CVAULT and more", NOTE)).toMatchObject({ ok: false, reason: "ciphertext" });
	});

	it("refuses one long base64-looking run (a pasted file, an audit line), wrapped or not", () => {
		const run = toBase64(randomBytes(120));
		expect(looksLikeCiphertext(run)).toBe(true);
		expect(looksLikeCiphertext(`A1.${run}`)).toBe(true);
		expect(looksLikeCiphertext(run.replace(/(.{76})/g, "$1\n"))).toBe(true);
		expect(checkSave(`\n${run}\n`, NOTE)).toMatchObject({ ok: false, reason: "ciphertext" });
	});

	it("does not mistake notes for ciphertext", () => {
		const short = toBase64(randomBytes(30));
		expect(short.length).toBeLessThan(BASE64_RUN_MIN);
		for (const text of [
			NOTE,
			short,
			"The CVAULT format is described in the docs.",
			"https://example.org/a/very/long/path/that/goes/on/and/on/and/on/for/quite/a/while/indeed",
			`${toBase64(randomBytes(120))} followed by words`,
			"Supercalifragilisticexpialidocious",
		]) {
			expect(looksLikeCiphertext(text), text).toBe(false);
		}
	});
});
