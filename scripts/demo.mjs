// `npm run demo` (after `npm run build`): recreates demo-vault/ with the plugin installed and
// enabled, and uses the built CLI (node dist/cli.js) to create an encrypted record with one
// synthetic client and one synthetic session note, transcribes synthetic speech with whisper.cpp
// when the engine is here, and drafts a note with Ollama when it is running (saying plainly what
// it skipped and how to enable it otherwise). Everything in demo-vault/ is invented.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const VAULT = join(ROOT, "demo-vault");
// Exports go outside the vault (a plaintext file inside it would be indexed and synced).
const EXPORTS = join(ROOT, "demo-export");
const CLI = join(ROOT, "dist", "cli.js");
const PLUGIN_ID = "clinical-vault";
// Obsidian's default configuration folder: the demo vault is opened with default settings.
const CONFIG_DIR = ".obsidian";
const MARKER = ".clinical-vault-demo";
const MARKER_TEXT = "Synthetic demo vault made by scripts/demo.mjs (npm run demo). It is deleted and recreated on every run.\n";
const PASSPHRASE = "demo passphrase, synthetic data only";
const CLIENT = { code: "C-0142", name: "Sam Synthetic", modality: "ifs" };
const NOTE_PATH = `${CLIENT.code}/notes/2026-09-01.md`;
const FLOOR_KDF = ["--kdf-memory", "19", "--kdf-iterations", "2"];

const NOTE = `---
client: ${CLIENT.code}
date: 2026-09-01
session: 12
modality: IFS
---
# Session 12: 2026-09-01

*Synthetic demo note. Sam Synthetic is not a real person and nothing here describes anyone.*

## Check-in
Sam arrived on time and described the week as "loud inside". Sleep is better since the change of
shifts at work; appetite unchanged. Risk screen negative; no safety concerns raised.

## Parts work
- We returned to the **Critic**, the part that comments on every email Sam sends. Sam found it in
  the chest and throat and described it as "a tight wire".
- Asked how Sam feels *toward* the Critic: first irritation (a protector blending), then, after
  some unblending, curiosity.
- The Critic shared that it is afraid Sam will be "found out" and laughed at, as in year 7. It
  agreed to step back a little if someone looks after the boy it protects.
- Brief contact with an **exile**, about twelve years old, standing at the front of a classroom.
  Sam witnessed without rushing. No unburdening today; the part was told we will come back.

## Self-energy
Calm and curiosity were present for most of the session. A **Manager** ("let's just get through
this") showed up near the end and was thanked for its work.

\`\`\`mermaid
graph TD
  Self((Self)) --- Critic[Critic: protector]
  Critic --> Exile[Twelve-year-old: exile]
  Self --- Manager[Get-through-it: manager]
\`\`\`

## Between sessions
Sam will notice when the Critic speaks up and greet it instead of arguing with it.

## Plan
Next session: check in with the Critic and ask its permission to return to the exile.
`;

const WELCOME = `# Clinical Vault demo

This vault was made by \`npm run demo\`. Everything in it is **synthetic**: there is no real client
data here.

- The encrypted clinical record lives in \`Clinical/\`. Every file there ends in \`.cvault\` and is
  unreadable without the passphrase; folder names are client codes, never names.
- One synthetic client, **C-0142**, has one encrypted IFS-flavoured session note.
- The demo passphrase is printed by \`npm run demo\`. A real record would use your own passphrase
  and keep its recovery key offline.

To read the note: run the command **Clinical Vault: Unlock clinical record** from the command
palette, enter the demo passphrase, then open \`Clinical/C-0142/notes/2026-09-01.md.cvault\` (or use
**Clinical Vault: Open client**). Lock again with **Clinical Vault: Lock clinical record**.
`;

const out = (text = "") => process.stdout.write(`${text}\n`);
// `npm run demo | head` closes the pipe early: that is not a failure of the demo.
process.stdout.on("error", (error) => {
	if (error.code === "EPIPE") process.exit(0);
	throw error;
});

