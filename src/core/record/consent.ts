/**
 * Recording consent, one record per client, kept in the `consent` map of the encrypted profile's
 * frontmatter (docs/FORMAT.md §4):
 *
 *   consent:
 *     recording: yes            yes | no: what the client agreed to
 *     date: 2026-09-01          the day the client gave (or refused) consent, as the clinician records it
 *     scope: Audio recording …  what the consent covers, in the clinician's words (one line)
 *     recorded_at: <ISO time>   when it was entered here
 *     revoked_at: <ISO time>    present once the client withdrew it
 *
 * Why the profile: it is already the one encrypted file per client that holds who the client is
 * and what was agreed with them, it exists for every client, and it is never sent to a model. The
 * consent block is spliced into the frontmatter text: every other line of the profile (fields,
 * comments, the body) stays byte for byte as it was, and the result is parsed back and compared
 * before anything is written.
 *
 * Recording and transcription refuse (`requireRecordingConsent`) unless consent is "yes" and not
 * revoked. Revoking (`revokeConsent`) marks the consent revoked first and then crypto-erases the
 * client's audio and transcripts; the session notes, summaries and drafts stay (they are the
 * clinical record, which the clinician must keep). Marking first makes the revoke safe to
 * interrupt: nothing can be recorded or transcribed meanwhile, and running it again erases the rest
 * (a file whose key was destroyed but which was not yet removed included: removal needs only its
 * header). Derived copies go too: pending proposals computed from an erased transcript or
 * recording (they quote it); the CLI and the plugin bring the search index in line at once.
 *
 * Audit: every change of consent is one "consent" entry on the profile, written before the change
 * (write-ahead), with a short note
 * ("recording yes, dated 2026-09-01", "recording revoked"); never the scope text. Each erased file
 * is a "delete" entry noted "consent revoked" (ClinicalRecord.remove).
 */
import { findFrontmatter } from "../markdown/frontmatter";
import { stringify, parse } from "yaml";
import { localDay } from "../calendar";
import { Cancelled, ClinicalVaultError } from "../errors";
import { AUDIO_EXTENSIONS } from "../audio/decode";
import type { RecordFiles } from "./files";
import { checkClientCode, contentTypeFor } from "./layout";
import { parseProfile, renderProfile, type ClientProfile } from "./profile";
import { erasePendingFrom, pendingFrom } from "../proposals/proposals";

export type RecordingConsent = "yes" | "no";

export interface ConsentRecord {
	recording: RecordingConsent;
	/** YYYY-MM-DD: when the client consented (or declined). */
	date: string;
	/** What the consent covers; one line, not clinical content. */
	scope: string;
	/** ISO time this record was entered. */
	recordedAt: string;
	/** ISO time the client withdrew consent; absent while it stands. */
	revokedAt?: string;
}

export interface ConsentInput {
	recording: RecordingConsent;
	date: string;
	/** Defaults to DEFAULT_CONSENT_SCOPE. */
	scope?: string;
}

/** "none": nothing on file; "revoked": consent was given and then withdrawn. */
export type ConsentStatus = "none" | "yes" | "no" | "revoked";

export const DEFAULT_CONSENT_SCOPE = "Audio recording of sessions for local transcription; the audio is erased after the session note is signed.";

/** Longest scope accepted: a sentence or two, not a document. */
export const MAX_SCOPE_LENGTH = 300;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function consentStatus(consent: ConsentRecord | null): ConsentStatus {
	if (!consent) return "none";
	if (consent.revokedAt !== undefined) return "revoked";
	return consent.recording;
}

/** "yes" / "no" (any case, surrounding space ignored), else an invalid-input error naming what was given. */
export function parseRecordingConsent(value: string): RecordingConsent {
	const v = value.trim().toLowerCase();
	if (v === "yes" || v === "no") return v;
	throw new ClinicalVaultError("invalid-input", `Recording consent is "yes" or "no", not "${value}".`);
}

