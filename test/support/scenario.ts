/**
 * A synthetic four-session IFS course of treatment for one invented client (no real person), used by
 * the parts-map, treatment-plan, search and brief tests. The notes are written the way Clinical
 * Vault's IFS template lays them out (frontmatter, then the sections), as a clinician would have
 * signed them.
 *
 *   intake   2026-06-02  presenting problems: morning panic, binge eating, self-criticism; a quote
 *   session 1 2026-06-09 a protector met: "the Critic" (manager); homework: notice the Critic
 *   session 2 2026-06-16 an exile accessed: "Little One" (age 7, fear of abandonment), protected by
 *                        the Critic; the client talks about their father
 *   session 3 2026-06-23 a firefighter named: "the Binger" (binge eating), also protecting Little One;
 *                        the client says "I feel like I'm drowning every morning before my feet hit the floor"
 *   session 4 2026-06-30 Little One witnessed, retrieved and unburdened; a new manager, "the Planner",
 *                        polarized with the Critic; risk note written by the clinician
 *
 * SCENARIO_CLIENT is the code; SCENARIO_NAME the invented display name (it never appears in notes).
 */
export const SCENARIO_CLIENT = "C-0417";
export const SCENARIO_NAME = "Robin Example";

export interface ScenarioNote {
	recordPath: string;
	date: string;
	/** 0 for the intake. */
	sessionNumber: number;
	text: string;
}

function note(date: string, sessionNumber: number, kind: "intake" | "session", body: string): ScenarioNote {
	const front = [
		"---",
		`client: ${SCENARIO_CLIENT}`,
		`session_date: ${date}`,
		`session_number: ${sessionNumber}`,
		`note_type: ${kind}`,
		"format: ifs",
		"status: signed",
		"signed_by: Dr. Test Clinician",
		`signed_at: ${date}T18:00:00.000Z`,
		"---",
		"",
	].join("\n");
	return { recordPath: `${SCENARIO_CLIENT}/notes/${date}.md`, date, sessionNumber, text: `${front}${body.trim()}\n` };
}

export const INTAKE = note(
	"2026-06-02",
	0,
	"intake",
	`
# Intake assessment: ${SCENARIO_CLIENT}, 2026-06-02

## Presenting problems
- Panic symptoms most mornings for the past eight months, before work.
- Episodes of binge eating in the evenings, three to four times a week.
- Harsh self-criticism about work performance.

Client said: "I feel like I'm drowning every morning before my feet hit the floor."

## History
Client grew up with a father who travelled for work and was often absent. Parents divorced when the client was seven.

## Diagnosis (clinician)
F41.0 Panic disorder, entered by the clinician after the structured interview.

## Goals stated by the client
- Wake up without panic most days.
- Stop bingeing in the evenings.
- Be kinder to myself about work.

## Risk assessment
No current suicidal ideation reported; no history of self-harm. Clinician will reassess monthly.

## Plan
Weekly IFS-informed therapy. GAD-7 every four weeks.
`,
);

export const SESSION_1 = note(
	"2026-06-09",
	1,
	"session",
	`
# IFS-informed DAP note: ${SCENARIO_CLIENT}, session 1, 2026-06-09

## Data
Client described a part that criticises them before every meeting. Client named it "the Critic" and said it is "trying to keep me from being embarrassed". Morning panic occurred five of seven days this week.

## Parts present
- The Critic (manager): criticises work performance to prevent embarrassment. First time met.

## Self-energy
Client showed curiosity toward the Critic and some calm by the end of the session.

## IFS process
Getting to know a protector: client unblended from the Critic enough to ask what it is afraid of. The Critic said it fears the client will be rejected.

## Assessment
Early protector work; client able to unblend briefly.

## Plan
Homework: notice when the Critic shows up and write down what it says, three times a day. Next session continue with the Critic.

## Risk assessment
No risk indicators raised this session.
`,
);

export const SESSION_2 = note(
	"2026-06-16",
	2,
	"session",
	`
# IFS-informed DAP note: ${SCENARIO_CLIENT}, session 2, 2026-06-16

## Data
Client completed the homework on four of seven days and brought the log. Client talked about their father leaving for long work trips and the house feeling empty. The Critic agreed to step back and the client found a young part, "Little One", about seven years old, who is afraid of being abandoned.

## Parts present
- The Critic (manager): protects Little One by keeping the client from mistakes that could lead to rejection.
- Little One (exile): age seven, carries fear of abandonment and the belief "I am too much".

## Self-energy
Compassion toward Little One; calm; curiosity.

## IFS process
Permission from the Critic; client accessed the exile Little One and began witnessing the memory of the father leaving.

## Assessment
Exile accessed with protector permission. Homework followed up: completed partly.

## Plan
Homework: a short daily check-in with Little One. Next session continue witnessing.

## Risk assessment
No risk indicators raised this session.
`,
);

export const SESSION_3 = note(
	"2026-06-23",
	3,
	"session",
	`
# IFS-informed DAP note: ${SCENARIO_CLIENT}, session 3, 2026-06-23

## Data
Client reported two binge episodes this week, down from four. Client said: "I feel like I'm drowning every morning before my feet hit the floor." Client named the part that binges "the Binger"; it comes in the evenings when Little One's loneliness gets loud. Daily check-ins with Little One were done on five days.

## Parts present
- The Binger (firefighter): binge eating in the evenings to numb Little One's loneliness. First time named.
- Little One (exile): lonely in the evenings.
- The Critic (manager): quieter this week.

## Self-energy
Curiosity and courage toward the Binger.

## IFS process
Getting to know the Binger; it agreed that it protects Little One and would like to rest.

## Assessment
Firefighter identified; binge frequency falling. Homework followed up: completed.

## Plan
Homework: when the Binger shows up, pause for one minute and ask it what it needs. Next session: witnessing and possible unburdening of Little One.

## Risk assessment
No risk indicators raised this session.
`,
);

export const SESSION_4 = note(
	"2026-06-30",
	4,
	"session",
	`
# IFS-informed DAP note: ${SCENARIO_CLIENT}, session 4, 2026-06-30

## Data
Client paused with the Binger on three evenings. Client completed witnessing of Little One's memory of the father leaving, retrieved Little One to the present, and Little One released the fear of abandonment to the wind. A new part came up afterwards: "the Planner", a manager that schedules every hour of the day; it is polarized with the Critic, which says the Planner makes the client lazy. Morning panic occurred two of seven days.

## Parts present
- Little One (exile): witnessed, retrieved and unburdened of the fear of abandonment.
- The Planner (manager): schedules every hour; polarized with the Critic. First time met.
- The Critic (manager): polarized with the Planner.

## Self-energy
Calm, compassion, connectedness and clarity.

## IFS process
Witnessing completed, retrieval, unburdening (element: wind), integration. Met the Planner.

## Assessment
Unburdening of the exile completed; new polarization between two managers to be worked with.

## Plan
Homework: notice the Planner and the Critic arguing and write down what each wants. Next session: the polarization between the Planner and the Critic.

## Risk assessment
Client reported a passing thought of "wanting to disappear" during the witnessing; clinician assessed no intent or plan; safety plan reviewed. Clinician will check in next session.
`,
);

export const SCENARIO_SESSIONS: readonly ScenarioNote[] = [SESSION_1, SESSION_2, SESSION_3, SESSION_4];
export const SCENARIO_NOTES: readonly ScenarioNote[] = [INTAKE, ...SCENARIO_SESSIONS];
