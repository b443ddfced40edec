/**
 * The living treatment plan per client: one service both shells use (the plugin and
 * `clinical-vault plan`). The approval flow is the one in proposals.ts:
 *
 *   proposeDraft(client, intake)    / proposeProgress(client, session)
 *       → the model is asked once, code checks the answer (every string normalised, the client's
 *         name replaced, items touching the risk domain or naming a diagnosis the note does not
 *         name dropped and reported) and makes changes with ids, the set is saved encrypted as a
 *         pending proposal; nothing touches the plan page.
 *         A pending proposal for the same source computed against the current page is returned as
 *         it is (no model call), so its ids stay valid between "show" and "accept".
 *   apply(set, accept)
 *       → refuses when the page changed since the proposal, when a generated region was edited by
 *         hand, or when the page does not parse (saying where); otherwise applies the accepted
 *         changes to the data block, regenerates the readable sections, writes the page once and
 *         removes the pending proposal. "none" only removes the proposal.
 *
 * Drafting is for a client without a plan: over a plan with content it is refused (the plan is
 * then kept up to date from sessions or by editing its data block), so an approved plan is never
 * overwritten by a new draft.
 */
import { isPsychotherapyNote, psychotherapyRefusal } from "../notes/kinds";
import { localDay } from "../calendar";
import { ClinicalVaultError } from "../errors";
import { systemClock, type Clock } from "../clock";
import type { LlmClient } from "../llm/LlmClient";
import { chatStructured } from "../llm/structured";
import { boundaryFor } from "../llm/boundary";
import { splitFrontmatter } from "../markdown/frontmatter";
import type { ClinicalRecord } from "../record/ClinicalRecord";
import { checkClientCode, checkRecordPath } from "../record/layout";
import {
	listPending,
	loadPending,
	pendingPath,
	removePending,
	savePending,
	selectChanges,
	textHash,
	type Acceptance,
	type ProposalSet,
} from "../proposals/proposals";
import {
	appendIn,
	dataOf,
	editedRegions,
	objectiveHash,
	parsePlanPage,
	planPath,
	refuseEdited,
	renderNewPage,
	renderUpdatedPage,
	setIn,
	writtenHashes,
	type PlanPage,
} from "./page";
import {
	emptyPlanData,
	findObjective,
	hasContent,
	ISO_DATE,
	objectivesDue,
	parseDay,
	reviewStatus,
	type ObjectiveDue,
	type PlanData,
	type ProgressEntry,
	type ReviewStatus,
} from "./plan";
import {
	draftChanges,
	draftMessages,
	findDiagnosisSection,
	progressChanges,
	progressMessages,
	DraftAnswerSchema,
	ProgressAnswerSchema,
	type Dropped,
	type PlanChange,
	type Redacted,
} from "./propose";
import { identityOf, type ClientIdentity } from "../safety/identity";

export type PlanProposalKind = "plan-draft" | "plan-progress";

export interface PlanProposalSet extends ProposalSet<PlanChange> {
	kind: PlanProposalKind;
	/** What the checks left out of the model's answer (reasons and ids only). */
	dropped?: Dropped[];
	/** Kept items in which the client's name was replaced by "the client" (ids only). */
	redacted?: Redacted[];
}

export interface PlanProposal {
	set: PlanProposalSet;
	/** The pending proposal was reused (the model was not asked). */
	reused: boolean;
	/** Record path of the saved pending proposal ("" when there were no changes, so none was saved). */
	pendingPath: string;
}

export interface ProposeOptions {
	model: string;
	signal?: AbortSignal;
	/** Reuse a pending proposal for the same source and page (default true). */
	reuse?: boolean;
	onProgress?: (characters: number) => void;
}

export interface ApplyResult {
	/** Ids applied, in proposal order. */
	applied: string[];
	/** The plan's record path; null when nothing was written. */
	written: string | null;
}

export interface LoadedPlan {
	page: PlanPage;
	review: ReviewStatus;
	objectivesDue: ObjectiveDue[];
}

export interface PlanAlert {
	client: string;
	review?: ReviewStatus;
	objectives: ObjectiveDue[];
	/** The plan could not be read (e.g. its yaml was edited into something invalid): the message says where. */
	error?: string;
}

