/**
 * The consent commands (registered in feature.ts): "Record consent" (a form: yes or no, the date
 * the client consented, what it covers) and "Revoke recording consent" (a warning confirmation that
 * says how many recordings and transcripts will be crypto-erased, then the erasure). The consent
 * itself lives in the client's encrypted profile (src/core/record/consent.ts).
 *
 * Revoking, in this order: a recording of that client (running or unsaved in memory) is stopped
 * and discarded without saving; a transcription running for that client is cancelled and waited
 * for (it saves nothing); views showing a file about to be erased are emptied and closed; then the
 * core marks the consent revoked and erases (with the proposals computed from what it erases); the
 * brief and search panes, which may quote what was erased, are closed. The work is tracked by the
 * session, so a lock waits for it; an interrupted revoke is finished by running the command again.
 */
import { BRIEF_VIEW_TYPE, SEARCH_VIEW_TYPE } from "../common/viewTypes";
import { ClinicalVaultError } from "../../core/errors";
import { localDay } from "../../core/calendar";
import {
	DEFAULT_CONSENT_SCOPE,
	consentDerived,
	consentErasure,
	consentStatus,
	readConsent,
	revokeConsent,
	setConsent,
	type ConsentRecord,
} from "../../core/record/consent";
import { pickClient } from "../record/clients";
import type { CommandContext } from "../common/context";

import { encryptedViews } from "../record/EncryptedView";

import { FormModal, confirm } from "../common/modals";
import { inform } from "../common/notify";

function plural(n: number, one: string, many: string): string {
	return `${n} ${n === 1 ? one : many}`;
}

/** What is on file, in one sentence for the form's description. */
function describeConsent(client: string, consent: ConsentRecord | null): string {
	switch (consentStatus(consent)) {
		case "yes":
			return `On file for ${client}: consents to recording (dated ${consent!.date}).`;
		case "no":
			return `On file for ${client}: does not consent to recording (dated ${consent!.date}).`;
		case "revoked":
			return `On file for ${client}: consent revoked on ${consent!.revokedAt!.slice(0, 10)}.`;
		default:
			return `No recording consent is on file for ${client} yet.`;
	}
}

/** "Record consent": pick the client, then yes or no, the date and the scope; saved in the encrypted profile. */
export async function recordConsent(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await pickClient(ctx.app, record);
	if (!client) return;
	const current = await readConsent(record, client.code);
	const saved: { consent?: ConsentRecord } = {};
	const modal = new FormModal(ctx.app, {
		cls: "clinical-vault-consent-modal",
		title: "Record consent",
		description: `${describeConsent(client.code, current)} Recording and transcription need the client's consent to recording; record what the client agreed to, and when. It is kept in the encrypted profile and audit-logged.`,
		fields: [
			{
				key: "recording",
				name: "Consents to recording",
				kind: "dropdown",
				options: { yes: "Yes", no: "No" },
				value: current?.revokedAt === undefined ? (current?.recording ?? "yes") : "yes",
			},
			{
				key: "date",
				name: "Date of consent",
				desc: "YYYY-MM-DD: the day the client consented (or declined).",
				kind: "text",
				value: localDay(ctx.session.clock.now()),
			},
			{
				key: "scope",
				name: "Scope",
				desc: "What the consent covers, in one line. No clinical content.",
				kind: "text",
				value: current?.scope || DEFAULT_CONSENT_SCOPE,
			},
		],
		submitText: "Save consent",
		busyText: "Saving…",
		onSubmit: async (values) => {
			const recording = values.recording === "no" ? "no" : "yes";
			saved.consent = await ctx.session.track(setConsent(record, client.code, { recording, date: values.date ?? "", scope: values.scope ?? "" }));
		},
	});
	modal.open();
	if (!(await modal.result) || !saved.consent) return;
	const { consent } = saved;
	inform(
		consent.recording === "yes"
			? `Recording consent for ${client.code} saved: yes, dated ${consent.date}. Sessions can be recorded and transcribed.`
			: `Recording consent for ${client.code} saved: no, dated ${consent.date}. Recording and transcription stay refused.`,
	);
}

