/**
 * De-identification on a synthetic intake note full of planted identifiers (all invented: 555 phone
 * numbers, example.com addresses, no real person): every one is replaced, the same way everywhere,
 * and reported with its count; IFS vocabulary and part names stay.
 */
import { describe, expect, it } from "vitest";
import { deidentify, formatReport, LIMITS } from "../../src/core/deidentify/deidentify";
import type { ClientProfile } from "../../src/core/record/profile";

const PROFILE: ClientProfile = {
	code: "C-0417",
	name: "Jordan Avery",
	created: "2026-06-01T09:00:00.000Z",
	details: {
		"date of birth": "1988-03-14",
		nickname: "Jojo",
		phone: "(555) 013-4477",
		email: "jordan.avery@example.com",
		employer: "Brightline Logistics",
		address: "42 Maple Street, Springfield, IL 62704",
	},
};

const NOTE = `Intake with Jordan Avery (DOB 03/14/1988), referred by Dr. Helen Okafor.
Jordan's sister Priya Nandakumar came to the first part of the session. Priya said JORDAN had not slept.
Ms. Avery works at Brightline Logistics and lives at 42 Maple Street, Springfield, IL 62704.
Her son goes to Lincoln Elementary School; she grew up in Fairhaven.
Contact: (555) 013-4477, also 555-013-4477 or +1 555 013 4477; e-mail jordan.avery@example.com.
MRN: 00482913. Insurance ID: QX-5521-7788. Friends call her Jojo.
Jordan named the part that criticises her "the Critic"; the Critic is loud before meetings.
Little One (exile) carries fear; Self-energy was present, with calm and curiosity toward the Critic.
Avery's sister Priya will visit on June 3, 2026. In March 2026 Jordan started a new shift at Brightline Logistics.`;

function find(result: ReturnType<typeof deidentify>, original: string) {
	return result.replacements.find((r) => r.original === original);
}