export interface TreatmentPlanServiceOptions {
	record: ClinicalRecord;
	/** Needed only to propose. */
	llm?: LlmClient;
	clock?: Clock;
}

function sessionDateOf(recordPath: string, front: Record<string, unknown>, fallback: string): string {
	const fromFront = front.session_date;
	if (typeof fromFront === "string" && ISO_DATE.test(fromFront)) return fromFront;
	return /(\d{4}-\d{2}-\d{2})/.exec(recordPath)?.[1] ?? fallback;
}

export class TreatmentPlanService {
	private readonly record: ClinicalRecord;
	private readonly llm: LlmClient | undefined;
	private readonly clock: Clock;

	constructor(options: TreatmentPlanServiceOptions) {
		this.record = options.record;
		this.llm = options.llm;
		this.clock = options.clock ?? options.record.clock ?? systemClock;
	}

	private today(): string {
		return localDay(this.clock.now());
	}

	/** The plan page's text, or null when the client has none. */
	private async pageText(client: string): Promise<string | null> {
		const path = planPath(checkClientCode(client));
		return (await this.record.exists(path)) ? this.record.readText(path, "internal") : null;
	}

	/** The plan with its review status, or null when the client has no plan. Invalid pages throw (saying where). */
	async load(client: string, options: { audit?: boolean } = {}): Promise<LoadedPlan | null> {
		const path = planPath(checkClientCode(client));
		if (!(await this.record.exists(path))) return null;
		const page = parsePlanPage(await this.record.readText(path, options.audit ? "open" : "internal"), path);
		const now = this.clock.now();
		return { page, review: reviewStatus(page, now), objectivesDue: objectivesDue(page, now) };
	}

	/** Reviews due soon or overdue and objectives at or past their target date, across clients (for unlock and the brief). */
	async reviewsDue(options: { withinDays?: number } = {}): Promise<PlanAlert[]> {
		const now = this.clock.now();
		const out: PlanAlert[] = [];
		for (const client of await this.record.listClients()) {
			const path = planPath(client);
			if (!(await this.record.exists(path))) continue;
			try {
				const page = parsePlanPage(await this.record.readText(path, "internal"), path);
				const review = reviewStatus(page, now, options.withinDays);
				const objectives = objectivesDue(page, now, options.withinDays);
				if (review.state !== "ok" || objectives.length > 0) out.push({ client, review, objectives });
			} catch (error) {
				if (!(error instanceof ClinicalVaultError)) throw error;
				out.push({ client, objectives: [], error: error.message });
			}
		}
		return out;
	}

	/** The client's name, aliases and identifying details (replaced wherever the model writes them). */
	private async identity(client: string): Promise<ClientIdentity> {
		return identityOf(await this.record.readProfile(client, "internal"));
	}

	private requireLlm(): LlmClient {
		if (!this.llm) throw new ClinicalVaultError("internal", "No language model is configured for the treatment plan.");
		return this.llm;
	}

	private async readSource(client: string, recordPath: string, what: string): Promise<{ path: string; front: Record<string, unknown>; body: string }> {
		const path = checkRecordPath(recordPath);
		if (!path.startsWith(`${client}/`)) throw new ClinicalVaultError("invalid-input", `${path} does not belong to client ${client}.`, { path });
		if (!(await this.record.exists(path)))
			throw new ClinicalVaultError("not-found", `There is no ${what} ${path} in the record. Nothing was changed.`, { path });
		const { data, body } = splitFrontmatter(await this.record.readText(path, "internal"), path);
		if (isPsychotherapyNote(path, data)) throw psychotherapyRefusal(path, "the treatment plan");
		return { path, front: data, body };
	}

	private async reusable(client: string, kind: PlanProposalKind, source: string, baseHash: string): Promise<PlanProposal | null> {
		const set = await loadPending<PlanChange>(this.record, client, kind, source);
		if (!set || set.baseHash !== baseHash) return null;
		return { set: set as PlanProposalSet, reused: true, pendingPath: pendingPath(client, kind, source) };
	}

	private async save(set: PlanProposalSet): Promise<PlanProposal> {
		if (set.changes.length === 0) {
			await removePending(this.record, set.client, set.kind, set.source);
			return { set, reused: false, pendingPath: "" };
		}
		return { set, reused: false, pendingPath: await savePending(this.record, set) };
	}

