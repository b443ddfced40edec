/**
 * Command specs and the argument parser. Small on purpose: long options only (plus -h), values as
 * `--name value` or `--name=value`, `--` ends options, `-` is a positional (stdin). Every mistake
 * is a "usage" error (exit 2) with one line naming what is wrong.
 */
import { ClinicalVaultError } from "../core/errors";

export interface OptionSpec {
	/** Long name without the dashes. */
	name: string;
	/** Placeholder for the value (e.g. "FILE"); absent for a flag. */
	value?: string;
	description: string;
}

export type OptionValues = Record<string, string | true | undefined>;

export interface ParsedArgs {
	positionals: string[];
	options: OptionValues;
	help: boolean;
}

export function usageError(message: string): ClinicalVaultError {
	return new ClinicalVaultError("usage", message);
}

export const ROOT_OPTION: OptionSpec = {
	name: "root",
	value: "FOLDER",
	description: "Clinical root inside the vault (default: the plugin's setting, else Clinical).",
};

export const PASSPHRASE_FILE_OPTION: OptionSpec = {
	name: "passphrase-file",
	value: "FILE",
	description: "Read the passphrase from the first line of FILE (else $CLINICAL_VAULT_PASSPHRASE, else a prompt).",
};

/** Applying a proposal (parts map, treatment plan). */
export const ACCEPT_OPTION: OptionSpec = {
	name: "accept",
	value: "all|none|ids",
	description: "Apply the proposal's changes: all (conflicts excluded), none, or ids separated by commas.",
};

/** Parses the arguments after the command words against the command's options. */
export function parseArgs(argv: readonly string[], options: readonly OptionSpec[], where: string): ParsedArgs {
	// Help wins over every other mistake on the line.
	const end = argv.indexOf("--");
	if ((end === -1 ? argv : argv.slice(0, end)).some((t) => t === "-h" || t === "--help")) return { positionals: [], options: {}, help: true };
	const byName = new Map(options.map((o) => [o.name, o]));
	const positionals: string[] = [];
	const values: OptionValues = {};
	for (let i = 0; i < argv.length; i++) {
		const token = argv[i]!;
		if (token === "--") {
			positionals.push(...argv.slice(i + 1));
			break;
		}
		if (!token.startsWith("-") || token === "-") {
			positionals.push(token);
			continue;
		}
		if (!token.startsWith("--")) throw usageError(`Unknown option ${token} for "${where}". Run "clinical-vault ${where} --help" for usage.`);
		const eq = token.indexOf("=");
		const name = token.slice(2, eq === -1 ? undefined : eq);
		const spec = byName.get(name);
		if (!spec) throw usageError(`Unknown option --${name} for "${where}". Run "clinical-vault ${where} --help" for usage.`);
		if (values[name] !== undefined) throw usageError(`--${name} is given twice.`);
		if (!spec.value) {
			if (eq !== -1) throw usageError(`--${name} takes no value.`);
			values[name] = true;
			continue;
		}
		let value: string | undefined;
		if (eq !== -1) value = token.slice(eq + 1);
		else {
			const next = argv[i + 1];
			if (next !== undefined && !(next.startsWith("--") && next.length > 2)) {
				value = next;
				i++;
			}
		}
		if (value === undefined || value === "") throw usageError(`--${name} needs a value (${spec.value}).`);
		values[name] = value;
	}
	return { positionals, options: values, help: false };
}

/**
 * Checks the positional count against the spec's `<name>` list and returns them by name. A last
 * name written `<name...>` takes one or more values, joined with NUL (which no path can hold).
 */
export function takePositionals(positionals: readonly string[], names: readonly string[], where: string): Record<string, string> {
	const variadic = names.length > 0 && names.at(-1)!.endsWith("...>");
	if (positionals.length < names.length) {
		throw usageError(`Missing ${names.slice(positionals.length).join(" ")} for "${where}". Run "clinical-vault ${where} --help" for usage.`);
	}
	if (!variadic && positionals.length > names.length) throw usageError(`Unexpected argument "${positionals[names.length]!}" for "${where}".`);
	const out: Record<string, string> = {};
	names.forEach((n, i) => {
		const name = n.replace(/[<>]|\.\.\./g, "");
		out[name] = variadic && i === names.length - 1 ? positionals.slice(i).join("\u0000") : positionals[i]!;
	});
	return out;
}

/** A string option's value, or undefined when absent. */
export function stringOption(options: OptionValues, name: string): string | undefined {
	const value = options[name];
	return typeof value === "string" ? value : undefined;
}

/** A whole number, or a usage error naming the option; undefined when absent. */
export function integerOption(options: OptionValues, name: string): number | undefined {
	const raw = stringOption(options, name);
	if (raw === undefined) return undefined;
	if (!/^\d+$/.test(raw)) throw usageError(`--${name} must be a whole number, not "${raw}".`);
	return Number(raw);
}

/** A string option the command cannot do without; its absence is a usage error saying so. */
export function requiredOption(options: OptionValues, name: string, message: string): string {
	const value = stringOption(options, name);
	if (value === undefined) throw usageError(message);
	return value;
}
