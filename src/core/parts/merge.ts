/**
 * The deterministic half of a parts-map update: the model's report on one session (prompt.ts) is
 * compared with the map and turned into proposed changes, and accepted changes are applied. Same
 * map + same report = same changes with the same ids; applying them and comparing again gives none.
 *
 * Rules:
 * - Names: a normalised exact match (case, punctuation, a leading "the", recorded aliases) is the
 *   same part. A near match ("Critic" / "Inner Critic", "Little One" / "little one girl") is never
 *   merged: it gives a "same-part" change per candidate and an alternative "new-part" change, all
 *   marked conflict (so `all` takes none of them) and mutually exclusive. Accepting "same-part"
 *   records the alias; the next run for the session then proposes that session's updates to it.
 * - Clinician edits win: each part keeps `written`, what the tool last wrote. A field whose value
 *   differs from it was edited by hand; a model value for it becomes a conflict change (applied only
 *   by id), unless the model says again what the clinician already replaced (then nothing). List
 *   items and relationships the clinician deleted are not proposed again.
 * - Status moves only forward (unknown < met < unblended < witnessed < retrieved < unburdened): one
 *   change per claimed step beyond the current status, each recorded in the history. A backward
 *   claim is ignored (the clinician sets a status back by editing the data).
 * - Relationships resolve names to parts that exist or are new in the same proposal (the change then
 *   needs that new part's change); names that resolve to nothing are left out, never guessed.
 * - Changes the clinician declined for a session are remembered in the map and not proposed again
 *   for that session.
 */
import { ClinicalVaultError } from "../errors";
import type { Change } from "../proposals/proposals";
import { changeId } from "../proposals/proposals";
import {
	findExact,
	findNear,
	LIST_FIELDS,
	normalizeName,
	RELATIONS,
	sameText,
	SELF_QUALITIES,
	slug,
	statusRank,
	STATUSES,
	SYMMETRIC,
	type ListField,
	type Part,
	type PartKind,
	type PartsMap,
	type PartStatus,
	type Relation,
	type ScalarField,
	type SelfQuality,
} from "./model";
import { partResolver } from "./mermaid";
import { dataText } from "./modelText";
import { normaliseModelText } from "../safety/normalise";
import type { PartMention, PartsAnswer } from "./prompt";

export type PartsOp =
	| { op: "new-part"; part: string; name: string; kind: PartKind; role: string; origin: string; burdens: string[]; fears: string[]; status: PartStatus }
	| { op: "same-part"; part: string; alias: string }
	| { op: "field"; part: string; field: ScalarField; from: string; to: string }
	| { op: "add-item"; part: string; field: ListField; item: string }
	| { op: "status"; part: string; from: PartStatus; to: PartStatus }
	| { op: "relationship"; relation: Relation; part: string; target: string }
	| { op: "seen"; part: string }
	| { op: "self-energy"; qualities: SelfQuality[] };

export interface PartsChange extends Change {
	kind: PartsOp["op"];
	op: PartsOp;
	/** Ids of changes that must be accepted with this one (a new part it refers to). */
	needs?: string[];
	/** Ids of changes it cannot be accepted with (the other answers to a "same part?" question). */
	excludes?: string[];
}

export interface SessionRef {
	/** Record path of the session note. */
	note: string;
	/** Its session date, YYYY-MM-DD. */
	date: string;
	/** The note's text, to check that evidence is quoted from it. */
	text: string;
}

/**
 * Model text as the data keeps it: normalised (NFKC, invisible characters out, one line), without
 * comment or fence markers, cut to `max`. The checks (checks.ts) run before; pages render it inert.
 */
export function cleanText(text: string, max = 300): string {
	return dataText(text, max);
}

