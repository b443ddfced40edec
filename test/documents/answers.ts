/**
 * What a faithful model answers for each document type from the synthetic four-session record of
 * test/support/scenario.ts (only what the notes say, each statement citing its session date), and
 * what the clinician adds for each. Scripted on the fake Ollama server.
 */
import type { DocumentTypeId } from "../../src/core/documents/types";

export const CLINICIAN_NOTES: Readonly<Partial<Record<DocumentTypeId, string>>> = {
	referral: "Referral to a dietitian for the evening binge eating; please assess eating patterns.",
	"coordination-of-care": "Coordinating with the client's physician about the morning panic; please share any medical findings.",
	"supervision-prep": "Questions: how to work with the polarization between the Planner and the Critic?",
	"client-handout": "Include the five senses exercise.",
};

export const FAITHFUL: Readonly<Record<DocumentTypeId, Record<string, string>>> = {
	"progress-summary": {
		presenting_concerns:
			"Panic symptoms most mornings before work, episodes of binge eating in the evenings and harsh self-criticism about work performance [2026-06-02].",
		interventions:
			"Weekly IFS-informed therapy [2026-06-02]. Getting to know protectors: the Critic [2026-06-09] and the Binger [2026-06-23]. Witnessing, retrieval and unburdening of Little One [2026-06-30].",
		progress:
			"Morning panic occurred five of seven days [2026-06-09] and two of seven days [2026-06-30]. Binge episodes fell from four to two a week [2026-06-23].",
		current_status: "Unburdening of the exile completed; a new polarization between the Planner and the Critic is to be worked with [2026-06-30].",
		plan: "Next session: the polarization between the Planner and the Critic [2026-06-30].",
	},
	"medical-necessity": {
		symptoms:
			"Panic symptoms most mornings before work and binge eating in the evenings three to four times a week [2026-06-02]. Morning panic occurred two of seven days [2026-06-30].",
		treatment: "Weekly IFS-informed therapy [2026-06-02], with sessions on 2026-06-09, 2026-06-16, 2026-06-23 and 2026-06-30.",
		response: "Binge episodes fell from four to two a week [2026-06-23]. Unburdening of the exile completed [2026-06-30].",
		necessity: "Morning panic continues on two of seven days [2026-06-30], and a new polarization between two managers is to be worked with [2026-06-30].",
		request: "[clinician to specify]",
	},
	referral: {
		reason: "Referral to a dietitian for the evening binge eating.",
		background: "Episodes of binge eating in the evenings, three to four times a week [2026-06-02].",
		treatment: "Weekly IFS-informed therapy [2026-06-02]; binge episodes fell from four to two a week [2026-06-23].",
		request: "Please assess eating patterns.",
	},
	"coordination-of-care": {
		purpose: "Coordinating with the client's physician about the morning panic.",
		summary: "Weekly IFS-informed therapy [2026-06-02] with four sessions since [2026-06-09].",
		current_status: "Morning panic occurred two of seven days [2026-06-30].",
		coordination: "Please share any medical findings.",
	},
	"supervision-prep": {
		overview: "Panic symptoms most mornings, binge eating in the evenings and harsh self-criticism [2026-06-02].",
		recent_work:
			"The Critic agreed to step back and the client found Little One [2026-06-16]. The client named the Binger [2026-06-23]. Little One was witnessed, retrieved and unburdened [2026-06-30].",
		process: "The Critic protects Little One [2026-06-16]; the Binger also protects Little One [2026-06-23].",
		stuck_points: "A new polarization between the Planner and the Critic [2026-06-30].",
		questions: "How to work with the polarization between the Planner and the Critic?",
	},
	"client-handout": {
		what_it_is: "Grounding is a way to bring your attention back to the present moment when feelings get strong.",
		how_to: "1. Name five things you can see.\n2. Name four things you can touch.\n3. Name three things you can hear.\n4. Name two things you can smell.\n5. Name one thing you can taste.",
		when_it_helps: "Grounding can help whenever worry builds. It is fine if it feels awkward at first.",
	},
};
