/**
 * The passphrase prompt never echoes. Through a real pseudo-terminal when util-linux `script` is
 * available (the built CLI, as a person would use it), and always through the prompt module with
 * a fake terminal stream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import * as timers from "node:timers";
import { Cancelled, isCancelled } from "../../src/core/errors";
import { promptHidden } from "../../src/cli/prompt";
import { childEnv, CLI, ensureBuilt, FAST_KDF, hashTree, PASSPHRASE, RECOVERY_KEY_PATTERN, removeDir, tempDir } from "./support";

class FakeTty extends PassThrough {
	readonly isTTY = true;
	readonly rawModes: boolean[] = [];
	setRawMode(mode: boolean): this {
		this.rawModes.push(mode);
		return this;
	}
}

function sink(): { stream: PassThrough; text: () => string } {
	const stream = new PassThrough();
	const chunks: string[] = [];
	stream.on("data", (d: Buffer) => chunks.push(d.toString("utf8")));
	return { stream, text: () => chunks.join("") };
}

describe("promptHidden with a fake terminal", () => {
	it("reads a line in raw mode and writes only the label and a newline", async () => {
		const input = new FakeTty();
		const output = sink();
		const answer = promptHidden(input, output.stream, "Passphrase: ");
		input.write("corr");
		input.write("ect horse");
		input.write("\r");
		expect(await answer).toBe("correct horse");
		expect(input.rawModes).toEqual([true, false]);
		expect(output.text()).toBe("Passphrase: \n");
		expect(input.listenerCount("data")).toBe(0);
	});

	it("handles backspace, Ctrl-U, escape sequences and UTF-8 split across chunks", async () => {
		const input = new FakeTty();
		const output = sink();
		const answer = promptHidden(input, output.stream, "P: ");
		input.write("wrong\u0015");
		input.write("ab\u007fc");
		input.write("\u001b[A\u001b[1;5C");
		const euro = Buffer.from("€");
		input.write(euro.subarray(0, 1));
		input.write(Buffer.concat([euro.subarray(1), Buffer.from("x\n")]));
		expect(await answer).toBe("ac€x");
		expect(output.text()).toBe("P: \n");
	});

	it("Ctrl-C, and Ctrl-D on an empty line, cancel (not an error); the terminal leaves raw mode", async () => {
		for (const key of ["\u0003", "\u0004"]) {
			const input = new FakeTty();
			const answer = promptHidden(input, sink().stream, "P: ");
			input.write(`${key === "\u0003" ? "partial" : ""}${key}`);
			const result = await answer;
			expect(result).toBeInstanceOf(Cancelled);
			expect(isCancelled(result)).toBe(true);
			expect(input.rawModes).toEqual([true, false]);
		}
	});
});

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).stdout?.includes("util-linux") ?? false;

interface PtyResult {
	code: number | null;
	output: string;
}

function quote(arg: string): string {
	return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs a command in a pseudo-terminal; each time `prompt` appears in the output, types `answer` and Enter. */
function inPty(command: string[], answers: { prompt: string; answer: string }[], env: Record<string, string> = {}): Promise<PtyResult> {
	return new Promise((resolve, reject) => {
		const child = spawn("script", ["-q", "-e", "-c", command.map(quote).join(" "), "/dev/null"], { env: childEnv(env), stdio: ["pipe", "pipe", "pipe"] });
		let output = "";
		let next = 0;
		let searchFrom = 0;
		const timer = timers.setTimeout(() => {
			child.kill("SIGKILL");
			reject(new Error(`pty run timed out; output so far:\n${output}`));
		}, 30_000);
		const onData = (d: Buffer): void => {
			output += d.toString("utf8");
			const step = answers[next];
			if (!step) return;
			const at = output.indexOf(step.prompt, searchFrom);
			if (at === -1) return;
			searchFrom = at + step.prompt.length;
			next++;
			// The CLI switches the terminal to raw mode right after writing the label.
			timers.setTimeout(() => child.stdin.write(step.answer), 150);
		};
		child.stdout.on("data", onData);
		child.stderr.on("data", onData);
		child.on("error", reject);
		child.on("close", (code) => {
			timers.clearTimeout(timer);
			resolve({ code, output });
		});
	});
}

