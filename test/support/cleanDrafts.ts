/**
 * Over-flagging: clean, grounded drafts of the four-session scenario (test/support/scenario.ts),
 * drafted from the clinician's own summary of each session through the real DraftingService, and
 * what the checks did to them: review markers per note, and sentences taken out as risk that were
 * not about risk. A clean draft of a session without risk should carry at most one marker.
 *
 * The summaries are the scenario notes' words without their risk sections (the clinician's own
 * shorthand); session 4's summary mentions the passing thought of wanting to disappear, so the
 * risk notice, the risk gate and the domain check are exercised on a clean draft too. IFS language
 * about protection and safety ("protects Little One", "keeps the client from mistakes") must stay.
 */
import { ManualClock } from "../../src/core/clock";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { MemoryStore } from "../../src/core/store/MemoryStore";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { DraftingService } from "../../src/core/drafting/DraftingService";
import { findReviewMarkers } from "../../src/core/drafting/safeguards";
import { splitFrontmatter } from "../../src/core/markdown/frontmatter";
import { ScriptedLlm } from "./scriptedLlm";
import { SCENARIO_CLIENT, SCENARIO_NAME, SCENARIO_SESSIONS } from "./scenario";

/** The clinician's summary of a session: the note's sections but the risk section, as plain lines. */
export function summaryOf(noteText: string, extra = ""): string {
	const body = splitFrontmatter(noteText, "note").body;
	const lines: string[] = [];
	let skip = false;
	for (const line of body.split("\n")) {
		if (/^#\s/.test(line)) continue;
		if (/^##\s/.test(line)) {
			skip = /risk/i.test(line);
			continue;
		}
		if (!skip && line.trim() !== "") lines.push(line.replace(/^-\s+/, ""));
	}
	return [...lines, extra].filter((l) => l !== "").join("\n");
}

/** What a faithful model answers for each session (IFS-informed DAP sections). */
export const CLEAN_ANSWERS: readonly Record<string, string[]>[] = [
	{
		data: [
			"Client described a part that criticises them before every meeting and named it the Critic.",
			'Client said the Critic is "trying to keep me from being embarrassed".',
			"Morning panic occurred five of seven days this week.",
		],
		parts: ["The Critic (manager) criticises work performance to prevent embarrassment; it was met for the first time."],
		self_energy: ["Client showed curiosity toward the Critic and some calm by the end of the session."],
		ifs_process: ["Client unblended from the Critic enough to ask what it is afraid of.", "The Critic said it fears the client will be rejected."],
		assessment: ["Early protector work; the client was able to unblend briefly."],
		plan: ["Homework: notice when the Critic shows up and write down what it says, three times a day.", "Next session: continue with the Critic."],
	},
	{
		data: [
			"Client completed the homework on four of seven days and brought the log.",
			"Client talked about their father leaving for long work trips and the house feeling empty.",
			"The Critic agreed to step back and the client found a young part, Little One, about seven years old, who is afraid of being abandoned.",
		],
		parts: [
			"The Critic (manager) protects Little One by keeping the client from mistakes that could lead to rejection.",
			'Little One (exile), age seven, carries fear of abandonment and the belief "I am too much".',
		],
		self_energy: ["Compassion toward Little One, calm and curiosity were present."],
		ifs_process: ["With the Critic's permission, the client accessed Little One and began witnessing the memory of the father leaving."],
		assessment: ["The exile was accessed with protector permission; the homework was completed partly."],
		plan: ["Homework: a short daily check-in with Little One.", "Next session: continue witnessing."],
	},
	{
		data: [
			"Client reported two binge episodes this week, down from four.",
			'Client said: "I feel like I\'m drowning every morning before my feet hit the floor."',
			"Client named the part that binges the Binger; it comes in the evenings when Little One's loneliness gets loud.",
			"Daily check-ins with Little One were done on five days.",
		],
		parts: [
			"The Binger (firefighter) binge eats in the evenings to numb Little One's loneliness.",
			"Little One (exile) is lonely in the evenings.",
			"The Critic (manager) was quieter this week.",
		],
		self_energy: ["Curiosity and courage toward the Binger."],
		ifs_process: ["Getting to know the Binger; it agreed that it protects Little One and would like to rest."],
		assessment: ["A firefighter was identified and binge frequency is falling; the homework was completed."],
		plan: [
			"Homework: when the Binger shows up, pause for one minute and ask it what it needs.",
			"Next session: witnessing and possible unburdening of Little One.",
		],
	},
	{
		data: [
			"Client paused with the Binger on three evenings.",
			"Client completed witnessing of Little One's memory of the father leaving, retrieved Little One to the present, and Little One released the fear of abandonment to the wind.",
			"A new part came up afterwards, the Planner, a manager that schedules every hour of the day; it is polarized with the Critic.",
			"Morning panic occurred two of seven days.",
		],
		parts: [
			"Little One (exile) was witnessed, retrieved and unburdened of the fear of abandonment.",
			"The Planner (manager) schedules every hour and is polarized with the Critic.",
		],
		self_energy: ["Calm, compassion, connectedness and clarity."],
		ifs_process: ["Witnessing was completed, followed by retrieval, unburdening with the element of wind, and integration.", "The client met the Planner."],
		assessment: ["Unburdening of the exile was completed; a new polarization between two managers is to be worked with."],
		plan: [
			"Homework: notice the Planner and the Critic arguing and write down what each wants.",
			"Next session: the polarization between the Planner and the Critic.",
		],
	},
];

export interface OverFlagging {
	notes: { date: string; sentences: number; markers: number; reasons: string[]; riskMentioned: boolean; wronglyTakenOutAsRisk: string[] }[];
	sentences: number;
	markers: number;
	wronglyTakenOutAsRisk: number;
}

export async function measureOverFlagging(): Promise<OverFlagging> {
	const clock = new ManualClock("2026-07-07T12:00:00Z");
	const record = new ClinicalRecord({ store: new MemoryStore(), clock });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: SCENARIO_NAME, modality: "ifs" });
	const llm = new ScriptedLlm();
	const service = new DraftingService({ record, llm, templates: { load: async () => null }, clock });
	const notes: OverFlagging["notes"] = [];
	for (const [i, session] of SCENARIO_SESSIONS.entries()) {
		const extra = i === 3 ? 'During the witnessing the client mentioned a passing thought of "wanting to disappear".' : "";
		llm.reply(CLEAN_ANSWERS[i]!);
		const result = await service.draft({
			client: SCENARIO_CLIENT,
			sessionDate: session.date,
			format: "ifs",
			model: "scripted",
			source: { kind: "summary", text: summaryOf(session.text, extra) },
		});
		const body = splitFrontmatter(await record.readText(result.notePath, "internal"), result.notePath).body;
		const markers = findReviewMarkers(body);
		notes.push({
			date: session.date,
			sentences: Object.values(CLEAN_ANSWERS[i]!).flat().length,
			markers: markers.length,
			reasons: markers.map((m) => m.reason),
			riskMentioned: result.riskMentions.length > 0,
			// Every clean answer is free of risk content: anything the domain check took out was taken wrongly.
			wronglyTakenOutAsRisk: result.flags.filter((f) => f.kind === "risk-domain").map((f) => f.excerpt),
		});
	}
	await record.lock();
	return {
		notes,
		sentences: notes.reduce((n, x) => n + x.sentences, 0),
		markers: notes.reduce((n, x) => n + x.markers, 0),
		wronglyTakenOutAsRisk: notes.reduce((n, x) => n + x.wronglyTakenOutAsRisk.length, 0),
	};
}
