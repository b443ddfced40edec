/**
 * Risk language. Two different things are recognised here:
 *
 * - risk JUDGEMENTS (in the model's draft): text that assesses, rates, denies or rules out risk
 *   ("low risk", "denies SI/HI", "no safety concerns", "contracted for safety", "not a danger to self
 *   or others", "passive SI without plan"). Only the clinician makes these; the draft loses them.
 * - risk MENTIONS (in the session input, and in the draft): words about suicide, self-harm, harm to
 *   others, abuse or weapons, including indirect phrasings ("don't want to be here anymore", "better
 *   off without me"). These are pointers for the clinician, never a judgement; a false alarm costs a
 *   glance, a miss costs much more, so they are deliberately inclusive.
 *
 * Abbreviations (SI, HI, SIB, NSSI, SA, OD, DV, CPS, APS) count only in capitals, so "hi" (a greeting)
 * and "si" never match.
 *
 * Indirect English mentions include sleeping forever or not waking up ("I hope I don't wake up"),
 * wanting to disappear or vanish (but not "into the background" or "for the weekend"), wanting
 * everything to stop, "nobody would miss me", an urge to cut, "he used to beat me", being beaten.
 *
 * Mentions are also recognised in Spanish transcripts ("no quiero vivir", "me quiero matar", "me corto",
 * "me pega", "abusó de mí", "tiene una pistola"); those patterns carry `language: "es"` and their hits
 * say so. Spanish idioms that borrow the same words stay out: "me muero de risa", "me corté el pelo",
 * "este trabajo me está matando", "se me pegó la canción", "corté con mi novio", "armar el mueble",
 * "desaparecer de las redes".
 */

export type RiskCategory = "suicide" | "self-harm" | "harm to others" | "abuse" | "weapons";

export interface TermHit {
	start: number;
	end: number;
	text: string;
	label: string;
	/** Set on hits of the Spanish patterns only. */
	language?: "es";
}

interface Pattern {
	re: RegExp;
	label: string;
	/** Rejects a match in context (e.g. "panic attack"). */
	reject?: (text: string, start: number, match: string) => boolean;
	/** Spanish patterns say so; the others are English. */
	language?: "es";
}

const ABBREVIATION = /\b(?:si|hi|sib|nssi|sa|od|dv|cps|aps|s\/i|h\/i)\b/gi;

/** Abbreviations must be written in capitals to count. */
function abbreviationsOk(match: string): boolean {
	for (const m of match.matchAll(ABBREVIATION)) if (m[0] !== m[0].toUpperCase()) return false;
	return true;
}

/** Each pattern's global twin, compiled once (its lastIndex is reset before every use). */
const GLOBAL = new WeakMap<RegExp, RegExp>();

/** The global twin of a pattern's regex, compiled once and reset for a fresh scan (shared with safety/riskDomain.ts). */
export function globalRegExp(source: RegExp): RegExp {
	let re = GLOBAL.get(source);
	if (!re) {
		re = new RegExp(source.source, source.flags.includes("g") ? source.flags : `${source.flags}g`);
		GLOBAL.set(source, re);
	}
	re.lastIndex = 0;
	return re;
}

