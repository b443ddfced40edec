/**
 * `clinical-vault export <vault> <record-path> --out FILE [--pdf] [--paper a4|letter] [--draft]
 * [--include-psychotherapy] [--force]`: a signed note or document as plain text or PDF outside the
 * vault. Also the output-file helpers the de-identified export shares.
 */
import { writeOutputFile } from "../../engines/outputFile";
import { stat } from "node:fs/promises";
import * as nodePath from "node:path";
import { ClinicalVaultError } from "../../core/errors";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, requiredOption, stringOption, usageError, type OptionSpec, type OptionValues } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { openVault, requireInitialized, requireRecordFile, type OpenVault, validRecordPath, withUnlocked } from "../vault";

export const OUT_OPTION: OptionSpec = { name: "out", value: "FILE", description: "Where to write the export (outside the vault). Written with mode 0600." };
export const FORCE_OPTION: OptionSpec = { name: "force", description: "Replace FILE if it already exists." };
export const INCLUDE_PSYCHOTHERAPY_OPTION: OptionSpec = {
	name: "include-psychotherapy",
	description: "Allow a psychotherapy (process) note for this one export; they are refused otherwise.",
};

/**
 * The output path, checked before the record is unlocked: it must not be inside the vault (an
 * unencrypted copy there would be indexed and synced with the vault), and an existing file is only
 * replaced with --force.
 */
export async function checkOutPath(open: OpenVault, vaultArg: string, options: OptionValues): Promise<string> {
	const out = nodePath.resolve(requiredOption(options, OUT_OPTION.name, "--out FILE is needed: where to write the export (outside the vault)."));
	const vault = nodePath.resolve(vaultArg);
	const inside = nodePath.relative(vault, out);
	if (inside === "" || (!inside.startsWith("..") && !nodePath.isAbsolute(inside))) {
		throw usageError(
			`--out ${out} is inside the vault ${open.vault}: an unencrypted export there would be indexed and synced with it. Write it outside the vault.`,
		);
	}
	let exists = false;
	try {
		const s = await stat(out);
		if (s.isDirectory()) throw usageError(`--out ${out} is a folder; give a file name.`);
		exists = true;
	} catch (error) {
		if (error instanceof ClinicalVaultError) throw error;
	}
	if (exists && options[FORCE_OPTION.name] !== true) {
		throw new ClinicalVaultError("already-exists", `${out} already exists; nothing was written. Choose another file, or pass --force to replace it.`);
	}
	return out;
}

export const exportCommand: Command = {
	name: "export",
	synopsis: "export <vault> <record-path> --out FILE [--pdf] [--paper a4|letter] [--draft] [--include-psychotherapy] [--force]",
	summary: "Export a signed note or document as plain text or PDF (not encrypted), audit-logged.",
	args: ["<vault>", "<record-path>"],
	options: [
		OUT_OPTION,
		{ name: "pdf", description: "Write a PDF (default: plain text)." },
		{ name: "paper", value: "a4|letter", description: "PDF page size (default a4)." },
		{ name: "draft", description: "Export an unsigned note, marked DRAFT on every page (refused otherwise)." },
		INCLUDE_PSYCHOTHERAPY_OPTION,
		FORCE_OPTION,
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Only signed notes and documents are exported; a signed note whose text no longer matches its signature is refused. The header gives client code, date, signer, signing time and content hash; every PDF page says it is confidential and not encrypted.",
		"The exported file is not encrypted. The export is written to the audit log (path and format, never content).",
	],
	async run({ io, args, options }) {
		const recordPath = validRecordPath(args["record-path"]!);
		const paper = stringOption(options, "paper") ?? "a4";
		if (paper !== "a4" && paper !== "letter") throw usageError(`--paper must be a4 or letter, not "${paper}".`);
		if (options.paper !== undefined && options.pdf !== true) throw usageError("--paper only applies with --pdf.");
		const format = options.pdf === true ? "pdf" : "text";
		const vault = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		const out = await checkOutPath(vault, args.vault!, options);
		await requireInitialized(vault);
		await requireRecordFile(vault, recordPath);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const result = await withUnlocked(vault, passphrase, async () => {
			const [{ exportDocument }, { systemFontSource }] = await Promise.all([import("../../core/export/exportDocument"), import("../../engines/fonts")]);
			const exported = await exportDocument(vault.record, recordPath, {
				format,
				paper,
				// Characters the PDF's standard font lacks are drawn with this computer's fonts (read only then).
				fonts: systemFontSource(),
				includePsychotherapy: options[INCLUDE_PSYCHOTHERAPY_OPTION.name] === true,
				allowDraft: options.draft === true,
			});
			try {
				await writeOutputFile(out, exported.bytes, options[FORCE_OPTION.name] === true);
			} catch (error) {
				await vault.record.audit
					.append("export", { path: recordPath, note: "writing the exported file failed; nothing was written" })
					.catch(() => undefined);
				throw error;
			} finally {
				exported.bytes.fill(0);
			}
			return exported;
		});
		for (const w of result.warnings) notice(io, `Warning: ${w}`);
		return {
			stdout: `Exported ${recordPath} to ${out} (${format === "pdf" ? "PDF" : "plain text"}${result.draft ? ", marked DRAFT" : ""}). The file is not encrypted.\n`,
		};
	},
};
