/**
 * "Nothing leaves the machine", proven on a full run: import a recording, transcribe it with the
 * real whisper.cpp, draft the note, update the parts map and the treatment plan, search, prepare the
 * brief, sign and export, while every way this process could open a connection is watched:
 * net.Socket#connect (which http, https and tls all end in), http/https.request and .get,
 * tls.connect, global fetch, and the child processes started (their arguments may name no remote
 * address). Every connection must go to loopback, and the engines' egress log must agree.
 * The model is a loopback server speaking Ollama's API; then the same model work (draft, parts map,
 * plan, search, brief, sign, export) runs again against a loopback server speaking the
 * OpenAI-compatible API (llama-server), the other engine kind, from a transcript already in the
 * record (transcription asks no model server). All data is synthetic.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import childProcess from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { systemClock } from "../../src/core/clock";
import { floorKdfParams } from "../../src/core/crypto/kdf";
import { buildBrief } from "../../src/core/brief/brief";
import { briefSources } from "../../src/core/brief/sources";
import { DraftingService } from "../../src/core/drafting/DraftingService";
import { exportDocument } from "../../src/core/export/exportDocument";
import { egressLog } from "../../src/core/net/egress";
import { signNote } from "../../src/core/notes/signing";
import { PartsMapService } from "../../src/core/parts/PartsMapService";
import { TreatmentPlanService } from "../../src/core/plan/TreatmentPlanService";
import { ClinicalRecord } from "../../src/core/record/ClinicalRecord";
import { setConsent } from "../../src/core/record/consent";
import { SearchService } from "../../src/core/search/SearchService";
import { NodeFsStore } from "../../src/core/store/NodeFsStore";
import { TranscriptionService } from "../../src/core/transcribe/TranscriptionService";
import { renderTranscript } from "../../src/core/transcribe/transcript";
import type { LlmEngineKind } from "../../src/core/llm/engines";
import type { EgressPurpose } from "../../src/core/net/egress";
import { FfmpegDecoder } from "../../src/engines/ffmpegDecoder";
import { createLlmClient } from "../../src/engines/llm";
import { OllamaClient } from "../../src/engines/ollama";
import { writeOutputFile } from "../../src/engines/outputFile";
import { WhisperCliTranscriber } from "../../src/engines/whisperCli";
import { makeSessionAudio, requireEngines, whisperCli, whisperModel } from "../support/engines";
import { startFakeOllama, type FakeOllama, type FakeReply, type RecordedRequest } from "../support/fake-ollama";
import { startFakeOpenAi, type FakeOpenAi } from "../support/fake-openai";
import { SCENARIO_ANSWERS } from "../parts/helpers";
import { DRAFT_ANSWER } from "../plan/answers";
import { INTAKE, SCENARIO_CLIENT, SCENARIO_NAME } from "../support/scenario";

interface Attempt {
	via: string;
	host: string;
	port?: number | string;
}

const attempts: Attempt[] = [];
const spawned: string[][] = [];
const restore: (() => void)[] = [];

type Fn = (this: unknown, ...args: unknown[]) => unknown;

/** Replaces target[key] (a function) with wrap(original), remembering how to undo it. */
function patch(target: object, key: string, wrap: (original: Fn) => Fn): void {
	const slots = target as Record<string, unknown>;
	const original = slots[key] as Fn;
	slots[key] = wrap(original);
	restore.push(() => {
		slots[key] = original;
	});
}

/** host/port from the many shapes net/http/tls accept: (options), (port, host), (url, options), normalized [options, cb]. */
function where(args: unknown[]): { host: string; port?: number | string } {
	let first = args[0];
	if (Array.isArray(first)) first = first[0];
	if (typeof first === "string" && /^[a-z]+:\/\//i.test(first)) {
		const u = new URL(first);
		return { host: u.hostname, port: u.port };
	}
	if (first instanceof URL) return { host: first.hostname, port: first.port };
	if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first)))
		return { host: typeof args[1] === "string" ? args[1] : "localhost", port: first };
	if (first && typeof first === "object") {
		const o = first as { host?: string; hostname?: string; port?: number | string; path?: string };
		if (o.path && !o.host && !o.hostname && !o.port) return { host: `unix:${o.path}` };
		return { host: o.hostname ?? o.host ?? "localhost", port: o.port };
	}
	return { host: "localhost" };
}

function isLoopback(host: string): boolean {
	const h = host.replace(/^\[|\]$/g, "").toLowerCase();
	return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h) || h.startsWith("unix:");
}

