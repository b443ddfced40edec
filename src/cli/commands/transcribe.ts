/**
 * `clinical-vault transcribe <vault> --client CODE --audio FILE|record-path [--date YYYY-MM-DD]
 *  [--engine cli|server|openai] [--whisper-bin PATH] [--model PATH] [--server URL] [--language L]
 *  [--ffmpeg PATH]`: encrypts a recording into the client's record (when it is a file), transcribes
 * it locally and prints the transcript's record path. Defaults come from the vault's plugin
 * settings. Progress goes to stderr; Ctrl-C cancels (the recording stays in the record). Refused
 * (exit 1, nothing imported or transcribed) unless the client's recording consent is on file: the
 * core's TranscriptionService checks it before it writes or reads any audio. A FILE is imported
 * only once the engine runs and the file decodes to audio; when the transcription then fails, the
 * copy it imported is removed again; the same file imported again for the same date is reused,
 * not copied. A recording shorter than its file says, or with stretches that do not decode, is
 * transcribed with a warning on stderr naming what is missing (and a note in the transcript).
 */
import { engineTokenFrom } from "../engines";
import { checkSessionDate, localDay } from "../../core/calendar";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { ClinicalVaultError } from "../../core/errors";
import { TranscriptionService, type TranscriptionProgress } from "../../core/transcribe/TranscriptionService";
import { timestamp } from "../../core/transcribe/segments";
import { incompleteSummary } from "../../core/audio/check";
import { systemClock } from "../../core/clock";
import type { ClinicalVaultSettings, EngineChoice } from "../../core/settings";
import { FfmpegDecoder } from "../../engines/ffmpegDecoder";
import { sweepPrivateDirs } from "../../engines/privateTemp";
import { findOnPath, selectTranscriber } from "../../engines/select";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, requiredOption, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { notice, type CliIo } from "../output";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";
import { checkRecordPath } from "../../core/record/layout";

function progressPrinter(io: CliIo): (p: TranscriptionProgress) => void {
	const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
	let lastShown = -1;
	return (p) => {
		const percent = Math.floor(p.fraction * 100);
		const step = tty ? 1 : 10;
		if (percent < lastShown + step && percent !== 100) return;
		if (percent === lastShown) return;
		lastShown = percent;
		const eta = p.remainingMs === null ? "estimating" : `about ${timestamp(p.remainingMs / 1000)} left`;
		const line = `${p.stage} ${String(percent).padStart(3)}%  elapsed ${timestamp(p.elapsedMs / 1000)}  ${eta}`;
		io.stderr.write(tty ? `\r${line.padEnd(60)}${percent === 100 ? "\n" : ""}` : `${line}\n`);
	};
}

function engineSettings(settings: ClinicalVaultSettings, options: Record<string, string | true | undefined>): ClinicalVaultSettings {
	const engine = stringOption(options, "engine");
	if (engine !== undefined && !["cli", "server", "openai", "auto"].includes(engine))
		throw usageError(`--engine must be cli, server or openai, not "${engine}".`);
	const server = stringOption(options, "server");
	const chosen = (engine ?? settings.transcriptionEngine) as EngineChoice;
	const language = stringOption(options, "language");
	if (language !== undefined && !/^[a-z]{2,3}$/.test(language)) throw usageError(`--language takes a code like en or de, not "${language}".`);
	return {
		...settings,
		transcriptionEngine: server !== undefined && chosen === "auto" ? "server" : chosen,
		whisperBinary: stringOption(options, "whisper-bin") ?? settings.whisperBinary,
		whisperModel: stringOption(options, "model") ?? settings.whisperModel,
		...(server !== undefined ? (chosen === "openai" ? { openaiUrl: server } : { whisperServerUrl: server }) : {}),
		language: language ?? settings.language,
	};
}

