/**
 * Structured answers from the local model: the schema is written once with zod, sent to Ollama as a
 * JSON schema in `format` (structured outputs), and the answer is validated against the same schema
 * before anything uses it. A malformed or schema-violating answer is a ClinicalVaultError that says
 * where the answer went wrong (field paths only: never the model's text, which is clinical content).
 */
import { z } from "zod";
import { ClinicalVaultError } from "../errors";
import type { ChatMessage } from "./LlmClient";
import type { ModelBoundary } from "./boundary";

export interface StructuredRequest<T> {
	model: string;
	messages: ChatMessage[];
	schema: z.ZodType<T>;
	/** What the answer is, for messages: "the parts-map update". */
	what: string;
	signal?: AbortSignal;
	onProgress?: (characters: number) => void;
	temperature?: number;
	/** Tokens the answer may need (default 2048). */
	outputTokens?: number;
}

/** Ollama's `format` for a zod schema: JSON schema without the $schema key (Ollama ignores it). */
export function formatFor(schema: z.ZodType): Record<string, unknown> {
	const json = z.toJSONSchema(schema, { target: "draft-7", unrepresentable: "any" }) as Record<string, unknown>;
	delete json.$schema;
	return json;
}

/**
 * Validates a model answer against the schema; throws a clear error naming the first few bad
 * fields. `afterwards` says what became of the answer: nothing changed (a proposal), or what the
 * model wrote kept as an incomplete draft that cannot be signed (a note or a document).
 */
export function parseStructured<T>(
	text: string,
	schema: z.ZodType<T>,
	what: string,
	afterwards: "nothing changed" | "kept as incomplete draft" = "nothing changed",
): T {
	const outcome = afterwards === "nothing changed" ? "Nothing was changed" : "What it wrote was kept as an incomplete draft, which cannot be signed as it is";
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch {
		throw new ClinicalVaultError(
			"engine",
			`The model's answer for ${what} was not valid JSON (cut off or malformed). ${outcome}; try again, or choose a model that follows structured output.`,
			{
				detail: `${text.length} characters that do not parse as JSON`,
			},
		);
	}
	const result = schema.safeParse(data);
	if (!result.success) {
		const where = result.error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join(".") : "(top level)"}: ${i.message}`);
		throw new ClinicalVaultError(
			"engine",
			`The model's answer for ${what} did not follow the expected structure (${where.join("; ")}${result.error.issues.length > 3 ? `; ${result.error.issues.length - 3} more` : ""}). ${outcome}; try again or choose another model.`,
			{ detail: `${result.error.issues.length} schema issue(s) in ${text.length} characters` },
		);
	}
	return result.data;
}

/** Asks the model, through the boundary, for a JSON answer that follows `schema`, and returns it validated. */
export async function chatStructured<T>(boundary: ModelBoundary, request: StructuredRequest<T>): Promise<T> {
	const result = await boundary.chat({
		model: request.model,
		messages: request.messages,
		format: formatFor(request.schema),
		outputTokens: request.outputTokens ?? 2048,
		what: request.what,
		temperature: request.temperature ?? 0,
		...(request.signal ? { signal: request.signal } : {}),
		...(request.onProgress ? { onToken: (_: string, soFar: string) => request.onProgress!(soFar.length) } : {}),
	});
	if (result.doneReason === "length") {
		throw new ClinicalVaultError("engine", `The model stopped at its output limit before finishing ${request.what}. Nothing was changed; try again.`);
	}
	return parseStructured(result.text, request.schema, request.what);
}
