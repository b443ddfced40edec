/**
 * The dispatcher: finds the command, handles --help/--version, runs it and turns the outcome into
 * an exit code. Every failure goes through one funnel: toClinicalError, one line on stderr,
 * exitCodeFor. Output reaches stdout only when the command succeeded (verify/audit also print
 * their report when they exit with 4, privacy-check when it exits with 5).
 *
 * `--egress-log` is a global flag allowed anywhere before a `--`: it is taken out of the arguments
 * before the command's own parsing (so no command has to know it), and when the command ends, on
 * errors too, every outbound attempt it made (src/core/net/egress.ts) is printed to stderr, one
 * line each. Host, port, purpose and byte counts only: never a path, header or body.
 */
import { exitCodeFor, toClinicalError } from "../core/errors";
import { egressLog, formatEgressEntry } from "../core/net/egress";
import { version } from "../../package.json";
import { parseArgs, takePositionals, usageError, PASSPHRASE_FILE_OPTION, ROOT_OPTION } from "./args";
import type { Command } from "./command";
import { COMMANDS, GROUPS } from "./commands";
import { commandHelp, groupHelp, topHelp } from "./help";
import { formatError, writeAll, type CliIo } from "./output";

export const VERSION: string = version;

const HELP_HINT = 'Run "clinical-vault --help" for usage.';
const LEADING_GLOBALS = [ROOT_OPTION.name, PASSPHRASE_FILE_OPTION.name];
export const EGRESS_LOG_FLAG = "--egress-log";

/** Takes --egress-log out of argv (anywhere before "--"). */
function takeEgressFlag(argv: readonly string[]): { argv: string[]; egress: boolean } {
	const end = argv.indexOf("--");
	const head = end === -1 ? [...argv] : argv.slice(0, end);
	const tail = end === -1 ? [] : argv.slice(end);
	const kept = head.filter((token) => token !== EGRESS_LOG_FLAG);
	return { argv: [...kept, ...tail], egress: kept.length !== head.length };
}

/** The egress log lines for attempts after `afterId`, or a line saying there were none. */
function egressReport(afterId: number): string {
	const entries = egressLog.entries().filter((e) => e.id > afterId);
	if (entries.length === 0) return "egress: no outbound connections\n";
	return entries.map((e) => `${formatEgressEntry(e)}\n`).join("");
}

interface Resolved {
	command: Command;
	rest: string[];
}

/** Splits argv into the command and its arguments; global options may come before the command. */
function resolve(argv: readonly string[]): Resolved | string {
	const leading: string[] = [];
	let i = 0;
	for (; i < argv.length; i++) {
		const token = argv[i]!;
		if (!token.startsWith("-") || token === "-") break;
		if (token === "--version") return `clinical-vault ${VERSION}\n`;
		if (token === "-h" || token === "--help") return topHelp(COMMANDS, VERSION);
		const name = token.replace(/^--/, "").split("=")[0]!;
		if (!token.startsWith("--") || !LEADING_GLOBALS.includes(name)) throw usageError(`Unknown option ${token}. ${HELP_HINT}`);
		leading.push(token);
		if (!token.includes("=") && i + 1 < argv.length) leading.push(argv[++i]!);
	}
	let word = argv[i];
	if (word === undefined) throw usageError(`No command given. ${HELP_HINT}`);
	if (word === "help") {
		const topic = argv.slice(i + 1).join(" ");
		if (topic === "") return topHelp(COMMANDS, VERSION);
		if (GROUPS.has(topic)) return groupHelp(topic, COMMANDS);
		const command = COMMANDS.find((c) => c.name === topic);
		if (!command) throw usageError(`No help for "${topic}": unknown command. ${HELP_HINT}`);
		return commandHelp(command);
	}
	let used = 1;
	if (GROUPS.has(word)) {
		const sub = argv[i + 1];
		if (sub === undefined) throw usageError(`"${word}" needs a subcommand. Run "clinical-vault ${word} --help" for usage.`);
		if (sub === "-h" || sub === "--help") return groupHelp(word, COMMANDS);
		word = `${word} ${sub}`;
		used = 2;
	}
	const command = COMMANDS.find((c) => c.name === word);
	if (!command) throw usageError(`Unknown command "${word}". ${HELP_HINT}`);
	return { command, rest: [...leading, ...argv.slice(i + used)] };
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
	const resolved = resolve(argv);
	if (typeof resolved === "string") {
		await writeAll(io.stdout, resolved);
		return 0;
	}
	const { command, rest } = resolved;
	const parsed = parseArgs(rest, command.options, command.name);
	if (parsed.help) {
		await writeAll(io.stdout, commandHelp(command));
		return 0;
	}
	const args = takePositionals(parsed.positionals, command.args, command.name);
	const result = await command.run({ io, args, options: parsed.options });
	if (result.stdout !== undefined) {
		try {
			await writeAll(io.stdout, result.stdout);
		} finally {
			if (typeof result.stdout !== "string") result.stdout.fill(0);
		}
	}
	return result.code ?? 0;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
	const { argv: args, egress } = takeEgressFlag(argv);
	const since = egressLog.entries().at(-1)?.id ?? 0;
	try {
		return await dispatch(args, io);
	} catch (error) {
		const clinical = toClinicalError(error);
		io.stderr.write(formatError(clinical, io.env.CLINICAL_VAULT_DEBUG === "1"));
		return exitCodeFor(clinical);
	} finally {
		if (egress) await writeAll(io.stderr, egressReport(since)).catch(() => undefined);
	}
}
