/**
 * The longitudinal IFS parts map of a client: the API both shells call.
 *
 *     const service = new PartsMapService({ record, clock });
 *     const set = await service.propose({ client, session: "C-0417/notes/2026-06-09.md", model, llm, signal });
 *     // show set.changes (id, summary, evidence, conflict); the clinician accepts some
 *     const { path, applied } = await service.apply(set, ["1a2b3c", "4d5e6f"]);   // or "all" / "none"
 *     const map = await service.load(client);   // the data; service.text(client) the page
 *
 * propose() asks the model once (structured outputs), checks every string of the answer (checks.ts:
 * normalised, the client's name replaced, text touching the risk domain and diagnoses the note does
 * not name left out and reported in `dropped`), computes the changes deterministically (merge.ts)
 * and saves them as the session's pending proposal; with `reuse`, a pending proposal computed
 * against the current page is returned without asking the model again. apply() refuses a
 * page that changed since the proposal, a page with invalid data, and a page whose generated
 * sections were edited by hand; it writes through record.writeText (audit-logged) and removes the
 * pending proposal. Nothing is written before the clinician accepts or declines.
 */
import { isPsychotherapyNote, psychotherapyRefusal } from "../notes/kinds";
import { ClinicalVaultError } from "../errors";
import type { Clock } from "../clock";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode, checkRecordPath } from "../record/layout";
import { splitFrontmatter } from "../markdown/frontmatter";
import type { LlmClient } from "../llm/LlmClient";
import { chatStructured } from "../llm/structured";
import { boundaryFor } from "../llm/boundary";
import {
	checkBase,
	listPending,
	loadPending,
	removePending,
	savePending,
	selectChanges,
	textHash,
	type Acceptance,
	type ProposalSet,
} from "../proposals/proposals";
import { applyChanges, checkSelection, computeChanges, type PartsChange, type SessionRef } from "./merge";
import { emptyMap, type PartsMap } from "./model";
import { checkRegions, newPage, parsePage, updatePage, type ParsedPage } from "./page";
import { answerSchema, partsMessages, PARTS_PROMPT_VERSION } from "./prompt";
import { checkPartsAnswer } from "./checks";
import type { TextReport } from "./modelText";
import { identityOf } from "../safety/identity";

export const PARTS_MAP_NAME = "parts-map.md";

export interface PartsProposal extends ProposalSet<PartsChange> {
	kind: "parts";
	/** Strings of the model's answer the checks left out (risk domain, a diagnosis the note does not name), by part and field. */
	dropped?: TextReport[];
	/** Strings in which the client's name was replaced by "the client". */
	redacted?: TextReport[];
	/** The session's date (from the note's frontmatter or its file name). */
	sessionDate: string;
	promptVersion: string;
}

export interface ProposeRequest {
	client: string;
	/** Record path of the session note, e.g. C-0417/notes/2026-06-09.md. */
	session: string;
	model: string;
	llm: LlmClient;
	signal?: AbortSignal;
	/** Return the saved proposal for this session when the page has not changed since it was made. */
	reuse?: boolean;
	onProgress?: (characters: number) => void;
}

export interface ApplyResult {
	path: string;
	applied: PartsChange[];
	declined: string[];
	/** False when nothing needed writing (no change accepted or declined). */
	written: boolean;
}

interface Current {
	path: string;
	text: string | null;
	page: ParsedPage | null;
	map: PartsMap;
}

export class PartsMapService {
	constructor(private readonly deps: { record: ClinicalRecord; clock: Clock }) {}

	/** The record path of a client's parts map. */
	path(client: string): string {
		return `${checkClientCode(client)}/${PARTS_MAP_NAME}`;
	}

	private async current(client: string, purpose: "open" | "internal"): Promise<Current> {
		const path = this.path(client);
		if (!(await this.deps.record.exists(path))) return { path, text: null, page: null, map: emptyMap(client) };
		const text = await this.deps.record.readText(path, purpose);
		const page = parsePage(text, path);
		return { path, text, page, map: page.map };
	}

	/** The map's data (an empty map when the client has none yet). Invalid data is an error naming line and column. */
	async load(client: string): Promise<PartsMap> {
		return (await this.current(client, "open")).map;
	}

	/** The page's text, or null when the client has no parts map yet. */
	async text(client: string): Promise<string | null> {
		const path = this.path(client);
		if (!(await this.deps.record.exists(path))) return null;
		return this.deps.record.readText(path, "open");
	}

	/** The page a map would be written as (a new page). */
	render(map: PartsMap): string {
		return newPage(map, this.deps.record.layout, this.deps.clock.now().toISOString());
	}

	/** The session note's text and date; a note that does not exist is a not-found error. */
	private async session(client: string, session: string): Promise<SessionRef> {
		const note = checkRecordPath(session);
		if (!note.startsWith(`${client}/`)) throw new ClinicalVaultError("invalid-input", `${note} does not belong to client ${client}.`);
		if (!(await this.deps.record.exists(note)))
			throw new ClinicalVaultError("not-found", `There is no session note ${note} in the record. Nothing was changed.`, { path: note });
		const text = await this.deps.record.readText(note, "internal");
		const { data, body } = splitFrontmatter(text, note);
		if (isPsychotherapyNote(note, data)) throw psychotherapyRefusal(note, "the parts map");
		const date = typeof data.session_date === "string" ? data.session_date : (/(\d{4}-\d{2}-\d{2})/.exec(note)?.[1] ?? null);
		if (date === null || !/^\d{4}-\d{2}-\d{2}$/.test(date))
			throw new ClinicalVaultError("invalid-input", `${note} has no session date (session_date in its frontmatter or a date in its name).`);
		if (body.trim() === "") throw new ClinicalVaultError("invalid-input", `${note} is empty; there is nothing to update the parts map from.`);
		return { note, date, text: body };
	}