describe.skipIf(!hasScript)("the passphrase prompt in a pseudo-terminal (util-linux script)", () => {
	const dirs: string[] = [];
	beforeAll(async () => {
		await ensureBuilt();
	});
	afterAll(async () => {
		for (const d of dirs) await removeDir(d);
	});

	it("the pseudo-terminal echoes typed text by default (so the checks below mean something)", async () => {
		const result = await inPty(["sh", "-c", "printf 'Say: '; head -n 1 >/dev/null"], [{ prompt: "Say: ", answer: "visible-echo-check\r" }]);
		expect(result.code).toBe(0);
		expect(result.output).toContain("visible-echo-check");
	});

	it("init asks twice and cat asks once; the passphrase never appears on the terminal", async () => {
		const dir = await tempDir();
		dirs.push(dir);
		const vault = join(dir, "vault");
		const init = await inPty(
			[process.execPath, CLI, "init", vault, ...FAST_KDF],
			[
				{ prompt: "New passphrase: ", answer: `${PASSPHRASE}\r` },
				{ prompt: "Type it again: ", answer: `${PASSPHRASE}\r` },
			],
		);
		expect(init.code).toBe(0);
		expect(init.output).toMatch(RECOVERY_KEY_PATTERN);
		expect(init.output).not.toContain(PASSPHRASE);
		expect(init.output).not.toContain("horse");

		const add = await inPty(
			[process.execPath, CLI, "client", "add", vault, "--code", "C-0142", "--name", "Sam Synthetic"],
			[{ prompt: "Passphrase: ", answer: `${PASSPHRASE}X\u007f\r` }],
		);
		expect(add.code).toBe(0);
		expect(add.output).toContain("C-0142/profile.md");
		expect(add.output).not.toContain("horse");

		const cat = await inPty([process.execPath, CLI, "cat", vault, "C-0142/profile.md"], [{ prompt: "Passphrase: ", answer: `${PASSPHRASE}\r` }]);
		expect(cat.code).toBe(0);
		expect(cat.output).toContain("name: Sam Synthetic");
		expect(cat.output).not.toContain("horse");

		const wrong = await inPty(
			[process.execPath, CLI, "cat", vault, "C-0142/profile.md"],
			[{ prompt: "Passphrase: ", answer: "not the passphrase at all\r" }],
		);
		expect(wrong.code).toBe(3);
		expect(wrong.output).not.toContain("not the passphrase at all");
		expect(wrong.output).not.toContain("Sam Synthetic");
	});

	it("mismatched new passphrases exit 2 and Ctrl-C exits 130, both creating nothing", async () => {
		const dir = await tempDir();
		dirs.push(dir);
		const vault = join(dir, "vault");
		const mismatch = await inPty(
			[process.execPath, CLI, "init", vault, ...FAST_KDF],
			[
				{ prompt: "New passphrase: ", answer: "first passphrase typed\r" },
				{ prompt: "Type it again: ", answer: "second passphrase typed\r" },
			],
		);
		expect(mismatch.code).toBe(2);
		expect(mismatch.output).toMatch(/do not match/);
		expect(existsSync(vault)).toBe(false);

		const before = await hashTree(dir);
		const interrupted = await inPty([process.execPath, CLI, "init", vault, ...FAST_KDF], [{ prompt: "New passphrase: ", answer: "half typed\u0003" }]);
		expect(interrupted.code).toBe(130);
		expect(interrupted.output).not.toContain("half typed");
		expect(await hashTree(dir)).toEqual(before);
		expect(existsSync(vault)).toBe(false);
	});
});
