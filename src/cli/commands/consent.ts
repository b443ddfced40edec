/**
 * `clinical-vault consent <vault> --client CODE [--recording yes|no] [--date YYYY-MM-DD]
 * [--scope TEXT] [--revoke [--yes]] [--json]`: the client's recording consent, kept in the
 * encrypted profile (src/core/record/consent.ts).
 *
 *   no flag        prints what is on file (and any audio or transcript a revoke left behind).
 *   --recording    records yes or no, dated --date (default today), covering --scope (default
 *                  the standard scope); audit "consent".
 *   --revoke       lists what will be crypto-erased (the client's audio and transcripts; notes,
 *                  summaries and drafts stay), asks y/N on a terminal or needs --yes, then marks
 *                  the consent revoked and erases. Without a terminal and without --yes nothing
 *                  changes (exit 2). Running it again finishes an interrupted revoke (files
 *                  whose key was already destroyed included) and says so.
 *
 * A revoke also erases the derived copies: pending proposals computed from an erased transcript or
 * recording (core), and the erased files' passages in the encrypted search index (brought in line,
 * vacuumed and saved at once), so no word of an erased transcript stays in any file of the vault.
 */
import { localDay } from "../../core/calendar";
import {
	checkConsentInput,
	consentDerived,
	consentErasure,
	consentStatus,
	parseRecordingConsent,
	readConsent,
	revokeConsent,
	setConsent,
	type ConsentErasure,
	type ConsentRecord,
} from "../../core/record/consent";
import type { ClinicalRecord } from "../../core/record/ClinicalRecord";
import { INDEX_FILE_NAME } from "../../core/search/persist";
import { PASSPHRASE_FILE_OPTION, ROOT_OPTION, requiredOption, stringOption, usageError } from "../args";
import { CANCELLED_EXIT, cancelled, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { confirm } from "../prompt";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";

function describe(client: string, consent: ConsentRecord | null, left: ConsentErasure, derived: readonly string[]): string {
	const lines: string[] = [];
	const status = consentStatus(consent);
	if (status === "none") lines.push(`${client}: no recording consent on file. Recording and transcription are refused.`);
	else {
		lines.push(`${client}: recording consent ${status === "revoked" ? `revoked on ${consent!.revokedAt!.slice(0, 10)}` : status}`);
		lines.push(`  date:        ${consent!.date}`);
		lines.push(`  scope:       ${consent!.scope}`);
		lines.push(`  recorded at: ${consent!.recordedAt}`);
		if (consent!.revokedAt) lines.push(`  revoked at:  ${consent!.revokedAt}`);
	}
	const count = left.audio.length + left.transcripts.length + derived.length;
	if (status === "revoked" && count > 0) {
		lines.push(
			`An earlier revoke was interrupted: ${left.audio.length} recording(s), ${left.transcripts.length} transcript(s) and ${derived.length} proposal(s) computed from them are still there (some may no longer decrypt). Run "consent --client ${client} --revoke --yes" again to finish erasing them.`,
		);
	}
	return `${lines.join("\n")}\n`;
}

function asJson(client: string, consent: ConsentRecord | null, extra: Record<string, unknown> = {}): string {
	return `${JSON.stringify({ client, status: consentStatus(consent), consent, ...extra }, null, 2)}\n`;
}

/**
 * After a revoke, rm or mv: the encrypted search index (when there is one) drops the files that
 * are gone and takes the ones that came (open syncs it with the record), its removed words are
 * vacuumed, and it is saved at once, so no passage of an erased file stays searchable.
 */
export async function syncSearchIndex(record: ClinicalRecord): Promise<void> {
	if (!(await record.store.exists(record.systemFilePath(INDEX_FILE_NAME)))) return;
	const { SearchService } = await import("../../core/search/SearchService");
	const search = new SearchService({ record });
	try {
		await search.open();
		await search.save();
	} finally {
		search.dispose();
	}
}

export const consentCommand: Command = {
	name: "consent",
	synopsis: "consent <vault> --client CODE [--recording yes|no] [--date YYYY-MM-DD] [--scope TEXT] [--revoke [--yes]] [--json]",
	summary: "Show, record or revoke a client's recording consent (a revoke crypto-erases their audio and transcripts).",
	args: ["<vault>"],
	options: [
		{ name: "client", value: "CODE", description: "The client." },
		{ name: "recording", value: "yes|no", description: "Record whether the client consents to recording." },
		{ name: "date", value: "YYYY-MM-DD", description: "The day the client consented or declined (default: today)." },
		{
			name: "scope",
			value: "TEXT",
			description: "What the consent covers, one line (default: audio recording of sessions for local transcription, erased after signing).",
		},
		{ name: "revoke", description: "Revoke the consent and crypto-erase the client's recordings and transcripts (asks first)." },
		{ name: "yes", description: "With --revoke: do it without asking (read the list on stderr first)." },
		{ name: "json", description: "Print JSON." },
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		"Recording (in Obsidian) and transcription (both shells) are refused unless the consent on file is yes and not revoked.",
		"A revoke keeps session notes, summaries and drafts: they are the clinical record. Without a terminal, nothing changes unless --yes is given (exit 2). Copies in earlier backups of the vault are not reached.",
	],
	async run({ io, args, options }) {
		const client = validClientCode(requiredOption(options, "client", "consent needs --client CODE."));
		const rawRecording = stringOption(options, "recording");
		const revoke = options.revoke === true;
		const json = options.json === true;
		const date = stringOption(options, "date");
		const scope = stringOption(options, "scope");
		if (revoke && rawRecording !== undefined) throw usageError("Give either --recording or --revoke, not both.");
		if (!revoke && options.yes === true) throw usageError("--yes goes with --revoke.");
		if (rawRecording === undefined && (date !== undefined || scope !== undefined)) throw usageError("--date and --scope go with --recording yes|no.");
		const recording = rawRecording === undefined ? undefined : asUsage(() => parseRecordingConsent(rawRecording));
		// Input is checked before the passphrase is asked for: a mistake is a usage error (exit 2) that changes nothing.
		const input =
			recording === undefined
				? undefined
				: asUsage(() =>
						checkConsentInput({ recording, date: date ?? localDay(new Date()), ...(scope !== undefined ? { scope } : {}) }, localDay(new Date())),
					);
		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		await requireClient(open, client);
		const { record } = open;
		if (revoke && options.yes !== true && io.stdin.isTTY !== true) {
			const left = await consentErasure(record, client);
			notice(io, `A revoke would crypto-erase ${left.audio.length} recording(s) and ${left.transcripts.length} transcript(s) of ${client}.`);
			throw usageError(
				`Nothing was changed: there is no terminal to confirm at. Run again with --revoke --yes to revoke ${client}'s consent and erase them.`,
			);
		}
		const passphrase = await currentPassphrase({ io, args, options });
		if (typeof passphrase !== "string") return cancelled();

		if (input !== undefined) {
			const consent = await withUnlocked(open, passphrase, () => setConsent(record, client, input));
			return { stdout: json ? asJson(client, consent) : `Recorded ${client}'s recording consent: ${consent.recording}, dated ${consent.date}.\n` };
		}
		if (!revoke) {
			const shown = await withUnlocked(open, passphrase, async () => {
				const consent = await readConsent(record, client);
				// Derived copies matter only once consent is revoked (they are what a revoke leaves to finish).
				return {
					consent,
					left: await consentErasure(record, client),
					derived: consentStatus(consent) === "revoked" ? await consentDerived(record, client) : [],
				};
			});
			const remaining = shown.derived.length > 0 ? { ...shown.left, derived: shown.derived } : shown.left;
			return { stdout: json ? asJson(client, shown.consent, { remaining }) : describe(client, shown.consent, shown.left, shown.derived) };
		}

		const outcome = await withCancelSignal((signal) =>
			withUnlocked(open, passphrase, async () => {
				const left = await consentErasure(record, client);
				const derived = await consentDerived(record, client);
				const list = [...left.audio, ...left.transcripts, ...derived];
				const what = `${left.audio.length} recording(s) and ${left.transcripts.length} transcript(s)${derived.length > 0 ? `, with ${derived.length} proposal(s) computed from them` : ""}`;
				if (consentStatus(await readConsent(record, client)) === "revoked")
					notice(
						io,
						`${client}'s recording consent is already revoked: finishing the earlier revoke, which crypto-erases ${what}; session notes, summaries and drafts are kept:`,
					);
				else notice(io, `Revoking ${client}'s recording consent crypto-erases ${what}; session notes, summaries and drafts are kept:`);
				for (const path of list) notice(io, `  ${path}`);
				if (options.yes !== true && !(await confirm(io, `Revoke ${client}'s recording consent and erase these files? [y/N] `))) {
					notice(io, "Nothing was changed.");
					return null;
				}
				const result = await revokeConsent(record, client, { signal });
				await syncSearchIndex(record);
				return result;
			}),
		);
		if (!outcome) return { code: CANCELLED_EXIT };
		if (json) return { stdout: asJson(client, outcome.consent, { erased: outcome.erased, derived: outcome.derived, resumed: outcome.resumed }) };
		const all = [...outcome.erased, ...outcome.derived];
		const listed = all.map((p) => `  ${p}\n`).join("");
		if (!outcome.resumed) return { stdout: `Revoked ${client}'s recording consent. Crypto-erased ${all.length} file(s):\n${listed}` };
		if (all.length === 0) return { stdout: `${client}'s recording consent was already revoked, and nothing was left to erase.\n` };
		return {
			stdout: `${client}'s recording consent was already revoked: finished the earlier, interrupted revoke. Crypto-erased ${all.length} file(s):\n${listed}`,
		};
	},
};

/** For `client add --recording-consent`: the same checks and wording as `consent --recording`. */
export function consentFromFlags(options: Record<string, string | true | undefined>): { recording: "yes" | "no"; scope?: string } | undefined {
	const raw = stringOption(options, "recording-consent");
	const scope = stringOption(options, "consent-scope");
	if (raw === undefined) {
		if (scope !== undefined) throw usageError("--consent-scope goes with --recording-consent yes|no.");
		return undefined;
	}
	return { recording: asUsage(() => parseRecordingConsent(raw)), ...(scope !== undefined ? { scope } : {}) };
}