function watchEverything(): void {
	const record =
		(via: string) =>
		(original: Fn): Fn =>
			function (this: unknown, ...args: unknown[]) {
				attempts.push({ via, ...where(args) });
				return original.apply(this, args);
			};
	patch(net.Socket.prototype, "connect", record("net.Socket#connect"));
	for (const fn of ["request", "get"]) {
		patch(http, fn, record(`http.${fn}`));
		patch(https, fn, record(`https.${fn}`));
	}
	patch(tls, "connect", record("tls.connect"));
	patch(
		global,
		"fetch",
		(original) =>
			function (this: unknown, ...args: unknown[]) {
				const input = args[0];
				const url = new URL(typeof input === "string" || input instanceof URL ? input : (input as Request).url);
				attempts.push({ via: "fetch", host: url.hostname, port: url.port });
				return original.apply(this, args);
			},
	);
	for (const fn of ["spawn", "execFile"]) {
		patch(
			childProcess,
			fn,
			(original) =>
				function (this: unknown, ...args: unknown[]) {
					const rest = Array.isArray(args[1]) ? (args[1] as unknown[]).map(String) : [];
					spawned.push([String(args[0]), ...rest]);
					return original.apply(this, args);
				},
		);
	}
	// `import * as http from "node:http"` (as the engines do) sees the patched functions only after this.
	syncBuiltinESMExports();
}

let base: string;
let ollama: FakeOllama;
let openai: FakeOpenAi;

beforeAll(async () => {
	requireEngines();
	base = await mkdtemp(join(tmpdir(), "cv-fullrun-"));
	ollama = await startFakeOllama();
	openai = await startFakeOpenAi({ embeddingDimensions: 768 });
	egressLog.clear();
	watchEverything();
});
afterAll(async () => {
	for (const undo of restore.reverse()) undo();
	syncBuiltinESMExports();
	await ollama.close();
	await openai.close();
	await rm(base, { recursive: true, force: true });
});

/** A loopback model server with scripted replies: the Ollama fake or the OpenAI-compatible one. */
interface ModelServer {
	readonly url: string;
	readonly requests: RecordedRequest[];
	reply(...replies: FakeReply[]): unknown;
}

interface Engine {
	kind: LlmEngineKind;
	server: () => ModelServer;
	/** The other engine's server: the run must not reach it. */
	other: () => ModelServer;
	chatModel: string;
	purpose: EgressPurpose;
}

const OLLAMA: Engine = { kind: "ollama", server: () => ollama, other: () => openai, chatModel: "llama3.1:8b", purpose: "ollama" };
const OPENAI: Engine = { kind: "openai", server: () => openai, other: () => ollama, chatModel: "llama-3.1-8b-instruct", purpose: "openai-compatible" };

/** Where the watch and the egress log stood before a run, so a run's assertions see only its own connections. */
interface Mark {
	attempts: number;
	spawned: number;
	egressId: number;
	requests: number;
	otherRequests: number;
}

function mark(engine: Engine): Mark {
	return {
		attempts: attempts.length,
		spawned: spawned.length,
		egressId: egressLog.entries().at(-1)?.id ?? 0,
		requests: engine.server().requests.length,
		otherRequests: engine.other().requests.length,
	};
}

async function newRecord(name: string): Promise<ClinicalRecord> {
	const record = new ClinicalRecord({ store: new NodeFsStore(join(base, name)) });
	await record.init("correct horse battery", { kdf: floorKdfParams() });
	await record.addClient({ code: SCENARIO_CLIENT, name: SCENARIO_NAME, modality: "ifs" });
	await setConsent(record, SCENARIO_CLIENT, { recording: "yes", date: "2026-06-09" });
	await record.writeText(INTAKE.recordPath, INTAKE.text);
	return record;
}

/**
 * Everything in the run that asks the model, on the engine's loopback server: draft the note from
 * the transcript, update the parts map and the treatment plan, search with meaning, prepare the
 * brief with a model summary; then sign and export a PDF outside the vault.
 */
