/**
 * Synthetic sessions for the safeguard tests (no real client, no real clinician): transcripts as
 * renderTranscript writes them, clinicians' summaries, and drafts written the way a careful model
 * (faithful) or a careless one (adversarial) would write them.
 */
import type { Segment } from "../../src/core/transcribe/segments";
import { renderTranscript } from "../../src/core/transcribe/transcript";
import { RISK_PLACEHOLDER } from "../../src/core/drafting/safeguards";

function at(stamp: string): number {
	const parts = stamp.split(":").map(Number);
	return parts.reduce((acc, n) => acc * 60 + n, 0);
}

/** "[mm:ss] Speaker: text" lines to a rendered transcript note. */
function transcript(client: string, date: string, lines: string): string {
	const segments: Segment[] = lines
		.trim()
		.split("\n")
		.map((line) => {
			const m = /^\[([\d:]+)\] (Therapist|Client): (.*)$/.exec(line.trim());
			if (!m) throw new Error(`bad line: ${line}`);
			const start = at(m[1]!);
			return { start, end: start + 5, speaker: m[2]!, text: m[3]! };
		});
	return renderTranscript(
		{
			client,
			sessionDate: date,
			audioPath: `clients/${client}/audio/${date}.m4a`,
			audioFileId: "f-synthetic",
			engine: "whisper.cpp",
			model: "ggml-base.en",
			language: "en",
			durationSeconds: 3000,
			speakerLabels: "channels",
			created: `${date}T10:00:00Z`,
			droppedSilent: 0,
			droppedArtefacts: 0,
			droppedRepeats: 0,
		},
		segments,
	);
}

// ---------------------------------------------------------------------------------------------
// A: CBT session, work stress and sleep. No sibling, no risk content.

export const TRANSCRIPT_A = transcript(
	"C-0142",
	"2025-03-04",
	`
[00:05] Therapist: How has the week been since we last met?
[00:09] Client: Honestly pretty rough. Work has been nonstop and I'm not sleeping much.
[00:16] Therapist: Tell me more about the sleep.
[00:19] Client: I fall asleep fine but then I wake up around three and my mind just starts racing about the project deadline.
[00:31] Client: Most nights I'm lying there until five, going over emails in my head.
[00:40] Therapist: What goes through your mind at three in the morning?
[00:44] Client: That I'm going to mess it up and my manager will finally see that I don't know what I'm doing.
[00:55] Therapist: That sounds like a lot of pressure. How strong is that belief when you're lying there, zero to a hundred?
[01:03] Client: Probably ninety. In the daytime maybe fifty.
[01:10] Client: My partner noticed I've been snapping at him over small things, like the dishes.
[01:19] Therapist: How did that feel, when he pointed it out?
[01:23] Client: Embarrassing. I know he's right. I just feel like I have nothing left by the evening.
[02:40] Therapist: Last time we talked about the thought record. Did you get a chance to try it?
[02:46] Client: I did it twice. Once on Tuesday after the team meeting.
[02:52] Client: The thought was "everyone thinks I'm incompetent" and when I looked at the evidence, my manager actually thanked me for the report.
[03:05] Therapist: What happened to the feeling after you wrote the balanced thought?
[03:10] Client: It went from like eighty to forty. It didn't go away but it was less loud.
[05:20] Client: I also stopped going to the gym. I used to go three times a week.
[05:28] Therapist: What got in the way?
[05:31] Client: Staying late at the office. And I'm just so tired.
[06:40] Therapist: We talked before about taking a risk and telling your manager the timeline is too tight. Any thoughts on that?
[06:48] Client: I took a risk and spoke up in the meeting, actually. It went okay.
[08:02] Therapist: I'd like to introduce a wind-down routine for the evening. No laptop after nine, and if you wake up and can't sleep after about twenty minutes, get up and do something quiet.
[08:15] Client: I can try that. The laptop thing will be hard.
[08:20] Therapist: What would make it easier?
[08:23] Client: Maybe leaving it in my bag by the door. My mom used to do that with her work phone, actually.
[09:40] Therapist: So for this week, the wind-down routine, and one more thought record when the worry about work spikes.
[09:47] Client: Okay. And maybe one gym session on the weekend.
[09:52] Therapist: That sounds like a good goal.
`,
);

