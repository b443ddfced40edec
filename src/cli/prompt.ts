/**
 * A prompt that does not echo: the terminal is put in raw mode and every key is handled here, so
 * nothing typed is ever written back. Enter finishes; Backspace deletes; Ctrl-U clears; Ctrl-C
 * (and Ctrl-D on an empty line) cancel; arrow keys and other escape sequences are ignored.
 */
import { createInterface } from "node:readline/promises";
import { StringDecoder } from "node:string_decoder";
import { Cancelled } from "../core/errors";
import type { CliIo, TtyInput } from "./output";

export function canPrompt(input: TtyInput): boolean {
	return input.isTTY === true && typeof input.setRawMode === "function";
}

/** Reads one line from a terminal without echo. Resolves to Cancelled when the user cancels. */
export function promptHidden(input: TtyInput, output: NodeJS.WritableStream, label: string): Promise<string | Cancelled> {
	return new Promise((resolve) => {
		const decoder = new StringDecoder("utf8");
		let value = "";
		// 0: normal, 1: after ESC, 2: inside a CSI/SS3 sequence (skip to its final byte).
		let escape = 0;
		let done = false;

		const finish = (result: string | Cancelled): void => {
			if (done) return;
			done = true;
			input.removeListener("data", onData);
			input.removeListener("end", onEnd);
			input.setRawMode?.(false);
			input.pause();
			output.write("\n");
			resolve(result);
		};

		const onData = (chunk: Buffer | string): void => {
			const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
			for (const ch of text) {
				if (done) return;
				if (escape === 1) {
					escape = ch === "[" || ch === "O" ? 2 : 0;
					continue;
				}
				if (escape === 2) {
					if (ch >= "@" && ch <= "~") escape = 0;
					continue;
				}
				switch (ch) {
					case "\r":
					case "\n":
						finish(value);
						return;
					case "\u0003":
						finish(new Cancelled("prompt"));
						return;
					case "\u0004":
						finish(value === "" ? new Cancelled("prompt") : value);
						return;
					case "\u007f":
					case "\b":
						value = Array.from(value).slice(0, -1).join("");
						continue;
					case "\u0015":
						value = "";
						continue;
					case "\u001b":
						escape = 1;
						continue;
					default:
						if (ch >= " ") value += ch;
				}
			}
		};

		const onEnd = (): void => finish(value === "" ? new Cancelled("prompt") : value);

		output.write(label);
		input.setRawMode?.(true);
		input.on("data", onData);
		input.once("end", onEnd);
		input.resume();
	});
}

/** Asks on the terminal; true only for "y" or "yes". Ctrl-C at the question counts as no. */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
	const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
	const controller = new AbortController();
	rl.on("SIGINT", () => controller.abort());
	try {
		const answer = await rl.question(question, { signal: controller.signal });
		return /^\s*y(?:es)?\s*$/i.test(answer);
	} catch (error) {
		if (controller.signal.aborted) return false;
		throw error;
	} finally {
		rl.close();
	}
}
