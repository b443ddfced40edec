/**
 * Diagnoses and codes in text: ICD-10(-CM) codes (F41.1, F32.A, Z63.0, bare F41/Z63, and the F and Z
 * chapters' codes in lower case or spaced: "f41.1", "F 41.1"), ICD-11 codes (6B00), DSM-IV style
 * numeric codes (300.02) when the sentence talks about diagnosis, DSM-5 diagnosis names and their
 * usual abbreviations in any case (PTSD, "ptsd", GAD, BPD, …; "ADD", "SAD", "ODD" only in capitals),
 * names without "disorder" ("generalised anxiety", "post-traumatic stress", "borderline
 * personality"), any "<words> disorder", and diagnostic claims ("meets
 * criteria for", "diagnostic impression", "R/O").
 *
 * Symptoms are not diagnoses: "depression", "anxiety", "panic attacks", "trauma", "binge eating"
 * are left alone; "major depressive disorder", "binge-eating disorder" are not.
 */
import { STOP_WORDS, normaliseForMatch } from "../text/words";
import { foldAccents } from "../safety/normalise";

export type DiagnosisKind = "code" | "name" | "claim";

export interface DiagnosisHit {
	start: number;
	end: number;
	text: string;
	kind: DiagnosisKind;
	/** Identity used to compare with the clinician's input: "code:F41.1", "dx:ptsd", "phrase:eating disorder", "claim". */
	key: string;
	/** For "dx:" keys, a broader family ("dx:bipolar" for bipolar I and II). */
	family?: string;
}

interface Entry {
	id: string;
	names: string[];
	abbr?: string[];
	family?: string;
}