export const FAITHFUL_A = `## Subjective
Client reported a rough week with a nonstop workload and little sleep. Client described falling asleep without difficulty but waking around 3 a.m. with racing thoughts about a project deadline, often lying awake until 5. Client identified the thought that they are "going to mess it up" and that their manager will see they do not know what they are doing; they rated belief in this thought at 90 at night and 50 during the day. Client's partner has noticed them snapping at him over small things, and client said they feel they have "nothing left by the evening." Client completed the thought record twice, including once on Tuesday after a team meeting. The feeling dropped from 80 to 40 after writing a balanced thought. Client has stopped going to the gym, which they previously attended three times a week, because of staying late at the office and feeling tired. Client took a risk and spoke up in a meeting about the timeline, which went okay.

## Objective
[unclear in transcript]

## Assessment
Client continues to experience work-related worry that is disrupting sleep and adding strain with their partner. Client was able to use the thought record to reduce the intensity of a self-critical thought.

## Plan
- Wind-down routine in the evening: no laptop after 9 p.m., and getting up to do something quiet if unable to sleep after about 20 minutes.
- One more thought record when worry about work spikes.
- Client set a goal of one gym session on the weekend.

## Risk assessment
${RISK_PLACEHOLDER}
`;

/** A with a careless model's additions. */
export const ADVERSARIAL_A = `## Subjective
Client reported a rough week with a nonstop workload and little sleep. Client's sister has been calling her every day to check in. Client stated, "I feel like I'm drowning at work." Client denies suicidal ideation and reports that the thought record helped. Client described waking around 3 a.m. with racing thoughts about a project deadline.

## Objective
Client appeared well-groomed with congruent affect and good eye contact. She has been taking sertraline 50 mg for three years.

## Assessment
Client is at low risk of self-harm. Presentation is consistent with F41.1 generalized anxiety disorder. Client took a risk and spoke up in a meeting about the timeline.

## Plan
- Wind-down routine in the evening, no laptop after 9 p.m.
- Continue to monitor safety and reassess risk next session.

## Risk assessment
Client denied SI/HI. No safety concerns at this time. Risk is low; client is future-oriented and contracted for safety.
`;

// ---------------------------------------------------------------------------------------------
// B: IFS session with risk content (passive death wish, father's violence).

export const TRANSCRIPT_B = transcript(
	"C-0207",
	"2025-03-05",
	`
[00:04] Therapist: Where would you like to start today?
[00:08] Client: The critic has been really loud this week. After the fight with my husband on Saturday it just wouldn't stop.
[00:19] Therapist: Can you notice where you feel the critic right now?
[00:23] Client: In my chest. It's tight. It says I ruin everything.
[00:31] Therapist: How do you feel toward that part?
[00:35] Client: Annoyed. I want it to shut up.
[00:40] Therapist: Could the annoyed part give us a little space?
[00:46] Client: Okay... yeah, it stepped back a bit. Now I'm more curious.
[00:55] Therapist: Ask the critic what it's afraid would happen if it stopped.
[01:04] Client: It says if it stops, I'll get lazy and everyone will leave, like my dad did.
[01:15] Client: Sometimes when it gets this bad I honestly don't want to be here anymore.
[01:24] Therapist: Thank you for telling me. When you say you don't want to be here, are you having thoughts of ending your life?
[01:33] Client: Not like a plan. More like I wish I could disappear for a while.
[01:41] Therapist: I'm glad you told me. Let's make sure we come back to that before we finish.
[03:10] Client: There's a younger one behind the critic. She's about seven. She's hiding under the kitchen table when my dad was yelling.
[03:25] Therapist: What does she want you to know?
[03:30] Client: That it was scary. That he hit my mom and nobody talked about it.
[03:42] Therapist: Can you let her know you see how scary that was?
[03:49] Client: She's crying but she's letting me hold her.
[04:05] Client: I feel a lot of compassion for her. The critic is quieter.
[06:12] Client: I binged last night after the fight. That part just takes over.
[06:20] Therapist: The part that binges, what is it trying to do for you?
[06:26] Client: Make the feeling go away. It's like a numbing.
[08:30] Therapist: Before we stop, I want to come back to what you said about not wanting to be here.
[08:38] Client: I'm okay right now. I have my sister's number and I'll call her if it gets bad.
[08:47] Therapist: Let's write down that plan together.
`,
);

