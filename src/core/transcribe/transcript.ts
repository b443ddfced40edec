/** The transcript note: encrypted markdown with frontmatter and [mm:ss]-stamped segments. */
import { stringify } from "yaml";
import { timestamp, type Segment, type SpeakerLabels } from "./segments";
import { describeAudioCheck, type AudioCheck } from "../audio/check";

export interface TranscriptMeta {
	client: string;
	sessionDate: string;
	audioPath: string;
	audioFileId: string;
	engine: string;
	model: string;
	language: string;
	durationSeconds: number;
	speakerLabels: SpeakerLabels;
	created: string;
	droppedSilent: number;
	droppedArtefacts: number;
	droppedRepeats: number;
	/** Whether the decoded audio was the whole recording; an incomplete one is said in the transcript. */
	audioCheck?: AudioCheck;
}

function stretchLabel(start: number, end: number): string {
	return end - start < 1 ? `near ${timestamp(start)}` : `${timestamp(start)}-${timestamp(end)}`;
}

/** Frontmatter for an incomplete recording (nothing for a complete one, so those stay as they were). */
function incompleteFields(check: AudioCheck | undefined): Record<string, unknown> {
	if (!check || check.complete) return {};
	return {
		audio_complete: false,
		...(check.declaredSeconds !== null ? { audio_declared_duration: timestamp(check.declaredSeconds) } : {}),
		audio_missing: timestamp(check.missingSeconds),
		...(check.damaged.length > 0 ? { audio_damaged: check.damaged.map((s) => stretchLabel(s.start, s.end)) } : {}),
	};
}

/** The note line, written by code, that tells the reader the recording is incomplete. */
export function incompleteNote(check: AudioCheck | undefined): string {
	const lines = check ? describeAudioCheck(check) : [];
	if (lines.length === 0) return "";
	return `> **Incomplete recording.** ${lines.join(" ")} This transcript covers only the audio that could be decoded; check the original recording.\n\n`;
}

export function renderTranscript(meta: TranscriptMeta, segments: Segment[]): string {
	const front = stringify({
		kind: "transcript",
		client: meta.client,
		session_date: meta.sessionDate,
		audio: meta.audioPath,
		audio_file_id: meta.audioFileId,
		engine: meta.engine,
		model: meta.model,
		language: meta.language,
		duration: timestamp(meta.durationSeconds),
		duration_seconds: Math.round(meta.durationSeconds * 10) / 10,
		speaker_labels: meta.speakerLabels,
		segments: segments.length,
		skipped_silence: meta.droppedSilent,
		dropped_artefacts: meta.droppedArtefacts + meta.droppedRepeats,
		created: meta.created,
		...incompleteFields(meta.audioCheck),
	}).trimEnd();
	const labelNote =
		meta.speakerLabels === "channels"
			? "Speakers labelled from the stereo channels (check them)."
			: meta.speakerLabels === "turns"
				? "Speaker turns from the model; which speaker is which is not known."
				: "No speaker labels (mono recording).";
	const lines = segments.map((s) => `[${timestamp(s.start)}] ${s.speaker ? `**${s.speaker}:** ` : ""}${s.text}`);
	return `---\n${front}\n---\n# Transcript, ${meta.client}, ${meta.sessionDate}\n\n${incompleteNote(meta.audioCheck)}> ${labelNote} Machine transcription: verify against the recording before relying on it.\n\n${lines.join("\n\n")}\n`;
}

/** The segments back from a transcript note (for search and drafting): "[mm:ss] **Speaker:** text". */
export function parseTranscriptLines(markdown: string): Segment[] {
	const out: Segment[] = [];
	for (const line of markdown.split("\n")) {
		const m = /^\[(?:(\d+):)?(\d{2}):(\d{2})\]\s+(?:\*\*([^*]+):\*\*\s+)?(.*)$/.exec(line);
		if (!m) continue;
		const start = Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
		out.push({ start, end: start, text: m[5] ?? "", ...(m[4] ? { speaker: m[4] } : {}) });
	}
	return out;
}
