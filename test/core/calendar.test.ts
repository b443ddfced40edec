/** Calendar days (src/core/calendar.ts): the local day of a moment, and the check of a session date given. */
import { describe, expect, it } from "vitest";
import { checkSessionDate, localDay } from "../../src/core/calendar";
import { ClinicalVaultError } from "../../src/core/errors";

describe("calendar days", () => {
	it("names the local day of a moment", () => {
		expect(localDay(new Date(2026, 2, 2, 23, 59))).toBe("2026-03-02");
		expect(localDay(new Date(2026, 0, 1, 0, 0))).toBe("2026-01-01");
	});

	it("accepts a session date the calendar has, as written", () => {
		for (const day of ["2026-03-02", "2024-02-29", "2026-12-31"]) expect(checkSessionDate(day)).toBe(day);
	});

	it("refuses a day the calendar does not have (JavaScript would roll 2026-02-31 into March) and other forms", () => {
		for (const day of ["2026-02-31", "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-3-2", "02/03/2026", "", "2026-03-02T10:00"]) {
			expect(() => checkSessionDate(day), day).toThrow(ClinicalVaultError);
			expect(() => checkSessionDate(day), day).toThrow("use YYYY-MM-DD");
		}
	});
});