/** Validates what the clinician entered; throws invalid-input with the reason. `today` is YYYY-MM-DD. */
export function checkConsentInput(input: ConsentInput, today: string): Required<ConsentInput> {
	const recording = parseRecordingConsent(input.recording);
	const date = input.date.trim();
	if (!DATE.test(date) || Number.isNaN(new Date(`${date}T00:00:00Z`).getTime()) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
		throw new ClinicalVaultError("invalid-input", `"${input.date}" is not a date; give the day consent was given as YYYY-MM-DD.`);
	}
	// One day of slack: `today` is the computer's date and the clinician may be a time zone ahead.
	const tomorrow = new Date(new Date(`${today}T00:00:00Z`).getTime() + 86_400_000).toISOString().slice(0, 10);
	if (date > tomorrow)
		throw new ClinicalVaultError("invalid-input", `The consent date ${date} is in the future. Give the day the client actually consented.`);
	const scope = (input.scope ?? DEFAULT_CONSENT_SCOPE).trim();
	if (scope === "")
		throw new ClinicalVaultError("invalid-input", "The consent scope is empty: say what the consent covers (or leave it out for the default).");
	if (/[\r\n]/.test(scope)) throw new ClinicalVaultError("invalid-input", "The consent scope must be one line.");
	if (scope.length > MAX_SCOPE_LENGTH)
		throw new ClinicalVaultError("invalid-input", `The consent scope is ${scope.length} characters; keep it under ${MAX_SCOPE_LENGTH}.`);
	return { recording, date, scope };
}

function isoOf(value: unknown): string | undefined {
	if (value instanceof Date) return value.toISOString();
	if (typeof value === "string" && value.trim() !== "") return value.trim();
	return undefined;
}

/**
 * The consent record in a profile's parsed frontmatter, or null when there is none. A consent map
 * that is there but malformed is an error (never read as "no consent" or as "yes").
 */
export function consentFromFrontmatter(data: Record<string, unknown>, where: string): ConsentRecord | null {
	const raw = data.consent;
	if (raw === undefined || raw === null) return null;
	const bad = (why: string): never => {
		throw new ClinicalVaultError("invalid-input", `The consent in ${where} is damaged (${why}). Record the client's consent again.`, { path: where });
	};
	if (typeof raw !== "object" || Array.isArray(raw)) return bad("it is not a map");
	const c = raw as Record<string, unknown>;
	const recording = c.recording === true ? "yes" : c.recording === false ? "no" : typeof c.recording === "string" ? c.recording.trim().toLowerCase() : "";
	if (recording !== "yes" && recording !== "no") return bad("recording is not yes or no");
	const date = c.date instanceof Date ? c.date.toISOString().slice(0, 10) : typeof c.date === "string" ? c.date.trim() : "";
	if (!DATE.test(date)) return bad("the date is missing");
	const recordedAt = isoOf(c.recorded_at) ?? "";
	const revokedAt = isoOf(c.revoked_at);
	return { recording, date, scope: typeof c.scope === "string" ? c.scope : "", recordedAt, ...(revokedAt !== undefined ? { revokedAt } : {}) };
}

function consentYaml(consent: ConsentRecord): string {
	return stringify(
		{
			consent: {
				recording: consent.recording,
				date: consent.date,
				scope: consent.scope,
				recorded_at: consent.recordedAt,
				...(consent.revokedAt !== undefined ? { revoked_at: consent.revokedAt } : {}),
			},
		},
		{ lineWidth: 0 },
	).trimEnd();
}

/**
 * The profile text with its consent block replaced (or added at the end of the frontmatter). Only
 * the top-level `consent:` key and its indented lines change; the result is parsed back and every
 * other field compared, so a profile this cannot edit safely is refused, never rewritten.
 */
export function withConsent(profileText: string, consent: ConsentRecord, where: string): string {
	const found = findFrontmatter(profileText);
	if (!found) throw new ClinicalVaultError("invalid-input", `${where} has no frontmatter block.`, { path: where });
	const front = found.yaml;
	const before = parseFront(front, where);
	// The profile's own line ends: the block stays one style.
	const eol = found.lineEnd;
	const lines = front.split(/\r?\n/);
	const start = lines.findIndex((line) => /^consent\s*:/.test(line));
	let kept: string[];
	if (start === -1) kept = lines;
	else {
		let end = start + 1;
		while (end < lines.length && (lines[end] === "" || /^[ \t]/.test(lines[end]!) || /^- /.test(lines[end]!))) end++;
		kept = [...lines.slice(0, start), ...lines.slice(end)];
	}
	while (kept.length > 0 && kept[kept.length - 1]!.trim() === "") kept.pop();
	const nextFront = [...kept, ...consentYaml(consent).split("\n")].join(eol);
	const after = parseFront(nextFront, where);
	const rest = (data: Record<string, unknown>) => JSON.stringify(Object.entries(data).filter(([key]) => key !== "consent"));
	if (rest(before) !== rest(after) || JSON.stringify(consentFromFrontmatter(after, where)) !== JSON.stringify(consent)) {
		throw new ClinicalVaultError("invalid-input", `The frontmatter of ${where} could not be updated safely (its layout is unusual). Nothing was changed.`, {
			path: where,
		});
	}
	const lineEnd = found.block.endsWith("\n") ? eol : "";
	return `---${eol}${nextFront}${eol}---${lineEnd}${profileText.slice(found.block.length)}`;
}