function squash(text: string): string {
	return normaliseModelText(text).toLowerCase().replace(/["']/g, "").replace(/\s+/g, " ").trim();
}

/** Evidence is shown only when it is really in the note (a model's paraphrase is not evidence). */
function grounded(evidence: string, note: string): string | undefined {
	const e = cleanText(evidence, 400);
	return e.length >= 3 && squash(note).includes(squash(e)) ? e : undefined;
}

function uniqueTexts(items: readonly string[]): string[] {
	const out: string[] = [];
	for (const raw of items) {
		const item = cleanText(raw, 200);
		if (item !== "" && !out.some((o) => sameText(o, item))) out.push(item);
	}
	return out;
}

function written(part: Part, field: string): unknown {
	return part.written?.[field];
}

function writtenList(part: Part, field: string): string[] {
	const v = written(part, field);
	return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

const FIELD_LABEL: Record<ScalarField | ListField, string> = { kind: "kind", role: "role", origin: "age or origin", burdens: "burden", fears: "fear" };
const RELATION_TEXT: Record<Relation, string> = { protects: "protects", polarized_with: "is polarized with", allied_with: "is allied with" };

interface Resolved {
	id: string;
	name: string;
	needs: string[];
}

/** The proposed changes for one session's report against the map, in a stable order with stable ids. */
export async function computeChanges(map: PartsMap, answer: PartsAnswer, session: SessionRef): Promise<PartsChange[]> {
	const changes: PartsChange[] = [];
	const taken = new Set<string>();
	const add = async (
		op: PartsOp,
		summary: string,
		extra: { evidence?: string | undefined; conflict?: boolean; needs?: string[]; excludes?: string[] } = {},
	): Promise<PartsChange> => {
		const id = await changeId([op], taken);
		taken.add(id);
		const change: PartsChange = {
			id,
			kind: op.op,
			summary,
			op,
			...(extra.evidence ? { evidence: extra.evidence } : {}),
			...(extra.conflict ? { conflict: true } : {}),
			...(extra.needs && extra.needs.length > 0 ? { needs: extra.needs } : {}),
			...(extra.excludes && extra.excludes.length > 0 ? { excludes: extra.excludes } : {}),
		};
		changes.push(change);
		return change;
	};

	// One mention per name (the first), in the model's order.
	const mentions: PartMention[] = [];
	for (const m of answer.parts) {
		const name = cleanText(m.name, 80);
		if (name === "" || normalizeName(name) === "" || mentions.some((x) => normalizeName(x.name) === normalizeName(name))) continue;
		mentions.push({ ...m, name });
	}

	const ids = new Set(map.parts.map((p) => p.id));
	const newId = (name: string): string => {
		const base = slug(name);
		let id = base;
		for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
		ids.add(id);
		return id;
	};
	const resolved = new Map<string, Resolved>();

	for (const m of mentions) {
		const key = normalizeName(m.name);
		const evidence = grounded(m.evidence, session.text);
		const exact = findExact(map.parts, m.name);
		if (exact) {
			resolved.set(key, { id: exact.id, name: exact.name, needs: [] });
			await partChanges(exact, m, session, evidence, add);
			continue;
		}
		const near = findNear(map.parts, m.name).sort((a, b) => a.id.localeCompare(b.id));
		const id = newId(m.name);
		const status = m.status_reached.reduce<PartStatus>((best, s) => (statusRank(s) > statusRank(best) ? s : best), "unknown");
		const op: PartsOp = {
			op: "new-part",
			part: id,
			name: m.name,
			kind: m.kind,
			role: cleanText(m.role),
			origin: cleanText(m.age_or_origin, 200),
			burdens: uniqueTexts(m.burdens),
			fears: uniqueTexts(m.fears),
			status,
		};
		const describe = `${m.kind}${op.role ? `, ${op.role}` : ""}; status ${status}`;
		if (near.length === 0) {
			const created = await add(op, `New part "${m.name}" (${describe})`, { evidence });
			resolved.set(key, { id, name: m.name, needs: [created.id] });
			continue;
		}
		// A near match is a question for the clinician, never a silent merge.
		const questions: PartsChange[] = [];
		for (const candidate of near) {
			questions.push(
				await add(
					{ op: "same-part", part: candidate.id, alias: m.name },
					`Same part? "${m.name}" may be "${candidate.name}": accepting records "${m.name}" as another name for it (update from this session again for its changes)`,
					{ evidence, conflict: true },
				),
			);
		}
		const alternative = await add(op, `New part "${m.name}" (${describe}), not "${near.map((p) => p.name).join('" or "')}"`, { evidence, conflict: true });
		const all = [...questions, alternative];
		for (const c of all) c.excludes = all.filter((o) => o !== c).map((o) => o.id);
	}

	// Relationships, once each (symmetric ones once per pair), from the parts that resolved.
	const resolver = partResolver(map.parts);
	const done = new Set<string>();
	for (const m of mentions) {
		const from = resolved.get(normalizeName(m.name));
		if (!from) continue;
		for (const relation of RELATIONS) {
			for (const targetName of m[relation]) {
				const target =
					resolved.get(normalizeName(cleanText(targetName, 80))) ??
					(() => {
						const p = findExact(map.parts, cleanText(targetName, 80));
						return p ? { id: p.id, name: p.name, needs: [] } : null;
					})();
				if (!target || target.id === from.id) continue;
				const pair = SYMMETRIC.has(relation) ? [from.id, target.id].sort() : [from.id, target.id];
				const key = `${relation}:${pair.join(">")}`;
				if (done.has(key)) continue;
				done.add(key);
				const existing = map.parts.find((p) => p.id === from.id);
				const other = map.parts.find((p) => p.id === target.id);
				const holds = (p: Part | undefined, q: string) => p !== undefined && p[relation].some((r) => resolver(r)?.id === q || r === q);
				if (holds(existing, target.id) || (SYMMETRIC.has(relation) && holds(other, from.id))) continue;
				const removedByClinician = (p: Part | undefined, q: string) => p !== undefined && writtenList(p, relation).includes(q);
				if (removedByClinician(existing, target.id) || (SYMMETRIC.has(relation) && removedByClinician(other, from.id))) continue;
				await add({ op: "relationship", relation, part: from.id, target: target.id }, `${from.name} ${RELATION_TEXT[relation]} ${target.name}`, {
					evidence: grounded(m.evidence, session.text),
					needs: [...new Set([...from.needs, ...target.needs])],
				});
			}
		}
	}

	const qualities = SELF_QUALITIES.filter((q) => answer.self_energy.includes(q));
	if (qualities.length > 0) {
		const entry = map.sessions.find((s) => s.note === session.note);
		const current = entry?.self_energy;
		const same = current !== undefined && current.length === qualities.length && qualities.every((q) => current.includes(q));
		if (!same) {
			await add(
				{ op: "self-energy", qualities },
				`Self-energy in this session: ${qualities.join(", ")}${current !== undefined ? ` (replaces ${current.join(", ") || "none"}, which was edited by hand)` : ""}`,
				{
					evidence: grounded(answer.self_energy_evidence, session.text),
					conflict: current !== undefined,
				},
			);
		}
	}

	const declined = new Set(map.sessions.find((s) => s.note === session.note)?.declined ?? []);
	const kept = changes.filter((c) => !declined.has(c.id));
	const keptIds = new Set(kept.map((c) => c.id));
	return kept.filter((c) => (c.needs ?? []).every((n) => keptIds.has(n)));
}

type Add = (op: PartsOp, summary: string, extra?: { evidence?: string | undefined; conflict?: boolean }) => Promise<PartsChange>;

async function partChanges(part: Part, m: PartMention, session: SessionRef, evidence: string | undefined, add: Add): Promise<void> {
	const claims: Record<ScalarField, string> = { kind: m.kind === "unknown" ? "" : m.kind, role: cleanText(m.role), origin: cleanText(m.age_or_origin, 200) };
	for (const field of ["kind", "role", "origin"] as const) {
		const to = claims[field];
		const current = part[field];
		if (to === "" || sameText(to, current)) continue;
		const snapshot = written(part, field);
		const empty = current === "" || (field === "kind" && current === "unknown");
		const edited = snapshot === undefined ? !empty : !sameText(current, snapshot);
		if (edited && snapshot !== undefined && sameText(to, snapshot)) continue;
		await add(
			{ op: "field", part: part.id, field, from: current, to },
			`${part.name}: ${FIELD_LABEL[field]} ${empty ? "" : `"${current}" → `}"${to}"${edited ? " (replaces your edit)" : ""}`,
			{ evidence, conflict: edited },
		);
	}
	for (const field of LIST_FIELDS) {
		const items = field === "burdens" ? m.burdens : m.fears;
		for (const item of uniqueTexts(items)) {
			if (part[field].some((x) => sameText(x, item)) || writtenList(part, field).some((x) => sameText(x, item))) continue;
			await add({ op: "add-item", part: part.id, field, item }, `${part.name}: ${FIELD_LABEL[field]} "${item}"`, { evidence });
		}
	}
	const steps = STATUSES.filter((s) => m.status_reached.includes(s) && statusRank(s) > statusRank(part.status));
	let from = part.status;
	for (const to of steps) {
		await add({ op: "status", part: part.id, from, to }, `${part.name}: status ${from} → ${to}`, { evidence });
		from = to;
	}
	const first = part.first_seen?.date;
	const last = part.last_seen?.date;
	if (first === undefined || last === undefined || session.date < first || session.date > last) {
		await add({ op: "seen", part: part.id }, `${part.name}: present in this session (${last === undefined ? "not seen before" : `last seen ${last}`})`, {
			evidence,
		});
	}
}

function clone<T>(value: T): T {
	return JSON.parse(JSON.stringify(value)) as T;
}

/** Checks that a selection respects `needs` and `excludes`; throws naming the changes otherwise. */
export function checkSelection(selected: readonly PartsChange[], all: readonly PartsChange[]): void {
	const ids = new Set(selected.map((c) => c.id));
	for (const c of selected) {
		const missing = (c.needs ?? []).filter((n) => !ids.has(n));
		if (missing.length > 0) {
			const names = missing.map((n) => `${n} (${all.find((x) => x.id === n)?.summary ?? "unknown"})`);
			throw new ClinicalVaultError("invalid-input", `Change ${c.id} (${c.summary}) needs ${names.join(", ")} accepted too. Nothing was applied.`);
		}
		const clash = (c.excludes ?? []).filter((n) => ids.has(n));
		if (clash.length > 0)
			throw new ClinicalVaultError(
				"invalid-input",
				`Changes ${c.id} and ${clash.join(", ")} are different answers to the same question; accept only one. Nothing was applied.`,
			);
	}
}

/** The map with the accepted changes applied and the declined ids remembered for the session. */
export function applyChanges(map: PartsMap, accepted: readonly PartsChange[], declined: readonly string[], session: Omit<SessionRef, "text">): PartsMap {
	const out = clone(map);
	const find = (id: string): Part => {
		const p = out.parts.find((x) => x.id === id);
		if (!p) throw new ClinicalVaultError("refused", `The part "${id}" is no longer on the map, so the proposal was not applied. Compute it again.`);
		return p;
	};
	const seen = { date: session.date, note: session.note };
	const history = (p: Part, change: string) => p.history.push({ date: session.date, note: session.note, change });
	const snap = (p: Part) => (p.written ??= {});
	const resolve = partResolver(out.parts);
	for (const c of accepted) {
		const op = c.op;
		switch (op.op) {
			case "new-part": {
				const part: Part = {
					id: op.part,
					name: op.name,
					aliases: [],
					kind: op.kind,
					role: op.role,
					origin: op.origin,
					burdens: [...op.burdens],
					fears: [...op.fears],
					status: op.status,
					protects: [],
					polarized_with: [],
					allied_with: [],
					first_seen: { ...seen },
					last_seen: { ...seen },
					history: [],
					written: {},
				};
				part.written = {
					kind: op.kind,
					role: op.role,
					origin: op.origin,
					burdens: [...op.burdens],
					fears: [...op.fears],
					status: op.status,
					protects: [],
					polarized_with: [],
					allied_with: [],
				};
				history(part, `first seen: ${op.kind}${op.role ? `, ${op.role}` : ""}; status ${op.status}`);
				out.parts.push(part);
				break;
			}
			case "same-part": {
				const p = find(op.part);
				if (!p.aliases.some((a) => normalizeName(a) === normalizeName(op.alias))) p.aliases.push(op.alias);
				history(p, `also called "${op.alias}"`);
				break;
			}
			case "field": {
				const p = find(op.part);
				p[op.field] = op.to as never;
				snap(p)[op.field] = op.to;
				history(p, `${FIELD_LABEL[op.field]}: ${op.to}`);
				break;
			}
			case "add-item": {
				const p = find(op.part);
				if (!p[op.field].some((x) => sameText(x, op.item))) p[op.field].push(op.item);
				snap(p)[op.field] = [...writtenList(p, op.field), op.item];
				history(p, `${FIELD_LABEL[op.field]}: ${op.item}`);
				break;
			}
			case "status": {
				const p = find(op.part);
				if (statusRank(op.to) > statusRank(p.status)) {
					p.status = op.to;
					snap(p).status = op.to;
				}
				history(p, `status: ${op.to}`);
				break;
			}
			case "relationship": {
				const p = find(op.part);
				const q = find(op.target);
				const link = (a: Part, b: Part) => {
					if (!a[op.relation].some((r) => resolve(r)?.id === b.id)) a[op.relation].push(b.id);
					snap(a)[op.relation] = [...new Set([...writtenList(a, op.relation), b.id])];
				};
				link(p, q);
				if (SYMMETRIC.has(op.relation)) link(q, p);
				history(p, `${RELATION_TEXT[op.relation]} ${q.name}`);
				if (SYMMETRIC.has(op.relation)) history(q, `${RELATION_TEXT[op.relation]} ${p.name}`);
				break;
			}
			case "seen": {
				const p = find(op.part);
				if (!p.first_seen || session.date < p.first_seen.date) p.first_seen = { ...seen };
				if (!p.last_seen || session.date > p.last_seen.date) p.last_seen = { ...seen };
				history(p, "present");
				break;
			}
			case "self-energy":
				entryFor(out, session).self_energy = [...op.qualities];
				break;
		}
	}
	if (declined.length > 0) {
		const entry = entryFor(out, session);
		entry.declined = [...new Set([...(entry.declined ?? []), ...declined])].sort();
	}
	if (accepted.length > 0) entryFor(out, session);
	for (const p of out.parts) p.history.sort((a, b) => a.date.localeCompare(b.date));
	return out;
}

function entryFor(map: PartsMap, session: Omit<SessionRef, "text">): PartsMap["sessions"][number] {
	let entry = map.sessions.find((s) => s.note === session.note);
	if (!entry) {
		entry = { note: session.note, date: session.date };
		map.sessions.push(entry);
		map.sessions.sort((a, b) => a.date.localeCompare(b.date) || a.note.localeCompare(b.note));
	}
	return entry;
}