const ENTRIES: readonly Entry[] = [
	{ id: "gad", names: ["generalized anxiety disorder", "generalised anxiety disorder", "generalized anxiety", "generalised anxiety"], abbr: ["GAD"] },
	{
		id: "mdd",
		names: [
			"major depressive disorder",
			"major depression",
			"major depressive episode",
			"clinical depression",
			"unipolar depression",
			"recurrent depressive disorder",
			"depressive episode",
			"recurrent depression",
		],
		abbr: ["MDD"],
	},
	{ id: "pdd", names: ["persistent depressive disorder", "dysthymia", "dysthymic disorder"], abbr: ["PDD"] },
	{
		id: "bipolar2",
		names: ["bipolar ii disorder", "bipolar ii", "bipolar 2", "bipolar type ii", "bipolar type 2", "bipolar disorder type ii", "bipolar ii depression"],
		family: "bipolar",
	},
	{
		id: "bipolar1",
		names: ["bipolar i disorder", "bipolar i", "bipolar 1", "bipolar type i", "bipolar type 1", "bipolar disorder type i"],
		family: "bipolar",
	},
	{ id: "bipolar", names: ["bipolar disorder", "bipolar affective disorder", "bipolar", "manic depression", "manic depressive illness", "manic-depressive"] },
	{ id: "cyclothymia", names: ["cyclothymic disorder", "cyclothymia"] },
	{
		id: "cptsd",
		names: ["complex post-traumatic stress disorder", "complex posttraumatic stress disorder", "complex ptsd"],
		abbr: ["C-PTSD", "CPTSD", "cPTSD"],
		family: "ptsd",
	},
	{
		id: "ptsd",
		names: [
			"post-traumatic stress disorder",
			"posttraumatic stress disorder",
			"post traumatic stress disorder",
			"post-traumatic stress",
			"posttraumatic stress",
		],
		abbr: ["PTSD"],
	},
	{ id: "acute-stress", names: ["acute stress disorder"] },
	{ id: "adjustment", names: ["adjustment disorder"] },
	{ id: "panic", names: ["panic disorder"] },
	{ id: "agoraphobia", names: ["agoraphobia"] },
	{ id: "social-anxiety", names: ["social anxiety disorder", "social phobia"], abbr: ["SAD"] },
	{ id: "specific-phobia", names: ["specific phobia"] },
	{ id: "separation-anxiety", names: ["separation anxiety disorder"] },
	{ id: "ocpd", names: ["obsessive-compulsive personality disorder", "obsessive compulsive personality disorder"], abbr: ["OCPD"] },
	{ id: "ocd", names: ["obsessive-compulsive disorder", "obsessive compulsive disorder", "obsessive-compulsive"], abbr: ["OCD"] },
	{ id: "bdd", names: ["body dysmorphic disorder"], abbr: ["BDD"] },
	{ id: "hoarding", names: ["hoarding disorder"] },
	{ id: "trichotillomania", names: ["trichotillomania"] },
	{ id: "excoriation", names: ["excoriation disorder", "skin-picking disorder"] },
	{
		id: "adhd",
		names: [
			"attention-deficit/hyperactivity disorder",
			"attention deficit hyperactivity disorder",
			"attention-deficit disorder",
			"attention deficit disorder",
		],
		abbr: ["ADHD", "ADD"],
	},
	{
		id: "autism",
		names: [
			"autism spectrum disorder",
			"asperger's syndrome",
			"aspergers syndrome",
			"asperger syndrome",
			"autistic",
			"on the autism spectrum",
			"on the spectrum",
		],
		abbr: ["ASD"],
	},
	{ id: "schizoaffective", names: ["schizoaffective disorder", "schizoaffective"] },
	{ id: "schizophrenia", names: ["schizophreniform disorder", "schizophrenia"] },
	{ id: "psychotic-disorder", names: ["brief psychotic disorder", "delusional disorder", "psychotic disorder"] },
	{
		id: "bpd",
		names: ["borderline personality disorder", "emotionally unstable personality disorder", "borderline personality", "emotionally unstable personality"],
		abbr: ["BPD", "EUPD"],
	},
	{ id: "npd", names: ["narcissistic personality disorder", "narcissistic personality"], abbr: ["NPD"] },
	{
		id: "aspd",
		names: [
			"antisocial personality disorder",
			"antisocial personality",
			"sociopathy",
			"psychopathy",
			"sociopath",
			"sociopathic",
			"psychopath",
			"psychopathic",
		],
		abbr: ["ASPD"],
	},
	{ id: "histrionic", names: ["histrionic personality disorder"] },
	{ id: "avoidant-pd", names: ["avoidant personality disorder"] },
	{ id: "dependent-pd", names: ["dependent personality disorder"] },
	{ id: "paranoid-pd", names: ["paranoid personality disorder"] },
	{ id: "schizoid", names: ["schizoid personality disorder", "schizotypal personality disorder"] },
	{ id: "anorexia", names: ["anorexia nervosa", "anorexia"] },
	{ id: "bulimia", names: ["bulimia nervosa", "bulimia"] },
	{ id: "bed", names: ["binge-eating disorder", "binge eating disorder"] },
	{ id: "arfid", names: ["avoidant/restrictive food intake disorder", "avoidant restrictive food intake disorder"], abbr: ["ARFID"] },
	{
		id: "sud",
		names: [
			"substance use disorder",
			"alcohol use disorder",
			"opioid use disorder",
			"cannabis use disorder",
			"stimulant use disorder",
			"alcohol dependence",
			"opioid dependence",
			"alcoholism",
		],
		abbr: ["SUD", "AUD", "OUD"],
	},
	{ id: "insomnia", names: ["insomnia disorder"] },
	{ id: "gender-dysphoria", names: ["gender dysphoria"] },
	{ id: "did", names: ["dissociative identity disorder", "multiple personality disorder"] },
	{
		id: "dpdr",
		names: [
			"depersonalization/derealization disorder",
			"depersonalization-derealization disorder",
			"depersonalization disorder",
			"depersonalisation disorder",
		],
	},
	{ id: "dissociative-amnesia", names: ["dissociative amnesia"] },
	{ id: "conversion", names: ["conversion disorder", "functional neurological symptom disorder"] },
	{ id: "somatic", names: ["somatic symptom disorder", "illness anxiety disorder", "hypochondriasis"] },
	{ id: "pmdd", names: ["premenstrual dysphoric disorder"], abbr: ["PMDD"] },
	{ id: "dmdd", names: ["disruptive mood dysregulation disorder"], abbr: ["DMDD"] },
	{ id: "odd", names: ["oppositional defiant disorder"], abbr: ["ODD"] },
	{ id: "conduct", names: ["conduct disorder"] },
	{ id: "ied", names: ["intermittent explosive disorder"] },
	{ id: "rad", names: ["reactive attachment disorder"] },
	{ id: "grief", names: ["prolonged grief disorder", "complicated grief", "persistent complex bereavement disorder"] },
	{ id: "gambling", names: ["gambling disorder"] },
	{ id: "tourette", names: ["tourette's syndrome", "tourette syndrome", "tourettes"] },
	{ id: "neurocognitive", names: ["major neurocognitive disorder", "mild neurocognitive disorder", "dementia"] },
];