async function modelRun(record: ClinicalRecord, engine: Engine, transcriptPath: string, pdf: string): Promise<void> {
	const fake = engine.server();
	const llm = createLlmClient({ kind: engine.kind, url: fake.url, policy: { allowlist: [] } });
	const model = engine.chatModel;

	// Draft the note from the transcript.
	fake.reply({
		json: {
			data: "Client described a part that criticises them before every meeting.",
			parts: "The Critic (manager).",
			self_energy: "Curiosity.",
			ifs_process: "Getting to know a protector.",
			assessment: "Early protector work.",
			plan: "Homework: notice the Critic.",
		},
	});
	const draft = await new DraftingService({ record, llm, templates: { load: () => Promise.resolve(null) }, clock: systemClock }).draft({
		client: SCENARIO_CLIENT,
		sessionDate: "2026-06-09",
		format: "ifs",
		model,
		source: { kind: "transcript", path: transcriptPath },
	});

	// Parts map and treatment plan, applied.
	fake.reply({ json: SCENARIO_ANSWERS[0] });
	const parts = new PartsMapService({ record, clock: systemClock });
	await parts.apply(await parts.propose({ client: SCENARIO_CLIENT, session: draft.notePath, model, llm }), "all");
	fake.reply({ json: DRAFT_ANSWER });
	const plan = new TreatmentPlanService({ record, llm, clock: systemClock });
	await plan.apply((await plan.proposeDraft(SCENARIO_CLIENT, INTAKE.recordPath, { model })).set, "all");

	// Search with meaning (embeddings from the loopback server), and the brief with a model summary.
	const search = new SearchService({ record });
	await search.open();
	await search.embedPending({ llm, model: "nomic-embed-text" });
	const found = await search.search("Critic", { client: SCENARIO_CLIENT, llm, model: "nomic-embed-text" });
	expect(found.mode).toBe("hybrid");
	expect(found.hits.length).toBeGreaterThan(0);
	fake.reply({ json: { sentences: [{ text: "The client met the Critic.", session: "2026-06-09" }] } });
	const brief = await buildBrief(record, { client: SCENARIO_CLIENT, today: "2026-06-10", sources: briefSources(record), summarize: { llm, model } });
	expect(brief.parts?.[0]?.name).toBe("the Critic");
	expect(brief.summary?.text).toContain("The client met the Critic.");

	// Sign (markers overridden, as a clinician would after review) and export a PDF outside the vault.
	await signNote(record, draft.notePath, { signer: "Dr. Test Clinician", now: new Date(), override: "reviewed in full (test)" });
	const exported = await exportDocument(record, draft.notePath, { format: "pdf" });
	await writeOutputFile(pdf, exported.bytes, false);
	expect((await readFile(pdf)).subarray(0, 5).toString("latin1")).toBe("%PDF-");
	search.dispose();
	await record.lock();
}

/** The proof for one run: connections were made (the watch works), every one went to loopback, and the engines' egress log agrees. */
function expectOnlyLoopback(engine: Engine, since: Mark): void {
	const mine = attempts.slice(since.attempts);
	// (Requests to the model share kept-alive connections: fewer connects than requests.)
	expect(mine.filter((a) => a.via === "net.Socket#connect").length).toBeGreaterThan(0);
	expect(mine.filter((a) => a.via === "http.request").length).toBeGreaterThan(5);
	expect(mine.filter((a) => !isLoopback(a.host))).toEqual([]);
	// Child processes were told about no remote address.
	for (const args of spawned.slice(since.spawned)) {
		for (const url of args.join(" ").match(/[a-z][a-z0-9+.-]*:\/\/[^\s/]+/gi) ?? []) expect(isLoopback(new URL(url).hostname)).toBe(true);
	}
	// The engines' own egress log: only loopback, nothing refused, and the model requests went out as this engine's.
	const log = egressLog.entries().filter((e) => e.id > since.egressId);
	expect(log.length).toBeGreaterThan(5);
	expect(log.filter((e) => !e.allowed || !isLoopback(e.address ?? e.host))).toEqual([]);
	const port = Number(new URL(engine.server().url).port);
	expect(log.filter((e) => e.port === port).every((e) => e.purpose === engine.purpose)).toBe(true);
	// The model server got the chats and the embeddings, the other engine's server nothing, and no request held the client's name.
	const requests = engine.server().requests.slice(since.requests);
	const paths = new Set(requests.map((r) => r.path));
	const expected = engine.kind === "ollama" ? ["/api/chat", "/api/embed"] : ["/v1/chat/completions", "/v1/embeddings"];
	for (const path of expected) expect(paths).toContain(path);
	expect(engine.other().requests.length).toBe(since.otherRequests);
	for (const r of requests) expect(JSON.stringify(r.body ?? "")).not.toContain(SCENARIO_NAME);
}

