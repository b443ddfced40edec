/** What a command is (for the dispatcher and the help text) and what it returns. */
import type { Cancelled } from "../core/errors";
import { PASSPHRASE_FILE_OPTION, stringOption, type OptionSpec, type OptionValues } from "./args";
import type { CliIo } from "./output";
import { getPassphrase, PASSPHRASE_ENV } from "./passphrase";

export interface CommandContext {
	io: CliIo;
	/** Positionals by name ("vault", "record-path"). */
	args: Record<string, string>;
	options: OptionValues;
}

export interface CommandResult {
	/** Written to stdout by the runner only after the command (and its lock) succeeded. */
	stdout?: string | Uint8Array;
	/** Exit code; 0 when absent. */
	code?: number;
}

export interface Command {
	/** The command words: "init", "client add". */
	name: string;
	/** Synopsis after the program name. */
	synopsis: string;
	summary: string;
	/** Positional names, in order. */
	args: string[];
	options: OptionSpec[];
	/** Extra paragraphs for the command's help. */
	notes?: string[];
	run(context: CommandContext): Promise<CommandResult>;
}

/** The exit code of a cancelled prompt (128 + SIGINT, as shells report Ctrl-C). */
export const CANCELLED_EXIT = 130;

export function cancelled(): CommandResult {
	return { code: CANCELLED_EXIT };
}

/** The current passphrase from --passphrase-file, $CLINICAL_VAULT_PASSPHRASE or a prompt. */
export function currentPassphrase(context: CommandContext): Promise<string | Cancelled> {
	return getPassphrase(context.io, {
		file: stringOption(context.options, PASSPHRASE_FILE_OPTION.name),
		fileFlag: `--${PASSPHRASE_FILE_OPTION.name}`,
		envName: PASSPHRASE_ENV,
		label: "Passphrase: ",
		confirm: false,
		what: "passphrase",
	});
}