function fail(message) {
	process.stderr.write(`demo: ${message}\n`);
	process.exit(1);
}

/** Runs the built CLI and returns {status, stdout, stderr} whatever the exit code. */
function cliResult(args, input) {
	const result = spawnSync(process.execPath, [CLI, ...args], {
		cwd: ROOT,
		input: input ?? "",
		env: { ...process.env, CLINICAL_VAULT_PASSPHRASE: PASSPHRASE, CLINICAL_VAULT_DEBUG: "" },
		maxBuffer: 64 * 1024 * 1024,
	});
	if (result.error) fail(`could not run the CLI: ${result.error.message}`);
	return { status: result.status, stdout: result.stdout.toString("utf8"), stderr: result.stderr.toString("utf8") };
}

/** Runs the built CLI; any non-zero exit ends the demo. */
function cli(args, input) {
	const result = cliResult(args, input);
	if (result.status !== 0) fail(`"clinical-vault ${args[0]}" failed (exit ${result.status}): ${result.stderr.trim()}`);
	return result.stdout;
}

function recreateVault() {
	if (existsSync(VAULT) || isSymlink(VAULT)) {
		if (isSymlink(VAULT) || !statSync(VAULT).isDirectory()) fail(`${VAULT} exists and is not a plain folder; not touching it.`);
		if (!existsSync(join(VAULT, MARKER))) {
			fail(`${VAULT} exists but was not made by this demo (no ${MARKER} marker); refusing to delete it. Move it away and run again.`);
		}
		rmSync(VAULT, { recursive: true, force: true });
	}
	mkdirSync(VAULT);
	writeFileSync(join(VAULT, MARKER), MARKER_TEXT);
}

function isSymlink(path) {
	try {
		return lstatSync(path).isSymbolicLink();
	} catch {
		return false;
	}
}

function installPlugin() {
	const pluginDir = join(VAULT, CONFIG_DIR, "plugins", PLUGIN_ID);
	mkdirSync(pluginDir, { recursive: true });
	for (const file of ["main.js", "manifest.json", "styles.css"]) {
		const from = join(ROOT, file);
		if (!existsSync(from)) fail(`${file} is missing; run "npm run build" first (npm run demo does).`);
		copyFileSync(from, join(pluginDir, file));
	}
	writeFileSync(join(VAULT, CONFIG_DIR, "community-plugins.json"), `${JSON.stringify([PLUGIN_ID], null, 2)}\n`);
	// The settings the README asks for: File recovery off (it keeps plaintext snapshots of what is typed).
	writeFileSync(
		join(VAULT, CONFIG_DIR, "core-plugins.json"),
		`${JSON.stringify({ "file-explorer": true, "global-search": true, "command-palette": true, "file-recovery": false, sync: false }, null, 2)}\n`,
	);
}

function listFiles(folder) {
	const files = [];
	for (const entry of readdirSync(folder, { withFileTypes: true })) {
		const full = join(folder, entry.name);
		if (entry.isDirectory()) files.push(...listFiles(full));
		else files.push(full);
	}
	return files.sort();
}

function which(name) {
	for (const dir of (process.env.PATH ?? "").split(delimiter)) {
		const candidate = join(dir, name);
		if (dir && existsSync(candidate)) return candidate;
	}
	return null;
}

/** The whisper.cpp engine: $WHISPER_BIN_DIR, the build .ci/run makes in .engines/, or whisper-cli on the PATH. */
function findWhisper() {
	const binary = [
		process.env.WHISPER_BIN_DIR && join(process.env.WHISPER_BIN_DIR, "whisper-cli"),
		join(ROOT, ".engines/whisper/bin/whisper-cli"),
		which("whisper-cli"),
	].find((p) => p && existsSync(p));
	const model = [process.env.WHISPER_MODEL, join(ROOT, "..", "shared/engines/whisper/ggml-tiny.en-random.bin")].find((p) => p && existsSync(p));
	return { binary, model };
}

