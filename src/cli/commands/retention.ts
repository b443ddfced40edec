/**
 * `clinical-vault retention <vault> [--dry-run] [--hours N]`: deletes raw session recordings N hours
 * (the plugin's setting, default 24) after their session's note was signed. Deletion destroys the
 * file's key first (crypto-erase) and is audit-logged, with any derived copy (a pending proposal
 * computed from a deleted recording; recordings are not in the search index). --dry-run only
 * lists what would go.
 */
import { erasePendingFrom } from "../../core/proposals/proposals";
import { applyRetention, planRetention } from "../../core/transcribe/retention";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, integerOption, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { openVault, requireInitialized, withUnlocked } from "../vault";

export const retentionCommand: Command = {
	name: "retention",
	synopsis: "retention <vault> [--dry-run] [--hours N]",
	summary: "Delete raw recordings N hours after their session's note was signed (crypto-erase, audit-logged).",
	args: ["<vault>"],
	options: [
		{ name: "dry-run", description: "List what would be deleted and change nothing." },
		{ name: "hours", value: "N", description: "Hours after signing (default: the plugin's setting, 24 unless changed; negative keeps recordings)." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	async run({ io, args, options }) {
		const dryRun = options["dry-run"] === true;
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		const hours = integerOption(options, "hours") ?? open.settings.audioRetentionHours;
		await requireInitialized(open);
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();
		const lines = await withUnlocked(open, passphrase, async () => {
			if (hours < 0) return ["Retention is off (negative hours): every recording is kept."];
			const plan = await planRetention(open.record, hours, new Date());
			const out: string[] = [];
			for (const item of plan.due) out.push(`${dryRun ? "would delete" : "deleted"}  ${item.audioPath}  (note ${item.notePath} signed ${item.signedAt})`);
			if (!dryRun) {
				const deleted = await applyRetention(open.record, plan);
				// Derived copies go with the recordings: any pending proposal computed from one.
				for (const client of new Set(deleted.map((p) => p.split("/")[0]!))) {
					const mine = new Set(deleted.filter((p) => p.startsWith(`${client}/`)));
					for (const path of await erasePendingFrom(
						open.record,
						client,
						(source) => mine.has(source),
						"retention: derived from an erased recording",
						[...mine],
					))
						out.push(`deleted  ${path}  (a proposal computed from an erased recording)`);
				}
			}
			for (const item of plan.waiting) out.push(`kept until ${item.dueAt}  ${item.audioPath}`);
			for (const path of plan.unsigned) out.push(`kept (no signed note)  ${path}`);
			if (out.length === 0) out.push("No recordings in the record.");
			return out;
		});
		return { stdout: lines.map((l) => `${l}\n`).join("") };
	},
};
