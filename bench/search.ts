/**
 * Search benchmarks for `npm run bench -- search`: a synthetic record of 5,000 session notes
 * (25 clients × 200 sessions, ~2.5 KB each, IFS DAP layout, seeded so every run is the same) is
 * written encrypted to a temporary folder, then:
 *  - index build from the record without embeddings (decrypt, cut into passages, index, save encrypted);
 *  - index memory (heap + array buffers after a full GC), without and with 768-d vectors;
 *  - keyword search p50/p95 over 200 queries (a third with a client filter, some phrases);
 *  - hybrid search p50/p95 with deterministic synthetic 768-d vectors (query embedding excluded:
 *    the query vector is computed beforehand, as nomic-embed-text's would be);
 *  - incremental update of one rewritten note, and the encrypted save that follows;
 *  - encrypted index size, and its load time at unlock (decrypt, parse, check every file's fingerprint).
 * Targets (issue): keyword p95 < 30 ms, hybrid p95 < 60 ms, build < 20 s, memory < 150 MB.
 */
import { collect } from "./gc";
import { seededRandom } from "../test/core/helpers";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { floorKdfParams } from "../src/core/crypto/kdf";
import type { LlmClient } from "../src/core/llm/LlmClient";
import { ClinicalRecord } from "../src/core/record/ClinicalRecord";
import { SearchService } from "../src/core/search/SearchService";
import { NodeFsStore } from "../src/core/store/NodeFsStore";

const DIMS = 768;
const MB = 1_000_000;

function memory(): number {
	// Twice: the first pass runs finalizers that release external (ArrayBuffer) memory.
	collect();
	collect();
	const m = process.memoryUsage();
	return m.heapUsed + m.arrayBuffers;
}

/**
 * Each client has their own inner system and themes, as in real records: five parts from a pool of
 * sixty names and eight themes from a pool of eighty, so a part's name or a theme's words occur in
 * a few clients' notes, not in every note of the record. (An earlier generator gave every client
 * the same ten parts and twenty-six topics, so every query word was in a third of all 35,000
 * passages; keyword p50/p95 there was 34/94 ms on this machine.)
 */
const PART_POOL = [
	"the Critic",
	"Little One",
	"the Binger",
	"the Planner",
	"the Pleaser",
	"the Watcher",
	"the Sleeper",
	"the Runner",
	"the Judge",
	"the Caretaker",
	"the Achiever",
	"the Teen",
	"the Numb One",
	"the Rager",
	"the Worrier",
	"the Hider",
	"the Perfectionist",
	"the Scout",
	"the Shopper",
	"the Drinker",
	"the Scroller",
	"the Fixer",
	"the Soldier",
	"the Wall",
	"the Clown",
	"the Skeptic",
	"the Historian",
	"the Lost Boy",
	"the Lonely Girl",
	"the Orphan",
	"the Ghost",
	"the Guard",
	"the Gatekeeper",
	"the Busy Bee",
	"the Manager",
	"the Accountant",
	"the Doctor",
	"the Teacher",
	"the Rebel",
	"the Fighter",
	"the Freezer",
	"the Fog",
	"the Storm",
	"the Tiny Voice",
	"the Shamed One",
	"the Good Child",
	"the Martyr",
	"the Dreamer",
	"the Snacker",
	"the Sprinter",
	"the Controller",
	"the Organiser",
	"the Cleaner",
	"the Sentinel",
	"the Analyst",
	"the Diplomat",
	"the Joker",
	"the Hermit",
	"the Saboteur",
	"the Wise One",
];
const TOPIC_POOL = [
	"work deadlines",
	"sleep",
	"the father leaving",
	"the mother's illness",
	"a breakup",
	"panic in the mornings",
	"evening bingeing",
	"a conflict with a sibling",
	"loneliness at weekends",
	"the new job",
	"money worries",
	"a friend moving away",
	"school memories",
	"shame about the body",
	"anger at the partner",
	"grief for a grandparent",
	"fear of rejection",
	"perfectionism",
	"procrastination",
	"social anxiety",
	"driving anxiety",
	"nightmares",
	"avoidance of the gym",
	"feeling invisible",
	"being too much",
	"criticism from a manager",
	"a miscarriage",
	"the divorce",
	"custody arrangements",
	"a car accident",
	"chronic pain",
	"the diagnosis of a child",
	"caring for an elderly parent",
	"moving house",
	"immigration paperwork",
	"a promotion",
	"redundancy",
	"retirement",
	"infertility",
	"the wedding",
	"a cousin's suicide",
	"church community",
	"coming out to family",
	"dating apps",
	"roommate tension",
	"exam failure",
	"the thesis",
	"stage fright",
	"a betrayal by a friend",
	"gambling debts",
	"the first apartment",
	"the night shift",
	"hospital stays",
	"the dog dying",
	"teenage son",
	"stepchildren",
	"holiday gatherings",
	"birthday dread",
	"the inheritance",
	"a lawsuit",
	"burnout",
	"public speaking",
	"flying",
	"crowded trains",
	"insomnia",
	"hoarding",
	"the garden",
	"running club",
	"volunteering",
	"piano practice",
	"the older brother",
	"the twin sister",
	"bullying at school",
	"the boarding school",
	"the army years",
	"the farm",
	"the accident at work",
	"the court date",
	"the bakery",
	"night terrors",
];
const CLIENT_PARTS = 5;
const CLIENT_TOPICS = 8;

