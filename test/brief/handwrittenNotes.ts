/**
 * The synthetic four-session course of test/support/scenario.ts (intake, the Critic, Little One, the
 * Binger, the Planner) written by hand, in two styles clinicians use instead of our templates. No
 * real person; no frontmatter (the date is in the file name, as a note made in Obsidian has it).
 *
 *   HEADED: a title, bold field lines ("**Date:**", "**Mood:**"), "### Session content",
 *           "### Homework" / "#### Between sessions" headings with a bullet, "**Risk:** …" bold labels.
 *   PROSE:  a short title line, paragraphs, "HW: …" and "Risk: no SI/HI reported." lines, "Plan: …
 *           between sessions he will practise …", "SI/HI denied." as a sentence, curly quotes with
 *           "in his words" / "he said", "the part that binges"; the last session sets no homework.
 *
 * `expected` holds what each note states, written out by hand from the notes (not from the brief):
 * the tests compare the brief with it.
 */
export const HW_CLIENT = "C-0418";
export const HW_NAME = "Robin Example";

export interface HandNote {
	date: string;
	text: string;
}

export interface Style {
	id: "headed" | "prose";
	notes: HandNote[];
	expected: {
		/** Homework set, by date (dates without homework are absent). */
		homework: Record<string, string>;
		/** How the next note follows each assignment up: [date set, status, date of the follow-up]. */
		followUps: [string, string, string | undefined][];
		/** Every risk note, newest first, exactly as written (list marker and bold marks aside). */
		risk: [string, string][];
		/** The client's words, by date. */
		quotes: [string, string][];
		/** Parts and the dates of the notes that name them. */
		parts: Record<string, string[]>;
	};
}

const HEADED: HandNote[] = [
	{
		date: "2026-06-02",
		text: `# Intake – 2 June 2026

**Date:** 2026-06-02
**Referral:** self

### Presenting concerns
- Panic most mornings for about eight months, before work.
- Binge eating in the evenings, three or four times a week.
- Harsh self-criticism about her work.

She said: "I feel like I'm drowning every morning before my feet hit the floor."

### Background
Her father travelled for work and was often absent; her parents separated when she was seven.

**Risk:** Denies SI/HI. No history of self-harm.

**Next session:** start IFS-informed work; GAD-7 monthly.
`,
	},
	{
		date: "2026-06-09",
		text: `# Session 1 – 9 June 2026

**Date:** 2026-06-09
**Mood:** anxious, tired

### Session content
Morning panic on five of seven days. We got to know a protector she calls "the Critic" (manager): it criticises her before every meeting. She said it is "trying to keep me from being embarrassed". She could ask the Critic what it is afraid of; it fears she will be rejected.

### Homework
- Notice when the Critic shows up and jot down what it says, three times a day.

**Risk:** Denies SI/HI; no self-harm since intake.
`,
	},
	{
		date: "2026-06-16",
		text: `# Session 2 – 16 June 2026

**Date:** 2026-06-16
**Mood:** flat, then softer

### Session content
She brought her notes on the Critic: she noticed it and jotted it down on four of seven days. We talked about her father leaving for long work trips and how empty the house felt. The Critic agreed to step back and she found a young exile, about seven years old, afraid of being abandoned; she calls her "Little One".

### Interventions
Unblending from the Critic; permission to approach the exile; witnessing began.

#### Between sessions
A two-minute check-in with Little One each evening.

**Risk:** No SI/HI. Safety: no concerns raised.
`,
	},
	{
		date: "2026-06-23",
		text: `# Session 3 – 23 June 2026

**Date:** 2026-06-23

### Session content
Binge episodes down to two this week, from four. She did the evening check-ins with Little One every day. She named the part that binges "the Binger" (firefighter); it comes in the evenings when Little One's loneliness gets loud. The Critic was quieter this week. Morning panic is still there most days. In her words: "When the house goes quiet I eat until I can't feel anything."

### Homework
- When the Binger shows up, pause for one minute and ask it what it needs.

**Risk:** Denies SI/HI.
`,
	},
	{
		date: "2026-06-30",
		text: `# Session 4 – 30 June 2026

**Date:** 2026-06-30
**Mood:** tearful, relieved

### Session content
Paused with the Binger on three evenings. Completed the witnessing of Little One's memory of her father leaving; Little One was retrieved and let go of the fear of abandonment. Afterwards a new manager came up, the Planner, which schedules every hour of her day and is polarized with the Critic. Morning panic on two of seven days.

### Homework
- Notice the Planner and the Critic arguing and write down what each wants.

**Risk:** Passing thought of "wanting to disappear" during the witnessing; no intent or plan. Safety plan reviewed.
`,
	},
];