	/** Proposes a plan from an intake note (a client without a plan, or one without content). */
	async proposeDraft(client: string, intakePath: string, options: ProposeOptions): Promise<PlanProposal> {
		const code = checkClientCode(client);
		const current = await this.pageText(code);
		const page = current === null ? null : parsePlanPage(current, planPath(code));
		if (page && hasContent(page.data)) {
			throw new ClinicalVaultError(
				"refused",
				`${code} already has a treatment plan with content, so a draft would overwrite it. Update it from sessions (plan --from-session) or edit its data block by hand. Nothing was changed.`,
				{ path: planPath(code) },
			);
		}
		const source = await this.readSource(code, intakePath, "intake note");
		const baseHash = current === null ? "" : await textHash(current);
		if (options.reuse !== false) {
			const pending = await this.reusable(code, "plan-draft", source.path, baseHash);
			if (pending) return pending;
		}
		const section = findDiagnosisSection(source.body);
		const forModel = (section ? source.body.slice(0, section.start) + source.body.slice(section.end) : source.body).trim();
		const today = this.today();
		const answer = await chatStructured(await boundaryFor(this.record, code, this.requireLlm()), {
			model: options.model,
			messages: draftMessages(code, today, forModel),
			schema: DraftAnswerSchema,
			what: "the treatment-plan draft",
			...(options.signal ? { signal: options.signal } : {}),
			...(options.onProgress ? { onProgress: options.onProgress } : {}),
		});
		const diagnosis = section && section.text !== "" ? { text: section.text, source: `${source.path}, section "${section.heading}"` } : null;
		const built = await draftChanges(answer, { today, diagnosis, checks: { identity: await this.identity(code), input: forModel } });
		return this.save({
			version: 1,
			kind: "plan-draft",
			client: code,
			source: source.path,
			baseHash,
			created: this.clock.now().toISOString(),
			model: options.model,
			changes: built.changes,
			dropped: built.dropped,
			redacted: built.redacted,
		});
	}

	/** Proposes progress entries (and status moves) per objective from one session note. */
	async proposeProgress(client: string, sessionPath: string, options: ProposeOptions): Promise<PlanProposal> {
		const code = checkClientCode(client);
		const current = await this.pageText(code);
		if (current === null)
			throw new ClinicalVaultError("not-found", `${code} has no treatment plan yet. Draft one from the intake note first (plan --draft-from).`);
		const page = parsePlanPage(current, planPath(code));
		refuseEdited(await editedRegions(page), page.path);
		const source = await this.readSource(code, sessionPath, "session note");
		const baseHash = await textHash(current);
		if (options.reuse !== false) {
			const pending = await this.reusable(code, "plan-progress", source.path, baseHash);
			if (pending) return pending;
		}
		if (page.data.goals.every((g) => g.objectives.length === 0)) {
			throw new ClinicalVaultError(
				"refused",
				`The treatment plan of ${code} has no objectives yet, so there is nothing to record progress against. Nothing was changed.`,
			);
		}
		const sessionDate = sessionDateOf(source.path, source.front, this.today());
		const answer = await chatStructured(await boundaryFor(this.record, code, this.requireLlm()), {
			model: options.model,
			messages: progressMessages(code, sessionDate, page.data, source.body.trim()),
			schema: ProgressAnswerSchema,
			what: "the treatment-plan progress",
			...(options.signal ? { signal: options.signal } : {}),
			...(options.onProgress ? { onProgress: options.onProgress } : {}),
		});
		const handEdited = new Set<string>();
		for (const g of page.data.goals) {
			for (const o of g.objectives) if (page.front.written[o.id] !== (await objectiveHash(o))) handEdited.add(o.id);
		}
		const built = await progressChanges(answer, {
			data: page.data,
			session: source.path,
			sessionDate,
			sessionText: source.body,
			handEdited,
			identity: await this.identity(code),
		});
		return this.save({
			version: 1,
			kind: "plan-progress",
			client: code,
			source: source.path,
			baseHash,
			created: this.clock.now().toISOString(),
			model: options.model,
			changes: built.changes,
			dropped: built.dropped,
			redacted: built.redacted,
		});
	}

