/**
 * Every transcript form a clinician brings (src/core/transcribe/forms.ts): ours, WebVTT, SRT, other
 * stamps, labelled lines, plain text; and bad input (broken cues, CRLF, a BOM) loses no words.
 * Synthetic text only.
 */
import { describe, expect, it } from "vitest";
import { parseAnyTranscript, secondsOf } from "../../src/core/transcribe/forms";

const words = (t: ReturnType<typeof parseAnyTranscript>) => t.lines.map((l) => `${l.start ?? "-"}|${l.speaker ?? ""}|${l.text}`);

describe("transcript forms", () => {
	it("ours: [mm:ss] **Speaker:** text", () => {
		const t = parseAnyTranscript("# Transcript\n\n> Machine transcription.\n\n[00:05] **Therapist:** How was the week?\n\n[01:02:03] **Client:** Long.\n");
		expect(t.form).toBe("clinical-vault");
		expect(words(t)).toEqual(["5|Therapist|How was the week?", "3723|Client|Long."]);
	});

	it("WebVTT with voice tags, Zoom's 'Name: text' cues, notes, styles and entities", () => {
		const vtt = [
			"WEBVTT - synthetic session",
			"Kind: captions",
			"",
			"NOTE written by a synthetic tool",
			"",
			"STYLE",
			"::cue { color: lime }",
			"",
			"1",
			"00:00:01.000 --> 00:00:04.500",
			"<v Therapist>How did the breathing practice go?</v>",
			"",
			"00:00:05.000 --> 00:00:09.000 align:start",
			"<v.loud Client>I did it <i>most</i> mornings &amp; once at work.",
			"",
			"3",
			"00:01:10.250 --> 00:01:12.000",
			"Dr Rivera: And the evenings?",
			"",
			"00:01:13.000 --> 00:01:15.000",
			"Harder, honestly.",
		].join("\n");
		const t = parseAnyTranscript(vtt);
		expect(t.form).toBe("webvtt");
		expect(t.problems).toEqual([]);
		expect(words(t)).toEqual([
			"1|Therapist|How did the breathing practice go?",
			"5|Client|I did it most mornings & once at work.",
			"70.25|Dr Rivera|And the evenings?",
			"73||Harder, honestly.",
		]);
		expect(t.lines[0]!.end).toBe(4.5);
	});

	it("SRT with commas, numbered cues, multi-line text and formatting tags", () => {
		const srt =
			"1\r\n00:00:02,000 --> 00:00:05,000\r\nTHERAPIST: What would you like\r\nto focus on today?\r\n\r\n2\r\n00:00:06,500 --> 00:00:08,000\r\n<i>CLIENT:</i> My sister's visit.\r\n";
		const t = parseAnyTranscript(srt);
		expect(t.form).toBe("srt");
		expect(words(t)).toEqual(["2|THERAPIST|What would you like to focus on today?", "6.5|CLIENT|My sister's visit."]);
	});

	it("other stamps: [hh:mm:ss] Name:, (m:ss) Name:, Name (hh:mm:ss):, Otter's name-and-time line, Zoom's [Name] time line", () => {
		const t = parseAnyTranscript(
			[
				"[00:00:03] Therapist: Welcome back.",
				"(0:09) Client: Thanks.",
				"Therapist (00:00:15): What stood out this week?",
				"",
				"Speaker 2  0:21",
				"The argument on Sunday.",
				"",
				"[Therapist] 00:00:30",
				"Tell me about it.",
				"00:00:41 The client describes the argument in detail.",
			].join("\n"),
		);
		expect(t.form).toBe("timestamped");
		expect(words(t)).toEqual([
			"3|Therapist|Welcome back.",
			"9|Client|Thanks.",
			"15|Therapist|What stood out this week?",
			"21|Speaker 2|The argument on Sunday.",
			"30|Therapist|Tell me about it.",
			"41||The client describes the argument in detail.",
		]);
	});

	it("labelled without times, wrapped turns joined; a note's fields are not speakers", () => {
		const t = parseAnyTranscript(
			"THERAPIST: How is sleep?\nCLIENT: Better since I stopped\nreading the news at night.\n\n**Dr Rivera:** Good.\nNote: this line is the clinician's.\n",
		);
		expect(t.form).toBe("labelled");
		expect(words(t)).toEqual([
			"-|THERAPIST|How is sleep?",
			"-|CLIENT|Better since I stopped reading the news at night.",
			"-|Dr Rivera|Good. Note: this line is the clinician's.",
		]);
	});

	it("plain text: each paragraph a line, nothing invented", () => {
		const t = parseAnyTranscript("We talked about the move.\nShe said it felt rushed.\n\nNext time: the budget.\n");
		expect(t.form).toBe("plain");
		expect(t.lines.map((l) => l.text)).toEqual(["We talked about the move. She said it felt rushed.", "Next time: the budget."]);
		expect(t.lines.every((l) => l.start === null && l.speaker === undefined)).toBe(true);
	});

	it("a VTT with broken cues keeps every word and says where", () => {
		const vtt =
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFirst cue.\n\n00:00:0x --> broken\nSecond cue survives.\n\nA cue with no time line at all.\n\n00:00:05.000 --> 00:00:06.000\nLast cue.";
		const t = parseAnyTranscript(`\uFEFF${vtt}`);
		expect(t.form).toBe("webvtt");
		expect(t.lines.map((l) => l.text)).toEqual(["First cue.", "Second cue survives.", "A cue with no time line at all.", "Last cue."]);
		expect(t.lines.map((l) => l.start)).toEqual([1, null, null, 5]);
		expect(t.problems).toEqual([
			"line 6: a cue without a valid time; its text is kept without one",
			"line 9: a cue without a valid time; its text is kept without one",
		]);
	});

	it("two speakers in one cue stay two turns (voice tags, or a label on each line); entities are decoded once", () => {
		const vtt = parseAnyTranscript(
			"WEBVTT\n\n00:00:01.000 --> 00:00:05.000\n<v Client>Not really.</v> <v Therapist>You said the week was hard.</v>\n\n00:00:06.000 --> 00:00:07.000\n<v Client>&amp;lt;b&amp;gt; stays text\n",
		);
		expect(words(vtt)).toEqual(["1|Client|Not really.", "1|Therapist|You said the week was hard.", "6|Client|&lt;b&gt; stays text"]);
		const srt = parseAnyTranscript("1\n00:00:01,000 --> 00:00:05,000\nClient: Not really.\nTherapist: You said the week\nwas hard.\n");
		expect(words(srt)).toEqual(["1|Client|Not really.", "1|Therapist|You said the week was hard."]);
	});

	it("empty input is an empty plain transcript; seconds from every stamp shape", () => {
		expect(parseAnyTranscript("\n \n")).toEqual({ form: "plain", lines: [], problems: [] });
		expect([secondsOf("01:02"), secondsOf("1:02:03"), secondsOf("00:00:01,500"), secondsOf("00:01.25")]).toEqual([62, 3723, 1.5, 1.25]);
	});
});
