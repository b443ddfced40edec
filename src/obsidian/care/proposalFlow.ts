/**
 * What the parts map and treatment plan flows share: the session in focus, the model job in the
 * status bar (cancellable, cancelled by a lock) and the proposal shown for approval. Nothing is
 * written before the clinician applies a proposal.
 */
import { ClinicalVaultError, isCancelled, type Cancelled } from "../../core/errors";
import type { LlmClient } from "../../core/llm/LlmClient";
import { NOTE_PATH } from "../../core/notes/kinds";
import type { Change, ProposalSet } from "../../core/proposals/proposals";
import type { ClinicalRecord } from "../../core/record/ClinicalRecord";
import type { CommandContext } from "../common/context";
import { llmClient } from "../common/engineToken";
import { chooseRecordFile } from "../common/modals";
import { inform } from "../common/notify";
import { clientInFocus } from "../record/clientInFocus";
import { activeEncryptedView } from "../record/EncryptedView";
import { reviewProposal, type CheckedItem } from "./ProposalModal";

export function llmFor(ctx: CommandContext): LlmClient {
	const settings = ctx.drafting.settings();
	return llmClient(ctx.app, settings);
}

/** The session note in focus, else one the clinician picks among the client's notes (newest first). */
export async function sessionInFocus(ctx: CommandContext, record: ClinicalRecord, prompt: string): Promise<{ client: string; session: string } | null> {
	const active = activeEncryptedView(ctx.app)?.currentRecordPath;
	if (active && NOTE_PATH.test(active)) return { client: active.split("/")[0]!, session: active };
	const client = await clientInFocus(ctx, record);
	if (!client) return null;
	const notes = (await record.list({ client }))
		.map((e) => e.recordPath)
		.filter((p) => NOTE_PATH.test(p))
		.sort()
		.reverse();
	if (notes.length === 0) throw new ClinicalVaultError("not-found", `${client} has no session notes yet.`);
	const session = await chooseRecordFile(ctx.app, notes, prompt);
	return session ? { client, session } : null;
}

/** Runs a model job in the status bar; a cancel says so and returns null (nothing was written). */
export async function modelJob<T>(
	ctx: CommandContext,
	label: string,
	work: (signal: AbortSignal, onProgress: (characters: number) => void) => Promise<T>,
): Promise<T | null> {
	try {
		return await ctx.care.job.run(label, (signal, progress) => {
			progress({ stage: "asking the model" });
			return work(signal, (characters) => progress({ characters }));
		});
	} catch (error) {
		if (isCancelled(error)) {
			inform(`${label}: ${(error as Partial<Cancelled>).reason === "lock" ? "stopped because the record locked" : "cancelled"}. Nothing was changed.`);
			return null;
		}
		throw error;
	}
}

/** Shows the proposal; returns the accepted ids, or null when the clinician closed it (the proposal stays saved). */
export async function approve<C extends Change>(
	ctx: CommandContext,
	title: string,
	set: ProposalSet<C> & { dropped?: readonly CheckedItem[]; redacted?: readonly CheckedItem[] },
): Promise<string[] | null> {
	const ids = await reviewProposal(ctx.app, {
		title,
		description: `From ${set.source}. Tick what is right; nothing is written until you apply. Changes you untick are not proposed again for this session.`,
		changes: set.changes,
		...(set.dropped && set.dropped.length > 0 ? { dropped: set.dropped } : {}),
		...(set.redacted && set.redacted.length > 0 ? { redacted: set.redacted } : {}),
	});
	if (ids === null) inform("Nothing was applied. The proposal is kept, encrypted: run the command again to review it without asking the model again.");
	return ids;
}
