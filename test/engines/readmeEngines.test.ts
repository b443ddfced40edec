/**
 * The README's "Choose your engine" commands, each run as written against a loopback server that
 * speaks that engine's API (the fakes of test/support), with only the address changed to the fake's:
 * the preset's documented address is checked, then `clinical-vault models` connects through the
 * real client, lists the models and reports the context the way that server reports it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEngineSpec } from "../../src/core/llm/engines";
import { startFakeOllama } from "../support/fake-ollama";
import { startFakeOpenAi, type OpenAiFlavor } from "../support/fake-openai";
import { cliInProcess, ROOT_DIR, TEST_STATE_DIR } from "../cli/support";

const README = readFileSync(join(ROOT_DIR, "README.md"), "utf8");

/** The command lines of the code block under "## Choose your engine". */
function engineLines(): { env: Record<string, string>; argv: string[]; comment: string }[] {
	const section = README.split("## Choose your engine")[1]!.split("\n## ")[0]!;
	const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
	return block
		.trim()
		.split("\n")
		.map((line) => {
			const [command, comment = ""] = line.split(/\s+#\s+/);
			const words = command!.trim().split(/\s+/);
			const env: Record<string, string> = {};
			while (words[0]!.includes("=")) {
				const [k, v] = words.shift()!.split("=");
				env[k!] = v!;
			}
			expect(words[0]).toBe("clinical-vault");
			return { env, argv: words.slice(1), comment };
		});
}

function runCli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
	return cliInProcess(argv, { ...env, CLINICAL_VAULT_STATE_DIR: TEST_STATE_DIR });
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const close of closers.splice(0)) await close();
});

/** The server each preset stands for, as its fake. */
const FLAVOR: Record<string, OpenAiFlavor> = { lmstudio: "lmstudio", "llama-server": "llama-server", jan: "plain", vllm: "vllm", koboldcpp: "plain" };

describe("README: Choose your engine", () => {
	const lines = engineLines();

	it("has one line per engine the settings offer", () => {
		expect(lines.map((l) => l.argv[2]!.split("=")[0])).toEqual(["ollama", "lmstudio", "llama-server", "jan", "vllm", "koboldcpp"]);
	});

	for (const line of lines) {
		const spec = line.argv[2]!;
		const name = spec.split("=")[0]!;
		it(`clinical-vault ${line.argv.join(" ")}`, async () => {
			expect(line.argv.slice(0, 2)).toEqual(["models", "--llm"]);
			// The address the README names is the one the preset uses.
			const parsed = parseEngineSpec(spec);
			const port = /127\.0\.0\.1:(\d+)/.exec(`${spec} ${line.comment}`)?.[1];
			if (port) expect(new URL(parsed.url).port).toBe(port);

			let url: string;
			let expected: RegExp;
			if (parsed.kind === "ollama") {
				const fake = await startFakeOllama();
				closers.push(() => fake.close());
				url = fake.url;
				expected =
					/^Connected to http:\/\/127\.0\.0\.1:\d+: 2 models \(llama3\.1:8b, nomic-embed-text:latest\)\. Context for "llama3\.1:8b": 131072 tokens\.$/;
			} else {
				const key = line.env.CLINICAL_VAULT_ENGINE_TOKEN;
				const fake = await startFakeOpenAi({ flavor: FLAVOR[name]!, nCtx: 16384, ...(key ? { apiKey: "synthetic-test-key" } : {}) });
				closers.push(() => fake.close());
				url = fake.url;
				// llama-server lists its one model; the others list every model they have.
				const models =
					name === "llama-server" ? "1 model \\(llama-3\\.1-8b-instruct\\)" : "2 models \\(llama-3\\.1-8b-instruct, nomic-embed-text-v1\\.5\\)";
				const context = FLAVOR[name] === "plain" ? (line.argv.includes("--context") ? "8192" : null) : "16384";
				expected = new RegExp(
					`^Connected to http://127\\.0\\.0\\.1:\\d+: ${models}\\.${context ? ` Context for "llama-3\\.1-8b-instruct": ${context} tokens\\.` : ""}`,
				);
			}
			const argv = [
				...line.argv.slice(0, 2),
				`${name}=${url}`,
				...line.argv.slice(3),
				...(parsed.kind === "openai" ? ["--model", "llama-3.1-8b-instruct"] : []),
			];
			const env: Record<string, string> = line.env.CLINICAL_VAULT_ENGINE_TOKEN ? { CLINICAL_VAULT_ENGINE_TOKEN: "synthetic-test-key" } : {};
			const result = await runCli(argv, env);
			expect(result.err).toBe("");
			expect(result.code).toBe(0);
			expect(result.out.trim()).toMatch(expected);
		});
	}

	it("Jan without its API key: the CLI says the key is missing and where it goes", async () => {
		const fake = await startFakeOpenAi({ flavor: "plain", apiKey: "synthetic-test-key" });
		closers.push(() => fake.close());
		const result = await runCli(["models", "--llm", `jan=${fake.url}`], {});
		expect(result.code).toBe(1);
		expect(result.err).toContain("needs an API key (Jan: Settings → Local API Server)");
		expect(result.err).toContain("CLINICAL_VAULT_ENGINE_TOKEN");
	});

	it("a wrong --llm is a usage error naming what is accepted", async () => {
		const result = await runCli(["models", "--llm", "chatgpt"], {});
		expect(result.code).toBe(2);
		expect(result.err).toContain(
			'--llm "chatgpt" is not an engine: use ollama=URL, openai=URL, or a preset (ollama, lmstudio, llama-server, jan, vllm, koboldcpp)',
		);
		expect((await runCli(["models", "--llm", "openai"], {})).err).toContain("--llm openai needs the server's address");
		expect((await runCli(["models", "--llm", "lmstudio", "--ollama", "http://127.0.0.1:11434"], {})).err).toContain(
			"Give either --llm or --ollama, not both.",
		);
		expect((await runCli(["models", "--llm", "lmstudio", "--context", "lots"], {})).err).toContain("--context takes the model's context in tokens");
	});
});
