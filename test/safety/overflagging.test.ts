/**
 * The other side of the safeguards: clean, grounded drafts of the four-session scenario keep their
 * sentences. At most one marker per note of a session without risk, and nothing taken out as risk
 * that is not about risk (IFS protection and safety language stays).
 */
import { expect, it } from "vitest";
import { measureOverFlagging } from "../support/cleanDrafts";

it("clean drafts of the four sessions carry at most one marker each and lose no sentence as risk", async () => {
	const figures = await measureOverFlagging();
	for (const note of figures.notes) {
		expect(note.wronglyTakenOutAsRisk, note.date).toEqual([]);
		expect(note.markers, `${note.date}: ${note.reasons.join(" | ")}`).toBeLessThanOrEqual(1);
	}
	expect(figures.notes.map((n) => n.riskMentioned)).toEqual([false, false, false, true]);
	expect(figures.sentences).toBeGreaterThan(40);
}, 20_000);