function transcribeStage() {
	const { binary, model } = findWhisper();
	const espeak = which("espeak-ng");
	const missing = [!binary && "whisper.cpp's whisper-cli", !model && "a whisper model file", !espeak && "espeak-ng (to make synthetic speech)"].filter(
		Boolean,
	);
	if (missing.length > 0) {
		return [
			`Transcription: skipped (${missing.join(", ")} not found).`,
			"  To enable it: bash ../shared/engines/whisper/build.sh .engines/whisper   and   apt-get install espeak-ng ffmpeg",
			"  (with your own whisper.cpp: set WHISPER_BIN_DIR and WHISPER_MODEL, e.g. ggml-base.en.bin).",
		];
	}
	const dir = mkdtempSync(join(tmpdir(), "cv-demo-audio-"));
	try {
		const wav = join(dir, "session.wav");
		const speech = spawnSync(espeak, [
			"-v",
			"en-us",
			"-s",
			"160",
			"-w",
			wav,
			"How has the worried part been this week? It was quieter, and I could breathe with it before work.",
		]);
		if (speech.status !== 0) return ["Transcription: skipped (espeak-ng could not make the synthetic speech)."];
		const path = cli([
			"transcribe",
			VAULT,
			"--client",
			CLIENT.code,
			"--audio",
			wav,
			"--date",
			"2026-09-08",
			"--engine",
			"cli",
			"--whisper-bin",
			binary,
			"--model",
			model,
		]).trim();
		const text = cli(["cat", VAULT, path]);
		const lines = text
			.split("\n")
			.filter((l) => /^\[\d/.test(l))
			.slice(0, 3);
		return [
			`Transcription: synthetic speech (espeak-ng) transcribed locally by whisper.cpp into ${path} (encrypted).`,
			`  Model: ${relative(ROOT, model)}${/random/.test(model) ? " (random weights: the words are gibberish; a real model such as ggml-base.en.bin gives real text)" : ""}.`,
			...lines.map((l) => `  ${l}`),
		];
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/**
 * The model server: $CLINICAL_VAULT_LLM as the CLI's --llm takes it (lmstudio, llama-server,
 * openai=http://127.0.0.1:1234, …), else Ollama at $OLLAMA_HOST or its default address.
 */
const OLLAMA = (process.env.OLLAMA_HOST ?? "").trim()
	? (/^https?:\/\//.test(process.env.OLLAMA_HOST) ? process.env.OLLAMA_HOST : `http://${process.env.OLLAMA_HOST}`).replace("0.0.0.0", "127.0.0.1")
	: "http://127.0.0.1:11434";
const LLM = (process.env.CLINICAL_VAULT_LLM ?? "").trim() || `ollama=${OLLAMA}`;
const IS_OLLAMA = LLM.startsWith("ollama");

/** The server's models, through the CLI's own "Test connection" (one HTTP path, the same gate); null when it does not answer. */
function serverModels() {
	const result = cliResult(["models", "--llm", LLM, "--json"]);
	if (result.status !== 0) return null;
	try {
		return JSON.parse(result.stdout).models.map((m) => m.name);
	} catch {
		return null;
	}
}

async function draftStage() {
	const models = serverModels();
	const wanted = "llama3.1:8b";
	if (models === null) {
		return IS_OLLAMA
			? [
					`Drafting: skipped (Ollama is not running at ${OLLAMA}).`,
					`  To enable it: install Ollama, run "ollama pull ${wanted}", start it, and run npm run demo again (or use another server: CLINICAL_VAULT_LLM=lmstudio npm run demo).`,
				]
			: [`Drafting: skipped (no model server answers for --llm ${LLM}; "node dist/cli.js models --llm ${LLM}" says why).`];
	}
	const model = models.includes(wanted) ? wanted : models.find((m) => !/embed/.test(m));
	if (!model) return [`Drafting: skipped (the model server has no chat model).${IS_OLLAMA ? ` To enable it: ollama pull ${wanted}` : ""}`];
	const summary =
		"Client identified worry as a protector. Accessed exile's fear of abandonment from age 7. Some unburdening occurred. Firefighter (binge eating) did not activate today. Assigned Self-energy journaling homework.";
	const path = cli(
		["draft", VAULT, "--client", CLIENT.code, "--summary", "-", "--format", "ifs", "--date", "2026-09-08", "--model", model, "--llm", LLM],
		summary,
	).trim();
	return [
		`Drafting: an IFS-informed note drafted by ${model} from the clinician's summary into ${path} (encrypted, status: draft; review and sign it).`,
		...partsStage(path, model),
	];
}

/** With a model server: the parts map updated from the drafted note (all proposed changes accepted, as a demo). */
function partsStage(draftPath, model) {
	if (!draftPath) return [];
	const proposal = JSON.parse(cli(["parts", VAULT, "--client", CLIENT.code, "--from-session", draftPath, "--model", model, "--llm", LLM, "--accept", "all"]));
	return [
		`Parts map: ${proposal.changes.length} change(s) proposed by ${model} from ${draftPath}; all but the ones that need a choice accepted into ${CLIENT.code}/parts-map.md (encrypted).`,
	];
}

/** Search, the pre-session brief, signing and export, and the privacy check: these work without a model server. */
function recordStages() {
	const lines = [];
	const search = cliResult(["search", VAULT, "Critic", "--client", CLIENT.code, "--llm", LLM]);
	if (search.status !== 0) fail(`search failed: ${search.stderr.trim()}`);
	const hits = search.stdout.split("\n").filter((l) => /^\S/.test(l));
	const keywordOnly = /Keyword search only/.test(search.stderr);
	lines.push(
		`Search for "Critic" (${keywordOnly ? "by keyword: the embedding model is not running" : "by keyword and meaning"}): ${hits.length} passages, best first:`,
		...hits.slice(0, 3).map((l) => `  ${l}`),
	);
	// An outcome measure, scored by code: a PHQ-9 entered item by item (synthetic answers).
	const measure = cli([
		"measure",
		"add",
		VAULT,
		"--client",
		CLIENT.code,
		"--measure",
		"phq9",
		"--answers",
		"1,1,2,1,1,0,1,0,0",
		"--date",
		"2026-09-08",
	]).trim();
	lines.push(`Outcome measure: ${measure} (scored by code; the chart and table are on the measures page).`);
	const brief = cli(["brief", VAULT, "--client", CLIENT.code, "--date", "2026-09-15"]);
	lines.push(
		`Pre-session brief for ${CLIENT.code} (printed, never saved): ${brief
			.split("\n")
			.filter((l) => l.startsWith("## "))
			.map((l) => l.slice(3))
			.join(", ")}.`,
	);
	cli(["sign", VAULT, NOTE_PATH, "--signer", "Dr. Demo Clinician, LMFT (synthetic)"]);
	rmSync(EXPORTS, { recursive: true, force: true });
	mkdirSync(EXPORTS, { recursive: true });
	const pdf = join(EXPORTS, "C-0142-2026-09-01.pdf");
	cli(["export", VAULT, NOTE_PATH, "--out", pdf, "--pdf"]);
	lines.push(`Signed ${NOTE_PATH} and exported it to ${relative(ROOT, pdf)} (outside the vault, not encrypted: the export is audit-logged).`);
	const privacy = cliResult(["privacy-check", VAULT]);
	if (privacy.status !== 0 && privacy.status !== 5) fail(`privacy-check failed: ${privacy.stderr.trim()}`);
	lines.push(
		`Privacy check: ${privacy.status === 0 ? "clean" : "findings (exit 5)"}.`,
		...privacy.stdout
			.trimEnd()
			.split("\n")
			.map((l) => `  ${l}`),
	);
	return lines;
}

if (!existsSync(CLI)) fail(`${relative(ROOT, CLI)} is missing; run "npm run build" first (npm run demo does).`);

recreateVault();
installPlugin();
writeFileSync(join(VAULT, "Welcome.md"), WELCOME);

const init = cli(["init", VAULT, ...FLOOR_KDF]);
const recoveryKey = /\b[A-Z2-7]{4}(?:-[A-Z2-7]{4}){7}\b/.exec(init)?.[0];
if (!recoveryKey) fail("init printed no recovery key.");
// The synthetic client consents to recording (dated today): transcription refuses without consent on file.
cli(["client", "add", VAULT, "--code", CLIENT.code, "--name", CLIENT.name, "--modality", CLIENT.modality, "--recording-consent", "yes"]);
const put = cli(["put", VAULT, NOTE_PATH, "--from", "-"], NOTE).trim();
if (put !== NOTE_PATH) fail(`put printed "${put}" instead of ${NOTE_PATH}.`);
const listing = cli(["ls", VAULT]);
const back = cli(["cat", VAULT, NOTE_PATH]);
if (back !== NOTE) fail("the note read back with cat differs from what was written.");
const verify = cli(["verify", VAULT]);
const onDisk = readFileSync(join(VAULT, "Clinical", `${NOTE_PATH}.cvault`));
if (onDisk.includes(Buffer.from("Critic")) || onDisk.includes(Buffer.from(CLIENT.name))) fail("the encrypted note contains plaintext.");

// Transcription: real whisper.cpp on synthetic speech, when the engine and espeak-ng are here.
const transcription = transcribeStage();
// Drafting: the local Ollama model, when it is running.
const drafting = await draftStage();
// Search, brief, sign and export, privacy check.
const later = recordStages();

const rel = (p) => relative(ROOT, p).split(sep).join("/");
out("Clinical Vault demo: ready.");
out();
out(`Vault:          ${rel(VAULT)}/  (synthetic data only)`);
out(`Passphrase:     ${PASSPHRASE}`);
out(`Recovery key:   ${recoveryKey}  (a real record shows it once; keep it offline)`);
out("Key derivation: Argon2id at the OWASP floor (19 MiB, 2 passes) so the demo is fast;");
out("                a real `clinical-vault init` tunes it to about 1 s on your machine.");
out();
out("Files made:");
for (const file of listFiles(VAULT)) out(`  ${rel(file).padEnd(72)} ${String(statSync(file).size).padStart(8)} bytes`);
out();
out("Record paths (clinical-vault ls):");
for (const line of listing.trimEnd().split("\n")) out(`  ${line}`);
out();
out(`Read back with clinical-vault cat: ${NOTE_PATH} (${Buffer.byteLength(back)} bytes, identical to what was written).`);
out("clinical-vault verify:");
for (const line of verify.trimEnd().split("\n")) out(`  ${line}`);
out();
for (const line of [...transcription, ...drafting, ...later]) out(line);
out();
out("Open it in Obsidian:");
out(`  1. Obsidian > Open another vault > "Open folder as vault" > choose ${VAULT}`);
out("  2. When asked, trust the vault and enable community plugins (or Settings > Community plugins >");
out('     "Turn on community plugins"); check that "Clinical Vault" is enabled.');
out('  3. Command palette (Ctrl/Cmd+P) > "Clinical Vault: Unlock clinical record" > enter the passphrase above.');
out(`  4. Open Clinical/${NOTE_PATH}.cvault in the file explorer, or run "Clinical Vault: Open client".`);
out();
out("From the terminal:");
out(`  CLINICAL_VAULT_PASSPHRASE='${PASSPHRASE}' node dist/cli.js cat demo-vault ${NOTE_PATH}`);