export const transcribeCommand: Command = {
	name: "transcribe",
	synopsis:
		"transcribe <vault> --client CODE --audio FILE|record-path [--date YYYY-MM-DD] [--engine cli|server|openai] [--whisper-bin PATH] [--model PATH] [--server URL]",
	summary: "Transcribe a session recording locally (whisper.cpp); prints the transcript's record path.",
	args: ["<vault>"],
	options: [
		{ name: "client", value: "CODE", description: "The client the session belongs to." },
		{
			name: "audio",
			value: "FILE|record-path",
			description: "A recording file (it is encrypted into the record first) or a recording already in the record.",
		},
		{ name: "date", value: "YYYY-MM-DD", description: "Session date (default: today)." },
		{
			name: "engine",
			value: "cli|server|openai",
			description: "whisper-cli, whisper-server, or an OpenAI-compatible local server (default: the plugin's setting).",
		},
		{ name: "whisper-bin", value: "PATH", description: "whisper.cpp's whisper-cli program." },
		{ name: "model", value: "PATH", description: "A ggml model file, e.g. ggml-base.en.bin (English-only models are more accurate for English)." },
		{ name: "server", value: "URL", description: "The server engine's address; must be this computer unless allowlisted in the plugin's settings." },
		{ name: "language", value: "CODE", description: "Session language, e.g. en (default: the plugin's setting)." },
		{ name: "ffmpeg", value: "PATH", description: "ffmpeg, for webm, m4a, mp3, ogg and flac (default: on the PATH; WAV needs none)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"The recording never touches disk unencrypted: ffmpeg reads it from memory over 127.0.0.1, and whisper-cli reads the audio on stdin. A FILE you name stays where it is, unencrypted; delete it once the record holds it.",
		"Ctrl-C cancels the transcription; the recording stays in the record (running the same command again reuses it).",
		"A FILE is imported only after the engine has been checked and the file decodes as audio; if the transcription then fails, the imported copy is removed from the record again.",
		"A recording shorter than its file says, or with stretches that cannot be decoded, is transcribed with a warning naming the missing stretches; the transcript carries the same note.",
		'The client\'s recording consent must be on file (see "clinical-vault consent"); without it nothing is imported or transcribed.',
	],
	async run({ io, args, options }) {
		const client = validClientCode(requiredOption(options, "client", "transcribe needs --client CODE."));
		const audio = requiredOption(options, "audio", "transcribe needs --audio FILE or a record path.");
		const date = asUsage(() => checkSessionDate(stringOption(options, "date") ?? localDay(new Date())));
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		const settings = engineSettings(open.settings, options);
		await requireInitialized(open);
		await requireClient(open, client);

		let file: { bytes: Uint8Array; name: string } | null = null;
		let recordAudio: string | null = null;
		const onDisk = await stat(audio).then(
			(s) => s.isFile(),
			() => false,
		);
		if (onDisk) {
			file = { bytes: new Uint8Array(await readFile(audio)), name: basename(audio) };
		} else {
			recordAudio = asUsage(() => checkRecordPath(audio));
			if (!recordAudio.startsWith(`${client}/`)) throw usageError(`${audio} does not belong to client ${client}.`);
			if (!(await open.record.exists(recordAudio)))
				throw new ClinicalVaultError("not-found", `${audio} is neither a file nor a recording in the record.`);
		}

		const token = engineTokenFrom(io.env);
		const transcriber = await selectTranscriber(settings, token ? { token } : {});
		const ffmpeg = stringOption(options, "ffmpeg") ?? (settings.ffmpegPath || (await findOnPath(["ffmpeg"])));
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		await sweepPrivateDirs();

		try {
			const service = new TranscriptionService({
				record: open.record,
				transcriber,
				decoder: ffmpeg ? new FfmpegDecoder(ffmpeg) : null,
				clock: systemClock,
				speakerNames: settings.channelSpeakers,
			});
			const result = await withCancelSignal((signal) =>
				withUnlocked(open, passphrase, async () => {
					const onProgress = progressPrinter(io);
					if (!file)
						return service.transcribe({ client, audioPath: recordAudio!, sessionDate: date, language: settings.language, signal, onProgress });
					return service.importAndTranscribe({
						client,
						bytes: file.bytes,
						originalName: file.name,
						sessionDate: date,
						language: settings.language,
						signal,
						onProgress,
						onImported: ({ audioPath, reused }) =>
							notice(
								io,
								reused
									? `${audioPath} already holds this recording (identical), so ${file.name} was not imported again. The original file is still unencrypted: delete it when you no longer need it.`
									: `Encrypted ${file.name} into the record as ${audioPath}. The original file is still unencrypted: delete it when you no longer need it.`,
							),
					});
				}),
			);
			notice(
				io,
				`Transcribed ${timestamp(result.durationSeconds)} of audio in ${result.windows} part(s); ${result.segments.length} segments; speaker labels: ${result.speakerLabels}.`,
			);
			const incomplete = incompleteSummary(result.audio);
			if (incomplete) notice(io, `Warning: ${incomplete} The transcript says so too.`);
			return { stdout: `${result.transcriptPath}\n` };
		} finally {
			file?.bytes.fill(0);
		}
	},
};
