/** Help texts, generated from the command specs so they cannot drift from what is accepted. */
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, type OptionSpec } from "./args";
import type { Command } from "./command";
import { PROGRAM } from "./output";
import { NEW_PASSPHRASE_ENV, PASSPHRASE_ENV } from "./passphrase";

const WIDTH = 88;

function wrap(text: string, indent: string): string {
	const out: string[] = [];
	let line = "";
	for (const word of text.split(/\s+/)) {
		if (line !== "" && indent.length + line.length + 1 + word.length > WIDTH) {
			out.push(indent + line);
			line = word;
		} else line = line === "" ? word : `${line} ${word}`;
	}
	if (line !== "") out.push(indent + line);
	return out.join("\n");
}

function table(rows: [string, string][]): string {
	const width = Math.max(...rows.map(([left]) => left.length));
	return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}

/** Synopsis on one line, summary indented below: stays readable in an 80-column terminal. */
function list(commands: readonly Command[]): string {
	return commands.map((c) => `  ${PROGRAM} ${c.synopsis}\n${wrap(c.summary, "      ")}`).join("\n");
}

function optionLabel(o: OptionSpec): string {
	return o.value ? `--${o.name} ${o.value}` : `--${o.name}`;
}

const FOOTER = [
	"<record-path> is relative to the clinical root, e.g. C-0142/notes/2026-09-01.md.",
	`Passphrase: --passphrase-file FILE (first line), else $${PASSPHRASE_ENV}, else a prompt without echo when stdin is a terminal.`,
	"Exit codes: 0 ok, 2 usage, 3 wrong passphrase or recovery key, 4 integrity failure, 5 privacy-check found something, 1 anything else.",
	"Errors are one line on stderr; CLINICAL_VAULT_DEBUG=1 adds technical detail (never clinical content).",
];

export function topHelp(commands: readonly Command[], version: string): string {
	return [
		`${PROGRAM} ${version}: the encrypted clinical record of Clinical Vault, from the command line.`,
		"",
		"Usage:",
		`  ${PROGRAM} <command> <vault> [arguments] [options]`,
		"",
		"Commands:",
		list(commands),
		"",
		"Global options:",
		table([
			[optionLabel(ROOT_OPTION), ROOT_OPTION.description],
			[optionLabel(PASSPHRASE_FILE_OPTION), "Read the passphrase from the first line of FILE."],
			["--egress-log", "At the end, list every outbound connection tried (stderr)."],
			["-h, --help", `Show help; "${PROGRAM} <command> --help" for one command.`],
			["--version", "Show the version."],
		]),
		"",
		...FOOTER.map((f) => wrap(f, "")),
		"",
	].join("\n");
}

export function groupHelp(group: string, commands: readonly Command[]): string {
	const members = commands.filter((c) => c.name.startsWith(`${group} `));
	return [`Usage: ${PROGRAM} ${group} <subcommand> ...`, "", "Subcommands:", list(members), ""].join("\n");
}

export function commandHelp(command: Command): string {
	const lines = [`Usage: ${PROGRAM} ${command.synopsis}`, "", wrap(command.summary, ""), "", "Options:"];
	lines.push(table([...command.options.map((o): [string, string] => [optionLabel(o), o.description]), ["-h, --help", "Show this help."]]));
	for (const note of command.notes ?? []) lines.push("", wrap(note, ""));
	if (command.name === "passwd") lines.push("", wrap(`The new passphrase may also come from $${NEW_PASSPHRASE_ENV}.`, ""));
	lines.push("", ...FOOTER.slice(2).map((f) => wrap(f, "")), "");
	return lines.join("\n");
}