function allHits(patterns: readonly Pattern[], text: string): TermHit[] {
	const out: TermHit[] = [];
	for (const p of patterns) {
		const re = globalRegExp(p.re);
		let m: RegExpExecArray | null;
		while ((m = re.exec(text)) !== null) {
			if (m[0] === "") {
				re.lastIndex++;
				continue;
			}
			if (abbreviationsOk(m[0]) && !(p.reject?.(text, m.index, m[0]) ?? false)) {
				out.push({ start: m.index, end: m.index + m[0].length, text: m[0], label: p.label, ...(p.language ? { language: p.language } : {}) });
			} else {
				re.lastIndex = m.index + 1;
			}
		}
	}
	return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

function wordsBefore(text: string, start: number, n: number): string[] {
	const words =
		text
			.slice(Math.max(0, start - 60), start)
			.toLowerCase()
			.match(/[\p{L}']+/gu) ?? [];
	return words.slice(-n);
}

/** "hurt her (sister's) feelings": not violence. */
function feelingsAfter(text: string, start: number, match: string): boolean {
	return /^(?:['’]s)?(?:\s+[\w'’]+){0,3}?\s+feelings\b/i.test(text.slice(start + match.length));
}

function wordBefore(text: string, start: number): string {
	return /([\p{L}']+)[^\p{L}']*$/u.exec(text.slice(Math.max(0, start - 40), start))?.[1]?.toLowerCase() ?? "";
}

// ---------------------------------------------------------------------------------------------
// Building blocks

const SELF = String.raw`(?:self|herself|himself|themselves|themself|oneself|myself|yourself)`;
const OTHERS = String.raw`(?:others|anyone|anybody|someone|somebody|another\s+person|other\s+people|people)`;
const HARM_VERB = String.raw`(?:harm|hurt|kill|injur|cut|burn|hang|shoot|stab|strangl|chok)\w*`;
const ABBR = String.raw`(?:SI|HI|SIB|NSSI|SA|S\/I|H\/I)`;
/** What follows "risk of/for" when the risk is a safety risk (not "risk of relapse", "risk of losing her job"). */
const HARM_TARGET = String.raw`(?:self|harm|hurt|suicid|self[\s-]?harm|self[\s-]?injur|violen|danger|others|injur|overdos|kill|die|dying|death|abuse|neglect|homicid|acting\s+on)`;
const NEG = String.raw`(?:no|not|nor|never|none|denie[sd]|deny(?:ing)?|denials?|negative|without|absence|absent|free\s+(?:of|from)|ruled?\s+out|rules\s+out|non|cannot|[a-z]+n['’]t)`;
const LEVEL = String.raw`(?:no|low|lower|lowest|minimal|minimum|mild|moderate|medium|high|higher|highest|elevated|imminent|acute|chronic|negligible|little|limited|increased|decreased|reduced|significant|serious|severe|heightened|baseline|static|dynamic|overall|current)`;
const QUAL = String.raw`(?:acute|chronic|current|immediate|imminent|suicide|suicidal|self[\s-]?harm|safety|violence|homicide|homicidal|overall|foreseeable|ongoing|significant|elevated|heightened|moderate|low|high|minimal)`;
const RISK_ADJ = String.raw`(?:low|minimal|moderate|high|elevated|acute|imminent|negligible|absent|none|unchanged|stable|mitigated|managed|manageable|reduced|increased|lower|higher)`;

/** Things whose denial or absence is a risk judgement. */
const RISK_OBJECT = [
	`${ABBR}(?:\\s*\\/\\s*${ABBR})*\\b`,
	String.raw`suicid\w*`,
	String.raw`homicid\w*`,
	String.raw`self[\s-]?(?:harm|injur|mutilat|destruct)\w*`,
	`${HARM_VERB}\\s+(?:to\\s+)?(?:${SELF}|${OTHERS})\\b`,
	`(?:harm|danger|threat)\\s+to\\s+(?:${SELF}|${OTHERS})\\b`,
	`(?:thoughts?|ideation|ideas?|urges?|impulses?|intent(?:ions?)?|plans?|desires?|wish(?:es)?|feelings?)\\s+(?:of|to|about|for|towards?)\\s+(?:${HARM_VERB}|die\\b|dying|death|suicid\\w*|self[\\s-]?harm\\w*|end(?:ing)?\\s+(?:her|his|their|my)\\s+life)`,
	String.raw`(?:intent|plans?)\s*(?:or|and|\/|nor)\s*(?:intent|plans?)\b`,
	String.raw`(?:suicidal\s+|homicidal\s+)?intent\b(?!\s+to\s+(?!(?:harm|hurt|kill|die|end|act)))`,
	String.raw`(?:wish(?:es|ing)?|want(?:s|ed|ing)?)\s+to\s+(?:die|be\s+dead)\b`,
	String.raw`death\s+wish`,
	String.raw`(?:safety|welfare)\s+(?:concerns?|issues?|risks?|problems?)`,
	String.raw`access\s+to\s+(?:firearms?|guns?|weapons?|(?:lethal\s+)?means|pills|medications?)`,
	String.raw`(?:firearms?|guns?|weapons?)\b`,
	String.raw`abus\w*`,
	String.raw`neglect\w*`,
	String.raw`(?:prior|previous|past|recent)\s+attempts?`,
	String.raw`danger(?:ous)?\b`,
	String.raw`violen\w*`,
	String.raw`(?:imminent|acute|current|immediate)\s+(?:risk|danger)`,
].join("|");

const NEG_GAP = String.raw`(?:[\s,/()-]+[\w'’]+){0,3}?[\s,/()-]+`;

/** Risk judgements: removed from the draft wherever they appear. */
const JUDGEMENT_PATTERNS: readonly Pattern[] = [
	{ label: "denies or rules out risk", re: new RegExp(`\\b${NEG}\\b${NEG_GAP}(?:${RISK_OBJECT})`, "i") },
	{ label: "denies or rules out risk", re: /\bnon[\s-]?suicidal\b|\bNSSI\b/i },
	{
		label: "rates risk",
		re: new RegExp(
			`\\b${LEVEL}[\\s-]+(?:(?:to[\\s-]+)?${QUAL}[\\s-]+)*risk\\b(?![\\s-]+(?:taking|takers?|and\\s+benefits?|\\/\\s*benefits?|exposures?|activit\\w+|steps?|experiments?|tasks?|situations?|options?|behaviou?rs?|investments?|in)\\b)(?!\\s+(?:of|for)\\s+(?!${HARM_TARGET}))`,
			"i",
		),
	},
	{
		label: "rates risk",
		re: new RegExp(
			`\\bat[\\s-]+(?:(?:${LEVEL}|any|some)[\\s-]+)*risk\\b(?:\\s+(?:of|for|to)\\s+${HARM_TARGET}|(?=\\s*(?:[.,;:)]|$|\\s+(?:at\\s+this\\s+time|currently|today|now|presently|for\\s+(?:harm|suicide)))))`,
			"i",
		),
	},
	{
		label: "rates risk",
		re: new RegExp(
			`\\brisk(?:\\s+(?:level|rating|status|profile))?\\s+(?:is|was|remains?|remained|appears?|appeared|seems?|seemed|continues\\s+to\\s+be|has\\s+been)\\s+(?:to\\s+be\\s+|as\\s+)?(?:currently\\s+|overall\\s+)?${RISK_ADJ}\\b`,
			"i",
		),
	},
	{ label: "rates risk", re: /\brisk\s+(?:was\s+|is\s+)?(?:deemed|considered|judged|assessed|rated|estimated|determined|evaluated|screened)\b/i },
	{
		label: "rates risk",
		re: /\b(?:suicide\s+|suicidal\s+|safety\s+|violence\s+|self[\s-]?harm\s+)?risk\s+(?:assessment|screening|level|rating|formulation|status|profile)\b/i,
	},
	{ label: "rates risk", re: new RegExp(`\\brisk\\s+factors?\\b(?!\\s+(?:of|for)\\s+(?!${HARM_TARGET}))`, "i") },
	{
		label: "risk formulation",
		re: /\bprotective\s+factors?\b|\breasons\s+(?:for|to)\s+liv(?:e|ing)\b|\bfuture[\s-]+orient\w*|\blethality\b|\b(?:C-?SSRS|Columbia(?:\s+suicide)?|SAFE-T|PHQ-?9\s+item\s+9)\b/i,
	},
	{ label: "risk screening result", re: /\bscreen(?:ed|ing|s)?\b(?:\s+\w+){0,3}?\s+(?:negative|positive)\b/i },
	{
		label: "judges safety",
		re: /\bsafety\s+(?:concerns?|issues?)\s+(?:were|was|are|is)\s+(?:not|denied|none|absent|addressed|assessed|reviewed|discussed|identified|noted)\b/i,
	},
	{ label: "judges safety", re: /\bsafety\s+(?:was|were|is)\s+(?:assessed|addressed|reviewed|discussed|evaluated|screened|explored|confirmed)\b/i },
	{
		label: "judges safety",
		re: /\b(?:assessed|addressed|reviewed|evaluated|screened|confirmed)\s+(?:for\s+)?(?:the\s+)?(?:client(?:'s|s|’s)?\s+|her\s+|his\s+|their\s+)?(?:current\s+)?safety\b(?![\s-]+(?:behaviou?rs?|seeking|signals?|cues?))/i,
	},
	{
		label: "safety plan status",
		re: /\bsafety[\s-]+plan\w*\s+(?:was\s+|is\s+|were\s+|has\s+been\s+|remains?\s+)?(?:reviewed|updated|completed|in\s+place|intact|discussed|created|developed|appropriate|current|adequate|effective|followed)\b/i,
	},
	{
		label: "safety plan status",
		re: /\b(?:reviewed|updated|completed|created|developed|discussed|revisited|confirmed)\s+(?:a\s+|the\s+|her\s+|his\s+|their\s+|client(?:'s|s|’s)?\s+)?(?:existing\s+|current\s+)?safety[\s-]+plan\w*/i,
	},
	{
		label: "contract for safety",
		re: /\bcontract(?:s|ed|ing)?\s+(?:\w+\s+){0,2}?for\s+safety\b|\bsafety\s+contract\w*|\bno[\s-]+(?:self[\s-]+)?harm\s+(?:contract|agreement)\b/i,
	},
	{
		label: "contract for safety",
		re: /\b(?:agree[sd]?|agreement|commit(?:s|ted)?|promised?)\s+(?:\w+\s+){0,3}?(?:to\s+)?(?:safety|stay(?:ing)?\s+safe|keep(?:ing)?\s+(?:her|him|them|my)sel(?:f|ves)\s+safe)\b/i,
	},
	{
		label: "judges safety",
		re: /\b(?:is|was|are|were|appears?|appeared|seems?|seemed|remains?|remained|deemed|considered|judged|assessed\s+(?:as|to\s+be)|found\s+to\s+be)\s+(?:to\s+be\s+)?(?:(?:currently|presently|psychiatrically|medically|otherwise|emotionally)\s+)*(?:stable\s+and\s+)?safe\b(?!\s+(?:space|place|person|people|enough|haven|spot|to\s+(?:share|talk|say|speak|explore|express|open|cry|be\s+vulnerable)))/i,
	},
	{
		label: "judges safety",
		re: /\bsafe\s+(?:to|for)\s+(?:return|go|leave|be\s+discharged|discharge|remain|be\s+alone|drive)\b|\b(?:currently|presently)\s+safe\b|\bsafe\s+(?:at\s+this\s+time|for\s+now|currently|at\s+present)\b/i,
	},
	{
		label: "judges safety",
		re: /\bno\s+(?:\w+\s+){0,2}?(?:concerns?|issues?)\s+(?:for|about|regarding|re|with)\s+(?:her\s+|his\s+|their\s+|client(?:'s|s|’s)?\s+)?(?:safety|harm|risk|wellbeing|well-being)\b/i,
	},
	{
		label: "judges danger",
		re: new RegExp(
			`\\bdanger\\s+to\\s+${SELF}\\s*(?:or|and|\\/)\\s*others\\b|\\b(?:imminent|immediate|acute)\\s+danger\\b|\\bposes?\\s+(?:a\\s+|no\\s+|any\\s+)?(?:\\w+\\s+)?(?:risk|danger|threat)\\b`,
			"i",
		),
	},
	{ label: "denies intent", re: /\b(?:never|not|wouldn['’]?t|won['’]?t|no\s+intention\s+to)\s+(?:\w+\s+){0,2}?act\s+on\b/i },
	{ label: "rates risk", re: /\b(?:assessed|evaluated|screened)\s+for\s+(?:\w+\s+)?risk\b/i },
	{ label: "judges danger", re: new RegExp(`\\b(?:risk|danger|threat)\\s+to\\s+(?:${SELF}|${OTHERS})\\b`, "i") },
	{ label: "safety planning", re: /\bcrisis\s+(?:services?|lines?|team|resources?|numbers?|hotline|plan)\b|\b988\b|\bhotline\b/i },
	{
		label: "characterises suicidal thinking",
		re: /\b(?:passive|active|fleeting|transient|chronic|vague|intrusive|nonspecific|non-specific)\s+(?:suicidal\s+(?:ideation|thoughts?)|SI|HI|death\s+wish|thoughts\s+of\s+(?:death|dying|suicide))\b/i,
	},
	{ label: "risk monitoring plan", re: /\bmonitor\w*\s+(?:\w+\s+){0,2}?(?:risk|safety|SI|suicid\w*|self[\s-]?harm\w*)\b/i },
	{ label: "abuse reporting judgement", re: /\b(?:mandated|mandatory)\s+report\w*|\breportable\b|\bthreshold\s+for\s+(?:a\s+)?report\w*/i },
	{
		label: "rates risk",
		re: /\b(?:risk|safety|SI|HI|suicidality|lethality|suicide\s+risk)(?:\s+\w+){0,2}\s*(?:\*\*|__)?\s*[:=–—-]\s*(?:\*\*|__)?\s*(?:low|minimal|none|no|nil|denied|denies|negative|moderate|high|absent|n\/a|not\s+present|intact|ok|okay|stable|unremarkable|wnl)\b/i,
	},
];

/** The first risk judgement in a text (earliest, longest), or null. */
export function findRiskJudgement(text: string): TermHit | null {
	return allHits(JUDGEMENT_PATTERNS, text)[0] ?? null;
}

export function findRiskJudgements(text: string): TermHit[] {
	return allHits(JUDGEMENT_PATTERNS, text);
}

// ---------------------------------------------------------------------------------------------
// Spanish mentions. `\b` does not see accented letters, so these use letter look-arounds.

/**
 * A Latin letter, accented or not, and the start and end of a Spanish word (the patterns run without
 * the u flag, which V8 runs faster). Words the English patterns already find whole ("suicidio",
 * "suicidarme", "abuso", "rifle") are not repeated here, so that one word gives one hit.
 */
const L = String.raw`[A-Za-z\u00C0-\u024F]`;
const B = String.raw`(?<![A-Za-z\u00C0-\u024F0-9])`;
const E = String.raw`(?![A-Za-z\u00C0-\u024F0-9])`;
/** "de risa", "de hambre"...: "me muero de risa" is an idiom. */
const ES_IDIOM_DE = String.raw`\s+de\s+(?:risa|hambre|verg[üu]enza|ganas|sue[ñn]o|fr[ií]o|calor|miedo|aburrimiento|envidia|pena|amor|celos|cansancio|sed|nervios|asco|curiosidad)`;
/** Body parts and chores that make "me corté"/"me hice daño" an accident or a haircut. */
const ES_NOT_SELF_HARM = String.raw`\s+(?:(?:el|la|las|los|mi|mis|su|sus|un|una)\s+)?(?:pelo|cabello|flequillo|u[ñn]as?|barba|puntas|dedos?|rodillas?|tobillos?|pie|pies|espalda|cuello|hombros?|codos?|cadera|pan|verduras?|cebollas?|carne)${E}`;
const ES_PILLS = String.raw`(?:pastillas|pastis|p[ií]ldoras|medicinas|medicamentos|comprimidos|calmantes|somn[ií]feros|ansiol[ií]ticos|antidepresivos|paracetamol|ibuprofeno)`;

function es(label: string, source: string, reject?: Pattern["reject"]): Pattern {
	return { label, re: new RegExp(source, "i"), language: "es", ...(reject ? { reject } : {}) };
}

function textAfter(text: string, start: number, match: string): string {
	return text.slice(start + match.length);
}

const SPANISH: Record<RiskCategory, readonly Pattern[]> = {
	suicide: [
		es("quitarse la vida", String.raw`${B}quit${L}*\s+(?:(?:me|se|te|le)\s+)?la\s+(?:propia\s+)?vida${E}`),
		es(
			"matarse",
			String.raw`${B}(?:matar(?:me|se|te|nos)|(?:me|se|te)\s+(?:quiero|quiere|quieres|quer[ií]a|quise|quiso|quisiera|voy\s+a|va\s+a|vas\s+a|iba\s+a|podr[ií]a|intent[eéó]\s+|trat[eéó]\s+de)\s*matar|(?:me|se)\s+(?:mato|mat[oóé]|matar[eé]|matar[ií]a))${E}`,
			(text, start, match) =>
				/^\s+(?:trabajando|estudiando|a\s+trabajar|a\s+estudiar|por\s+(?:el|la|los|las|ti|m[ií]|[ée]l|ella|ellos)|de\s+risa|corriendo|en\s+el\s+gimnasio)/i.test(
					textAfter(text, start, match),
				),
		),
		es(
			"querer morir",
			String.raw`${B}(?:quiero|quiere|quieres|quer[ií]a|quise|quiso|quisiera|querr[ií]a|ganas\s+de|deseos?\s+de|desea|deseaba|prefiero|preferir[ií]a|prefer[ií]a|(?:me|se|te)\s+(?:quiero|quiere|quer[ií]a|quisiera|quise|quiso))\s+(?:(?:solo|s[oó]lo|simplemente|ya)\s+)?(?:morir(?:me|se|te)?|estar\s+muert[oa]s?|no\s+(?:existir|estar\s+viv[oa])|dejar\s+de\s+existir|dormir\s+para\s+siempre|no\s+despertar(?:me|se)?|desaparecer)${E}`,
			(text, start, match) => {
				const after = textAfter(text, start, match);
				if (/desaparecer$/i.test(match))
					return /^\s+(?:de|del|en|entre|por|un\s+rato|unas?\s+horas?|el\s+fin)(?!\s+(?:este\s+|el\s+)?mundo|\s+(?:la\s+)?(?:faz|tierra)|\s+(?:mi|su|tu)\s+vida)/i.test(
						after,
					);
				return new RegExp(`^${ES_IDIOM_DE}`, "i").test(after);
			},
		),
		es(
			"no querer vivir",
			String.raw`${B}no\s+(?:quiero|quiere|quieres|quer[ií]a|quise|quiso|quisiera|tengo\s+ganas\s+de|tiene\s+ganas\s+de)\s+(?:seguir\s+(?:viviendo|vivo|viva|aqu[ií]|adelante)|vivir|existir|estar\s+(?:aqu[ií]|viv[oa])|despertar(?:me|se)?)${E}`,
			(text, start, match) =>
				/vivir$/i.test(match) &&
				/^\s+(?:en|cerca|lejos|junt[oa]s|all[ií]|all[aá]|ah[ií]|sol[oa]|con\s+(?:mis|mi|sus|su|tus|tu|[ée]l|ella|ellos|ellas)\s+(?!dolor|pena|miedo|angustia|tristeza))/i.test(
					textAfter(text, start, match),
				),
		),
		es(
			"no despertar",
			String.raw`${B}(?:dormir(?:me|se)?|acostarme|acostarse)\s+y\s+no\s+(?:volver\s+a\s+)?despertar(?:me|se)?${E}|${B}no\s+(?:volver\s+a\s+)?despertar(?:me|se)?\s+(?:nunca|jam[aá]s|m[aá]s)${E}|${B}dormir\s+para\s+siempre${E}`,
		),
		es("desaparecer para siempre", String.raw`${B}desaparecer\s+(?:para\s+siempre|del\s+mundo|de\s+este\s+mundo|de\s+la\s+faz)${E}`),
		es(
			"mejor sin mí",
			String.raw`${B}(?:estar[ií]an?|estar[ií]amos|estar[ií]as|vivir[ií]an?)\s+mejor\s+sin\s+(?:m[ií]|ella|[ée]l)${E}|${B}mejor\s+muert[oa]s?${E}`,
		),
		es("ser una carga", String.raw`${B}(?:soy|ser|eres|ser[ée]|ser[ií]a|siento\s+que\s+soy)\s+una\s+carga${E}`),
		es(
			"sin sentido vivir",
			String.raw`${B}(?:no\s+le\s+(?:veo|ve|encuentro|encuentra)|no\s+tiene|sin)\s+sentido\s+(?:a\s+)?(?:la\s+vida|vivir|seguir\s+viviendo)${E}|${B}(?:la\s+vida|vivir)\s+no\s+(?:tiene\s+sentido|vale\s+la\s+pena)${E}`,
		),
		es(
			"acabar con todo",
			String.raw`${B}(?:acab|termin)${L}*\s+con\s+(?:todo(?!\s+(?:el|la|los|las|lo\s+que|esto|eso))|mi\s+vida|su\s+vida|mi\s+sufrimiento)${E}`,
		),
		es(
			"método",
			String.raw`${B}(?:tirar(?:me|se)|arrojar(?:me|se)|lanzar(?:me|se)|(?:me|se)\s+(?:tiro|tir[eéó]|tirar[ií]a|tira|arroj${L}*|lanz${L}*))\s+(?:del?|desde|por|a|al|bajo|delante\s+del?)\s+(?:(?:un|una|el|la|las|los)\s+)?(?:puente|ventana|balc[oó]n|edificio|azotea|tren|metro|v[ií]as|coche|cami[oó]n|autob[uú]s|precipicio|acantilado|techo|terraza)${E}`,
		),
		es(
			"método",
			String.raw`${B}(?:me|se|te)\s+(?:quiero|quiere|quer[ií]a|quisiera|voy\s+a|va\s+a|iba\s+a|podr[ií]a|pens[eéó]\s+en|piensa\s+en|pienso\s+en)\s+(?:tirar|arrojar|lanzar)\s+(?:del?|desde|por|a|al|bajo|delante\s+del?)\s+(?:(?:un|una|el|la|las|los)\s+)?(?:puente|ventana|balc[oó]n|edificio|azotea|tren|metro|v[ií]as|coche|cami[oó]n|autob[uú]s|precipicio|acantilado|techo|terraza)${E}`,
		),
		es(
			"no haber nacido",
			String.raw`${B}(?:no\s+haber\s+nacido|no\s+hubiera\s+nacido|no\s+hubiese\s+nacido|mejor\s+no\s+(?:existir|estar\s+aqu[ií]|despertar(?:me|se)?))${E}`,
		),
		es(
			"nadie me echaría de menos",
			String.raw`${B}nadie\s+(?:me|la|lo|le)\s+(?:echar[ií]a|echar[aá])\s+de\s+menos${E}|${B}nadie\s+(?:me|la|lo|le)\s+extra[ñn]ar[ií]a${E}`,
		),
		es("ahorcarse", String.raw`${B}(?:ahorcar(?:me|se|te)|(?:me|se)\s+ahorc${L}*|colgar(?:me|se)\s+de)${E}`),
		es("sobredosis", String.raw`${B}sobredosis${E}`),
		es(
			"pastillas",
			String.raw`${B}(?:tom${L}*|trag${L}*)\s+(?:todas\s+(?:las|mis|sus)|un\s+(?:bote|frasco|pu[ñn]ado|mont[oó]n|blister|bl[ií]ster)\s+(?:enter[oa]\s+|complet[oa]\s+)?de|una\s+caja\s+de|muchas|demasiad[oa]s|[1-9]\d+)\s+(?:de\s+)?${ES_PILLS}${E}|${B}(?:guardando|juntando|acumulando|ahorrando|escondiendo|acumul${L}*)\s+(?:(?:las|mis|sus|unas|algunas)\s+)?${ES_PILLS}${E}|${B}cu[aá]ntas\s+${ES_PILLS}${E}`,
		),
		es("despedida", String.raw`${B}cartas?\s+de\s+despedida${E}|${B}regal${L}*\s+(?:todas\s+)?(?:mis|sus)\s+cosas${E}`),
		es(
			"pensamientos de muerte",
			String.raw`${B}(?:pensamientos?|ideas?|ideaci[oó]n|deseos?|fantas[ií]as?)\s+(?:${L}+\s+)?(?:de|sobre|acerca\s+de)\s+(?:la\s+)?(?:muerte|morir(?:me|se)?|suicid${L}*|quitarse\s+la\s+vida|desaparecer)${E}`,
		),
	],
	"self-harm": [
		es("autolesión", String.raw`${B}auto(?:lesi|l[ií]s|l[ií]tic|agresi|mutila)${L}*`),
		es(
			"hacerse daño",
			String.raw`${B}(?:hacer(?:me|se|te)\s+da[ñn]o|(?:me\s+(?:hago|hice|hac[ií]a|haga)|se\s+(?:hace|hizo|hac[ií]a|haga|hacen)|te\s+(?:haces|hiciste))\s+da[ñn]o|(?:me|se|te)\s+(?:quiero|quiere|quieres|quer[ií]a|quisiera|voy\s+a|va\s+a|vas\s+a|iba\s+a|podr[ií]a)\s+hacer\s+da[ñn]o)${E}`,
			(text, start, match) =>
				new RegExp(`^(?:\\s+(?:en|al|a\\s+la))?${ES_NOT_SELF_HARM}|^\\s+(?:jugando|corriendo|entrenando|en\\s+el\\s+gimnasio)`, "i").test(
					textAfter(text, start, match),
				),
		),
		es("lastimarse", String.raw`${B}(?:lastimar(?:me|se|te)|(?:me|se|te)\s+lastim${L}*)${E}`, (text, start, match) =>
			new RegExp(`^(?:\\s+(?:en|al|a\\s+la))?${ES_NOT_SELF_HARM}|^\\s+(?:jugando|corriendo|entrenando)`, "i").test(textAfter(text, start, match)),
		),
		es(
			"cortarse",
			String.raw`${B}(?:cort(?:arme|arse|arte|[aá]ndome|[aá]ndose)|(?:me|se|te)\s+(?:cort(?:o|a|as|aba|abas|[eé]|[oó]|aste|ar[eé]|ar[aá]|ar[ií]a)|(?:he|ha|hab[ií]a|has)\s+cortado|(?:estoy|est[aá])\s+cortando))${E}`,
			(text, start, match) => new RegExp(`^${ES_NOT_SELF_HARM}`, "i").test(textAfter(text, start, match)),
		),
		es(
			"quemarse",
			String.raw`${B}(?:quemar(?:me|se)|(?:me|se)\s+quem${L}*)\s+(?:con\s+)?(?:cigarr${L}*|(?:un|el)\s+(?:mechero|encendedor|cigarr${L}*)|(?:los|el|mis|sus)\s+brazos?|la\s+piel)`,
		),
		es("golpearse", String.raw`${B}(?:golpear(?:me|se)|(?:me|se)\s+golpe${L}*)(?:\s+la\s+cabeza)?\s+contra${E}`),
	],
	"harm to others": [
		es("violencia", String.raw`${B}violen(?:cia|to|ta|tos|tas)${E}`),
		es(
			"amenaza de daño",
			String.raw`${B}(?:(?:lo|la|los|las|le|les)\s+(?:voy\s+a|vamos\s+a|quiero|quisiera|podr[ií]a|va\s+a|iba\s+a)\s+(?:matar|ahorcar|apu[ñn]alar|acuchillar|disparar|golpear|pegar|reventar|hacer\s+da[ñn]o|lastimar)|(?:matar|ahorcar|apu[ñn]alar|acuchillar|golpear|lastimar|estrangular)(?:lo|la|los|las|le|les)|(?:lo|la|los|las)\s+(?:mato|matar[eé]|matar[ií]a|mat[eé])|matar\s+a\s+(?:alguien|mi|mis|su|sus|tu|tus|[ée]l|ella|ese|esa|todos)|hacer(?:le|les)\s+da[ñn]o)${E}`,
			(text, start, match) =>
				new RegExp(`^${ES_IDIOM_DE}|^\\s+(?:a\\s+)?(?:besos|cosquillas|preguntas|trabajar)`, "i").test(textAfter(text, start, match)),
		),
		es("agresión", String.raw`${B}(?:agresi[oó]n(?:es)?|agredi${L}*|agred(?:e|en|ir))${E}`),
		es(
			"amenazas",
			String.raw`${B}amenaz${L}*\s+con\s+(?:matar|pegar|hacer(?:le|me|nos)?\s+da[ñn]o|quitar(?:me|le|nos)\s+a|llevarse|lastimar|golpear|suicid${L}*|tirar|apu[ñn]alar|un\s+cuchillo|una\s+pistola|un\s+arma)|${B}(?:me|la|lo|nos|le|les|te)\s+amenaz${L}*`,
		),
	],
	abuse: [
		es(
			"abuso",
			String.raw`${B}(?:abusó|maltrat${L}*|acos(?:o|a|aba|[oó]|ador|adora)|negligencia|tocamientos?|violaci[oó]n|viol[oó]|violaba|violarla|violarme)${E}`,
			(text, start, match) =>
				/^viol/i.test(match) &&
				/^\s+(?:de\s+)?(?:la|las|los|el|una|un)\s+(?:norma|normas|ley|leyes|privacidad|contrato|regla|reglas|intimidad)/i.test(
					textAfter(text, start, match),
				),
		),
		es(
			"me pega",
			String.raw`${B}(?:me|nos|le|les|la|lo|te)\s+(?:peg(?:a|aba|aban|an|[oó]|aron)|golpe(?:a|aba|aban|an|[oó]|aron)|empuj${L}*|pate(?:a|aba|[oó])|abofete${L}*|cachete${L}*|ahorc(?:a|aba|[oó])|estrangul${L}*|zarande${L}*|encerr(?:aba|[oó])|encierra|manose${L}*|viol(?:a|aba|[oó]))${E}`,
			(text, start, match) =>
				/(?:^|[^A-Za-z\u00C0-\u024F])se\s*$/i.test(text.slice(Math.max(0, start - 4), start)) ||
				/^\s+(?:bien|mucho|muy|nada|fatal|fuerte\s+el\s+sol|el\s+sol)/i.test(textAfter(text, start, match)),
		),
		es(
			"me tocaba",
			String.raw`${B}(?:me|la|lo|nos)\s+toc(?:aba|[oó])\s+(?:(?:por|en)\s+las?\s+noches?|de\s+noche|cuando\s+(?:yo\s+)?era\s+(?:ni[ñn][oa]|pequeñ[oa]|chic[oa])|sin\s+(?:mi|su)\s+permiso|(?:los|las|el|mis|sus)\s+(?:pechos|partes|genitales))`,
		),
		es("violencia de género", String.raw`${B}violencia\s+(?:dom[eé]stica|de\s+g[eé]nero|intrafamiliar|familiar|machista|sexual)${E}`),
		es("orden de alejamiento", String.raw`${B}orden\s+de\s+(?:alejamiento|protecci[oó]n)${E}`),
		es(
			"miedo a alguien",
			String.raw`${B}miedo\s+(?:de\s+|a\s+)?lo\s+que\s+(?:[ée]l|ella|ellos|mi\s+${L}+)\s+(?:(?:me|le|nos)\s+)?(?:pueda\s+hacer|vaya\s+a\s+hacer|podr[ií]a\s+hacer|haga|har[aá]|hiciera|sea\s+capaz)|${B}miedo\s+(?:de|a)\s+(?:mi\s+)?(?:marido|esposo|pareja|novio|novia|padre|padrastro|madrastra|ex)${E}|${B}no\s+(?:me\s+siento|estoy|estamos|se\s+siente|est[aá])\s+(?:segur[ao]s?|a\s+salvo)\s+(?:en\s+(?:mi\s+|su\s+|la\s+)?casa|con\s+(?:[ée]l|ella|mi|su))`,
		),
	],
	weapons: [
		es(
			"arma",
			String.raw`${B}(?:pistolas?|escopetas?|rev[oó]lver(?:es)?|fusil(?:es)?|armas?\s+de\s+fuego|cuchillos?|navajas?|cuchillas?|machetes?|balas|munici[oó]n)${E}|${B}(?:un|una|el|las|los|sus|su|mis|mi|tu|tus|tiene|tengo|ten[ií]a|con|del|otra|alg[uú]n|ning[uú]n)\s+armas?${E}`,
		),
	],
};

// ---------------------------------------------------------------------------------------------
// Mentions

const PERSON = String.raw`(?:him|her|them|someone|somebody|anyone|anybody|people|(?:my|his|her|their)\s+(?:\w+\s+)?(?:boss|husband|wife|partner|ex|dad|father|mom|mum|mother|brother|sister|son|daughter|kids?|child|neighbou?r|coworker|co-worker|roommate|boyfriend|girlfriend|baby|stepdad|stepfather|stepmom|stepmother|manager|teacher))`;
const ABUSER = String.raw`(?:he|she|they|dad|mom|mum|father|mother|husband|wife|partner|boyfriend|girlfriend|brother|sister|stepdad|stepfather|stepmom|stepmother|uncle|aunt|ex|someone|somebody|teacher|coach|grandpa|grandfather|cousin)`;
const THIRD_PERSON = new Set([
	"he",
	"she",
	"they",
	"dad",
	"mom",
	"mum",
	"father",
	"mother",
	"husband",
	"wife",
	"partner",
	"boyfriend",
	"girlfriend",
	"brother",
	"sister",
	"stepdad",
	"stepfather",
	"stepmom",
	"stepmother",
	"uncle",
	"aunt",
	"ex",
	"teacher",
	"coach",
]);
const FIRST_PERSON_REFLEXIVE = String.raw`(?:my|her|him|them|your|one)sel(?:f|ves)`;

const MENTION_PATTERNS: Record<RiskCategory, readonly Pattern[]> = {
	suicide: [
		{ label: "suicide", re: /\bsuicid\w*/i },
		{ label: "SI", re: /\bSI\b|\bS\/I\b/ },
		{ label: "kill oneself", re: new RegExp(`\\bkill(?:ing|ed|s)?\\s+${FIRST_PERSON_REFLEXIVE}\\b|\\bkms\\b`, "i") },
		{
			label: "end one's life",
			re: /\b(?:end|ending|ended|take|taking|took)\s+(?:my|her|his|their|your)\s+(?:own\s+)?life\b|\b(?:just\s+)?end(?:ing)?\s+it\s+all\b|\bwant(?:s|ed)?\s+(?:to\s+)?(?:just\s+)?end\s+it\b/i,
		},
		{
			label: "not wanting to be here",
			re: /\b(?:don['’]?t|do\s+not|didn['’]?t|did\s+not|doesn['’]?t|does\s+not)\s+(?:really\s+|even\s+)?(?:want|wanna)\s+(?:to\s+)?(?:be\s+(?:here|alive|around)|live|exist|wake\s+up|go\s+on)\b/i,
		},
		{ label: "not wanting to be here", re: /\bnot\s+want(?:ing)?\s+to\s+(?:be\s+(?:here|alive|around)|live|exist|wake\s+up|go\s+on)\b/i },
		{
			label: "not waking up",
			re: /\bnot\s+(?:want(?:ing)?\s+to\s+)?(?:be\s+(?:here|alive|around)\s+any\s?more|wake\s+up)\b|\bgo\s+to\s+sleep\s+and\s+(?:never|not)\s+wake\b|\bnever\s+wake\s+up\b/i,
		},
		{
			label: "wishing to be dead",
			re: /\b(?:wish|wished|wishing|hope|hoped)\s+(?:that\s+)?(?:I|she|he|they)\s+(?:just\s+|could\s+|would\s+)?(?:was|were|wouldn['’]?t|would\s+not|could|didn['’]?t|had\s+never|hadn['’]?t)\s+(?:just\s+)?(?:dead|die|wake\s+up|disappear|be\s+gone|exist|been\s+born)\b/i,
		},
		{ label: "wanting to die", re: /\b(?:want|wanted|wanting|wants)\s+to\s+die\b|\bbe\s+dead\b|\bdeath\s+wish\b/i },
		{
			label: "better off without me",
			re: /\bbetter\s+off\s+(?:dead|gone|without\s+(?:me|her|him|them)|if\s+(?:I|she|he)\s+(?:was|were)(?:n['’]?t|\s+not)\s+(?:here|around))\b/i,
		},
		{
			label: "no point living",
			re: /\bno\s+(?:point|reason)\s+(?:in\s+)?(?:living|to\s+live|going\s+on|being\s+alive|to\s+keep\s+going)\b|\b(?:life|living)\s+(?:is(?:n['’]?t|\s+not)|isnt)\s+worth\b|\bnot\s+worth\s+living\b/i,
		},
		{
			label: "can't go on",
			re: /\b(?:can['’]?t|cannot|can\s+not)\s+(?:go\s+on|keep\s+going|do\s+(?:this|it)\s+any\s?more)\b|\bno\s+way\s+out\b|\bdisappear\s+(?:forever|for\s+good|permanently)\b/i,
		},
		{ label: "method", re: new RegExp(`\\bhang(?:ing|ed)?\\s+${FIRST_PERSON_REFLEXIVE}\\b|\\bjump(?:ing|ed|s)?\\s+(?:off|in\\s+front\\s+of)\\b`, "i") },
		{ label: "overdose", re: /\boverdos\w*|\bOD(?:['’]?d|ed)?\b/i },
		{
			label: "pills",
			re: /\b(?:took|take|taking|swallow\w*)\s+(?:all|a\s+bunch|a\s+handful|too\s+many|the\s+whole\s+(?:bottle|pack))\s+(?:of\s+)?(?:my\s+|the\s+|her\s+|his\s+)?(?:pills|tablets|meds|medications?)\b|\bstockpil\w*/i,
		},
		{
			label: "no point living",
			re: /\b(?:what['’]?s|what\s+is)\s+the\s+point\s+(?:of|in)\s+(?:living|going\s+on|being\s+alive|life|being\s+here)\b|\bnot\s+(?:going\s+to|gonna)\s+be\s+(?:around|here)\s+(?:much\s+)?(?:longer|for\s+long)\b/i,
		},
		{
			label: "plan to end it",
			re: /\b(?:plan|plans|planning|planned|going|decided|ready)\s+to\s+end\s+(?:it|things|my\s+life|everything)\b|\bend\s+things\b/i,
		},
		{
			label: "method",
			re: /\b(?:driv\w+|crash\w*|steer\w*)\s+(?:my\s+|the\s+)?(?:car\s+)?(?:off|into)\s+(?:the\s+road|a\s+bridge|a\s+tree|a\s+wall|traffic|oncoming)|\bsav(?:e|ed|ing)\s+up\s+(?:my\s+|the\s+)?(?:pills|meds|medications?|tablets)\b/i,
		},
		{
			label: "no future",
			re: /\b(?:don['’]?t|do\s+not|can['’]?t|cannot)\s+see\s+(?:a|any)\s+future\b|\bno\s+future\s+for\s+me\b|\b(?:tired|sick)\s+of\s+(?:living|life|being\s+alive|existing)\b/i,
		},
		{ label: "burden", re: /\b(?:a|such\s+a|just\s+a)\s+burden\b/i },
		{
			label: "method",
			re: /\bhow\s+many\s+(?:pills|tablets)\b|\bways?\s+to\s+(?:die|kill\s+(?:my|her|him)sel(?:f|ves)|end\s+it)\b|\bhow\s+to\s+(?:die|kill\s+(?:my|her|him)self)\b|\b(?:rope|noose)\b/i,
		},
		{
			label: "saying goodbye",
			re: /\bgoodbye\s+(?:letters?|notes?)\b|\bgiv(?:e|es|ing|en)\s+away\s+(?:my|her|his|all)\s+(?:\w+\s+)?(?:things|stuff|belongings|possessions)\b/i,
		},
		{
			label: "not waking up",
			re: /\b(?:not|never)\s+waking\s+up\b|\bsleep\s+(?:forever|for\s+ever|and\s+(?:never|not)\s+wake)\b|\b(?:fall|go)\s+asleep\s+and\s+(?:never|not)\s+wake\b/i,
		},
		{
			label: "wanting to disappear",
			re: /\b(?:want|wants|wanted|wanting|wish|wishes|wished|wishing|long|longs|longed|longing)\s+(?:to\s+|(?:that\s+)?(?:I|she|he|they)\s+(?:could|would|can|might)\s+)?(?:just\s+)?(?:disappear|vanish)\b(?!\s+(?:into|in|behind|under|out|off|for\s+the\s+(?:day|evening|afternoon|weekend)|from\s+(?!(?:the\s+)?(?:world|earth|face\s+of|existence|everyone|everything|(?:my|her|his|their)\s+li(?:fe|ves))))\b)/i,
		},
		{
			label: "wishing to be dead",
			re: /\bwishes\s+(?:that\s+)?(?:I|she|he|they)\s+(?:just\s+|could\s+|would\s+)?(?:was|were|wouldn['’]?t|would\s+not|could|didn['’]?t|had\s+never|hadn['’]?t)\s+(?:just\s+)?(?:dead|die|wake\s+up|disappear|be\s+gone|exist|been\s+born)\b/i,
		},
		{
			label: "nobody would miss me",
			re: /\b(?:no\s?one|nobody|no-one)\s+(?:would|will|'d)\s+(?:even\s+)?(?:miss|notice|care)(?:\s+(?:me|her|him|them))?\b(?=\s*(?:[.,;:!?)"']|$|\s+(?:if|when)\s+(?:I|she|he|they)\s+(?:was|were|died|disappeared|(?:was|were)\s+gone|(?:was|were)n['’]t\s+here)))/i,
		},
		{
			label: "wanting everything to stop",
			re: /\b(?:want|wants|wanted|wanting|wish|wishes|wished|wishing|need|needed)\s+(?:everything|it\s+all|life|the\s+world)\s+to\s+(?:stop|end|be\s+over)\b/i,
		},
		{
			label: "not waking up",
			re: /\b(?:hope|hopes|hoped|hoping|pray|prays|prayed|praying|wish|wishes)\s+(?:that\s+)?(?:I|she|he|they)\s+(?:won['’]?t|wouldn['’]?t|will\s+not|would\s+not|don['’]?t|doesn['’]?t|do\s+not|does\s+not)\s+wake\s+up\b/i,
		},
		{
			label: "wishing not to exist",
			re: /\b(?:want|wants|wanted|wanting|wish|wishes|wished|wishing)\s+(?:to\s+)?(?:not\s+(?:to\s+)?(?:exist|be\s+alive)|stop\s+existing|cease\s+to\s+exist)\b/i,
		},
		...SPANISH.suicide,
	],
	"self-harm": [
		{ label: "bleeding", re: /\b(?:until|till)\s+(?:it|they|I)\s+(?:bleed|bled|bleeds)\b|\bscratch\w*\s+(?:my|her|his)\s+(?:arms?|legs?|skin|wrists?)\b/i },
		{ label: "self-harm", re: /\bself[\s-]?(?:harm|injur|mutilat)\w*/i },
		{ label: "NSSI", re: /\bNSSI\b|\bSIB\b/ },
		{
			label: "hurting oneself",
			re: new RegExp(
				`\\b(?:cut|cuts|cutting|burn|burns|burning|burned|burnt|hurt|hurts|hurting|harm|harming|hit|hits|hitting|scratch\\w*|punch\\w*|bite|biting|bit|starv\\w*)\\s+${FIRST_PERSON_REFLEXIVE}\\b`,
				"i",
			),
		},
		{
			label: "cutting",
			re: /\bcutting\b(?!\s+(?:back|down|out|off|in|into|up|corners|class|classes|ties|costs?|hair|it\s+close|edges?|board|remarks?|vegetables|the\s+grass|the\s+lawn))/i,
		},
		{ label: "cutting", re: /\bcut\s+(?:my|her|his|their)\s+(?:wrists?|arms?|legs?|thighs?|skin|stomach)\b/i },
		{
			label: "blades",
			re: /\b(?:razors?|blades?)\b/i,
			reject: (text, start) => ["shoulder", "rotor", "fan", "grass", "propeller"].includes(wordBefore(text, start)),
		},
		{
			label: "urge to self-harm",
			re: /\b(?:urges?|impulses?|need|compulsion|temptation)\s+to\s+(?:cut|burn|scratch|self[\s-]?harm|self[\s-]?injure)\b(?!\s+(?:ties|back|down|costs?|corners|class|classes|out|in|the\s+grass|her\s+hair|my\s+hair|his\s+hair))/i,
		},
		{ label: "punching walls", re: /\bpunch(?:ed|ing|es)?\s+(?:a|the)\s+walls?\b/i },
		...SPANISH["self-harm"],
	],
	"harm to others": [
		{ label: "HI", re: /\bHI\b|\bH\/I\b/ },
		{ label: "homicidal", re: /\bhomicid\w*/i },
		{
			label: "harming someone",
			re: new RegExp(
				`\\b(?:kill|killing|hurt|hurting|harm|harming|stab|stabbing|shoot|shooting|strangle|strangling|choke|choking|beat\\s+up|hit|hitting)\\s+${PERSON}\\b`,
				"i",
			),
			// "he hit my mom" is abuse witnessed, not the speaker harming someone; "the pain is killing her" is
			// an idiom; "hurt her sister's feelings" is not violence.
			reject: (text, start, match) =>
				THIRD_PERSON.has(wordBefore(text, start)) ||
				["is", "was", "are", "were", "been", "it's", "that's"].includes(wordBefore(text, start)) ||
				feelingsAfter(text, start, match),
		},
		{
			label: "wanting to hit",
			re: /\bwant(?:s|ed)?\s+to\s+(?:hit|punch|strangle|choke|kill|hurt|beat|stab|shoot)\b|\bmake\s+(?:him|her|them)\s+pay\b|\brevenge\b/i,
			reject: feelingsAfter,
		},
		{ label: "violence", re: /\bviolen(?:t|ce)\b/i },
		{
			label: "attack",
			re: /\b(?:attack\w*|assault\w*)/i,
			reject: (text, start) => ["panic", "anxiety", "heart", "asthma", "allergy"].includes(wordBefore(text, start)),
		},
		{ label: "threats", re: /\bthreat(?:en|ened|ening|ens)\s+(?:to|me|her|him|us|them|my)\b/i },
		...SPANISH["harm to others"],
	],
	abuse: [
		{ label: "abuse", re: /\babus\w*|\bmolest\w*|\brap(?:e|ed|es|ist|ing)\b|\btrafficking\b/i },
		{
			label: "sexual assault",
			re: /\bsexual(?:ly)?\s+(?:assault\w*|abus\w*|touch\w*|harass\w*)|\binappropriate(?:ly)?\s+touch\w*|\btouched\s+me\s+(?:inappropriately|there)\b/i,
		},
		{ label: "domestic violence", re: /\bdomestic\s+(?:violence|abuse)\b/i },
		{ label: "DV", re: /\bDV\b|\bCPS\b|\bAPS\b/ },
		{ label: "neglect", re: /\bneglect\w*/i },
		{
			label: "being hit",
			re: new RegExp(
				`\\b${ABUSER}\\s+(?:\\w+\\s+)?(?:hit|hits|hitting|punched|punches|slapped|slaps|kicked|kicks|beat|beats|choked|chokes|strangled|shoved|shoves|whipped|spanked|burned)\\s+(?:me|her|him|us|them|my)\\b`,
				"i",
			),
		},
		{
			label: "being hit",
			re: /\b(?:hit|hits|slapped|punched|kicked|choked|strangled|shoved|beat)\s+me\b/i,
			reject: (text, start) =>
				wordsBefore(text, start, 2).some((w) => ["it", "that", "this", "which", "what", "reality", "realization", "news", "grief", "wave"].includes(w)),
		},
		{
			label: "touched",
			re: new RegExp(
				`\\b${ABUSER}\\s+(?:\\w+\\s+)?(?:touched|touches|touching|groped|fondled)\\s+(?:me|her|him)\\b|\\block(?:s|ed)?\\s+(?:me|her|him|us)\\s+in\\b`,
				"i",
			),
		},
		{
			label: "being hit",
			re: new RegExp(
				`\\b${ABUSER}\\s+(?:used\\s+to|would(?:\\s+often)?|often|sometimes|regularly|also)\\s+(?:hit|slap|punch|kick|beat|choke|strangle|shove|whip|burn|lock)\\s+(?:me|her|him|us|them)\\b`,
				"i",
			),
		},
		{ label: "beaten", re: /\b(?:was|were|got|been|being|get|gets)\s+beaten\b(?!\s+(?:at|in|to|on)\b)|\bbeat(?:s|ing)?\s+(?:me|us)\s+up\b/i },
		{ label: "sexual assault", re: /\bforc(?:e|es|ed|ing)\s+(?:me|her|him|them)\s+(?:to\s+have\s+sex|into\s+(?:sex|bed)|to\s+do\s+sexual)/i },
		{ label: "strangling", re: /\b(?:by|around)\s+(?:the|my|her|his)\s+(?:throat|neck)\b/i },
		{ label: "night visits", re: /\b(?:comes?|came|coming)\s+into\s+my\s+(?:room|bed)\b/i },
		{
			label: "fear of someone",
			re: /\b(?:afraid|scared|terrified|frightened)\s+of\s+what\s+(?:he|she|they)(?:['’]ll|\s+will|\s+might|\s+would|['’]d|\s+could)\b/i,
		},
		{
			label: "fear at home",
			re: /\b(?:afraid|scared|terrified|frightened)\s+(?:of|to\s+go)\s+(?:him|her|them|home|my\s+(?:husband|wife|partner|boyfriend|girlfriend|dad|father|mom|mum|mother|stepdad|stepfather|ex))\b|\b(?:not|n['’]t|never)\s+(?:feel\s+)?safe\s+(?:at\s+home|around|with)\b|\bunsafe\s+(?:at\s+home|around|with)\b/i,
		},
		{ label: "protection order", re: /\b(?:restraining|protective|protection)\s+order\b|\bchild\s+protective\b|\bstalk(?:s|ed|ing|er)\b/i },
		...SPANISH.abuse,
	],
	weapons: [
		{ label: "weapon", re: /\b(?:guns?|firearms?|rifles?|pistols?|handguns?|shotguns?|ammo|ammunition|weapons?|knife|knives)\b/i },
		...SPANISH.weapons,
	],
};

export const RISK_CATEGORIES: readonly RiskCategory[] = ["suicide", "self-harm", "harm to others", "abuse", "weapons"];

export interface MentionHit extends TermHit {
	category: RiskCategory;
}

/** Every risk mention in a text, each with its category (overlaps between categories are kept). */
export function findRiskMentionTerms(text: string): MentionHit[] {
	const out: MentionHit[] = [];
	for (const category of RISK_CATEGORIES) for (const hit of allHits(MENTION_PATTERNS[category], text)) out.push({ ...hit, category });
	return out.sort((a, b) => a.start - b.start);
}
