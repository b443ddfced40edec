/** "Update parts map from session" and "Open parts map". The parts map service loads on first use (its schemas are large). */
import { ClinicalVaultError } from "../../core/errors";
import type { CommandContext } from "../common/context";
import { inform } from "../common/notify";
import { clientInFocus } from "../record/clientInFocus";
import { openRecordFile } from "../record/EncryptedView";
import { approve, llmFor, modelJob, sessionInFocus } from "./proposalFlow";

const partsModule = () => import("../../core/parts/PartsMapService");

export async function updatePartsMap(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const target = await sessionInFocus(ctx, record, "Choose the session to update the parts map from");
	if (!target) return;
	const { PartsMapService } = await partsModule();
	const service = new PartsMapService({ record, clock: ctx.session.clock });
	const saved = await service.reusable(target.client, target.session);
	const set =
		saved ??
		(await modelJob(ctx, "Parts map", (signal, onProgress) =>
			service.propose({ ...target, model: ctx.drafting.settings().llmModel, llm: llmFor(ctx), signal, onProgress }),
		));
	if (!set) return;
	if (set.changes.length === 0) {
		inform(`The parts map already reflects ${target.session}. Nothing to change.`);
		return;
	}
	const ids = await approve(ctx, "Update parts map", set);
	if (ids === null) return;
	const result = await ctx.session.track(service.apply(set, ids));
	inform(
		result.applied.length === 0
			? "No change applied; the parts map is unchanged apart from remembering what you declined."
			: `Parts map updated: ${result.applied.length} change${result.applied.length === 1 ? "" : "s"} applied.`,
	);
	await openRecordFile(ctx.app, ctx.session, result.path);
}

export async function openPartsMap(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await clientInFocus(ctx, record);
	if (!client) return;
	const { PartsMapService } = await partsModule();
	const service = new PartsMapService({ record, clock: ctx.session.clock });
	if (!(await record.exists(service.path(client)))) {
		throw new ClinicalVaultError("not-found", `${client} has no parts map yet. Open a session note and run "Update parts map from session".`);
	}
	await openRecordFile(ctx.app, ctx.session, service.path(client));
}