	/** The pending proposal for a session, or null. */
	async pending(client: string, session: string): Promise<PartsProposal | null> {
		return (await loadPending<PartsChange>(this.deps.record, checkClientCode(client), "parts", checkRecordPath(session))) as PartsProposal | null;
	}

	/** The client's pending parts proposals, oldest session first. */
	async pendingAll(client: string): Promise<PartsProposal[]> {
		const out: PartsProposal[] = [];
		for (const path of await listPending(this.deps.record, checkClientCode(client), "parts")) {
			let set: PartsProposal;
			try {
				set = JSON.parse(await this.deps.record.readText(path, "internal")) as PartsProposal;
			} catch {
				throw new ClinicalVaultError("integrity", `The saved proposal ${path} cannot be read. Compute the proposal again.`, { path });
			}
			if (set.version !== 1 || set.kind !== "parts" || !Array.isArray(set.changes) || typeof set.source !== "string") {
				throw new ClinicalVaultError(
					"unsupported-format",
					`The saved proposal ${path} is not one this version understands. Compute the proposal again.`,
					{ path },
				);
			}
			out.push(set);
		}
		return out.sort((a, b) => a.sessionDate.localeCompare(b.sessionDate) || a.source.localeCompare(b.source));
	}

	/** The saved proposal for a session when it was computed against the page as it is now, else null. */
	async reusable(client: string, session: string): Promise<PartsProposal | null> {
		const saved = await this.pending(client, session);
		if (!saved) return null;
		const current = await this.current(checkClientCode(client), "internal");
		return saved.baseHash === (current.text === null ? "" : await textHash(current.text)) ? saved : null;
	}

	async propose(request: ProposeRequest): Promise<PartsProposal> {
		const client = checkClientCode(request.client);
		const current = await this.current(client, "internal");
		if (current.page) checkRegions(current.page, current.path);
		const session = await this.session(client, request.session);
		const baseHash = current.text === null ? "" : await textHash(current.text);
		if (request.reuse) {
			const saved = await this.pending(client, session.note);
			if (saved && saved.baseHash === baseHash && saved.sessionDate === session.date) return saved;
		}
		const answer = await chatStructured(await boundaryFor(this.deps.record, client, request.llm), {
			model: request.model,
			messages: partsMessages({ client, sessionDate: session.date, note: session.text, known: current.map.parts }),
			schema: answerSchema,
			what: "the parts-map update",
			...(request.signal ? { signal: request.signal } : {}),
			...(request.onProgress ? { onProgress: request.onProgress } : {}),
		});
		const identity = identityOf(await this.deps.record.readProfile(client, "internal"));
		const checked = checkPartsAnswer(answer, { identity, input: session.text });
		const changes = await computeChanges(current.map, checked.answer, session);
		const set: PartsProposal = {
			version: 1,
			kind: "parts",
			client,
			source: session.note,
			baseHash,
			created: this.deps.clock.now().toISOString(),
			model: request.model,
			changes,
			sessionDate: session.date,
			promptVersion: PARTS_PROMPT_VERSION,
			dropped: checked.dropped,
			redacted: checked.redacted,
		};
		// An empty proposal needs no decision: nothing is saved.
		if (changes.length > 0) await savePending(this.deps.record, set);
		else await removePending(this.deps.record, client, "parts", session.note);
		return set;
	}

	/**
	 * Applies the accepted changes of a proposal. `all` takes every change not marked conflict and
	 * leaves the conflicts undecided; `none` or a list of ids declines every other change for the
	 * session (remembered, so a later run for it does not propose them again).
	 */
	async apply(set: PartsProposal, accept: Acceptance): Promise<ApplyResult> {
		const client = checkClientCode(set.client);
		if (set.kind !== "parts") throw new ClinicalVaultError("invalid-input", "This proposal is not a parts-map proposal.");
		const current = await this.current(client, "internal");
		await checkBase(set, current.text, "parts map");
		if (current.page) checkRegions(current.page, current.path);
		const accepted = selectChanges(set.changes, accept);
		checkSelection(accepted, set.changes);
		const acceptedIds = new Set(accepted.map((c) => c.id));
		const declined = accept === "all" ? [] : set.changes.filter((c) => !acceptedIds.has(c.id)).map((c) => c.id);
		const result: ApplyResult = { path: current.path, applied: accepted, declined, written: false };
		if (accepted.length > 0 || declined.length > 0) {
			const sessionRef = { note: set.source, date: set.sessionDate };
			const map = applyChanges(current.map, accepted, declined, sessionRef);
			const updated = this.deps.clock.now().toISOString();
			const text = current.page ? updatePage(current.page, map, this.deps.record.layout, updated) : newPage(map, this.deps.record.layout, updated);
			// The page written must read back as the same data: never store what cannot be merged later.
			parsePage(text, current.path);
			await this.deps.record.writeText(current.path, text);
			result.written = true;
		}
		await removePending(this.deps.record, client, "parts", set.source);
		return result;
	}
}