function parseFront(front: string, where: string): Record<string, unknown> {
	let data: unknown;
	try {
		data = parse(front);
	} catch (error) {
		throw new ClinicalVaultError("invalid-input", `${where} has invalid frontmatter: ${(error as Error).message}`, { path: where });
	}
	if (data === null || typeof data !== "object" || Array.isArray(data))
		throw new ClinicalVaultError("invalid-input", `${where} has invalid frontmatter.`, { path: where });
	return data as Record<string, unknown>;
}

async function readProfileText(record: RecordFiles, client: string): Promise<{ path: string; text: string }> {
	const path = record.layout.profilePath(checkClientCode(client));
	if (!(await record.exists(path))) throw new ClinicalVaultError("not-found", `There is no client ${client}.`);
	const text = await record.readText(path, "internal");
	parseProfile(text, path);
	return { path, text };
}

/**
 * The client's consent record, or null when none is on file. Read for the check, not for display
 * of identifying details, so it is not an audited "open" of the profile.
 */
export async function readConsent(record: RecordFiles, client: string): Promise<ConsentRecord | null> {
	const { path, text } = await readProfileText(record, client);
	return consentFromFrontmatter(parseFront(findFrontmatter(text)?.yaml ?? "", path), path);
}

/**
 * Writes the consent into the profile. The "consent" entry goes to the audit log before the write
 * (write-ahead, like every change of the record): a crash between the two can over-report a
 * consent change that did not land, never hide one that did. A failed write is recorded too.
 */
async function writeConsent(record: RecordFiles, client: string, consent: ConsentRecord, note: string): Promise<void> {
	const { path, text } = await readProfileText(record, client);
	const next = withConsent(text, consent, path);
	const { fileId } = await record.header(path);
	await record.audit.append("consent", { fileId, path, note });
	try {
		await record.writeText(path, next);
	} catch (error) {
		await record.audit.append("consent", { fileId, path, note: `${note}: not recorded, the write failed` }).catch(() => undefined);
		throw error;
	}
}

/**
 * Records the client's consent (or refusal) in the encrypted profile and audit-logs it. Replaces
 * whatever was on file, a revoked consent included: new consent after a revoke is a new record.
 */
export async function setConsent(record: RecordFiles, client: string, input: ConsentInput): Promise<ConsentRecord> {
	const now = record.clock.now();
	const checked = checkConsentInput(input, localDay(now));
	const consent: ConsentRecord = { ...checked, recordedAt: now.toISOString() };
	await writeConsent(record, client, consent, `recording ${consent.recording}, dated ${consent.date}`);
	return consent;
}

export interface NewClient {
	code: string;
	name: string;
	modality?: string;
	aliases?: string[];
	details?: Record<string, string>;
}

/**
 * "added": a new profile was written with the consent in it. "finished": the profile was there
 * with the same name and no consent on file (an earlier add was interrupted between its two
 * steps, before this function made it one write) and the consent is now recorded. "unchanged":
 * the profile was there with the same name and the same consent (a repeated command).
 */
export type AddOutcome = "added" | "finished" | "unchanged";

/**
 * Adds a client with their recording consent in ONE write: the profile is written with its consent
 * block already in it, so a crash leaves either no client or a client with consent, never a client
 * without the consent the clinician entered. Audit: "consent" (write-ahead, naming the profile),
 * then "client-add" (ClinicalRecord's own write-ahead entry with the new file id).
 *
 * Running it again is safe: an existing profile with the same name and no consent yet gets the
 * consent recorded ("finished"); with the same name and the same consent nothing is written
 * ("unchanged"); any other existing profile is an already-exists error and nothing changes.
 */