const FEELINGS = [
	"curiosity",
	"calm",
	"compassion",
	"confidence",
	"courage",
	"creativity",
	"clarity",
	"connectedness",
	"tension",
	"sadness",
	"relief",
	"frustration",
	"shame",
	"hope",
];
const VERBS = [
	"described",
	"noticed",
	"reported",
	"explored",
	"named",
	"recalled",
	"questioned",
	"softened toward",
	"argued with",
	"thanked",
	"listened to",
	"unblended from",
];
const PLANS = ["notice when", "write down what", "pause for one minute when", "check in daily with", "ask what it fears when", "breathe with"];

function pick<T>(random: () => number, list: readonly T[]): T {
	return list[Math.floor(random() * list.length)]!;
}

export interface ClientWorld {
	parts: string[];
	topics: string[];
}

export function world(random: () => number): ClientWorld {
	const choose = (pool: readonly string[], n: number) => [...pool].sort(() => random() - 0.5).slice(0, n);
	return { parts: choose(PART_POOL, CLIENT_PARTS), topics: choose(TOPIC_POOL, CLIENT_TOPICS) };
}

function sentence(random: () => number, w: ClientWorld): string {
	return `Client ${pick(random, VERBS)} ${pick(random, w.parts)} while talking about ${pick(random, w.topics)}, and felt ${pick(random, FEELINGS)} afterwards.`;
}

function paragraph(random: () => number, w: ClientWorld, n: number): string {
	return Array.from({ length: n }, () => sentence(random, w)).join(" ");
}

export function sessionNote(client: string, w: ClientWorld, number: number, date: string, random: () => number): string {
	return [
		"---",
		`client: ${client}`,
		`session_date: ${date}`,
		`session_number: ${number}`,
		"note_type: session",
		"format: ifs",
		"status: signed",
		"---",
		`# IFS-informed DAP note: ${client}, session ${number}, ${date}`,
		"",
		"## Data",
		paragraph(random, w, 5),
		"",
		"## Parts present",
		...Array.from({ length: 3 }, () => `- ${pick(random, w.parts)} (${pick(random, ["manager", "firefighter", "exile"])}): ${paragraph(random, w, 1)}`),
		"",
		"## Self-energy",
		`${pick(random, FEELINGS)}, ${pick(random, FEELINGS)} and ${pick(random, FEELINGS)}.`,
		"",
		"## IFS process",
		paragraph(random, w, 3),
		"",
		"## Assessment",
		paragraph(random, w, 2),
		"",
		"## Plan",
		`Homework: ${pick(random, PLANS)} ${pick(random, w.parts)} shows up around ${pick(random, w.topics)}. ${paragraph(random, w, 1)}`,
		"",
		"## Risk assessment",
		"No risk indicators raised this session.",
		"",
	].join("\n");
}

export function dateFor(index: number): string {
	const d = new Date(Date.UTC(2020, 0, 6) + index * 7 * 86_400_000);
	return d.toISOString().slice(0, 10);
}

/** A deterministic unit vector for a text (stands in for nomic-embed-text's 768 dimensions). */
function syntheticVector(text: string): number[] {
	let seed = 2166136261;
	for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619) >>> 0;
	const random = seededRandom(seed);
	const v = Array.from({ length: DIMS }, () => random() * 2 - 1);
	const norm = Math.hypot(...v);
	return v.map((x) => x / norm);
}

/** An in-process embedding engine: no HTTP, so the figures are the index's own. */
const syntheticLlm: LlmClient = {
	host: "in-process",
	chat: () => Promise.reject(new Error("not used")),
	listModels: () => Promise.resolve([]),
	contextLength: () => Promise.resolve(null),
	embed: (_model, inputs) => Promise.resolve(inputs.map(syntheticVector)),
};

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeQueries(run: (i: number) => Promise<unknown>, queries: number): Promise<{ p50: number; p95: number }> {
	for (let i = 0; i < 10; i++) await run(i);
	const times: number[] = [];
	for (let i = 0; i < queries; i++) {
		const started = performance.now();
		await run(i);
		times.push(performance.now() - started);
	}
	times.sort((a, b) => a - b);
	return { p50: +percentile(times, 50).toFixed(2), p95: +percentile(times, 95).toFixed(2) };
}