	/** Rejects (removes) the pending proposal for a source without asking the model; null when there was none. */
	async discard(client: string, kind: PlanProposalKind, source: string): Promise<PlanProposalSet | null> {
		const code = checkClientCode(client);
		const set = await loadPending<PlanChange>(this.record, code, kind, checkRecordPath(source));
		if (set) await removePending(this.record, code, kind, set.source);
		return set as PlanProposalSet | null;
	}

	/** The pending plan proposals of a client (both kinds), oldest name first. */
	async pending(client: string): Promise<PlanProposalSet[]> {
		const code = checkClientCode(client);
		const out: PlanProposalSet[] = [];
		for (const kind of ["plan-draft", "plan-progress"] as const) {
			for (const path of await listPending(this.record, code, kind)) {
				let set: unknown;
				try {
					set = JSON.parse(await this.record.readText(path, "internal"));
				} catch {
					throw new ClinicalVaultError("integrity", `The saved proposal ${path} cannot be read. Compute the proposal again.`, { path });
				}
				const s = set as PlanProposalSet;
				if (s?.version === 1 && s.kind === kind && Array.isArray(s.changes)) out.push(s);
			}
		}
		return out;
	}

	/**
	 * Applies the accepted changes of a proposal. Unknown ids, a page changed since the proposal,
	 * hand edits inside generated regions, an objective accepted without its goal: refused, and
	 * nothing is written.
	 */
	async apply(set: PlanProposalSet, accept: Acceptance): Promise<ApplyResult> {
		const code = checkClientCode(set.client);
		const path = planPath(code);
		const chosen = selectChanges(set.changes, accept);
		if (chosen.length === 0) {
			// Rejecting everything needs no check against the page: nothing is written.
			await removePending(this.record, code, set.kind, set.source);
			return { applied: [], written: null };
		}
		const current = await this.pageText(code);
		// proposals.checkBase hashes "" for a missing page, while a set made without a page carries "" as its base.
		const unchanged = current === null ? set.baseHash === "" : set.baseHash === (await textHash(current));
		if (!unchanged)
			throw new ClinicalVaultError(
				"refused",
				`The treatment plan of ${code} changed after this proposal was made, so it was not applied. Compute the proposal again.`,
				{ path },
			);
		const context = { layout: this.record.layout };
		const today = this.today();
		if (set.kind === "plan-draft") {
			const page = current === null ? null : parsePlanPage(current, path);
			if (page) refuseEdited(await editedRegions(page), path);
			const data = page?.data ?? emptyPlanData();
			if (hasContent(data)) throw new ClinicalVaultError("refused", `${code} already has a treatment plan with content. Nothing was changed.`, { path });
			const goals = new Set(chosen.filter((c) => c.kind === "goal").map((c) => (c.kind === "goal" ? c.goal.id : "")));
			for (const c of chosen) {
				if (c.kind === "objective" && !goals.has(c.goalId)) {
					const goal = set.changes.find((g) => g.kind === "goal" && g.goal.id === c.goalId);
					throw new ClinicalVaultError(
						"invalid-input",
						`Objective ${c.objective.id} belongs to goal ${c.goalId}; accept that goal too${goal ? ` (id ${goal.id})` : ""}. Nothing was applied.`,
					);
				}
			}
			const next: PlanData = applyDraft(data, chosen);
			const text = page ? await this.updated(page, next, today, context) : await renderNewPage({ client: code, today, data: next, context });
			await this.record.writeText(path, text);
		} else {
			if (current === null) throw new ClinicalVaultError("not-found", `${code} has no treatment plan. Nothing was changed.`);
			const page = parsePlanPage(current, path);
			refuseEdited(await editedRegions(page), path);
			const written = { ...page.front.written };
			for (const c of chosen) {
				if (c.kind !== "progress" && c.kind !== "status") continue;
				const found = findObjective(dataOf(page.doc, path), c.objectiveId);
				if (!found)
					throw new ClinicalVaultError(
						"refused",
						`Objective ${c.objectiveId} is no longer in the treatment plan. Compute the proposal again; nothing was applied.`,
						{ path },
					);
				const at = ["goals", found.goalIndex, "objectives", found.index];
				if (c.kind === "progress") {
					if (found.objective.progress.some((p) => p.session === c.entry.session)) continue;
					appendIn(page.doc, [...at, "progress"], { ...c.entry });
				} else {
					setIn(page.doc, [...at, "status"], c.to);
					const after = findObjective(dataOf(page.doc, path), c.objectiveId)!;
					written[c.objectiveId] = await objectiveHash(after.objective);
				}
			}
			await this.record.writeText(path, await renderUpdatedPage(page, dataOf(page.doc, path), today, context, { written }));
		}
		await removePending(this.record, code, set.kind, set.source);
		return { applied: chosen.map((c) => c.id), written: path };
	}

