/**
 * `clinical-vault parts <vault> --client CODE [--from-session record-path] [--accept all|none|ids]
 *  [--json] [--model NAME] [--llm KIND=URL]`: the client's longitudinal IFS parts map.
 *
 *   no flag                 prints the parts-map page (markdown), or with --json its data.
 *   --from-session PATH     asks the model once what the session note says about parts, saves the
 *                           proposed changes (encrypted) and prints them as JSON {source, changes:
 *                           [{id, kind, summary, evidence, conflict}], dropped, redacted} (dropped:
 *                           strings the checks left out, by part and field); nothing is written to
 *                           the map. Asked again while the map is unchanged, the saved proposal is
 *                           printed again (same ids, no model call).
 *   --accept all|none|ids   applies the accepted changes (with --from-session: of that proposal;
 *                           alone: of the one pending proposal). "all" leaves out conflict changes
 *                           (edits of fields the clinician changed, "same part?" questions).
 */
import { proposalArgs } from "../proposalArgs";
import { cliLlm, LLM_OPTIONS } from "../engines";
import { ClinicalVaultError } from "../../core/errors";
import { systemClock } from "../../core/clock";
import type { ApplyResult, PartsProposal } from "../../core/parts/PartsMapService";
import { ACCEPT_OPTION, PASSPHRASE_FILE_OPTION, requiredOption, ROOT_OPTION, stringOption } from "../args";
import { cancelled, currentPassphrase, type Command } from "../command";
import { notice } from "../output";
import { asUsage, openVault, requireClient, requireInitialized, validClientCode, withCancelSignal, withUnlocked } from "../vault";

function proposalJson(set: PartsProposal, extra: Record<string, unknown>, result?: ApplyResult): string {
	return `${JSON.stringify(
		{
			kind: set.kind,
			source: set.source,
			sessionDate: set.sessionDate,
			...extra,
			changes: set.changes.map((c) => ({
				id: c.id,
				kind: c.kind,
				summary: c.summary,
				evidence: c.evidence ?? null,
				conflict: c.conflict === true,
				...(c.needs ? { needs: c.needs } : {}),
				...(c.excludes ? { excludes: c.excludes } : {}),
			})),
			dropped: set.dropped ?? [],
			redacted: set.redacted ?? [],
			...(result ? { path: result.path, applied: result.applied.map((c) => c.id), declined: result.declined, written: result.written } : {}),
		},
		null,
		2,
	)}\n`;
}

export const partsCommand: Command = {
	name: "parts",
	synopsis:
		"parts <vault> --client CODE [--from-session record-path] [--accept all|none|ids] [--json] [--model NAME] [--llm KIND=URL | --ollama URL] [--context TOKENS]",
	summary: "Show the client's IFS parts map, or propose and accept updates to it from a session note.",
	args: ["<vault>"],
	options: [
		{ name: "client", value: "CODE", description: "The client whose parts map it is." },
		{ name: "from-session", value: "record-path", description: "Propose updates from this session note (the model is asked once)." },
		ACCEPT_OPTION,
		{ name: "json", description: "Print the map's data instead of the page." },
		...LLM_OPTIONS,
		ROOT_OPTION,
		PASSPHRASE_FILE_OPTION,
	],
	notes: [
		'Nothing is written to the map until changes are accepted. A part under a slightly different name is asked about ("same part?", a conflict change accepted only by id), never merged.',
		'Text between <!-- cv:generated … --> markers is regenerated; write your own notes outside them. The ```yaml block is the map\'s data and may be edited by hand; fields you edit are not overwritten by "all".',
	],
	async run(context) {
		const { io, args, options } = context;
		const client = validClientCode(requiredOption(options, "client", "parts needs --client CODE."));
		const { source: sessionPath, accept, json } = proposalArgs(options, client, stringOption(options, "from-session"), "map");

		const open = await openVault(io, args.vault!, stringOption(options, ROOT_OPTION.name));
		await requireInitialized(open);
		const { llm, model } = asUsage(() => cliLlm(options, io.env, open.settings));
		const passphrase = await currentPassphrase(context);
		if (typeof passphrase !== "string") return cancelled();
		const { PartsMapService } = await import("../../core/parts/PartsMapService");
		const service = new PartsMapService({ record: open.record, clock: systemClock });

		return withCancelSignal((signal) =>
			withUnlocked(open, passphrase, async () => {
				await requireClient(open, client);
				if (sessionPath !== undefined) {
					let set = await service.reusable(client, sessionPath);
					const reused = set !== null;
					if (set) notice(io, "Using the saved proposal for this session (the map has not changed since): no model call.");
					else {
						let shown = 0;
						set = await service.propose({
							client,
							session: sessionPath,
							model,
							llm,
							signal,
							onProgress: (characters) => {
								if (characters - shown >= 400) {
									shown = characters;
									notice(io, `asking the model: ${characters} characters`);
								}
							},
						});
					}
					if ((set.dropped ?? []).length > 0)
						notice(
							io,
							`${set.dropped!.length} string(s) of the model's answer were left out (see "dropped"): risk and diagnosis are yours to write.`,
						);
					if ((set.redacted ?? []).length > 0)
						notice(io, `The client's name was replaced by "the client" in ${set.redacted!.length} string(s) (see "redacted").`);
					if (set.changes.length === 0) notice(io, "No changes to propose: the map already has what this session says.");
					if (accept === undefined) {
						if (set.changes.length > 0) notice(io, "Nothing was written to the parts map. Accept with: --accept all (or ids)");
						return { stdout: proposalJson(set, { reused }) };
					}
					const result = await service.apply(set, accept);
					return { stdout: proposalJson(set, { reused }, result) };
				}
				if (accept !== undefined) {
					const sets = await service.pendingAll(client);
					if (sets.length === 0)
						throw new ClinicalVaultError("not-found", `${client} has no pending parts-map proposal. Make one with --from-session.`);
					if (sets.length > 1) {
						throw new ClinicalVaultError(
							"usage",
							`${client} has ${sets.length} pending parts-map proposals (from ${sets.map((s) => s.source).join(", ")}): name one with --from-session together with --accept.`,
						);
					}
					const set = sets[0]!;
					const result = await service.apply(set, accept);
					return { stdout: proposalJson(set, {}, result) };
				}
				if (!(await open.record.exists(service.path(client))))
					throw new ClinicalVaultError("not-found", `${client} has no parts map yet. Make one with --from-session and a session note.`);
				if (json) return { stdout: `${JSON.stringify({ path: service.path(client), ...(await service.load(client)) }, null, 2)}\n` };
				return { stdout: (await service.text(client))! };
			}),
		);
	},
};