export async function addClientWithConsent(
	record: RecordFiles,
	client: NewClient,
	input: ConsentInput,
): Promise<{ profile: ClientProfile; consent: ConsentRecord; outcome: AddOutcome }> {
	const code = checkClientCode(client.code);
	const name = client.name.trim();
	if (name === "") throw new ClinicalVaultError("invalid-input", "The client's name is empty.");
	const now = record.clock.now();
	const checked = checkConsentInput(input, localDay(now));
	const path = record.layout.profilePath(code);
	if (await record.exists(path)) {
		const existing = parseProfile(await record.readText(path, "internal"), path);
		const current = await readConsent(record, code);
		const taken = new ClinicalVaultError("already-exists", `Client ${code} already exists. Nothing was changed.`);
		if (existing.name.trim() !== name) throw taken;
		if (current === null) return { profile: existing, consent: await setConsent(record, code, input), outcome: "finished" };
		if (consentStatus(current) === checked.recording) return { profile: existing, consent: current, outcome: "unchanged" };
		throw new ClinicalVaultError(
			"already-exists",
			`Client ${code} already exists with other recording consent on file. Nothing was changed; change it with "consent --recording".`,
		);
	}
	const profile: ClientProfile = {
		code,
		name,
		created: now.toISOString(),
		...(client.modality ? { modality: client.modality } : {}),
		...(client.aliases && client.aliases.length > 0 ? { aliases: client.aliases.map((a) => a.trim()).filter((a) => a !== "") } : {}),
		...(client.details ? { details: client.details } : {}),
	};
	const consent: ConsentRecord = { ...checked, recordedAt: now.toISOString() };
	const text = withConsent(renderProfile(profile), consent, path);
	await record.audit.append("consent", { path, note: `recording ${consent.recording}, dated ${consent.date} (with the new profile)` });
	await record.writeText(path, text, { action: "client-add" });
	return { profile, consent, outcome: "added" };
}

/** The sentence that says why recording or transcribing is refused, and how to record consent. */
export function consentRefusal(client: string, consent: ConsentRecord | null, nothing: string): string {
	const how = `Record the client's consent first ("Record consent" in Obsidian, or clinical-vault consent <vault> --client ${client} --recording yes)`;
	switch (consentStatus(consent)) {
		case "no":
			return `${client} did not consent to recording (consent on file dated ${consent!.date}). ${how} if that has changed; ${nothing}.`;
		case "revoked":
			return `${client} revoked recording consent on ${consent!.revokedAt!.slice(0, 10)}. ${how} if the client consents again; ${nothing}.`;
		default:
			return `No recording consent is on file for ${client}. ${how}; ${nothing}.`;
	}
}

/**
 * Throws ClinicalVaultError("refused") unless the client's recording consent is "yes" and not
 * revoked. `nothing` ends the message: "nothing was recorded", "nothing was transcribed".
 */
export async function requireRecordingConsent(record: RecordFiles, client: string, nothing = "nothing was recorded"): Promise<ConsentRecord> {
	const consent = await readConsent(record, client);
	if (consentStatus(consent) !== "yes") throw new ClinicalVaultError("refused", consentRefusal(client, consent, nothing));
	return consent!;
}

/** Audio: an audio file extension, or one the record stores as audio/* (the same list the header's content type comes from). */
export function isAudioRecordPath(recordPath: string): boolean {
	const name = recordPath.slice(recordPath.lastIndexOf("/") + 1);
	const dot = name.lastIndexOf(".");
	if (dot <= 0) return false;
	return AUDIO_EXTENSIONS.includes(name.slice(dot + 1).toLowerCase()) || contentTypeFor(recordPath).startsWith("audio/");
}

export interface ConsentErasure {
	/** Recordings and other audio anywhere in the client's folder (audio/, attachments/, …). */
	audio: string[];
	/** Everything under <CODE>/transcripts/. */
	transcripts: string[];
}

/** What revoking consent erases for this client, now. Needs no key. */
export async function consentErasure(record: RecordFiles, client: string): Promise<ConsentErasure> {
	const code = checkClientCode(client);
	const audio: string[] = [];
	const transcripts: string[] = [];
	for (const entry of await record.list({ client: code })) {
		if (entry.recordPath.startsWith(`${code}/transcripts/`)) transcripts.push(entry.recordPath);
		else if (isAudioRecordPath(entry.recordPath)) audio.push(entry.recordPath);
	}
	return { audio: audio.sort(), transcripts: transcripts.sort() };
}