describe("a full clinical run contacts only this computer", () => {
	it("Ollama: import, transcribe, draft, parts, plan, search, brief, sign, export: every connection is loopback", async () => {
		const since = mark(OLLAMA);
		const record = await newRecord("vault-ollama");

		// Import (m4a: decoded by ffmpeg from a one-shot loopback server) and transcribe with whisper.cpp.
		const audio = await makeSessionAudio(1, ["m4a"]);
		const transcription = new TranscriptionService({
			record,
			transcriber: new WhisperCliTranscriber({
				binary: whisperCli,
				model: whisperModel,
				threads: 2,
				tempRoot: base,
				extraArgs: ["-bs", "1", "-bo", "1"],
			}),
			decoder: new FfmpegDecoder("ffmpeg"),
			clock: systemClock,
		});
		const audioPath = await transcription.importAudio(SCENARIO_CLIENT, audio.files.m4a!, "session.m4a", "2026-06-09");
		const transcript = await transcription.transcribe({ client: SCENARIO_CLIENT, audioPath, sessionDate: "2026-06-09" });

		await modelRun(record, OLLAMA, transcript.transcriptPath, join(base, "note-ollama.pdf"));

		expectOnlyLoopback(OLLAMA, since);
		// The child processes (whisper-cli, ffmpeg) ran, and were checked above.
		expect(spawned.slice(since.spawned).some(([command]) => /whisper-cli$/.test(command ?? ""))).toBe(true);
		expect(spawned.slice(since.spawned).some(([command]) => /ffmpeg$/.test(command ?? ""))).toBe(true);
	}, 240_000);

	it("OpenAI-compatible server (llama-server): the same model work, from draft to export: every connection is loopback", async () => {
		const since = mark(OPENAI);
		const record = await newRecord("vault-openai");
		// Transcription uses no model server and was proven above; this run starts from a transcript in the record.
		const transcriptPath = `${SCENARIO_CLIENT}/transcripts/2026-06-09.md`;
		await record.writeText(
			transcriptPath,
			renderTranscript(
				{
					client: SCENARIO_CLIENT,
					sessionDate: "2026-06-09",
					audioPath: `${SCENARIO_CLIENT}/audio/2026-06-09.m4a`,
					audioFileId: "0".repeat(32),
					engine: "whisper-cli",
					model: "ggml-tiny.en.bin",
					language: "en",
					durationSeconds: 40,
					speakerLabels: "channels",
					created: "2026-06-09T18:00:00.000Z",
					droppedSilent: 0,
					droppedArtefacts: 0,
					droppedRepeats: 0,
				},
				[
					{ start: 0, end: 6, speaker: "Therapist", text: "How was the week?" },
					{ start: 7, end: 18, speaker: "Client", text: "There is a part that criticises me before every meeting." },
					{ start: 19, end: 25, speaker: "Therapist", text: "Can we get curious about that critic?" },
				],
			),
		);

		await modelRun(record, OPENAI, transcriptPath, join(base, "note-openai.pdf"));

		expectOnlyLoopback(OPENAI, since);
		// The context came from the server (llama-server's /props), never guessed.
		expect(openai.requests.slice(since.requests).some((r) => r.method === "GET" && r.path === "/props")).toBe(true);
	}, 60_000);

	it("would see a remote connection, and the engines refuse one before any socket opens", async () => {
		// The watch itself: a connection to a documentation-only address (TEST-NET-1) is recorded.
		const socket = net.connect({ host: "192.0.2.1", port: 9 });
		socket.on("error", () => undefined);
		socket.destroy();
		expect(attempts.some((a) => a.host === "192.0.2.1")).toBe(true);
		const before = attempts.length;
		// An engine set to a remote address is refused by the gate: no socket, a refusal in the egress log.
		const remote = new OllamaClient({ host: "http://192.0.2.2:11434", policy: { allowlist: [] } });
		await expect(remote.listModels()).rejects.toMatchObject({ code: "refused" });
		// The OpenAI-compatible engine passes the same gate, for its context look-up as for a chat.
		const remoteServer = createLlmClient({ kind: "openai", url: "http://192.0.2.3:1234", policy: { allowlist: [] } });
		await expect(remoteServer.listModels()).rejects.toMatchObject({ code: "refused" });
		await expect(
			remoteServer.chat({ model: "llama-3.1-8b-instruct", messages: [{ role: "user", content: "Synthetic test text." }] }),
		).rejects.toMatchObject({ code: "refused" });
		expect(attempts.slice(before).filter((a) => a.host === "192.0.2.2" || a.host === "192.0.2.3")).toEqual([]);
		expect(egressLog.entries().some((e) => e.host === "192.0.2.2" && !e.allowed)).toBe(true);
		expect(egressLog.entries().filter((e) => e.host === "192.0.2.3" && !e.allowed && e.purpose === "openai-compatible")).toHaveLength(2);
	});
});