const PROSE: HandNote[] = [
	{
		date: "2026-06-02",
		text: `Intake 02/06/2026

Referred himself for morning panic (most days for about eight months) and evening binge eating, three or four nights a week, plus a harsh inner voice about work. In his words, “I feel like I'm drowning every morning before my feet hit the floor.” His father travelled for work and was mostly absent; his parents split up when he was seven.

Risk: no SI/HI reported, no history of self-harm.

Plan: weekly IFS-informed sessions; GAD-7 monthly.
`,
	},
	{
		date: "2026-06-09",
		text: `9 June – session 1

Morning panic five days out of seven. Spent most of the hour with the Critic, a manager that goes after him before every meeting; he says it is “trying to keep me from being embarrassed”. He was curious about it and asked what it is afraid of: that he'll be rejected.

HW: notice when the Critic shows up and write down what it says, three times a day.
Risk: no SI/HI reported.
`,
	},
	{
		date: "2026-06-16",
		text: `16 June – session 2

He brought his notes on the Critic: he noticed it and wrote it down on four of the seven days. We talked about his father leaving on long work trips and the empty house. The Critic agreed to step back, and he found a young exile, about seven, afraid of being abandoned; he calls him “Little One”.

Plan: keep meeting weekly; between sessions he will practise a two-minute check-in with Little One each evening.
Risk: no SI/HI reported.
`,
	},
	{
		date: "2026-06-23",
		text: `23 June – session 3

Two binges this week, down from four. He did the check-in with Little One every evening, as agreed. He named the part that binges “the Binger”; it turns up in the evenings when Little One gets lonely. “When the house goes quiet I eat until I can't feel anything,” he said. The Critic was quieter; morning panic most days still.

HW: when the Binger shows up, pause for one minute and ask it what it needs.
SI/HI denied.
`,
	},
	{
		date: "2026-06-30",
		text: `30 June – session 4

He paused with the Binger on three evenings. We finished witnessing Little One's memory of his father leaving; Little One was retrieved and let the fear of abandonment go. A new protector showed up afterwards, the Planner, who schedules every hour of his day and is polarized with the Critic. Morning panic two days out of seven.

He mentioned a passing thought of wanting to disappear during the witnessing; no intent or plan. Safety plan reviewed and he agreed to call if it comes back.

Risk: no SI/HI reported beyond the above.
`,
	},
];

export const STYLES: readonly Style[] = [
	{
		id: "headed",
		notes: HEADED,
		expected: {
			homework: {
				"2026-06-09": "Notice when the Critic shows up and jot down what it says, three times a day.",
				"2026-06-16": "A two-minute check-in with Little One each evening.",
				"2026-06-23": "When the Binger shows up, pause for one minute and ask it what it needs.",
				"2026-06-30": "Notice the Planner and the Critic arguing and write down what each wants.",
			},
			followUps: [
				["2026-06-30", "open", undefined],
				["2026-06-23", "partly", "2026-06-30"],
				["2026-06-16", "completed", "2026-06-23"],
			],
			risk: [
				["2026-06-30", 'Risk: Passing thought of "wanting to disappear" during the witnessing; no intent or plan. Safety plan reviewed.'],
				["2026-06-23", "Risk: Denies SI/HI."],
				["2026-06-16", "Risk: No SI/HI. Safety: no concerns raised."],
				["2026-06-09", "Risk: Denies SI/HI; no self-harm since intake."],
				["2026-06-02", "Risk: Denies SI/HI. No history of self-harm."],
			],
			quotes: [
				["2026-06-23", "When the house goes quiet I eat until I can't feel anything."],
				["2026-06-09", "trying to keep me from being embarrassed"],
				["2026-06-02", "I feel like I'm drowning every morning before my feet hit the floor."],
			],
			parts: {
				Critic: ["2026-06-09", "2026-06-16", "2026-06-23", "2026-06-30"],
				"Little One": ["2026-06-16", "2026-06-23", "2026-06-30"],
				Binger: ["2026-06-23", "2026-06-30"],
				Planner: ["2026-06-30"],
			},
		},
	},
	{
		id: "prose",
		notes: PROSE,
		expected: {
			homework: {
				"2026-06-09": "notice when the Critic shows up and write down what it says, three times a day.",
				"2026-06-16": "between sessions he will practise a two-minute check-in with Little One each evening.",
				"2026-06-23": "when the Binger shows up, pause for one minute and ask it what it needs.",
			},
			followUps: [
				["2026-06-23", "partly", "2026-06-30"],
				["2026-06-16", "completed", "2026-06-23"],
				["2026-06-09", "partly", "2026-06-16"],
			],
			risk: [
				["2026-06-30", "Risk: no SI/HI reported beyond the above."],
				[
					"2026-06-30",
					"He mentioned a passing thought of wanting to disappear during the witnessing; no intent or plan. Safety plan reviewed and he agreed to call if it comes back.",
				],
				["2026-06-23", "SI/HI denied."],
				["2026-06-16", "Risk: no SI/HI reported."],
				["2026-06-09", "Risk: no SI/HI reported."],
				["2026-06-02", "Risk: no SI/HI reported, no history of self-harm."],
			],
			quotes: [
				["2026-06-23", "When the house goes quiet I eat until I can't feel anything"],
				["2026-06-09", "trying to keep me from being embarrassed"],
				["2026-06-02", "I feel like I'm drowning every morning before my feet hit the floor."],
			],
			parts: {
				Critic: ["2026-06-09", "2026-06-16", "2026-06-23", "2026-06-30"],
				"Little One": ["2026-06-16", "2026-06-23", "2026-06-30"],
				Binger: ["2026-06-23", "2026-06-30"],
				Planner: ["2026-06-30"],
			},
		},
	},
];