export interface RevokeOptions {
	/** Stops the erasure between files (what is left is erased by running the revoke again). */
	signal?: AbortSignal;
	/**
	 * Cancels a transcription running for this client and resolves once it has stopped, before
	 * anything is erased (the plugin passes its runner's cancel). A transcript a job saves after
	 * this would be erased too: the files are listed after consent is marked revoked.
	 */
	cancelRunning?: () => Promise<void>;
}

export interface RevokeResult {
	consent: ConsentRecord;
	/** Record paths crypto-erased, audio first. */
	erased: string[];
	/** Derived copies crypto-erased with them: pending proposals computed from an erased file. */
	derived: string[];
	/** The consent was already marked revoked: this run finished an earlier, interrupted revoke. */
	resumed: boolean;
}

/** What a revoke erases of a client: transcripts (anything under CODE/transcripts/) and audio anywhere in the folder. */
export function erasedByRevoke(client: string, recordPath: string): boolean {
	const code = checkClientCode(client);
	return recordPath.startsWith(`${code}/`) && (recordPath.startsWith(`${code}/transcripts/`) || isAudioRecordPath(recordPath));
}

/**
 * The derived copies a revoke also erases, now: the client's pending proposals computed from a
 * transcript or recording (each holds words of it as evidence). Needs the key.
 */
export async function consentDerived(record: RecordFiles, client: string): Promise<string[]> {
	const code = checkClientCode(client);
	return pendingFrom(record, code, (source) => erasedByRevoke(code, source));
}

/**
 * For verify and the privacy check: when `recordPath` is a file an interrupted consent revoke left
 * behind (the client's consent is revoked, and the file is one a revoke erases), the sentence that
 * says so and how to finish; else null. Such a file may already have its key destroyed (the revoke
 * was stopped between destroying the key and removing the file), so it fails authentication.
 */
export async function unfinishedRevokeHint(record: RecordFiles, recordPath: string): Promise<string | null> {
	const code = recordPath.split("/")[0] ?? "";
	try {
		if (!erasedByRevoke(code, recordPath)) return null;
		if (consentStatus(await readConsent(record, code)) !== "revoked") return null;
	} catch {
		return null;
	}
	return `${code}'s recording consent was revoked and this file is one the revoke erases: the revoke was interrupted (its key may already be destroyed, so it no longer decrypts). Run "clinical-vault consent <vault> --client ${code} --revoke --yes" (or "Revoke recording consent" in Obsidian) again to finish it.`;
}

/**
 * Withdraws the client's recording consent and crypto-erases their audio and transcripts.
 * Order: the running transcription is cancelled, the consent is marked revoked (audit "consent"),
 * then each file is crypto-erased and removed (audit "delete", note "consent revoked"). Notes,
 * summaries and drafts stay. Idempotent: an already revoked consent is not rewritten, and only the
 * files still there are erased, so an interrupted revoke is finished by running it again.
 */
export async function revokeConsent(record: RecordFiles, client: string, options: RevokeOptions = {}): Promise<RevokeResult> {
	const code = checkClientCode(client);
	if (options.cancelRunning) await options.cancelRunning();
	if (options.signal?.aborted) throw new Cancelled();
	let consent = await readConsent(record, code);
	const resumed = consentStatus(consent) === "revoked";
	if (!resumed) {
		const now = record.clock.now();
		consent = consent
			? { ...consent, revokedAt: now.toISOString() }
			: { recording: "no", date: localDay(now), scope: DEFAULT_CONSENT_SCOPE, recordedAt: now.toISOString(), revokedAt: now.toISOString() };
		await writeConsent(record, code, consent, "recording revoked");
	}
	const { audio, transcripts } = await consentErasure(record, code);
	const erased: string[] = [];
	for (const path of [...audio, ...transcripts]) {
		if (options.signal?.aborted) throw new Cancelled();
		// remove() needs only the file's plaintext header: a file whose key an interrupted revoke
		// already destroyed is finished here like any other.
		await record.remove(path, { note: "consent revoked" });
		erased.push(path);
	}
	if (options.signal?.aborted) throw new Cancelled();
	// Derived copies last, matched by what they were computed from (not by the files erased in this
	// run), so a revoke interrupted after the files were gone still finds them when run again.
	const derived = await erasePendingFrom(
		record,
		code,
		(source) => erasedByRevoke(code, source),
		"consent revoked: derived from an erased recording or transcript",
		erased,
	);
	return { consent: consent!, erased, derived, resumed };
}
