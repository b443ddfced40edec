/**
 * Scripted model answers for the treatment-plan tests, written against the synthetic scenario in
 * test/support/scenario.ts: the draft a model could give from the intake, and per session the
 * progress entries with evidence quoted from that session note (plus, in session 3, one invented
 * quote and one unknown objective id that the checks must drop).
 */
import { SESSION_1, SESSION_2, SESSION_3, SESSION_4 } from "../support/scenario";

export const DRAFT_ANSWER = {
	presenting_problems: [
		"Panic symptoms most mornings for the past eight months, before work.",
		"Binge eating in the evenings, three to four times a week.",
		"Harsh self-criticism about work performance.",
	],
	goals: [
		{
			goal: "Wake up without panic most days.",
			objectives: [{ objective: "Morning panic on no more than 2 of 7 days", measure: "days with morning panic per week", target_weeks: 12 }],
		},
		{
			goal: "Stop bingeing in the evenings.",
			objectives: [{ objective: "No more than 1 binge episode a week", measure: "binge episodes per week", target_date: "2026-10-01" }],
		},
		{
			goal: "Be kinder to myself about work.",
			objectives: [{ objective: "Homework done on at least 4 of 7 days", measure: "days with homework done per week", target_weeks: 8 }],
		},
	],
	interventions: [
		"Weekly IFS-informed therapy: getting to know protectors, witnessing and unburdening exiles.",
		"Between-session homework: noticing parts and writing down what they say.",
	],
};

export interface ProgressScript {
	session: typeof SESSION_1;
	answer: { progress: { objective_id: string; note: string; evidence: string; status?: "in-progress" | "met" }[] };
}

export const PROGRESS: readonly ProgressScript[] = [
	{
		session: SESSION_1,
		answer: {
			progress: [
				{
					objective_id: "O1.1",
					note: "Morning panic on 5 of 7 days (baseline).",
					evidence: "Morning panic occurred five of seven days this week.",
					status: "in-progress",
				},
				{
					objective_id: "O3.1",
					note: "Homework set: notice the Critic and write down what it says.",
					evidence: "Homework: notice when the Critic shows up and write down what it says",
					status: "in-progress",
				},
			],
		},
	},
	{
		session: SESSION_2,
		answer: {
			progress: [
				{
					objective_id: "O3.1",
					note: "Homework done on 4 of 7 days.",
					evidence: "Client completed the homework on four of seven days",
					status: "in-progress",
				},
			],
		},
	},
	{
		session: SESSION_3,
		answer: {
			progress: [
				// Case and whitespace differ from the note: still the note's words.
				{
					objective_id: "O2.1",
					note: "2 binge episodes this week, down from 4.",
					evidence: "client reported TWO binge episodes this week,   down from four",
					status: "in-progress",
				},
				{ objective_id: "O3.1", note: "Daily check-ins done on 5 days.", evidence: "Daily check-ins with Little One were done on five days." },
				// Not in the session note: dropped.
				{ objective_id: "O1.1", note: "No morning panic at all this week.", evidence: "Client woke without panic every day this week.", status: "met" },
				// No such objective: dropped.
				{ objective_id: "O9.9", note: "Sleep improved.", evidence: "Client reported two binge episodes this week" },
			],
		},
	},
	{
		session: SESSION_4,
		answer: {
			progress: [
				{
					objective_id: "O1.1",
					note: "Morning panic on 2 of 7 days: target reached.",
					evidence: "Morning panic occurred two of seven days.",
					status: "met",
				},
				{ objective_id: "O2.1", note: "Paused with the Binger on three evenings.", evidence: "Client paused with the Binger on three evenings." },
			],
		},
	},
];