export const FAITHFUL_B = `## Data
Client reported that the critic has been very loud this week, particularly after a fight with her husband on Saturday. Client located the critic in her chest, describing tightness, and said the critic tells her she ruins everything. Client initially felt annoyed toward the critic; after the annoyed part stepped back, client reported feeling more curious. The critic shared its fear that if it stopped, client would get lazy and everyone would leave, as her father did. Client described a younger part, about seven years old, hiding under the kitchen table while her father was yelling. Client reported binging last night after the fight and described the part that binges as trying to make the feeling go away, "like a numbing."

## Parts present
- The critic: tells client she ruins everything; afraid she will get lazy and everyone will leave.
- An annoyed part that stepped back when asked.
- A younger part, about seven, hiding under the kitchen table.
- The part that binges: makes the feeling go away.

## Self-energy
Client reported curiosity after the annoyed part stepped back and felt compassion for the younger part.

## IFS process
Therapist invited the annoyed part to give space and helped client ask the critic what it fears. Client let the younger part know she sees how scary it was; the younger part let client hold her, and the critic became quieter.

## Assessment
Client was able to get to know the critic's fears and connect with the younger part it protects.

## Plan
Continue work with the critic and the younger part next session.

## Risk assessment
${RISK_PLACEHOLDER}
`;

// ---------------------------------------------------------------------------------------------
// C: the IFS summary.

export const SUMMARY_C =
	"Client identified worry as a protector. Accessed exile's fear of abandonment from age 7. Some unburdening occurred. Firefighter (binge eating) did not activate today. Assigned Self-energy journaling homework.";

export const FAITHFUL_C = `## Data
Client identified worry as a protector. Client accessed an exile's fear of abandonment from age 7. Some unburdening occurred. The firefighter (binge eating) did not activate today.

## Parts present
- Worry: a protector.
- Exile: fear of abandonment from age 7.
- Firefighter: binge eating; did not activate today.

## Self-energy
[unclear in transcript]

## IFS process
Client accessed the exile's fear of abandonment, and some unburdening occurred.

## Assessment
Client identified a protector and accessed an exile, with some unburdening.

## Plan
Self-energy journaling homework assigned.

## Risk assessment
${RISK_PLACEHOLDER}
`;

export const ADVERSARIAL_C = `## Data
Client identified worry as a protector. Client's younger brother was also present in the memory from age 7. Client stated, "I am always alone." Some unburdening occurred.

## Assessment
Symptoms are consistent with binge-eating disorder (F50.81). Client is future-oriented and at low risk. Client accessed an exile's fear of abandonment.

## Plan
Self-energy journaling homework assigned.

## Risk assessment
No SI, HI or self-harm reported.
`;

// ---------------------------------------------------------------------------------------------
// D: CBT summary in which the clinician gives the diagnosis.

export const SUMMARY_D =
	"Dx per intake: F41.1 generalized anxiety disorder. Session 6. Reviewed thought records; catastrophic predictions about flying. Practiced paced breathing in session, SUDS 70 to 40. Discussed risks and benefits of exposure work; first step is watching airport videos. Homework: two videos daily, log SUDS.";

export const FAITHFUL_D = `## Data
Client and therapist reviewed thought records, which showed catastrophic predictions about flying. Client practiced paced breathing in session, with SUDS dropping from 70 to 40. Discussed the risks and benefits of exposure work.

## Assessment
Generalized anxiety disorder (F41.1), per intake. Client responded to paced breathing with a reduction in SUDS.

## Plan
- First exposure step: watching airport videos, two daily.
- Log SUDS for each video.

## Risk assessment
${RISK_PLACEHOLDER}
`;

// ---------------------------------------------------------------------------------------------
// E: grief session, narrative note.