/** The size: 25 clients × 200 sessions, 200 queries. */
export async function benchSearch(size: { clients?: number; sessions?: number; queries?: number } = {}): Promise<Record<string, string | number>> {
	const CLIENTS = size.clients ?? 25;
	const SESSIONS = size.sessions ?? 200;
	const QUERIES = size.queries ?? 200;
	const dir = await mkdtemp(join(tmpdir(), "cv-bench-search-"));
	const out: Record<string, string | number> = {};
	try {
		const record = new ClinicalRecord({ store: new NodeFsStore(dir) });
		await record.init("benchmark passphrase, synthetic", { kdf: floorKdfParams() });
		const random = seededRandom(20260609);
		const clients = Array.from({ length: CLIENTS }, (_, i) => `C-${String(1000 + i)}`);
		const worlds = new Map(clients.map((c) => [c, world(random)]));
		let bytes = 0;
		for (const client of clients) {
			await record.addClient({ code: client, name: `Synthetic ${client}` });
			for (let s = 1; s <= SESSIONS; s++) {
				const date = dateFor(s);
				const text = sessionNote(client, worlds.get(client)!, s, date, random);
				bytes += text.length;
				await record.writeText(`${client}/notes/${date}.md`, text);
			}
		}
		out["sessions (clients × sessions)"] = `${CLIENTS * SESSIONS} (${CLIENTS} × ${SESSIONS}), ${(bytes / MB).toFixed(1)} MB of text`;

		const base = memory();
		let service = new SearchService({ record });
		let started = performance.now();
		const built = await service.open();
		out["index build, no embeddings, s (incl. encrypted save)"] = +((performance.now() - started) / 1000).toFixed(2);
		out["passages"] = built.passages;
		out["index memory, MB (no vectors)"] = +((memory() - base) / MB).toFixed(1);

		const queryRandom = seededRandom(7);
		const queries = Array.from({ length: QUERIES + 10 }, (_, i) => {
			// A question about one client's material; a third of them filtered to that client.
			const about = pick(queryRandom, clients);
			const w = worlds.get(about)!;
			const topic = pick(queryRandom, w.topics);
			const words = topic.split(" ").filter((x) => x.length > 3);
			const q = i % 5 === 0 ? `"${topic}"` : `${pick(queryRandom, w.parts).replace("the ", "")} ${words.join(" ")} ${pick(queryRandom, FEELINGS)}`;
			return { q, client: i % 3 === 0 ? about : undefined };
		});
		const keyword = await timeQueries((i) => service.search(queries[i]!.q, { ...(queries[i]!.client ? { client: queries[i]!.client } : {}) }), QUERIES);
		out["keyword search p50 / p95, ms"] = `${keyword.p50} / ${keyword.p95}`;

		started = performance.now();
		await service.embedPending({ llm: syntheticLlm, model: "nomic-embed-text", batchSize: 64, saveEvery: 1_000_000 });
		out["synthetic vectors ingested (768-d, in-process), s"] = +((performance.now() - started) / 1000).toFixed(2);
		out["index memory, MB (with 768-d int8 vectors)"] = +((memory() - base) / MB).toFixed(1);
		const vectors = queries.map((q) => syntheticVector(q.q));
		const hybrid = await timeQueries(async (i) => {
			const r = await service.search(queries[i]!.q, { ...(queries[i]!.client ? { client: queries[i]!.client } : {}), queryVector: vectors[i]! });
			if (r.mode !== "hybrid") throw new Error("the hybrid bench ran keyword only");
		}, QUERIES);
		out["hybrid search p50 / p95, ms (query embedding excluded)"] = `${hybrid.p50} / ${hybrid.p95}`;

		const updates: number[] = [];
		for (let i = 0; i < 20; i++) {
			const client = clients[i % CLIENTS]!;
			const date = dateFor(10 + i);
			await record.writeText(`${client}/notes/${date}.md`, sessionNote(client, worlds.get(client)!, 10 + i, date, random));
			const t = performance.now();
			await service.update(`${client}/notes/${date}.md`);
			updates.push(performance.now() - t);
		}
		updates.sort((a, b) => a - b);
		out["incremental update of one note, median ms"] = +percentile(updates, 50).toFixed(2);
		started = performance.now();
		await service.save();
		out["encrypted save of the whole index, s"] = +((performance.now() - started) / 1000).toFixed(2);
		out["encrypted index size, MB (with vectors)"] = +(((await record.store.size(record.systemFilePath("search-index"))) ?? 0) / MB).toFixed(1);

		service.dispose();
		service = new SearchService({ record });
		started = performance.now();
		const loaded = await service.open();
		if (!loaded.loaded || loaded.changed + loaded.added > 0) throw new Error("the saved index did not load cleanly");
		out["index load at unlock, s (decrypt + parse + fingerprint check)"] = +((performance.now() - started) / 1000).toFixed(2);
		service.dispose();
		await record.lock();
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
	return out;
}