/** "Revoke recording consent": confirm (with what will be erased), then cancel, discard, mark revoked and crypto-erase. */
export async function revokeRecordingConsent(ctx: CommandContext): Promise<void> {
	const record = await ctx.session.ensureUnlocked();
	const client = await pickClient(ctx.app, record);
	if (!client) return;
	const code = client.code;
	const status = consentStatus(await readConsent(record, code));
	const pending = await consentErasure(record, code);
	const { recording, transcription } = ctx.audio;
	const recordingHeld = recording.holds(code);
	const transcribing = transcription.runningClient === code;
	// What an interrupted revoke can leave besides files: proposals computed from them.
	const derivedLeft = status === "revoked" ? (await consentDerived(record, code)).length : 0;
	const count = pending.audio.length + pending.transcripts.length + derivedLeft;
	if ((status === "none" || status === "revoked") && count === 0 && !recordingHeld && !transcribing) {
		inform(
			status === "revoked"
				? `${code}'s recording consent is already revoked, and no recordings or transcripts are left.`
				: `No recording consent is on file for ${code}, and there are no recordings or transcripts to erase.`,
		);
		return;
	}
	const parts = [
		status === "revoked"
			? `${code}'s recording consent is already revoked; what is left of the audio is erased now.`
			: `${code}'s recording consent will be marked revoked.`,
		`${plural(pending.audio.length, "recording", "recordings")} and ${plural(pending.transcripts.length, "transcript", "transcripts")} will be crypto-erased: their keys are destroyed and they cannot be recovered from the record (copies in earlier backups of the vault are not reached).`,
		...(recordingHeld ? ["The recording of this client now in progress is stopped and discarded without saving."] : []),
		...(transcribing ? ["The transcription running for this client is cancelled."] : []),
		"Session notes, summaries and drafts are kept: they are the clinical record.",
	];
	const ok = await confirm(ctx.app, { title: "Revoke recording consent", message: parts.join(" "), confirmText: "Revoke and erase", warning: true });
	if (!ok) return;
	if (!ctx.session.isUnlocked)
		throw new ClinicalVaultError(
			"locked",
			"The clinical record locked before the consent was revoked. Nothing was changed; unlock and run the command again.",
		);
	const result = await ctx.session.track(
		(async () => {
			await recording.discard(code);
			await transcription.cancelForConsent(code);
			// Views showing what is erased are emptied first, so no decrypted copy outlives the file.
			const now = await consentErasure(record, code);
			const doomed = new Set([...now.audio, ...now.transcripts]);
			await Promise.all([...doomed].map((path) => ctx.documents.drop(path)));
			for (const view of encryptedViews(ctx.app)) {
				const path = view.currentRecordPath;
				if (path !== null && doomed.has(path)) {
					view.discard();
					view.leaf.detach();
				}
			}
			const revoked = await revokeConsent(record, code, { cancelRunning: async () => void (await transcription.cancelForConsent(code)) });
			// The brief and search panes may quote what was erased (they are rebuilt from the record on demand).
			ctx.app.workspace.detachLeavesOfType(BRIEF_VIEW_TYPE);
			ctx.app.workspace.detachLeavesOfType(SEARCH_VIEW_TYPE);
			return revoked;
		})(),
	);
	const audio = result.erased.filter((path) => !path.startsWith(`${code}/transcripts/`)).length;
	const transcripts = result.erased.length - audio;
	const derived = result.derived.length > 0 ? `, with ${plural(result.derived.length, "proposal", "proposals")} computed from them,` : "";
	inform(
		result.resumed
			? `${code}'s recording consent was already revoked: the earlier revoke is finished. Crypto-erased ${plural(audio, "recording", "recordings")} and ${plural(transcripts, "transcript", "transcripts")}${derived} (audit-logged). Session notes, summaries and drafts were kept.`
			: `Recording consent for ${code} revoked. Crypto-erased ${plural(audio, "recording", "recordings")} and ${plural(transcripts, "transcript", "transcripts")}${derived} (audit-logged). Session notes, summaries and drafts were kept.`,
	);
}
