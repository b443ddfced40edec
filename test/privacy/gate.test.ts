/**
 * The outbound gate (src/engines/http.ts + src/core/net/endpoint.ts) and the egress log
 * (src/core/net/egress.ts): every engine setting refuses a host that is not this computer, a
 * name claiming to be local is judged by the addresses it resolves to (with an injected resolver,
 * since no test can make the real "localhost" lie), the https rule and its explicit exception,
 * malformed allowlist entries, and the log's content on real loopback requests.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ClinicalVaultError } from "../../src/core/errors";
import { EgressLog, egressLog, formatEgressEntry, type EgressEntry } from "../../src/core/net/egress";
import { decideEndpoint, INSECURE_MARKER, isLoopbackIp, LOOPBACK_ONLY, parseAllowEntry } from "../../src/core/net/endpoint";
import { migrateSettings } from "../../src/core/settings";
import { request, type HostResolver } from "../../src/engines/http";
import { createNodeFetch } from "../../src/engines/nodeFetch";
import { OllamaClient } from "../../src/engines/ollama";
import { selectTranscriber } from "../../src/engines/select";
import { failure } from "../support/failure";

const SECRETS = ["secret-path-7f3a", "secret-query-91bc", "Bearer tok-5e5e", "Client disclosed synthetic detail 4411", "Answer text synthetic 8812"];

interface Seen {
	url: string;
	body: string;
}

let server: http.Server;
let port = 0;
const seen: Seen[] = [];

beforeAll(async () => {
	server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			seen.push({ url: req.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
			res.writeHead(200, { "content-type": "text/plain" });
			res.end(`${SECRETS[4]} ${"x".repeat(2000)}`);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
	egressLog.clear();
	seen.length = 0;
});

const job = { wav: new Uint8Array(44), durationSeconds: 1, language: "en" };

describe("every engine setting refuses a host that is not this computer", () => {
	it("Ollama, whisper server, OpenAI-compatible server and the auto probe: refused before any connection, each refusal logged", async () => {
		const settings = migrateSettings({
			ollamaUrl: "http://192.0.2.10:11434",
			whisperServerUrl: "http://192.0.2.11:8080",
			openaiUrl: "https://transcribe.example.com",
			whisperBinary: "",
			whisperModel: "",
		});
		expect([settings.llmUrl, settings.whisperServerUrl, settings.openaiUrl]).toEqual([
			"http://192.0.2.10:11434",
			"http://192.0.2.11:8080",
			"https://transcribe.example.com",
		]);
		const policy = { allowlist: settings.engineAllowlist };

		const ollama = await failure(() => new OllamaClient({ host: settings.llmUrl, policy }).listModels());
		expect(ollama.code).toBe("refused");
		expect(ollama.message).toContain("Refused to contact 192.0.2.10:11434");

		const whisper = await failure(async () => (await selectTranscriber({ ...settings, transcriptionEngine: "server" })).transcribe(job));
		expect(whisper.code).toBe("refused");
		expect(whisper.message).toContain("192.0.2.11:8080");

		const openai = await failure(async () => (await selectTranscriber({ ...settings, transcriptionEngine: "openai" })).transcribe(job));
		expect(openai.code).toBe("refused");
		expect(openai.message).toContain("transcribe.example.com");

		const auto = await failure(() => selectTranscriber({ ...settings, transcriptionEngine: "auto" }));
		expect(auto.message).toMatch(/No transcription engine found/);

		const log = egressLog.entries();
		expect(log.map((e) => [e.host, e.port, e.purpose, e.allowed, e.outcome])).toEqual([
			["192.0.2.10", 11434, "ollama", false, "refused"],
			["192.0.2.11", 8080, "whisper-server", false, "refused"],
			["transcribe.example.com", 443, "openai-compatible", false, "refused"],
			["192.0.2.11", 8080, "engine-probe", false, "refused"],
			["transcribe.example.com", 443, "engine-probe", false, "refused"],
		]);
		for (const e of log) {
			expect(e.reason).toBe("not this computer and not on the allowlist");
			expect(e.bytesSent + e.bytesReceived).toBe(0);
		}
		expect(formatEgressEntry(log[0]!)).toMatch(
			/^egress 192\.0\.2\.10:11434 refused ollama \(not this computer and not on the allowlist\) at \d{4}-\d\d-\d\dT/,
		);
	});
});

describe("a name is judged by the addresses it resolves to", () => {
	const resolverOf = (answers: string[][]): HostResolver & { calls: string[] } => {
		const calls: string[] = [];
		const fn = async (host: string) => {
			calls.push(host);
			const list = answers[Math.min(calls.length - 1, answers.length - 1)]!;
			return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
		};
		return Object.assign(fn, { calls });
	};

	it("localhost that resolves to another machine (or partly) is refused, and logged with the address", async () => {
		for (const answer of [["10.1.2.3"], ["127.0.0.1", "10.1.2.3"], ["::1", "2001:db8::5"]]) {
			const error = await failure(() =>
				request(LOOPBACK_ONLY, { url: `http://localhost:${port}/api/tags`, resolver: resolverOf([answer]), purpose: "ollama" }),
			);
			expect(error.code).toBe("refused");
			expect(error.message).toMatch(/resolves to .*which is not this computer/);
		}
		const fetch = createNodeFetch({ policy: LOOPBACK_ONLY, purpose: "ollama", resolver: resolverOf([["192.168.1.50"]]) });
		expect((await failure(() => fetch(`http://localhost:${port}/api/tags`))).code).toBe("refused");
		expect(seen).toEqual([]);
		const log = egressLog.entries();
		expect(log).toHaveLength(4);
		expect(log.every((e) => !e.allowed && e.host === "localhost")).toBe(true);
		expect(log[0]!.reason).toBe("localhost resolves to 10.1.2.3, not loopback");
		expect(log[3]!.reason).toBe("localhost resolves to 192.168.1.50, not loopback");
	});

	it("localhost resolving to loopback connects to the checked address, resolved once (a rebinding answer later is never used)", async () => {
		const rebinding = resolverOf([["127.0.0.1"], ["10.9.9.9"]]);
		const res = await request(LOOPBACK_ONLY, { url: `http://localhost:${port}/ok`, resolver: rebinding, purpose: "whisper-server" });
		expect(res.status).toBe(200);
		expect(rebinding.calls).toEqual(["localhost"]);
		expect(seen.map((s) => s.url)).toEqual(["/ok"]);
		const [entry] = egressLog.entries();
		expect(entry).toMatchObject({ host: "localhost", port, address: "127.0.0.1", allowed: true, outcome: "ok", purpose: "whisper-server" });
	});

	it("the system resolver: the real localhost reaches a loopback server", async () => {
		const res = await request(LOOPBACK_ONLY, { url: `http://localhost:${port}/real` });
		expect(res.status).toBe(200);
		const [entry] = egressLog.entries();
		expect(entry).toMatchObject({ host: "localhost", allowed: true, outcome: "ok" });
		expect(isLoopbackIp(entry!.address ?? "")).toBe(true);
	});
});

describe("practice servers: https, or plain http with an explicit exception", () => {
	it("an allowlisted host passes over https; plain http needs the marker on that host (and port)", async () => {
		expect(decideEndpoint("https://practice.test:11434", { allowlist: ["practice.test"] }).via).toBe("allowlisted");
		expect(decideEndpoint("https://practice.test", { allowlist: ["https://practice.test:443"] }).port).toBe(443);
		expect(() => decideEndpoint("http://practice.test:11434", { allowlist: ["practice.test"] })).toThrow(/needs https/);
		expect(decideEndpoint("http://10.0.0.5:11434", { allowlist: [`http://10.0.0.5:11434 ${INSECURE_MARKER}`] }).scheme).toBe("http");
		expect(() => decideEndpoint("http://10.0.0.5:9999", { allowlist: [`http://10.0.0.5:11434 ${INSECURE_MARKER}`] })).toThrow(/Refused to contact/);
		expect(decideEndpoint("https://[fd00::5]:8443", { allowlist: ["[fd00::5]"] }).host).toBe("fd00::5");

		const error = await failure(() => request({ allowlist: ["practice.test"] }, { url: "http://practice.test:11434/api/chat", purpose: "ollama" }));
		expect(error.code).toBe("refused");
		expect(egressLog.entries()).toMatchObject([
			{ host: "practice.test", port: 11434, allowed: false, reason: "plain http to an allowlisted host without an exception" },
		]);
	});

	it("malformed entries are refused with a message saying what is wrong; loopback keeps working", async () => {
		const bad: [string, RegExp][] = [
			["http://10.0.0.5:11434", /unencrypted traffic.*\(insecure-ok\)/],
			[`https://10.0.0.5 ${INSECURE_MARKER}`, /goes with an http:\/\/ entry only/],
			[`10.0.0.5 ${INSECURE_MARKER}`, /goes with an http:\/\/ entry only/],
			["practice.lan/api", /may not contain a path/],
			["user@practice.lan", /user name/],
			["*.practice.lan", /wildcards/],
			["practice.lan:0", /out of range/],
			["practice.lan:70000", /out of range/],
			["ftp://practice.lan", /is not http or https/],
			["practice..lan", /not a host name/],
			["-practice.lan", /not a host name/],
			["a b", /not a host name/],
			["", /empty/],
		];
		for (const [entry, why] of bad) {
			let error: unknown;
			try {
				parseAllowEntry(entry);
			} catch (e) {
				error = e;
			}
			expect(error, entry).toBeInstanceOf(ClinicalVaultError);
			expect((error as ClinicalVaultError).code).toBe("invalid-input");
			expect((error as ClinicalVaultError).message, entry).toMatch(why);
		}
		expect(parseAllowEntry(" HTTPS://Practice.LAN:0443/ ")).toEqual({ host: "practice.lan", port: "443", plainHttp: false });
		expect(parseAllowEntry(`http://10.0.0.5:11434 ${INSECURE_MARKER}`)).toEqual({ host: "10.0.0.5", port: "11434", plainHttp: true });

		const policy = { allowlist: ["practice.lan", "practice.lan/api"] };
		expect((await failure(() => request(policy, { url: "https://practice.lan/x" }))).code).toBe("invalid-input");
		expect((await request(policy, { url: `http://127.0.0.1:${port}/still-local` })).status).toBe(200);
	});
});

describe("the egress log", () => {
	it("records an allowed request with its byte counts and nothing of its path, query, headers or body", async () => {
		const body = `${SECRETS[3]} ${"y".repeat(3000)}`;
		const res = await request(LOOPBACK_ONLY, {
			url: `http://127.0.0.1:${port}/v1/${SECRETS[0]}?q=${SECRETS[1]}`,
			method: "POST",
			headers: { authorization: SECRETS[2]!, "content-type": "text/plain" },
			body,
			purpose: "openai-compatible",
		});
		expect(new TextDecoder().decode(res.body)).toContain(SECRETS[4]);
		expect(seen[0]!.body).toBe(body);
		const entries = egressLog.entries();
		expect(entries).toHaveLength(1);
		const e = entries[0]!;
		expect(e).toMatchObject({ host: "127.0.0.1", port, scheme: "http", allowed: true, outcome: "ok", purpose: "openai-compatible", address: "127.0.0.1" });
		expect(e.bytesSent).toBeGreaterThan(body.length);
		expect(e.bytesSent).toBeLessThan(body.length + 600);
		expect(e.bytesReceived).toBeGreaterThan(2000 + SECRETS[4]!.length);
		expect(e.bytesReceived).toBeLessThan(2000 + SECRETS[4]!.length + 600);
		expect(new Date(e.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
		const text = `${JSON.stringify(entries)} ${entries.map(formatEgressEntry).join("\n")}`;
		for (const secret of [...SECRETS, "/v1/", "?q="]) expect(text).not.toContain(secret);
		expect(formatEgressEntry(e)).toMatch(new RegExp(`^egress 127\\.0\\.0\\.1:${port} allowed openai-compatible sent 3\\.\\d KB received 2\\.\\d KB at `));
	});

	it("counts each request on a kept-alive connection separately, streams included, and logs failures", async () => {
		const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
		try {
			const fetch = createNodeFetch({ policy: LOOPBACK_ONLY, purpose: "ollama", agent });
			for (let i = 0; i < 2; i++) {
				const res = await fetch(`http://127.0.0.1:${port}/same`, { method: "POST", body: "same body" });
				expect((await res.text()).length).toBeGreaterThan(2000);
			}
		} finally {
			agent.destroy();
		}
		const [a, b] = egressLog.entries();
		expect(a!.outcome).toBe("ok");
		expect(b!.bytesSent).toBe(a!.bytesSent);
		expect(b!.bytesReceived).toBeLessThanOrEqual(a!.bytesReceived + 2);
		expect(b!.bytesReceived).toBeGreaterThanOrEqual(a!.bytesReceived - 2);

		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
		const deadPort = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		expect((await failure(() => request(LOOPBACK_ONLY, { url: `http://127.0.0.1:${deadPort}/`, purpose: "whisper-server" }))).code).toBe("engine");
		expect(egressLog.entries()[2]).toMatchObject({ port: deadPort, allowed: true, outcome: "failed", reason: "ECONNREFUSED", bytesReceived: 0 });
	});

	it("is a bounded ring with change listeners, unsubscribe and clear", () => {
		const log = new EgressLog(3, () => new Date("2026-09-01T10:00:00.000Z"));
		const seenSizes: number[] = [];
		const off = log.onChange((entries) => seenSizes.push(entries.length));
		for (let i = 0; i < 4; i++) log.refused({ host: "192.0.2.1", port: 1000 + i, scheme: "http", purpose: "engine", reason: "test" });
		const finish = log.start({ host: "127.0.0.1", port: 8080, scheme: "http", purpose: "whisper-server" });
		expect(log.entries().map((e: EgressEntry) => e.port)).toEqual([1002, 1003, 8080]);
		expect(log.entries()[2]!.outcome).toBe("open");
		finish({ outcome: "ok", bytesSent: 10, bytesReceived: 2048 });
		finish({ outcome: "failed", bytesSent: 0, bytesReceived: 0 });
		expect(log.entries()[2]).toMatchObject({ outcome: "ok", bytesSent: 10, bytesReceived: 2048, time: "2026-09-01T10:00:00.000Z" });
		expect(seenSizes).toEqual([1, 2, 3, 3, 3, 3]);
		off();
		log.clear();
		expect(log.entries()).toEqual([]);
		expect(seenSizes).toHaveLength(6);
	});
});
