/** The error funnel's entry point: known errors pass through; anything else gets a message that claims nothing it cannot know. */
import { describe, expect, it } from "vitest";
import { Cancelled, ClinicalVaultError, isCancelled, toClinicalError, UNEXPECTED_MESSAGE } from "../../src/core/errors";

describe("toClinicalError", () => {
	it("keeps a ClinicalVaultError as it is", () => {
		const known = new ClinicalVaultError("engine", "Ollama is not running.", { detail: "ECONNREFUSED" });
		expect(toClinicalError(known)).toBe(known);
	});

	it("words an unexpected error without claiming that nothing was changed, and keeps the detail for debugging", () => {
		const failure = toClinicalError(new TypeError("x is undefined"));
		expect(failure.code).toBe("internal");
		expect(failure.message).toBe(UNEXPECTED_MESSAGE);
		expect(failure.message).not.toMatch(/nothing was changed/i);
		expect(failure.detail).toContain("x is undefined");
		expect(toClinicalError("a string").detail).toBe("a string");
	});

	it("cancelling is not an error", () => {
		expect(isCancelled(new Cancelled())).toBe(true);
		expect(isCancelled(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe(true);
		expect(isCancelled(new ClinicalVaultError("engine", "failed"))).toBe(false);
	});
});
