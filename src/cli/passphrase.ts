/**
 * Where a passphrase comes from, in order: a file named on the command line (its first line), an
 * environment variable (for automation), or a prompt without echo when stdin is a terminal.
 * With none of these the command stops with a usage error before touching the record.
 */
import { readFile } from "node:fs/promises";
import type { Cancelled } from "../core/errors";
import { usageError } from "./args";
import type { CliIo } from "./output";
import { canPrompt, promptHidden } from "./prompt";

export const PASSPHRASE_ENV = "CLINICAL_VAULT_PASSPHRASE";
export const NEW_PASSPHRASE_ENV = "CLINICAL_VAULT_NEW_PASSPHRASE";

/** The first line of a file, without its line ending. */
export async function readFirstLine(file: string, what: string, flag: string): Promise<string> {
	let text: string;
	try {
		text = await readFile(file, "utf8");
	} catch (error) {
		const code = (error as { code?: string }).code ?? "unreadable";
		throw usageError(`Cannot read the ${what} file given to ${flag} (${file}: ${code}).`);
	}
	const line = text.split("\n", 1)[0]!.replace(/\r$/, "");
	if (line === "") throw usageError(`The ${what} file given to ${flag} (${file}) has an empty first line.`);
	return line;
}

export interface PassphraseRequest {
	/** A file from the command line, if one was given. */
	file: string | undefined;
	/** The option that names the file, for messages. */
	fileFlag: string;
	/** The environment variable to read. */
	envName: string;
	/** The prompt's label, e.g. "Passphrase: ". */
	label: string;
	/** Ask twice and compare (new passphrases). */
	confirm: boolean;
	/** "passphrase" or "new passphrase", for messages. */
	what: string;
}

export async function getPassphrase(io: CliIo, request: PassphraseRequest): Promise<string | Cancelled> {
	if (request.file !== undefined) return readFirstLine(request.file, request.what, request.fileFlag);
	const fromEnv = io.env[request.envName];
	if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
	if (!canPrompt(io.stdin)) {
		throw usageError(`No ${request.what} given and stdin is not a terminal to ask for one: use ${request.fileFlag} FILE or set ${request.envName}.`);
	}
	const first = await promptHidden(io.stdin, io.stderr, request.label);
	if (typeof first !== "string") return first;
	if (first === "") throw usageError(`The ${request.what} is empty.`);
	if (!request.confirm) return first;
	const second = await promptHidden(io.stdin, io.stderr, "Type it again: ");
	if (typeof second !== "string") return second;
	if (second !== first) throw usageError(`The two ${request.what}s do not match. Nothing was changed.`);
	return first;
}