function phraseSource(name: string): string {
	return name
		.split(/([\s/-]+)/)
		.map((part) => (/^[\s/-]+$/.test(part) ? "[\\s/-]*" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/'/g, "['’]?")))
		.join("");
}

/** Abbreviations that are also English words (or parts of them): matched in capitals only. */
const WORD_ABBREVIATIONS = new Set(["ADD", "SAD", "ODD", "SUD", "AUD", "OUD"]);

interface CompiledEntry {
	re: RegExp;
	id: string;
	family?: string;
	length: number;
	caseSensitive: boolean;
}

const COMPILED: CompiledEntry[] = ENTRIES.flatMap((e) => [
	...e.names.map((n) => ({ re: new RegExp(`\\b${phraseSource(n)}(?:s)?\\b`, "gi"), id: e.id, family: e.family, length: n.length, caseSensitive: false })),
	// In capitals; in any case too ("ptsd", "Adhd") unless the abbreviation is an English word ("ADD", "SAD", "ODD").
	...(e.abbr ?? []).map((a) => ({
		re: new RegExp(`\\b${a.replace(/-/g, "-?")}s?\\b(?!-?\\s?7)`, WORD_ABBREVIATIONS.has(a) ? "g" : "gi"),
		id: e.id,
		family: e.family,
		length: a.length,
		caseSensitive: WORD_ABBREVIATIONS.has(a),
	})),
]).sort((a, b) => b.length - a.length);

const ICD_DOTTED = /\b[A-TV-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4}\b/g;
/** The mental-health and social chapters' codes in lower case or with a space or hyphen after the letter: "f41.1", "F 41.1", "F-41.1". */
const ICD_LOOSE = /(?<!#)\b[FZfz][\s-]?[0-9]{2}\s?\.\s?[0-9A-Za-z]{1,4}\b/g;
/** A bare code in lower case ("f41"), where the sentence talks about diagnosis. */
const ICD_BARE_LOWER = /(?<!#)\b[fz][0-9]{2}\b/g;
const ICD_BARE = /\b[FZ][0-9]{2}\b/g;
/** ICD-11 codes of the mental, behavioural and neurodevelopmental chapter: "6B00", "6A70.1". */
const ICD11 = /\b6[A-E][0-9][0-9A-Z](?:\.[0-9A-Z]{1,2})?\b/g;
const DSM_NUMERIC = /\b(?:29[0-9]|3[01][0-9])\.[0-9]{1,2}\b/g;
const DIAGNOSTIC_CONTEXT = /diagnos|\bdx\b|\bcodes?\b|\bDSM|\bICD|criteria/i;

const CLAIMS =
	/\bmeets?\s+(?:full\s+|the\s+)?(?:DSM(?:-5)?(?:-TR)?\s+)?criteria\b|\bmet\s+(?:full\s+)?criteria\b|\bdiagnostic\s+(?:impression|criteria|formulation)\b|\b(?:working|provisional|differential|primary|secondary|principal|tentative)\s+(?:diagnosis|dx)\b|\bdiagnos(?:is|es)\s+(?:of|is|includes?|:)|\bdiagnosed\s+(?:with|as)\b|\bDx\b|\bR\/O\b|\b(?:symptoms?|presentation|clinical\s+picture|profile)\s+(?:is\s+|are\s+|appears?\s+|remains?\s+)?consistent\s+with\b|\bDSM(?:-?(?:5|IV|V))?(?:-TR)?\b|\bICD(?:-?1[01])?(?:-CM)?\b/g;

const GENERIC_DISORDER = /\b((?:[A-Za-z][\w'’/-]*\s+){1,4})(disorders?)\b/g;
const GENERIC_SKIP = new Set([
	...STOP_WORDS,
	"has",
	"have",
	"had",
	"meets",
	"meet",
	"met",
	"consistent",
	"likely",
	"possible",
	"possibly",
	"probable",
	"probably",
	"diagnosed",
	"diagnosis",
	"criteria",
	"client",
	"clients",
	"patient",
	"with",
	"of",
	"for",
	"an",
	"a",
	"the",
	"her",
	"his",
	"their",
	"suspected",
	"rule",
	"out",
]);

function overlaps(hits: DiagnosisHit[], start: number, end: number): boolean {
	return hits.some((h) => start < h.end && end > h.start);
}

/**
 * Diagnoses, codes and diagnostic claims in a text, non-overlapping, in order. The text is read as
 * written and without its accents ("pTSD", "bïpolar"): a hit found only in the second reading counts.
 */
export function findDiagnoses(text: string): DiagnosisHit[] {
	const hits = diagnosesIn(text);
	const folded = foldAccents(text);
	if (folded === text) return hits;
	for (const h of diagnosesIn(folded)) if (!overlaps(hits, h.start, h.end)) hits.push({ ...h, text: text.slice(h.start, h.end) });
	return hits.sort((a, b) => a.start - b.start);
}

function diagnosesIn(text: string): DiagnosisHit[] {
	const hits: DiagnosisHit[] = [];
	const push = (h: DiagnosisHit): void => {
		if (!overlaps(hits, h.start, h.end)) hits.push(h);
	};
	for (const re of [ICD_DOTTED, ICD_BARE, ICD_LOOSE, ICD11]) {
		for (const m of text.matchAll(new RegExp(re.source, "g")))
			push({ start: m.index, end: m.index + m[0].length, text: m[0], kind: "code", key: `code:${m[0].toUpperCase().replace(/[\s-]+/g, "")}` });
	}
	if (DIAGNOSTIC_CONTEXT.test(text)) {
		for (const m of text.matchAll(new RegExp(ICD_BARE_LOWER.source, "g")))
			push({ start: m.index, end: m.index + m[0].length, text: m[0], kind: "code", key: `code:${m[0].toUpperCase()}` });
		for (const m of text.matchAll(new RegExp(DSM_NUMERIC.source, "g")))
			push({ start: m.index, end: m.index + m[0].length, text: m[0], kind: "code", key: `code:${m[0]}` });
	}
	for (const c of COMPILED) {
		for (const m of text.matchAll(new RegExp(c.re.source, c.re.flags))) {
			push({
				start: m.index,
				end: m.index + m[0].length,
				text: m[0],
				kind: "name",
				key: `dx:${c.id}`,
				...(c.family ? { family: `dx:${c.family}` } : {}),
			});
		}
	}
	for (const m of text.matchAll(new RegExp(GENERIC_DISORDER.source, "g"))) {
		const all = m[1]!.trim().split(/\s+/);
		const words: string[] = [];
		for (let i = all.length - 1; i >= 0; i--) {
			const w = all[i]!;
			if (GENERIC_SKIP.has(w.toLowerCase()) || /['’]/.test(w)) break;
			words.unshift(w);
		}
		if (words.length === 0) continue;
		const phrase = `${words.join(" ")} ${m[2]!}`;
		const end = m.index + m[0].length;
		const start = end - phrase.length;
		if (text.slice(start, end) !== phrase) continue;
		push({ start, end, text: phrase, kind: "name", key: `phrase:${normaliseForMatch(phrase).replace(/disorders$/, "disorder")}` });
	}
	for (const m of text.matchAll(new RegExp(CLAIMS.source, "gi"))) {
		push({ start: m.index, end: m.index + m[0].length, text: m[0], kind: "claim", key: "claim" });
	}
	return hits.sort((a, b) => a.start - b.start);
}

/** The keys (codes, diagnosis ids, disorder phrases) named in a text, for "is it in the clinician's input?". */
export function diagnosisKeys(text: string): Set<string> {
	const keys = new Set<string>();
	for (const h of findDiagnoses(text)) {
		keys.add(h.key);
		if (h.family) keys.add(h.family);
		if (h.kind === "code") keys.add(h.key.replace(/\.$/, ""));
	}
	return keys;
}

/** Whether a hit (not a claim) is named in a text whose keys are given. */
export function diagnosisPresent(hit: DiagnosisHit, keys: ReadonlySet<string>): boolean {
	// Keys include each name's family, so "bipolar disorder" in the draft is covered by "bipolar II" in
	// the input; the other way round is not.
	return hit.kind !== "claim" && keys.has(hit.key);
}
