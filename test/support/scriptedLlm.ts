/**
 * The test LlmClient in memory: each chat gets the next scripted answer (a JSON value for a
 * structured request, or text), and every request is kept so a test can read exactly what the model
 * was sent. Used where many model answers are run through the real services (the hostile
 * catalogue): the fake Ollama server (fake-ollama.ts) is for the HTTP path, this is for speed.
 */
import type { ChatRequest, ChatResult, LlmClient, ModelInfo } from "../../src/core/llm/LlmClient";

export class ScriptedLlm implements LlmClient {
	readonly host = "memory://scripted";
	readonly requests: ChatRequest[] = [];
	readonly embedded: string[][] = [];
	private readonly queue: unknown[] = [];

	constructor(private readonly context: number | null = 131072) {}

	/** The next chat answers this (a string is sent as is; anything else as JSON). */
	reply(answer: unknown): this {
		this.queue.push(answer);
		return this;
	}

	async chat(request: ChatRequest): Promise<ChatResult> {
		this.requests.push(request);
		if (this.queue.length === 0) throw new Error("ScriptedLlm: no answer queued");
		const next = this.queue.shift();
		const text = typeof next === "string" ? next : JSON.stringify(next);
		request.onToken?.(text, text);
		return { text, doneReason: "stop" };
	}

	async listModels(): Promise<ModelInfo[]> {
		return [{ name: "scripted" }];
	}

	async contextLength(): Promise<number | null> {
		return this.context;
	}

	async embed(_model: string, inputs: string[]): Promise<number[][]> {
		this.embedded.push(inputs);
		return inputs.map(() => [1, 0, 0, 0]);
	}

	/** Every text this client was sent (messages and embedding inputs), for "the model never saw X" checks. */
	sentText(): string {
		return [...this.requests.flatMap((r) => r.messages.map((m) => m.content)), ...this.embedded.flat()].join("\n");
	}
}