describe("deidentify", () => {
	const result = deidentify(NOTE, { profile: PROFILE, keep: ["Little One", "the Critic"] });

	it("removes every planted identifier", () => {
		for (const planted of [
			"Jordan",
			"Avery",
			"JORDAN",
			"Jojo",
			"Helen",
			"Okafor",
			"Priya",
			"Nandakumar",
			"03/14/1988",
			"Brightline",
			"Maple Street",
			"Springfield",
			"62704",
			"Lincoln",
			"Fairhaven",
			"013-4477",
			"013 4477",
			"jordan.avery",
			"example.com",
			"00482913",
			"QX-5521-7788",
			"June 3",
		]) {
			expect(result.text, planted).not.toContain(planted);
		}
	});

	it("replaces consistently: the client by the code, each person by one number, each kind by its placeholder", () => {
		const text = result.text;
		expect(text).toContain("Intake with C-0417 (DOB [date of birth])");
		expect(text).toContain("referred by [person 1]");
		expect(text).toContain("C-0417's sister [person 2] came");
		expect(text).toContain("[person 2] said C-0417 had not slept");
		expect(text).toContain("C-0417 works at [employer] and lives at [place]");
		expect(text).toContain("Her son goes to [school]; she grew up in [place]");
		expect(text).toContain("Contact: [phone], also [phone] or [phone]; e-mail [email].");
		expect(text).toContain("MRN: [id]. Insurance ID: [id]. Friends call her C-0417.");
		expect(text).toContain("C-0417's sister [person 2] will visit on [date]");
		// Month and year are kept (relative time for supervision).
		expect(text).toContain("In March 2026 C-0417 started a new shift at [employer].");
		// Same original, same replacement, wherever it is.
		const client = find(result, "Jordan Avery")!;
		expect(client.replacement).toBe("C-0417");
		expect(client.kind).toBe("client");
		expect(client.forms).toEqual(expect.arrayContaining(["Jordan Avery", "Jordan", "JORDAN", "Ms. Avery", "Avery"]));
		const replacementsOf = new Map<string, Set<string>>();
		for (const r of result.replacements) {
			for (const f of r.forms) replacementsOf.set(f.toLowerCase(), (replacementsOf.get(f.toLowerCase()) ?? new Set()).add(r.replacement));
		}
		for (const [form, set] of replacementsOf) expect([...set], form).toHaveLength(1);
	});

	it("reports each replacement with its kind and count", () => {
		expect(find(result, "Jordan Avery")!.count).toBe(8);
		// "Jordan Avery", "Jordan" (3), "JORDAN", "Ms. Avery", "Avery", and the nickname "Jojo" from the profile: 8.
		expect(find(result, "Jordan Avery")!.forms).toContain("Jojo");
		const priya = result.replacements.find((r) => r.forms.includes("Priya"))!;
		expect(priya).toMatchObject({ original: "Priya Nandakumar", replacement: "[person 2]", kind: "person", count: 3 });
		expect(result.replacements.find((r) => r.forms.includes("Dr. Helen Okafor"))).toMatchObject({ replacement: "[person 1]", count: 1 });
		expect(result.replacements.find((r) => r.kind === "phone")).toMatchObject({ replacement: "[phone]", count: 3 });
		expect(result.replacements.filter((r) => r.kind === "phone")).toHaveLength(1);
		expect(find(result, "Brightline Logistics")).toMatchObject({ kind: "employer", replacement: "[employer]", count: 2 });
		expect(find(result, "jordan.avery@example.com")).toMatchObject({ kind: "email", count: 1 });
		expect(find(result, "00482913")).toMatchObject({ kind: "id", count: 1 });
		expect(find(result, "QX-5521-7788")).toMatchObject({ kind: "id", count: 1 });
		expect(find(result, "Lincoln Elementary School")).toMatchObject({ kind: "school", count: 1 });
		expect(find(result, "03/14/1988")).toMatchObject({ kind: "date of birth", replacement: "[date of birth]" });
		expect(find(result, "June 3, 2026")).toMatchObject({ kind: "date", replacement: "[date]" });
		expect(result.replacements.find((r) => r.forms.includes("Fairhaven"))).toMatchObject({ kind: "place", replacement: "[place]" });
		const total = result.replacements.reduce((n, r) => n + r.count, 0);
		const placeholders = result.text.match(/\[[a-z0-9 ]+\]|C-0417/g) ?? [];
		expect(total).toBe(placeholders.length);

		const report = formatReport(result);
		expect(report).toContain('[person 2]         ← "Priya Nandakumar" (person, 3×; also as "Priya")');
		for (const limit of LIMITS) expect(report).toContain(limit);
	});

	it("keeps IFS vocabulary and part names", () => {
		expect(result.text).toContain('named the part that criticises her "the Critic"; the Critic is loud');
		expect(result.text).toContain("Little One (exile) carries fear; Self-energy was present, with calm and curiosity toward the Critic.");
		for (const r of result.replacements) expect(r.forms.join(" ")).not.toMatch(/Critic|Little One|Self/);
	});

	it("keeps part names without a parts map when they are written with 'the' or were named in quotes", () => {
		const text = 'Client named it "Little One". Little One was scared; the Binger came at night. Self was present. Marcus, her brother, called.';
		const r = deidentify(text, { profile: { code: "C-0999", name: "Sam Rivers", created: "" } });
		expect(r.text).toBe(
			'Client named it "Little One". Little One was scared; the Binger came at night. Self was present. [person 1], her brother, called.',
		);
		expect(r.replacements).toEqual([{ original: "Marcus", replacement: "[person 1]", kind: "person", count: 1, forms: ["Marcus"] }]);
	});

	it("replaces a name word that is also an everyday word only when capitalised, and says so", () => {
		const r = deidentify("Will said he will try. WILL is tired.", { profile: { code: "C-0100", name: "Will Stone", created: "" } });
		expect(r.text).toBe("C-0100 said he will try. C-0100 is tired.");
		expect(r.warnings.join(" ")).toContain('"Will" in the client\'s name is also an everyday word');
	});

	it("always replaces the profile's details, even where no detector would find them", () => {
		const r = deidentify("She mentioned the blue heron tattoo again.", {
			profile: { code: "C-0101", name: "Dana Holt", created: "", details: { "distinguishing mark": "blue heron tattoo" } },
		});
		expect(r.text).toBe("She mentioned the [redacted] again.");
		expect(r.replacements[0]).toMatchObject({ original: "blue heron tattoo", kind: "detail", count: 1 });
	});
});
