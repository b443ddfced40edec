/**
 * `clinical-vault import <vault> <folder|file>… [--client CODE] [--map FOLDER=CODE,…] [--dry-run]
 * [--yes] [--remove-originals]`: brings existing notes, transcripts (txt, md, vtt, srt) and
 * recordings into the record (src/core/import). The plan is printed first (what goes where, what is
 * skipped and why); nothing is written before the clinician says yes (or --yes). Each file is
 * encrypted and read back; the originals are removed only with --remove-originals, after a second
 * yes, only those read back from the record, and never to the system trash (a deleted plaintext
 * note must not wait in a trash folder). Run it again to resume an interrupted import.
 */
import { readdir, readFile, stat, unlink } from "node:fs/promises";
import * as nodePath from "node:path";
import { ClinicalVaultError } from "../../core/errors";
import { planImport, type ImportPlan, type ImportSource } from "../../core/import/importPlan";
import { readBackSources, runImport } from "../../core/import/runImport";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { notice, type CliIo } from "../output";
import { canPrompt, confirm } from "../prompt";
import { openVault, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";

/** Source files with their absolute path: a folder's files below its own name ("C-0142/…"), a file below its folder's name. */
async function collect(paths: string[]): Promise<{ sources: ImportSource[]; absolute: Map<string, string> }> {
	const absolute = new Map<string, string>();
	const add = (relative: string, full: string) => {
		let key = relative;
		for (let n = 2; absolute.has(key); n++) key = `${relative} (${n})`;
		absolute.set(key, full);
	};
	const walk = async (dir: string, prefix: string): Promise<void> => {
		for (const entry of await readdir(dir, { withFileTypes: true })) {
			const full = nodePath.join(dir, entry.name);
			if (entry.isDirectory()) await walk(full, `${prefix}${entry.name}/`);
			else if (entry.isFile()) add(`${prefix}${entry.name}`, full);
		}
	};
	for (const given of paths) {
		const full = nodePath.resolve(given);
		const info = await stat(full).catch(() => null);
		if (!info) throw new ClinicalVaultError("not-found", `${given} does not exist. Nothing was imported.`);
		if (info.isDirectory()) await walk(full, `${nodePath.basename(full)}/`);
		else add(`${nodePath.basename(nodePath.dirname(full))}/${nodePath.basename(full)}`, full);
	}
	const sources = [...absolute].map(([path, full]): ImportSource => ({
		path,
		read: () => readFile(full).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
	}));
	return { sources, absolute };
}

function mappingOption(raw: string | undefined): Record<string, string> | undefined {
	if (raw === undefined) return undefined;
	const out: Record<string, string> = {};
	for (const pair of raw.split(",")) {
		const eq = pair.lastIndexOf("=");
		if (eq <= 0) throw usageError(`--map takes FOLDER=CODE pairs separated by commas, not "${pair}".`);
		out[pair.slice(0, eq).trim()] = validClientCode(pair.slice(eq + 1).trim());
	}
	return out;
}

/** The plan as the clinician reads it before saying yes. */
export function describePlan(plan: ImportPlan): string {
	const lines: string[] = [];
	if (plan.items.length > 0) {
		lines.push(`To import (${plan.items.length}):`);
		for (const i of plan.items) {
			lines.push(`  ${i.source} -> ${i.target}  (${i.kind}${i.form ? `, ${i.form}` : ""}; client by ${i.clientFrom}; date from ${i.dateFrom})`);
			for (const n of i.notes) lines.push(`      note: ${n}`);
		}
	}
	if (plan.already.length > 0) {
		lines.push(`Already imported (${plan.already.length}):`);
		for (const a of plan.already) lines.push(`  ${a.source} = ${a.target}`);
	}
	if (plan.skipped.length > 0) {
		lines.push(`Skipped (${plan.skipped.length}), the files untouched:`);
		for (const s of plan.skipped) lines.push(`  ${s.source}: ${s.reason}`);
	}
	const counts = (kind: string) => plan.items.filter((i) => i.kind === kind).length;
	lines.push(
		`Plan: ${counts("note")} notes, ${counts("transcript")} transcripts, ${counts("audio")} recordings to import; ${plan.already.length} already imported; ${plan.skipped.length} skipped.`,
	);
	return `${lines.join("\n")}\n`;
}

async function ask(io: CliIo, yes: boolean, question: string, what: string): Promise<boolean> {
	if (yes) return true;
	if (!canPrompt(io.stdin)) throw usageError(`There is no terminal to confirm at; ${what}. Read the plan with --dry-run, then run again with --yes.`);
	return confirm(io, question);
}

export const importCommand: Command = {
	name: "import",
	synopsis: "import <vault> <folder|file>... [--client CODE] [--map FOLDER=CODE,...] [--dry-run] [--yes] [--remove-originals]",
	summary: "Bring existing notes, transcripts (txt, md, vtt, srt) and recordings into the record, encrypted.",
	args: ["<vault>", "<sources...>"],
	options: [
		{ name: "client", value: "CODE", description: "Every file is this client's." },
		{ name: "map", value: "FOLDER=CODE,...", description: "Folders (at any level) whose files are a client's." },
		{ name: "dry-run", description: "Print the plan and change nothing." },
		{ name: "yes", description: "Import (and, with --remove-originals, remove) without asking." },
		{ name: "remove-originals", description: "After the import, remove the plaintext originals that were read back from the record (never to the trash)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Clients: --client, else the file's client: field, else a folder named by a client's code or name, else --map. Dates: the note's date fields, its file name, or a 'Date:' line at its top; a file without a date is skipped and says so.",
		"Transcripts are kept in Clinical Vault's form (speaker and time on every line); notes as written, with session_date added when it came from elsewhere. Nothing is replaced: a second file for a session gets -2.",
		"Text must be UTF-8 or UTF-16; .docx, .pdf and other files are skipped with the reason. Run the same import again to resume one that stopped: what landed is listed as already imported.",
	],
	async run({ io, args, options }) {
		const rawClient = stringOption(options, "client");
		const client = rawClient === undefined ? undefined : validClientCode(rawClient);
		const folders = mappingOption(stringOption(options, "map"));
		const dryRun = options["dry-run"] === true;
		const yes = options.yes === true;
		const removeOriginals = options["remove-originals"] === true;
		if (dryRun && removeOriginals) throw usageError("--dry-run changes nothing, so --remove-originals cannot go with it.");
		const { sources, absolute } = await collect(args.sources!.split("\u0000"));
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const inside = nodePath.resolve(open.vault, open.record.layout.root);
		if ([...absolute.values()].some((p) => p === inside || p.startsWith(inside + nodePath.sep))) {
			throw usageError(`Some of these files are inside the clinical record (${open.record.layout.root}/); import files from outside it.`);
		}
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const outcome = await withCancelSignal((signal) =>
			withUnlocked(open, passphrase, async () => {
				const plan = await planImport(open.record, sources, { ...(client ? { client } : {}), ...(folders ? { folders } : {}) });
				io.stderr.write(describePlan(plan));
				if (dryRun) return { code: 0, text: "Dry run: nothing was changed.\n" };
				if (plan.items.length === 0 && !removeOriginals) return { code: plan.skipped.length > 0 ? 1 : 0, text: "Nothing to import.\n" };
				if (plan.items.length > 0 && !(await ask(io, yes, `Import ${plan.items.length} files into the record? [y/N] `, "nothing was imported"))) {
					return { code: 1, text: "Nothing was imported.\n" };
				}
				const result = await runImport(open.record, plan, sources, {
					signal,
					onProgress: (done, total) => {
						if (total > 20 && done % 20 === 0 && done > 0) notice(io, `Imported ${done} of ${total}…`);
					},
				});
				for (const f of result.failed) notice(io, `Not imported: ${f.source}: ${f.reason}`);
				const lines = [
					`Imported ${result.imported.length} files; ${plan.already.length} were already in the record; ${plan.skipped.length} skipped; ${result.failed.length} failed.`,
				];
				if (removeOriginals) {
					const safe = await readBackSources(open.record, plan, result);
					if (
						safe.length > 0 &&
						(await ask(
							io,
							yes,
							`Remove the ${safe.length} plaintext originals now (permanently, not to the trash)? They are in the record and were read back. [y/N] `,
							"no original was removed",
						))
					) {
						let removed = 0;
						for (const source of safe) {
							await unlink(absolute.get(source)!).then(
								() => removed++,
								(error: unknown) =>
									notice(io, `Could not remove ${source}: ${(error as { code?: string }).code ?? "error"}; remove it yourself.`),
							);
						}
						lines.push(`Removed ${removed} originals.`);
					} else lines.push("The originals were kept.");
				}
				return { code: result.failed.length > 0 ? 1 : 0, text: `${lines.join("\n")}\n` };
			}),
		);
		return { stdout: outcome.text, code: outcome.code };
	},
};