	private async updated(page: PlanPage, next: PlanData, today: string, context: { layout: ClinicalRecord["layout"] }): Promise<string> {
		// A plan page without content (e.g. everything removed by hand): its data block is rebuilt.
		for (const key of ["presenting_problems", "diagnosis", "goals", "interventions"] as const) setIn(page.doc, [key], next[key]);
		return renderUpdatedPage(page, dataOf(page.doc, page.path), today, context, { written: await writtenHashes(next) });
	}

	/** Records a review done today (or on `date`): the next review moves review_every_days on. */
	async markReviewed(client: string, date?: string): Promise<ReviewStatus> {
		const code = checkClientCode(client);
		const path = planPath(code);
		const current = await this.pageText(code);
		if (current === null) throw new ClinicalVaultError("not-found", `${code} has no treatment plan.`);
		const day = date ?? this.today();
		if (!ISO_DATE.test(day)) throw new ClinicalVaultError("invalid-input", `"${day}" is not a date like 2026-09-01.`);
		const page = parsePlanPage(current, path);
		refuseEdited(await editedRegions(page), path);
		page.rawFront.last_review = day;
		page.front.last_review = day;
		await this.record.writeText(path, await renderUpdatedPage(page, page.data, this.today(), { layout: this.record.layout }));
		return reviewStatus(page, this.clock.now());
	}
}

/** The plan's part of the pre-session brief (structurally the brief's BriefPlan). */
export interface PlanForBrief {
	nextReview: string;
	reviewState: ReviewStatus["state"];
	objectives: { id: string; text: string; targetDate: string; state: "due-soon" | "overdue"; lastProgress?: { date: string; note: string } }[];
}

/**
 * For the brief's `plan` source: the review date and state, and objectives due soon or overdue with
 * their last progress entry. Null when the client has no plan; a page that does not parse throws
 * (its message says where), since the brief must not pretend there is no plan.
 */
export async function planForBrief(record: ClinicalRecord, client: string, today: string, withinDays?: number): Promise<PlanForBrief | null> {
	const path = planPath(checkClientCode(client));
	if (!(await record.exists(path))) return null;
	const page = parsePlanPage(await record.readText(path, "internal"), path);
	const day = parseDay(today);
	const review = reviewStatus(page, day, withinDays);
	return {
		nextReview: review.nextReview,
		reviewState: review.state,
		objectives: objectivesDue(page, day, withinDays).map((o) => {
			const last = findObjective(page.data, o.objectiveId)?.objective.progress.reduce<ProgressEntry | undefined>(
				(a, p) => (a === undefined || p.date >= a.date ? p : a),
				undefined,
			);
			return {
				id: o.objectiveId,
				text: o.text,
				targetDate: o.targetDate,
				state: o.overdue ? "overdue" : "due-soon",
				...(last ? { lastProgress: { date: last.date, note: last.note } } : {}),
			};
		}),
	};
}

function applyDraft(data: PlanData, chosen: readonly PlanChange[]): PlanData {
	const next: PlanData = {
		...data,
		presenting_problems: [...data.presenting_problems],
		goals: data.goals.map((g) => ({ ...g, objectives: [...g.objectives] })),
		interventions: [...data.interventions],
	};
	for (const c of chosen) {
		switch (c.kind) {
			case "diagnosis":
				next.diagnosis = { text: c.diagnosis.text, source: c.diagnosis.source };
				break;
			case "problem":
				next.presenting_problems.push({ ...c.item });
				break;
			case "goal":
				next.goals.push({ id: c.goal.id, text: c.goal.text, objectives: [] });
				break;
			case "objective":
				next.goals.find((g) => g.id === c.goalId)!.objectives.push({ ...c.objective, status: "not-started", progress: [] });
				break;
			case "intervention":
				next.interventions.push({ ...c.item });
				break;
			default:
				break;
		}
	}
	return next;
}
