/**
 * `clinical-vault deidentify <vault> <record-path> --out FILE [--yes] [--force]
 * [--include-psychotherapy]`: a de-identified plain-text copy of a note for supervision or
 * consultation. The report of every replacement goes to stderr first; the file is written only
 * after the clinician confirms at the terminal, or with --yes. Without a terminal and without
 * --yes nothing is written (exit 2): read the report, then run again with --yes.
 */
import { confirm } from "../prompt";
import { UNENCRYPTED_WARNING } from "../../core/export/warning";
import { utf8 } from "../../core/bytes";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, stringOption, usageError } from "../args";
import { CANCELLED_EXIT, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { openVault, requireInitialized, requireRecordFile, validRecordPath, withUnlocked } from "../vault";
import { writeOutputFile } from "../../engines/outputFile";
import { checkOutPath, FORCE_OPTION, INCLUDE_PSYCHOTHERAPY_OPTION, OUT_OPTION } from "./export";

export const deidentifyCommand: Command = {
	name: "deidentify",
	synopsis: "deidentify <vault> <record-path> --out FILE [--yes] [--force] [--include-psychotherapy]",
	summary: "Write a de-identified plain-text copy of a note for supervision, after showing every replacement.",
	args: ["<vault>", "<record-path>"],
	options: [
		OUT_OPTION,
		{ name: "yes", description: "Write the file without asking (read the report on stderr first)." },
		FORCE_OPTION,
		INCLUDE_PSYCHOTHERAPY_OPTION,
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"The client's name becomes the client code; other people become [person 1], [person 2] …; places, employers, schools, phones, e-mails, URLs, ID numbers and full dates become [place], [employer], [school], [phone], [email], [url], [id] and [date]. Month-and-year and years are kept. Every value in the client profile's details is always replaced; the names of the client's parts (parts map) are kept.",
		"The report on stderr lists every replacement with its count and the known limits. Without a terminal, nothing is written unless --yes is given (exit 2).",
	],
	async run({ io, args, options }) {
		const recordPath = validRecordPath(args["record-path"]!);
		const vault = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		const out = await checkOutPath(vault, args.vault!, options);
		await requireInitialized(vault);
		await requireRecordFile(vault, recordPath);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return { code: CANCELLED_EXIT };
		const written = await withUnlocked(vault, passphrase, async () => {
			// Loaded when used: the name and place lexicon is large (every other command starts faster without it).
			const [{ prepareDeidentified, recordDeidentifiedExport }, { formatReport }] = await Promise.all([
				import("../../core/export/deidentified"),
				import("../../core/deidentify/deidentify"),
			]);
			const prepared = await prepareDeidentified(vault.record, recordPath, { includePsychotherapy: options[INCLUDE_PSYCHOTHERAPY_OPTION.name] === true });
			notice(io, formatReport(prepared.result).trimEnd());
			notice(io, `Warning: ${UNENCRYPTED_WARNING}`);
			if (options.yes !== true) {
				if (io.stdin.isTTY !== true) {
					throw usageError(
						`Nothing was written: there is no terminal to confirm at. Check the report above, then run again with --yes to write ${out}.`,
					);
				}
				if (!(await confirm(io, `Write the de-identified file to ${out}? [y/N] `))) {
					notice(io, "Nothing was written.");
					return false;
				}
			}
			await recordDeidentifiedExport(vault.record, recordPath, prepared);
			const bytes = utf8(prepared.text);
			try {
				await writeOutputFile(out, bytes, options[FORCE_OPTION.name] === true);
			} catch (error) {
				await vault.record.audit
					.append("export", { path: recordPath, note: "writing the de-identified file failed; nothing was written" })
					.catch(() => undefined);
				throw error;
			} finally {
				bytes.fill(0);
			}
			return true;
		});
		if (!written) return { code: CANCELLED_EXIT };
		return { stdout: `Wrote a de-identified copy of ${recordPath} to ${out}. Check it before sharing; the file is not encrypted.\n` };
	},
};