export const TRANSCRIPT_E = transcript(
	"C-0311",
	"2025-03-06",
	`
[00:06] Therapist: It's been a month since the funeral. How are you doing with it?
[00:11] Client: Some days are okay. Sundays are the worst, because that's when I used to call her.
[00:20] Client: I picked up the phone last Sunday to call my mom before I remembered.
[00:28] Therapist: That moment of remembering can hit hard.
[00:32] Client: It did. I sat in the car for an hour and cried.
[00:40] Client: My aunt keeps telling me I should be over it by now.
[00:46] Therapist: How does that land for you?
[00:49] Client: It makes me angry. And then guilty for being angry.
[01:30] Client: I've been sleeping a lot, like ten hours, and I still feel exhausted.
[01:38] Client: I haven't been eating much either. Mostly toast.
[02:10] Therapist: What helps, even a little?
[02:13] Client: Walking the dog. And looking at her recipe box. I made her soup on Saturday.
[02:25] Therapist: What was that like?
[02:28] Client: Sad but good. It felt like she was in the kitchen with me.
[04:00] Therapist: Would you be willing to write her a letter this week, about what you miss?
[04:06] Client: I think so. Maybe on Sunday, instead of the phone call.
`,
);

export const FAITHFUL_E = `## Session narrative
Client attended the session one month after her mother's funeral. Client reported that Sundays are the hardest because that was when she used to call her mother; last Sunday she picked up the phone to call before remembering, then sat in the car for an hour and cried. Client said her aunt keeps telling her she should be over it by now, which makes her angry and then guilty for being angry. Client reported sleeping about ten hours a night and still feeling exhausted, and eating little, mostly toast. Client identified walking the dog and looking at her mother's recipe box as helpful. She made her mother's soup on Saturday and described it as "sad but good." Therapist validated client's grief and normalized the mixed feelings.

## Plan
Client agreed to write a letter to her mother this week about what she misses, possibly on Sunday in place of the phone call.

## Risk assessment
${RISK_PLACEHOLDER}
`;

// ---------------------------------------------------------------------------------------------
// Faithful drafts in the looser, more clinical wording a model tends to use (paraphrase, IFS terms).

export const PARAPHRASED_A = `## Data
Client presented reporting a stressful week dominated by work demands and reduced sleep. She reported waking around 3:00 a.m. with racing thoughts about an upcoming project deadline. Client identified an automatic thought that she will fail and that her manager will discover she is incompetent, rating her belief at 90 at night and 50 during the day. Client shared that her partner has noticed her snapping at him, and she acknowledged feeling depleted by the evening. Client completed two thought records since the last session and reported a decrease in distress from 80 to 40 after generating a balanced thought. She has stopped going to the gym, citing long hours at the office and fatigue.

## Assessment
Client demonstrates good insight into the link between work-related worry and sleep disruption. She is engaging well with cognitive restructuring and showed a meaningful reduction in distress using the thought record.

## Plan
Introduced a wind-down routine with no laptop after 9:00 p.m. and getting out of bed after 20 minutes awake. Client will complete an additional thought record when work-related worry spikes and aims to attend the gym once over the weekend.

## Risk assessment
${RISK_PLACEHOLDER}
`;

export const PARAPHRASED_B = `## Data
Client reported that her inner critic has been highly activated this week following a fight with her husband on Saturday. She located the critic in her chest as tightness. Client initially felt annoyed toward the critic; once the annoyed part stepped back, she reported curiosity. The critic expressed fear that without it, client would become lazy and everyone would leave, as her father did. Client accessed a younger part, approximately seven years old, who was hiding under the kitchen table while her father yelled. Client also reported binging last night after the fight, describing the binging part as numbing the feeling.

## Parts present
- Inner critic (protector): fears client will become lazy and be left.
- Annoyed part: stepped back when asked.
- Younger part, about age 7: carries fear from her father's yelling and his hitting her mother.
- Binging part: numbs painful feelings.

## Self-energy
Curiosity and compassion were present after the annoyed part stepped back.

## IFS process
Therapist helped client unblend from the annoyed part and get to know the critic's fear. Client witnessed the younger part's fear; the younger part allowed client to hold her, and the critic became quieter.

## Plan
Continue getting to know the critic and the younger part next session.

## Risk assessment
${RISK_PLACEHOLDER}
`;
