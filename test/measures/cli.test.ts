/**
 * `clinical-vault measure add|list|chart|schedule` and the brief's Measures section, run in process
 * through the CLI's run(argv, io) on a real temporary vault: scores from answers and totals, the
 * item alert on stderr, every bad input a usage or input error with nothing written, a clinician's
 * own measure from the templates folder, a broken one named.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cliInProcess, FAST_KDF, hashTree, PASSPHRASE, removeDir, tempDir } from "../cli/support";

let dir: string;
let vault: string;

function cv(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
	return cliInProcess(argv, { CLINICAL_VAULT_PASSPHRASE: PASSPHRASE, CLINICAL_VAULT_STATE_DIR: join(dir, "state") });
}

beforeAll(async () => {
	dir = await tempDir("cv-measures-");
	vault = join(dir, "vault");
	expect((await cv("init", vault, ...FAST_KDF)).code).toBe(0);
	expect((await cv("client", "add", vault, "--code", "C-0142", "--name", "Robin Synthetic")).code).toBe(0);
});

afterAll(async () => {
	await removeDir(dir);
});

describe("measure add, list, chart", () => {
	it("scores from answers and from a total; the item alert goes to stderr; list and chart show them", async () => {
		const first = await cv("measure", "add", vault, "--client", "C-0142", "--measure", "phq9", "--answers", "2,2,2,2,2,2,2,1,1", "--date", "2026-09-01");
		expect(first.code).toBe(0);
		expect(first.out).toBe("PHQ-9 2026-09-01: 16 (Moderately severe); 1 item alert(s). Saved; page C-0142/measures.md\n");
		expect(first.err).toMatch(/^ALERT: PHQ-9 Item 9 .*\(answer 1, 2026-09-01\)\.\n$/);
		const second = await cv("measure", "add", vault, "--client", "C-0142", "--measure", "PHQ9", "--total", "7", "--date", "2026-09-29", "--json");
		expect(second.code).toBe(0);
		expect(JSON.parse(second.out)).toMatchObject({
			measure: "phq9",
			date: "2026-09-29",
			total: 7,
			band: "Mild",
			answers: null,
			alerts: [],
			page: "C-0142/measures.md",
		});

		const list = await cv("measure", "list", vault, "--client", "C-0142");
		expect(list.out).toBe(
			[
				"MEASURE   DATE        TOTAL  BAND                      CHANGE   FLAGS",
				"PHQ-9     2026-09-01     16  Moderately severe                  item 9=1",
				"PHQ-9     2026-09-29      7  Mild                      -9*      total only",
				"",
				"CHANGE is from the first score; * marks a reliable change.",
				"",
			].join("\n"),
		);
		const json = JSON.parse((await cv("measure", "list", vault, "--client", "C-0142", "--json")).out) as {
			entries: { measure: string; date: string; total: number; band: string; alerts: unknown[] }[];
		};
		expect(json.entries.map((e) => [e.measure, e.date, e.total, e.band, e.alerts.length])).toEqual([
			["phq9", "2026-09-01", 16, "Moderately severe", 1],
			["phq9", "2026-09-29", 7, "Mild", 0],
		]);
		const chart = await cv("measure", "chart", vault, "--client", "C-0142", "--measure", "phq9");
		expect(chart.out.split("\n")[0]).toBe("PHQ-9 for C-0142 (0 to 27; | marks the cut-off 10)");
		expect(chart.out).toContain("2026-09-29  ##########     |                            7 Mild");
		expect((await cv("measure", "chart", vault, "--client", "C-0142", "--measure", "phq9", "--mermaid")).out).toContain(
			'xychart-beta\n    title "PHQ-9"\n    x-axis ["2026-09-01", "2026-09-29"]',
		);
		const page = await cv("cat", vault, "C-0142/measures.md");
		expect(page.out).toContain("| 2026-09-29 | 7 (total only) | Mild | -9, reliable, improved, clinically significant |");
	});

	it("bad input: a usage or input error that names the problem, and no byte changes", async () => {
		const before = await hashTree(vault);
		const cases: [string[], number, string][] = [
			[["--measure", "phq9", "--answers", "1,1,,1,1,1,1,1,1"], 1, "PHQ-9 item 3 is not answered, and its manual gives no rule for a missing item"],
			[["--measure", "phq9", "--answers", "1,1,4,1,1,1,1,1,1"], 1, "PHQ-9 item 3 was answered 4; its answers are 0 to 3."],
			[["--measure", "phq9", "--answers", "1,1,x,1"], 2, '--answers: answer 3 is "x", not a whole number'],
			[["--measure", "phq9", "--total", "30"], 1, "A PHQ-9 total is a whole number from 0 to 27; 30 is not."],
			[["--measure", "phq9", "--total", "5", "--date", "2999-01-01"], 1, "2999-01-01 is in the future"],
			[["--measure", "phq9", "--total", "5", "--date", "2026-09-01"], 1, "PHQ-9 is already entered for 2026-09-01 (total 16)"],
			[["--measure", "ors", "--total", "5"], 2, '"ors" is not a measure Clinical Vault knows.'],
			[["--measure", "phq9"], 2, "needs exactly one of --answers A,B,… or --total N"],
			[["--measure", "phq9", "--total", "5", "--answers", "1"], 2, "needs exactly one of"],
		];
		for (const [args, code, message] of cases) {
			const result = await cv("measure", "add", vault, "--client", "C-0142", ...args);
			expect({ args, code: result.code }).toEqual({ args, code });
			expect(result.err).toContain(message);
			expect(result.out).toBe("");
		}
		const after = await hashTree(vault);
		// Only this computer's audit log grew (one session entry per failed run that unlocked).
		for (const [path, hash] of before) if (!path.includes("_vault/audit/")) expect({ path, hash: after.get(path) }).toEqual({ path, hash });
	});

	it("--replace replaces the score for that date", async () => {
		const replaced = await cv("measure", "add", vault, "--client", "C-0142", "--measure", "phq9", "--total", "15", "--date", "2026-09-01", "--replace");
		expect(replaced.code).toBe(0);
		expect(replaced.err).toContain("Replaced the PHQ-9 score of 2026-09-01 (total 16).");
	});
});

describe("a clinician's own measure, the schedule and the brief", () => {
	it("a YAML definition in the templates folder is used; a broken one is named on stderr; the brief lists scores, due measures and the alert", async () => {
		const folder = join(vault, "Clinical Vault templates", "measures");
		await mkdir(folder, { recursive: true });
		await writeFile(
			join(folder, "sleep.yaml"),
			"id: sleep\nname: Sleep check\ntitle: A synthetic two-item sleep check\nsource: Synthetic\nlicence: Synthetic\noptions:\n  - { value: 0, label: No }\n  - { value: 1, label: Yes }\nitems:\n  - { id: a, text: Woke at night }\n  - { id: b, text: Slept late }\nscoring: { method: sum }\nbands:\n  - { min: 0, max: 0, label: None }\n  - { min: 1, max: 2, label: Some }\n",
		);
		await writeFile(join(folder, "broken.yaml"), "id: broken\nscoring: { method: weighted }\n");
		const own = await cv("measure", "add", vault, "--client", "C-0142", "--measure", "sleep", "--answers", "1,0", "--date", "2026-09-29");
		expect(own.code).toBe(0);
		expect(own.out).toContain("Sleep check 2026-09-29: 1 (Some).");
		expect(own.err).toContain("The measure definition measures/broken.yaml cannot be used");

		const schedule = await cv("measure", "schedule", vault, "--client", "C-0142", "--set", "phq9=session,gad7=monthly");
		expect(schedule.out).toBe("PHQ-9: every session\nGAD-7: monthly\n");
		expect((await cv("measure", "schedule", vault, "--client", "C-0142", "--set", "phq9=weekly")).code).toBe(2);

		const brief = await cv("brief", vault, "--client", "C-0142", "--date", "2026-10-01");
		expect(brief.code).toBe(0);
		expect(brief.out).toContain(
			"## Measures\n- PHQ-9 7 (Mild) on 2026-09-29; -8 since 2026-09-01 (reliable change, improved)\n- Sleep check 1 (Some) on 2026-09-29\n- Due: PHQ-9 is given every session (last 2026-09-29)\n- Due: GAD-7 is given monthly (never given yet)",
		);
		// The score with the item-9 answer was replaced by a total: the alert stays in the record.
		expect(brief.out).toMatch(
			/## Risk notes \(as written by the clinician\)\n- \[\[.*\|2026-09-01\]\]: PHQ-9 item 9 answered 1 \(in a score since replaced\)/,
		);
	});

	it("plan: the objectives that target a measure are followed from the scores, for the review (stderr, and --json)", async () => {
		const plan = `---\nclient: C-0142\ntype: treatment-plan\nversion: 1\ncreated: 2026-08-01\n---\n# Treatment plan\n\n<!-- cv:data -->\n\`\`\`yaml\ngoals:\n  - id: G1\n    text: Lift mood\n    objectives:\n      - id: O1.1\n        text: Mood lifts\n        measure: PHQ-9 < 10\n        target_date: 2027-01-31\n\`\`\`\n`;
		const file = join(dir, "plan.md");
		await writeFile(file, plan);
		expect((await cv("put", vault, "C-0142/treatment-plan.md", "--from", file)).code).toBe(0);
		const shown = await cv("plan", vault, "--client", "C-0142");
		expect(shown.code).toBe(0);
		expect(shown.err).toContain(
			"Measured objective O1.1 PHQ-9 < 10 by 2027-01-31: latest 7 on 2026-09-29 (meets the target), from 15 on 2026-09-01; 2 scores.",
		);
		const json = JSON.parse((await cv("plan", vault, "--client", "C-0142", "--json")).out) as {
			measuredObjectives: { objectiveId: string; met: boolean; evidence: string[] }[];
		};
		expect(json.measuredObjectives.map((m) => [m.objectiveId, m.met, m.evidence])).toEqual([["O1.1", true, ["2026-09-01", "2026-09-29"]]]);
	});
});
