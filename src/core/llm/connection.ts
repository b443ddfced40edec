/**
 * "Test connection": asks a model server for its models and the chosen model's context, and says
 * in one line what it found, for the settings and `clinical-vault models`. Failures are the
 * client's own errors (they say what to do).
 */
import { isCancelled, toClinicalError } from "../errors";
import type { LlmClient, ModelInfo } from "./LlmClient";

export interface ConnectionReport {
	models: ModelInfo[];
	/** The chosen model's context in tokens, or null with `contextProblem` saying why. */
	context: number | null;
	contextProblem?: string;
	/** Whether the chosen model is among the listed ones (llama-server serves one model whatever the name). */
	listed: boolean;
	/** The one line for the clinician. */
	line: string;
}

export async function testConnection(llm: LlmClient, model: string, signal?: AbortSignal): Promise<ConnectionReport> {
	const models = await llm.listModels(signal);
	let context: number | null = null;
	let contextProblem: string | undefined;
	try {
		context = await llm.contextLength(model, signal);
	} catch (error) {
		if (isCancelled(error)) throw error;
		contextProblem = toClinicalError(error).message;
	}
	const names = models.map((m) => m.name);
	const listed = names.includes(model) || names.includes(`${model}:latest`);
	const shown = names.slice(0, 8).join(", ") + (names.length > 8 ? `, and ${names.length - 8} more` : "");
	const parts = [
		`Connected to ${llm.host}: ${names.length === 0 ? "no models listed" : `${names.length} model${names.length === 1 ? "" : "s"} (${shown})`}.`,
	];
	if (names.length > 0 && !listed) parts.push(`"${model}" is not among them.`);
	if (context !== null) parts.push(`Context for "${model}": ${context} tokens.`);
	else if (contextProblem) parts.push(contextProblem);
	return { models, context, ...(contextProblem ? { contextProblem } : {}), listed, line: parts.join(" ") };
}
