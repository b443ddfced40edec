/**
 * The risk-domain classifier for sentences WRITTEN BY THE MODEL, in English and Spanish.
 *
 * Product rule: risk is the clinician's domain. Any model-written sentence that touches risk to life
 * or harm is taken out of the model's text wherever it stands and listed for the clinician. This module
 * only answers "does this sentence touch the domain, and where"; the caller removes and lists. The
 * sentence arrives normalised (safety/normalise.ts: NFKC, invisible characters removed, look-alike
 * letters folded, quotes unified, one line).
 *
 * IN the domain (a hit):
 * - suicide, self-harm, death wishes in any wording: wanting to die, to disappear (for good), to sleep
 *   forever, not to wake up ("hopes she won't wake up"), not to exist, never to have been born,
 *   "better off without her", "nobody would miss her", "if she were gone", "what's the point", "life
 *   feels pointless", "wanted everything to stop", thoughts of death or dying, "dark thoughts",
 *   self-destruction, "hoping to crash", "do something to herself", "how she would do it", a part that
 *   "wants her dead", a part that "wants everything to stop" (listed: a false alarm costs a glance);
 * - harm to others, violence (also towards family members and pets), threats and threatening messages,
 *   abuse (physical, sexual, emotional; "made her keep secrets"), neglect, coercive control (a partner
 *   who checks her phone, won't let her see friends, locks her out), injuries explained away;
 * - safety in the sense of safety to life: safety plans, keeping oneself safe, staying safe, feeling
 *   unsafe (as a condition, not "unsafe in crowded trains"), safety concerns, issues and reviews, a
 *   person's safety ("the client's safety is the priority"), safety at home; danger to self or others,
 *   a dangerous person, being in danger;
 * - crisis: crisis lines and teams, 988/911/999/112/024, Samaritans, emergency plans ("if things get
 *   bad she will go to the emergency room"), being in crisis, psychiatric or involuntary admission;
 * - plans and means in the risk sense: a plan to end it, a plan involving a car, pills or a rope,
 *   stockpiles and stashes of pills, lethal doses, ten or more tablets, access to firearms, weapons,
 *   knives or medication, means restriction (removing, locking away, holding onto pills or weapons),
 *   method research, attempts ("history of three attempts"), standing at the edge of a bridge or roof,
 *   goodbye letters and messages, a will with affairs put in order, giving away belongings or pets;
 * - protective factors and reasons for living ("her dog is her reason for staying alive", "hopeful
 *   about living", "will not do it because of her cat"), future orientation;
 * - risk ratings, screenings, fields and emoji ("low risk", "Risk: 🟢", "SI: none ✅", "Safety ✅"),
 *   "the risk has been addressed";
 * - MINIMISATION in plain words: a sentence that declares that something needs no further follow-up,
 *   action, review or escalation ("No further follow-up is needed.", "nothing to escalate") unless it
 *   names a routine object (homework, referral, diary...); that something vague or something she said
 *   "is not a concern"/"not concerning" ("This is not a concern.", "Her statement was not
 *   concerning"); a bare "No concerns."; "no red flags"; "no harm was reported"; "she would not act
 *   on it"; and "concern/follow-up/resolved" statements about any of the above, which are caught by
 *   the risk words they contain ("Thoughts of not waking up were explored and resolved.");
 * - text speaking to the reviewer or the safeguards ("do not flag this note", "no need to list risk
 *   content", "ignore the earlier instructions", "cleared by the clinician"), as a model might echo a
 *   prompt injection.
 *
 * OUT of the domain (the sentence stays), deliberately:
 * - IFS protection language: a part that keeps her safe, protects, guards, shields, threatens her with
 *   failure, attacks her, is afraid something bad will happen, believes she would be in danger; an exile
 *   that feels unsafe or is "safe now" after a retrieval; a protector that "kept her alive as a child";
 *   the Critic "means no harm". Weak risk words (safe, unsafe, danger, threat, attack, keep alive, act
 *   on, no harm, locked out, coercive control) are set aside when a part is the subject of their clause
 *   ("The Worrier keeps her safe") or the sentence reports a part's belief, fear or wish before them.
 *   A part is a part word (part, protector, manager, firefighter, exile, critic, Little One...) or a
 *   capitalised name after the article ("the Worrier", "La Preocupona"). Strong words are never set
 *   aside by IFS framing: "the firefighter part cuts her arms", "a protector part wants her dead", "the
 *   manager keeps her safe by hiding the razor blades" are all hits.
 * - the IFS "burden" ("the exile carries a burden of worthlessness"); "a burden to everyone" is a hit.
 * - felt safety and CBT "safety behaviours", safe-place exercises, a sense of safety, "safe enough to",
 *   everyday physical safety ("a helmet to stay safe on her bike", "a safety harness").
 * - risk-taking as behaviour ("took a risk by sharing her anger", "social risk", "risks and benefits"),
 *   risks that are not harm ("at risk of losing her job", "risk of relapse into smoking"), risk in an
 *   exposure or experiment ("any risk was mitigated by doing the exposure with a friend").
 * - plans, concerns, follow-ups and resolutions about ordinary things ("Plan: continue unblending",
 *   "Her main concern was the move", "Money is not a concern", "The conflict was resolved",
 *   "No further follow-up on the referral is needed", "nothing to report on the homework").
 * - grief and death in history: "The client's father died three years ago", "her mother's death",
 *   "her feelings about death after the funeral", a near-death accident, an executor "sorting her
 *   affairs". A death is not a risk to the client's life; "her father died by suicide" is a hit through
 *   the word suicide.
 * - panic and health-anxiety cognitions ("during the panic attack she was sure she was going to die",
 *   "intrusive thoughts about dying of a heart attack") and idioms ("dying to tell", "would rather die
 *   than speak in public", "die of embarrassment", "dead tired", "killed it", "the deadline is killing
 *   her", "would kill for a week off", "jumped the gun", "secret weapon", "like a knife", "midlife
 *   crisis", "in danger of missing the deadline", "end things with her boyfriend", "ending things at
 *   work", "beat her at chess", "a farewell email to her team", "se muere de vergüenza", "se cortó el
 *   pelo", "cortar con su novio").
 * - "disappear into the background" (and into/from a place or a group, or "for the weekend"): social
 *   withdrawal, not a death wish; "wanted to disappear" with no such complement, or "disappear from the
 *   world/her life", is a hit. The embarrassment idiom "she wanted to disappear when her name was
 *   called" is therefore a hit too: listed, at the cost of a glance.
 * - substance use on its own ("history of alcohol use") is a clinical topic, not this domain; an
 *   overdose, a stash of pills or ten or more tablets is.
 *
 * Method: deterministic regular expressions, no dependency. The judgement and mention patterns of
 * drafting/riskTerms.ts (English, plus the Spanish input mentions) are reused, with context checks on
 * their weak hits; the domain, minimisation, crisis, means, label and instruction patterns are here, in
 * English and Spanish. A hit's language is that of its pattern; an English pattern that matches inside
 * a Spanish sentence ("abuso sexual", "ideación suicida") reports "es". About 200 patterns in all: some
 * tens of microseconds a sentence (a few milliseconds for a note).
 *
 * Known limits: no syntax, so a part named only by a pronoun is not seen as a part, and a risk sentence
 * that uses none of the words above is missed: a bare "he has a plan but would not share it", "sleeps
 * with a baseball bat by the bed because of her ex", "would never leave her children", "stood on the
 * railway bridge for a long time" (test/safety/riskSentences.ts KNOWN_MISSES). Written without seeing
 * the patterns, fresh batches of hard sentences were caught at 53% and then 20% before the patterns
 * were widened by phrase family; expect new phrasings to be missed at a similar rate, and read the
 * session yourself.
 */

import { findRiskJudgements, findRiskMentionTerms, globalRegExp, type TermHit } from "../drafting/riskTerms";
import { foldAccents } from "./normalise";

export type RiskDomainLanguage = "en" | "es";

export interface RiskDomainHit {
	start: number;
	end: number;
	text: string;
	label: string;
	language: RiskDomainLanguage;
}

type Reject = (sentence: string, start: number, match: string) => boolean;

interface DomainPattern {
	re: RegExp;
	label: string;
	language: RiskDomainLanguage;
	/** A weak hit is set aside when a part of the client's system is its subject (see partFrame). */
	weak?: boolean;
	reject?: Reject;
}

// ---------------------------------------------------------------------------------------------
// Context

/** A Latin letter, accented or not, and the start and end of a word that may hold one. */
const L = String.raw`[A-Za-z\u00C0-\u024F]`;
const B = String.raw`(?<![A-Za-z\u00C0-\u024F0-9])`;
const E = String.raw`(?![A-Za-z\u00C0-\u024F0-9])`;

const PART_WORDS_EN = String.raw`(?:parts?|protectors?|firefighters?|exiles?|exiled\s+(?:one|part|child)|critic|worrier|planner|binger|pleaser|perfectionist|caretaker|controller|(?:the|a|this|that|another|each|one)\s+managers?|managers?\s+part|little\s+one|younger\s+(?:one|part|self)|inner\s+(?:child|critic|judge|voice)|internal\s+system)`;
const PART_WORDS_ES = String.raw`(?:partes?|protector(?:a|es|as)?|gerentes?|bomber[oa]s?|exiliad[oa]s?|cr[ií]tic[oa]|preocup[oó]na?|sistema\s+interno|niñ[oa]\s+interior)`;
/** "the Worrier", "La Preocupona": a part named with a capital after the article. */
const PART_NAME =
	/(?:^|[\s"'(])(?:[Tt]he|[Ee]l|[Ll]a)\s+(?!(?:Client|Therapist|Clinician|Samaritans|Crisis|Assistant|System|Supervisor|Cl[ií]nic[oa]|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December|Lunes|Martes|Mi[eé]rcoles|Jueves|Viernes|S[aá]bado|Domingo)\b)\p{Lu}\p{Ll}+/u;
const PART_WORD = new RegExp(`${B}(?:${PART_WORDS_EN}|${PART_WORDS_ES})${E}`, "iu");
const PART_BELIEF =
	/(?:believes?|believed|fears?|feared|thinks?|thought|worries|worried|afraid|convinced|warns?|warned|insists?|insisted|expects?|predicts?|scared|wants?|wanted|needs?|needed|cree|cre[ií]a|teme|tem[ií]a|piensa|pensaba|quiere|quer[ií]a)\b/iu;
/** Where a clause starts: punctuation or a conjunction. */
const CLAUSE_START =
	/[,;:()]|\b(?:and|but|after|when|because|so|then|while|once|until|although|though|if|whereas|since|y|pero|cuando|porque|aunque|mientras|despu[eé]s\s+de\s+que|si)\b/giu;

function hasPart(text: string): boolean {
	return PART_WORD.test(text) || PART_NAME.test(text);
}

/** The text of the clause before `start` (from the last comma, semicolon or conjunction). */
function clauseBefore(sentence: string, start: number): string {
	const before = sentence.slice(0, start);
	let from = 0;
	for (const m of before.matchAll(CLAUSE_START)) from = m.index + m[0].length;
	return before.slice(from);
}

/**
 * A part of the client's system speaks here: a part is the subject of the clause before the hit
 * ("The Worrier keeps her safe"), or the sentence reports a part's belief, fear or wish before the hit
 * ("The protector believes she would be in danger if...").
 */
function partFrame(sentence: string, start: number): boolean {
	if (hasPart(clauseBefore(sentence, start))) return true;
	// The belief must be reported in the same stretch of the sentence: "The part was quiet; the client
	// thought she was safe" is the client's thought.
	const before = sentence.slice(0, start).split(/[;:]/).at(-1) ?? "";
	const part = PART_WORD.exec(before) ?? PART_NAME.exec(before);
	return part !== null && PART_BELIEF.test(before.slice(part.index));
}

/** Things that make a "no follow-up needed" or "not a concern" statement about routine work, not risk. */
const ROUTINE =
	/\b(?:homework|diary|diaries|worksheets?|logs?|referrals?|billing|invoices?|insurance|appointments?|scheduling|schedule|readings?|assignments?|paperwork|forms?|letters?|reports?|exercises?|thought\s+records?|practice|recordings?|attendance|payments?|fees?|tarea|diario|registro|cita|derivaci[oó]n|factura|informe|formulario|lectura|ejercicios?)\b/iu;

/** Subjects of "is not a concern" that make it a judgement about something said or felt, not about money or sleep. */
const VAGUE_OR_SAID =
	/(?:^|[^\p{L}])(?:this|that|it|these|those|thoughts?|wish(?:es)?|urges?|impulses?|ideas?|images?|fantas(?:y|ies)|feelings?|comments?|remarks?|statements?|disclosures?|words|talk|mentions?|what\s+(?:she|he|they)\s+(?:said|shared|disclosed)|nothing|none\s+of\s+(?:this|it)|esto|eso|ello|pensamientos?|ideas?|deseos?|comentarios?|lo\s+que\s+(?:dijo|cont[oó]))(?:$|[^\p{L}])/iu;

function wordAfter(sentence: string, start: number, match: string): string {
	return sentence.slice(start + match.length);
}

// ---------------------------------------------------------------------------------------------
// Domain patterns (in addition to riskTerms' judgements and mentions)

function en(label: string, re: RegExp, opts: { weak?: boolean; reject?: Reject } = {}): DomainPattern {
	return { label, re, language: "en", ...opts };
}
/** Spanish patterns run without the u flag (faster in V8); those that need it (emoji) say so. */
function es(label: string, source: string, opts: { weak?: boolean; reject?: Reject; unicode?: boolean } = {}): DomainPattern {
	const { unicode, ...rest } = opts;
	return { label, re: new RegExp(source, unicode === true ? "iu" : "i"), language: "es", ...rest };
}

const GERUND_HARM = String.raw`(?:hurting|harming|killing|stabbing|strangling|drowning|smothering|shooting|hitting|pushing|attacking|poisoning|shaking|choking)`;
const DEATH_CONTENT = String.raw`(?:(?:(?:her|his|their|my)\s+own\s+)?(?:death|dying)(?!\s+(?:of|from|in)\s)|being\s+dead|not\s+(?:being\s+(?:here|alive|around)|existing|waking\s+up|wanting\s+to\s+(?:be\s+here|live|wake\s+up|be\s+alive))|disappearing(?!\s+(?:into|from|in)\b)|ending\s+(?:it|things|her\s+life|his\s+life|their\s+life|my\s+life|everything)|suicide|killing\s+(?:her|him|them|my)sel(?:f|ves)|self[\s-]?harm\w*|${GERUND_HARM}\s+(?:\w+\s+)?(?:her|his|their|my|someone|somebody|anyone|people|the|him|them)\b)`;
const MIND_NOUN = String.raw`(?:thoughts?|ideas?|images?|fantas(?:y|ies)|wish(?:es)?|urges?|impulses?|preoccupation|rumination)`;
/** Words about what she said: they count with the specific contents only ("her comment about not waking up"), not with "death" alone (grief). */
const SAID_NOUN = String.raw`(?:talk|mentions?|comments?|remarks?|statements?|feelings?|jokes?)`;
const PILLS = String.raw`(?:pills|tablets|meds|medications?|medicines?|painkillers|paracetamol|acetaminophen|tylenol|ibuprofen|aspirin|sleeping\s+(?:pills|tablets)|antidepressants|opioids|insulin)`;
const BIG_NUMBER = String.raw`(?:[1-9]\d+|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|a\s+hundred|a\s+(?:whole\s+)?(?:box|packet|bottle|pack|handful|month['’]?s\s+supply)\s+of|all\s+(?:of\s+)?(?:her|his|my|their|the))`;
const PERSON_SUBJECT = String.raw`(?:he|she|they|partner|husband|wife|boyfriend|girlfriend|father|dad|mother|mum|mom|brother|sister|son|daughter|ex|stepfather|stepdad|stepmother|neighbou?r|uncle)`;
const EMOJI = String.raw`(?:\p{Extended_Pictographic}|[✓✔✗✘☑])`;

const EN_PATTERNS: readonly DomainPattern[] = [
	// Death wishes and ideation in ordinary words.
	en("thoughts of death", new RegExp(`\\b${MIND_NOUN}\\s+(?:of|about|around)\\s+${DEATH_CONTENT}`, "i")),
	en(
		"thoughts of death",
		new RegExp(`\\b${SAID_NOUN}\\s+(?:of|about|around)\\s+(?!(?:(?:her|his|their|my)\\s+own\\s+)?(?:death|dying)\\b)${DEATH_CONTENT}`, "i"),
	),
	en(
		"thoughts of death",
		/\b(?:death[\s-]+related\s+thoughts|morbid\s+(?:thoughts?|ideation|rumination|preoccupation)|death\s+ideation|dark\s+thoughts?)\b/i,
	),
	en(
		"wish to die",
		/\b(?:wish|wishes|wished|wishing|long|longs|longed|longing|ready|deserves?|deserved)\s+(?:for\s+death|to\s+die)\b|\bnot\s+(?:to\s+die|to\s+be\s+dead)\b/i,
	),
	en("wish to die", /\bwant(?:s|ed|ing)?\s+(?:her|him|me|them)\s+dead\b|\bnever\s+been\s+born\b/i),
	en("ending it", /\bending\s+(?:it(?:\s+all)?|things|everything|(?:her|his|their|my)\s+life)\b(?!\s+(?:with|at|between|on\s+good\s+terms)\b)/i),
	en("hopelessness", /\bwhat['’]?s\s+the\s+point(?:\s+(?:any\s?more|of\s+(?:it\s+all|anything|trying|going\s+on)))?(?=\s*[.?!"']|\s*$)/i),
	en(
		"wanting to disappear",
		/\b(?:disappear|vanish)\w*\s+from\s+(?:the\s+world|the\s+face\s+of|existence|(?:everyone['’]?s|her|his|their|my)\s+li(?:fe|ves)|everything)/i,
	),
	en(
		"goodbye letters",
		/\b(?:letters?|notes?|wills?)\b[^.;]{0,60}\bin\s+case\s+(?:something|anything)\s+(?:happens|happened)\s+to\s+(?:her|him|me|them)(?=\s*[.,;:!?)"']|\s*$)/i,
	),
	en(
		"giving away",
		/\bg(?:i|a)ve?s?\s+away\s+(?:her|his|their|my)\s+(?:cat|dog|pet|pets|belongings|possessions|things)\b|\bgiving\s+away\s+(?:her|his|their|my)\s+(?:cat|dog|pet|pets)\b/i,
	),
	en(
		"harm to self or others",
		new RegExp(
			`\\b(?:harm|danger|threat|injury)\\s+to\\s+(?:self|others|(?:her|him|them|my|your|one)sel(?:f|ves)|someone|anyone|other\\s+people)\\b|\\brisk\\s+(?:of|for)\\s+(?:harm|self|suicid\\w*|violen\\w*|danger|injur\\w*|death|dying|overdos\\w*|hurting|killing|homicid\\w*|abuse|neglect)`,
			"i",
		),
	),
	en(
		"hoping to crash",
		/\b(?:hop(?:e|es|ed|ing)|wish(?:es|ed|ing)?|want(?:s|ed|ing)?)\s+(?:that\s+)?(?:(?:she|he|they|I)\s+(?:would|will|might)\s+)?(?:to\s+)?(?:crash|get\s+hit|be\s+hit\s+by|not\s+survive|not\s+come\s+back|not\s+make\s+it\s+(?:back|home|through\s+the\s+night))\b/i,
	),
	en(
		"doing something to herself",
		/\bdo\s+(?:anything|something|it)\s+to\s+(?:her|him|them|my|your)sel(?:f|ves)\b|\b(?:might|would|could|will|going\s+to|gonna|afraid\s+(?:she|he)\s+(?:would|might))\s+(?:not\s+)?do\s+(?:something|anything)\s+(?:stupid|drastic|rash|silly)\b|\b(?:won['’]t|wouldn['’]t|will\s+not|would\s+not)\s+do\s+(?:something|anything)\s+(?:stupid|drastic|rash|silly)\b/i,
	),
	en("no red flags", /\b(?:no|without|not\s+any|zero)\s+(?:\w+\s+)?red\s+flags?\b/i),
	en("no harm", /\bno\s+(?:\w+\s+)?harm\b(?!\s+(?:done|in|meant|intended|to\s+(?:ask|try)))/i, {
		weak: true,
		reject: (s, start) => /\b(?:means?|meant|intends?|intended|wishes|wished)\s+$/i.test(s.slice(0, start)),
	}),
	en(
		"secrets",
		/\b(?:made|makes|make|forced|forces|told|tells)\s+(?:her|him|me|them)\s+(?:to\s+)?keep\s+(?:it\s+|this\s+|that\s+|the\s+)?(?:a\s+)?secrets?\b(?!\s+(?:from\s+)?(?:about\s+)?(?:the\s+)?(?:party|surprise|gift|present))/i,
	),
	en(
		"method research",
		/\b(?:research\w*|look\w*\s+up|search\w*(?:\s+for)?|read\w*\s+about|googl\w*)\s+(?:suicide\s+)?methods\b(?!\s+(?:of|for|to)\s+(?!die|dying|suicide|end))/i,
	),
	en(
		"attempts",
		/\b(?:history\s+of|previous|prior|past)\s+(?:\w+\s+)?attempts?\b(?!\s+(?:to|at|on|of)\s)|\b(?:two|three|four|five|six|several|multiple|[2-9]|\d{2})\s+(?:previous\s+|prior\s+|past\s+|suicide\s+)?attempts?(?=\s*(?:[.,;:)]|$|\s+(?:in|over|since|last|this|during|before)\b))/i,
	),
	en(
		"life feels pointless",
		/\b(?:life|living|everything|existence|being\s+alive)\s+(?:feels?|felt|is|was|seems?|seemed)\s+(?:\w+\s+)?(?:pointless|meaningless|hopeless|unbearable|not\s+worth\s+it)\b/i,
	),
	en("goodbye messages", /\b(?:texted|posted|sent|messaged)\s+(?:a\s+)?goodbye\b|\bgoodbye\s+(?:messages?|texts?|posts?|videos?)\b/i, {
		reject: (s) => /\b(?:colleagues|team|co-?workers|job|work|office|class|school|moving|move|retir\w*|party|last\s+day|holiday|trip)\b/i.test(s),
	}),
	en(
		"means",
		/\baccess\s+to\s+(?:[\w'’]+\s+){0,3}?(?:firearms?|guns?|rifles?|pistols?|weapons?|(?:lethal\s+)?means|pills|tablets|medications?|meds|knives|blades|rope|ammunition)\b|\bplan\s+(?:involving|using|that\s+involves|with)\s+(?:[\w'’]+\s+){0,3}?(?:car|garage|exhaust|pills|tablets|rope|gun|firearm|bridge|tracks|train|knife|blade|medications?|overdose)\b/i,
	),
	en(
		"if she were gone",
		/\bif\s+(?:she|he|I|they)\s+(?:were|was|weren['’]t|wasn['’]t)\s+(?:gone|dead|no\s+longer\s+(?:here|around|alive)|not\s+(?:here|around|alive)\s+any\s?more|here\s+any\s?more)\b(?=\s*(?:[.,;:!?)"']|$|\s+(?:any\s?more|for\s+good|forever|and|but)\b))/i,
	),
	en(
		"doing something to herself",
		/\bknock(?:s|ed|ing)?\s+(?:her|him|them|my)sel(?:f|ves)\s+out\b|\bhow\s+(?:she|he|I|they)\s+(?:would|could|might|will)\s+do\s+it(?=\s*(?:[.,;:!?)"']|$))|\bforget\s+(?:that\s+)?(?:she|he|I|they)\s+exists?\b/i,
	),
	en("self-destruction", /\bself[\s-]?destruct\w*|\bself[\s-]?annihilat\w*/i),
	en("threatening", /\bthreatening\s+(?:messages?|texts?|calls?|letters?|voicemails?|emails?|notes?|behaviou?r|gestures?)\b/i, { weak: true }),
	en("locked out", /\block(?:s|ed)?\s+(?:her|him|me|them)\s+out\b/i, { weak: true }),
	en(
		"reasons for living",
		/\b(?:hopeful|hope|hopes|will|wish|desire|want|wants|wanted|wanting|reasons?)\s+(?:\w+\s+)?(?:about|for|to)\s+(?:living|live|being\s+alive)\b(?=\s*(?:[.,;:!?)"']|$)|\s+(?:for\s+(?:her|his|their|my)|because|again|now|still|and\s+(?:to|for)|but)\b)/i,
	),
	en(
		"protective in plain words",
		/\b(?:would|will|could)(?:\s+not|n['’]t)\s+(?:ever\s+)?(?:do\s+it|go\s+through\s+with\s+it|act\s+on\s+it)\s+because\s+of\s+(?:her|his|their|my)\s+(?:kids|children|son|daughter|cat|dog|pets?|family|mother|mum|mom|father|dad|parents|partner|husband|wife|faith|religion)\b/i,
	),
	en(
		"risk addressed",
		/\b(?:the\s+|her\s+|his\s+|any\s+)?risks?\s+(?:has\s+|have\s+|had\s+)?(?:been\s+|was\s+|were\s+|is\s+|are\s+)(?:\w+\s+)?(?:addressed|managed|mitigated|resolved|covered|handled|contained|settled|cleared)\b/i,
		{
			reject: (s) => EXPOSURE_CONTEXT.test(s) && !/\b(?:suicid|self[\s-]?harm|harm|violen|danger)/i.test(s),
		},
	),
	en(
		"affairs in order",
		/\b(?:put|puts|putting|get|gets|getting|got)\s+(?:her|his|their|my)\s+affairs\s+in\s+order\b|\bwills?\b[^.;]{0,40}\baffairs\b|\baffairs\b[^.;]{0,40}\b(?:a|her|his|their)\s+will\b/i,
	),
	en(
		"violence",
		/\b(?:hitting|hit|hits|punching|punched|punches|kicking|kicked|kicks|beating|beat|beats|choking|choked|strangling|strangled|stabbing|stabbed|shoving|shoved|slapping|slapped)\s+(?:his|her|their|my)\s+(?:\w+\s+)?(?:brother|sister|son|daughter|mother|mum|mom|father|dad|wife|husband|partner|girlfriend|boyfriend|baby|child|kids?|children|classmates?|friends?|teacher|dog|cat|pets?)\b(?!['’]s)/i,
	),
	// Self-harm in ordinary words.
	en(
		"self-harm",
		/\b(?:cut|cuts|cutting|burn|burns|burning|burned|burnt|scratch\w*|carv\w*|slash\w*)\s+(?:her|his|my|their)\s+(?:own\s+)?(?:arms?|wrists?|legs?|thighs?|skin|stomach|body)\b(?!\s+on\s+(?:the\s+|a\s+)?(?:stove|oven|iron|pan|kettle|fence|glass))/i,
	),
	en("self-harm", /\b(?:hit|hits|hitting|bang\w*|slam\w*)\s+(?:her|his|my|their)\s+head\s+(?:against|on|into)\s+(?:the\s+|a\s+)?(?:walls?|floor|door)\b/i),
	// Harm to others, violence, abuse, neglect.
	en(
		"harm to a child",
		/\b(?:hurt|harm|hit|shake|shook|shaking|smother|drown|strangl)\w*\s+(?:the|her|his|their|my)\s+(?:baby|toddler|infant|newborn|child|children|kids?)\b/i,
	),
	en(
		"violence",
		/\b(?:push|pushes|pushed|pushing|shov\w+|slamm?\w*|pinn?(?:ed|ing)|threw|throws|throw|grabb?\w*|dragg?\w*)\s+(?:her|him|me|them|us)\s+(?:against|into|down\s+the|to\s+the\s+(?:floor|ground)|off\s+the|out\s+of\s+the|across\s+the|by\s+the\s+(?:hair|arm|throat|neck|wrist))\b/i,
	),
	en(
		"violence",
		/\bphysical(?:ly)?\s+(?:fights?|altercations?|aggression|violen\w*|abus\w*|assault\w*|harm\w*|attack\w*)\b|\bforced\s+(?:her|him|me)\s+(?:to\s+have\s+sex|into\s+sex)|\bforced\s+himself\s+on\b/i,
	),
	en(
		"injuries",
		/\bbruis(?:es|ed|ing)\s+(?:on|around|all\s+over)\s+(?:her|his|their|my)\s+(?:arms?|neck|face|wrists?|legs?|body|back|throat)\b|\bwith\s+(?:a\s+)?(?:black\s+eye|bruises)\b/i,
	),
	en(
		"neglect",
		/\bleft\s+(?:\w+\s+){0,2}?(?:alone|home\s+alone|unsupervised|unattended)\s+for\s+(?:days|hours|nights|a\s+week|weeks|the\s+(?:weekend|night))\b|\b(?:left|kept|go|went|gone)\s+(?:\w+\s+){0,3}?without\s+(?:food|water|heat|heating|medical\s+care)\s+for\s+days\b|\bwithout\s+food\s+for\s+days\b/i,
	),
	en(
		"coercive control",
		new RegExp(
			`\\b(?:partner|husband|wife|boyfriend|girlfriend|ex)\\b[^.;]{0,40}?\\b(?:checks?|checked|monitors?|tracks?|tracked|reads?|goes\\s+through|went\\s+through)\\s+(?:her|his|their)\\s+(?:phone|messages|texts|location|emails|bank)\\b|\\b(?:won['’]?t|doesn['’]?t|does\\s+not|will\\s+not|never)\\s+lets?\\s+(?:her|him|them)\\s+(?:see|leave\\s+the\\s+house|go\\s+out|have\\s+(?:her|his|their)\\s+own|talk\\s+to|work)\\b`,
			"i",
		),
		{ weak: true },
	),
	en(
		"dangerous person",
		new RegExp(
			`\\b${PERSON_SUBJECT}\\s+(?:is|was|becomes|became|gets|got|can\\s+be|could\\s+be|may\\s+be|might\\s+be|seems|seemed)\\s+(?:\\w+\\s+)?(?:dangerous|threatening|volatile)\\b`,
			"i",
		),
		{ weak: true },
	),
	// Safety in the sense of safety to life.
	en(
		"safety plan",
		/\bsafety[\s-]+plan\w*|\bsafety\s+(?:concerns?|issues?|risks?|problems?|checks?|assessments?|screen\w*|review|planning|contract)\b|\bsafety\s+at\s+home\b|\bmeans\s+restriction\b|\brestrict\w*\s+(?:access\s+to\s+)?(?:the\s+|lethal\s+)?means\b|\blethal\s+means\b/i,
	),
	en("keeping safe", /\bkeep\w*\s+(?:her|him|them|my|your|one)sel(?:f|ves)\s+safe\b/i),
	en("keeping safe", /\b(?:keeps?|kept|keeping)\s+(?:her|him|them|me)\s+safe\b/i, { weak: true }),
	en("staying safe", /\bstay(?:s|ed|ing)?\s+safe\b/i, {
		weak: true,
		reject: (s, start, m) =>
			/^\s+(?:on|in|at|while|during|around\s+(?:dogs|water)|online|from\s+(?:the\s+)?(?:sun|cold|flu|covid|virus))\b/i.test(wordAfter(s, start, m)),
	}),
	en("feeling unsafe", /\b(?:feels?|felt|feeling|is|was|being)\s+(?:\w+\s+)?unsafe\b/i, {
		weak: true,
		reject: (s, start, m) =>
			/^\s+(?:in|on|near|during|when|whenever|driving|around\s+(?:crowds|dogs|heights|water))\b(?!\s+(?:her|the|their|his)\s+(?:home|house|flat|apartment|bedroom))/i.test(
				wordAfter(s, start, m),
			),
	}),
	en(
		"safety",
		/\b(?:her|his|their|client['’]?s|own|child['’]?s|children['’]?s)\s+(?:physical\s+|personal\s+|immediate\s+)?safety\b(?![\s-]+(?:behaviou?rs?|seeking|signals?|cues?))/i,
		{ weak: true },
	),
	en(
		"in danger",
		/\b(?:is|was|are|were|be|been|being|feels?|felt)\s+in\s+(?:\w+\s+)?danger\b(?!\s+of\s+(?!(?:being\s+)?(?:hurt|harmed|killed|attacked|dying|death|suicide)))/i,
		{ weak: true },
	),
	// Crisis.
	en(
		"crisis service",
		/\bcrisis\s+(?:text\s+line|line|lines|team|teams|service|services|centre|center|hotline|number|plan|resources?|support|unit|care)\b|\bSamaritans\b|\bLifeline\b|\b741741\b|\bsuicide\s+(?:hotline|line|prevention)\b/,
	),
	en(
		"crisis service",
		/\bcrisis\s+(?:text\s+line|line|lines|team|teams|service|services|centre|center|hotline|number|plan|resources?|support|unit|care)\b|\bsuicide\s+(?:hotline|line|prevention)\b/i,
	),
	en(
		"emergency",
		/\b(?:call|calls|calling|dial|dials|dialling|dialing|ring|rings|text|texts|phone|phones)\s+(?:the\s+)?(?:911|999|112|000|988|emergency\s+services|an\s+ambulance)\b/i,
	),
	en(
		"emergency",
		/\bif\s+(?:things|it|she|he|they|the\s+(?:urges?|thoughts?|feelings?))\s+(?:\w+\s+){0,3}?(?:bad|worse|too\s+much|unmanageable|out\s+of\s+control|overwhelming|unsafe)\b[^.;]*\b(?:emergency|ER|A&E|hospital)\b/i,
	),
	en(
		"emergency",
		/\b(?:emergency\s+(?:room|department)|ER|A&E)\b[^.;]*\bif\s+(?:things|it|she|he|they|the\s+(?:urges?|thoughts?|feelings?))\s+(?:\w+\s+){0,3}?(?:bad|worse|too\s+much|unmanageable|out\s+of\s+control|overwhelming|unsafe)\b/i,
	),
	en(
		"crisis",
		/\b(?:she|he|they|client|patient|I)\s+(?:was|is|were|are|has\s+been|had\s+been|felt|feels|went)\s+(?:\w+\s+)?in(?:to)?\s+(?:a\s+|acute\s+)?crisis\b/i,
	),
	en(
		"admission",
		/\b(?:involuntary|compulsory)\s+(?:hold|admission|commitment|detention|hospitali[sz]ation|treatment)|\bsectioned\b|\b5150\b|\bBaker\s+Act\b|\bpsychiatric\s+(?:admission|hospitali[sz]ation|emergency|hold|ward|unit|inpatient)|\binpatient\s+(?:admission|stay|unit|ward)\b/i,
	),
	// Means.
	en(
		"means",
		new RegExp(
			`\\b(?:stash(?:es|ed)?|hoard\\w*|stockpil\\w*|collect(?:s|ed|ing)\\s+up|sav(?:es|ed|ing)\\s+up)\\s+(?:of\\s+)?(?:(?:her|his|their|the|some|old)\\s+)?(?:\\w+\\s+)?${PILLS}\\b|\\blethal\\b|\\bhow\\s+many\\s+(?:\\w+\\s+)?${PILLS}\\b`,
			"i",
		),
	),
	en("means", new RegExp(`\\b(?:took|take|takes|taking|swallowed|swallow|swallows|swallowing)\\s+${BIG_NUMBER}\\s+(?:\\w+\\s+)?${PILLS}\\b`, "i")),
	en(
		"means",
		new RegExp(
			`\\b(?:remov\\w+|lock\\w*(?:\\s+(?:up|away))?|hold\\w*\\s+onto|hand\\w*\\s+over|giv\\w+\\s+up|dispos\\w+\\s+of|get\\s+rid\\s+of|got\\s+rid\\s+of|secur\\w+|keep\\w*\\s+(?:hold|control)\\s+of)\\s+(?:(?:the|her|his|their|all|any|all\\s+the|all\\s+her|all\\s+his)\\s+)?(?:\\w+\\s+)?(?:${PILLS}|firearms?|guns?|rifles?|weapons?|knives|blades|razors|ammunition|rope)\\b`,
			"i",
		),
	),
	en(
		"means",
		/\b(?:stood|standing|stand|stands|sat|sitting|leaned|leaning|climbed)\s+(?:\w+\s+){0,3}?(?:at|on|over)\s+the\s+(?:edge|railing|ledge|parapet)\b(?=[^.;]*\b(?:bridge|roof|cliff|platform|tracks|balcony|building|tower|car\s+park)\b)|\b(?:bridge|roof|cliff|platform|tracks|balcony|building|tower)\b[^.;]*\b(?:stood|standing|sat|sitting|leaned|leaning)\s+(?:\w+\s+){0,3}?(?:at|on|over)\s+the\s+(?:edge|railing|ledge|parapet)\b/i,
	),
	// Protective factors and reasons for living.
	en(
		"reasons for living",
		/\breasons?\s+(?:for|to)\s+(?:stay(?:ing)?\s+alive|liv(?:e|ing)|keep(?:ing)?\s+going|be(?:ing)?\s+(?:here|alive)|still\s+be(?:ing)?\s+here|go(?:ing)?\s+on)\b|\bstay(?:s|ed|ing)?\s+alive\b/i,
	),
	en("reasons for living", /\bkeeps?\s+(?:her|him|them|me)\s+alive\b|\bkept\s+(?:her|him|them|me)\s+alive\b/i, { weak: true }),
	// Minimisation.
	en(
		"no follow-up needed",
		/\b(?:no\s+(?:further\s+|additional\s+|more\s+|other\s+|immediate\s+)?(?:follow[\s-]?up|monitoring|action|assessment|intervention|review|escalation)(?:\s+(?:on|for|about|regarding|of|re|with)\s+[^.;]{1,60}?)?\s+(?:is\s+|was\s+|are\s+|were\s+)?(?:needed|necessary|required|warranted|indicated|planned)|(?:does|do|did|will)\s*(?:n['’]t|\s+not)\s+(?:need|require|warrant)\s+(?:any\s+)?(?:further\s+|additional\s+|more\s+)?(?:follow[\s-]?up|monitoring|assessment|action|review|escalation|intervention|check[\s-]?ins?)|(?:needs?|requires?|required|warrants?)\s+no\s+(?:further\s+|additional\s+|more\s+)?(?:follow[\s-]?up|monitoring|action|assessment|review|escalation|intervention|check[\s-]?ins?)|no\s+need\s+(?:for|to)\s+(?:further\s+|any\s+)?(?:follow(?:[\s-]?up)?|revisit|monitor|assess|review|check\s+in|explore\s+(?:this|it)\s+further)|nothing\s+(?:further\s+|more\s+)?to\s+(?:follow\s+up|escalate|flag|report|act\s+on))\b/i,
		{ reject: (s) => ROUTINE.test(s) },
	),
	en(
		"not a concern",
		/\b(?:is|was|are|were|seems?|seemed|appears?|appeared|remains?|remained)\s+(?:not|no\s+longer|never)\s+(?:a\s+|any\s+|of\s+)?(?:\w+\s+)?(?:concern|cause\s+for\s+concern|concerning|worrying|worrisome|alarming|clinically\s+significant|significant|serious|an?\s+issue|a\s+problem)\b|\b(?:no\s+(?:cause|reason)\s+for\s+concern|nothing\s+to\s+be\s+concerned\s+about)\b/i,
		{ reject: (s, start) => !VAGUE_OR_SAID.test(clauseStartToHit(s, start)) },
	),
	en(
		"not a concern",
		/(?:^|[;:]\s*)\W*no\s+(?:current\s+|further\s+|other\s+|new\s+|acute\s+|immediate\s+|significant\s+|major\s+|clinical\s+|real\s+|outstanding\s+)?(?:concerns?|issues?)(?:\s+(?:at\s+(?:this\s+time|the\s+moment|present)|noted|identified|reported|raised|today|currently|remain|remaining))?\W*$/i,
	),
	en(
		"would act on it",
		/\b(?:(?:would|will|might|could|intends?\s+to|plans?\s+to|going\s+to)\s+act|(?:intention|intent|plans?)\s+(?:of|to)\s+act(?:ing)?)\s+on\s+(?:it|them|these|those|the\s+(?:thoughts?|urges?|impulses?|feelings?|wish))\b/i,
		{ weak: true },
	),
	// Speaking to the reviewer or the safeguards.
	en(
		"instruction to the reviewer",
		/\b(?:do\s+not|don['’]t|never|no\s+need\s+to)\s+(?:flag|list|escalate|report|highlight|mark)\b|\b(?:need|needs|should|must)\s+not\s+be\s+(?:flagged|listed|escalated|reviewed|removed)\b|\bignore\s+(?:all\s+|any\s+|the\s+)?(?:earlier|previous|prior|above|preceding|other)\s+(?:instructions?|rules?|guidance)|\b(?:cleared|approved|signed\s+off)\s+by\s+(?:the\s+)?(?:clinician|supervisor|therapist)\b|\bno\s+(?:review|escalation)\s+(?:is\s+)?(?:needed|required|necessary)\b/i,
		{ reject: (s) => ROUTINE.test(s) },
	),
	// Abbreviations in lower case where they can only be risk: "denied si", "no si/hi".
	en(
		"SI or HI",
		/\b(?:denie[sd]|deny|denying|negative\s+for|no|without|reports?\s+no|nil)\s+(?:si|hi|sh|nssi)(?:\s*\/\s*(?:si|hi|sh))?(?=\s*(?:[.,;:!?)]|$|(?:and|or|today|currently|at\s+this\s+time)\b))|\b(?:si|hi)\s*\/\s*(?:si|hi)\b|\b(?:si|hi)\s*[:=]\s*(?:denied|none|nil|no|negative|absent)\b/i,
	),
	// Ideation on its own, and the internet's words for suicide.
	en("ideation", /\bideation\b|\bun-?aliv\w*|\b(?:kms|kys)\b/i),
	en(
		"wish to die",
		/\b(?:wish(?:es|ed)?|want(?:s|ed)?|wanting|desire|longing|hope(?:s|d)?|thoughts?|urges?)\s+(?:\w+\s+)?(?:to\s+not|not\s+to)\s+(?:be\s+(?:here|alive|around)|exist|wake\s+up|go\s+on|live)\b/i,
	),
	// Violence by a person close to her, her injuries explained away, threats.
	en(
		"violence",
		new RegExp(
			`\\b(?:partner|husband|wife|boyfriend|girlfriend|father|dad|mother|mum|mom|brother|sister|ex|stepfather|stepdad|stepmother|uncle)\\s+(?:\\w+\\s+){0,2}?(?:hits?|hitting|beats?|beating|kicks?|kicked|kicking|chokes?|choked|choking|slaps?|slapped|slapping|punch(?:es|ed|ing)?|strangl\\w+|shoves?|shoved|hurts?|hurting)\\s+(?:her|him|them|me)\\b(?!\\s+(?:feelings|at|in)\\b)`,
			"i",
		),
	),
	en("threats", new RegExp(`\\b${PERSON_SUBJECT}['’]s\\s+(?:threats|violence|aggression|abuse|rages?|temper)\\b`, "i")),
	en(
		"injuries",
		/\b(?:bruises?|bruising|injur(?:y|ies)|black\s+eye|burn\s+marks|marks\s+on\s+(?:her|his)\s+(?:arms?|neck|wrists?))\s+(?:\w+\s+){0,3}?(?:from|after|due\s+to|caused\s+by|explained\s+(?:as|by))\s+(?:a\s+|an\s+|her\s+|his\s+)?(?:fall|falling|accident|clumsiness|walking\s+into|door|stairs)\b/i,
	),
	en("harm's way", /\bharm['’]?s\s+way\b/i),
	en("not a threat", /\b(?:is|was|are|were|poses?|posed|posing)\s+(?:not\s+a|no|not\s+any|little|minimal|no\s+real)\s+(?:threat|danger)\b/i, { weak: true }),
	// Safeguarding and child protection, and being safe at home.
	en("safeguarding", /\bsafeguarding\b|\bchild\s+protection\b|\b(?:child|adult)\s+protective\s+services\b/i),
	en(
		"safe at home",
		/\bsafe\s+(?:at|to\s+(?:go|return|stay))\s+home\b|\b(?:children|kids|baby|child|son|daughter)\s+(?:are|is|were|was)\s+(?:\w+\s+)?safe\b/i,
		{ weak: true },
	),
	// Risk as a state, intent and lethality rated, and the words around grooming, command hallucinations and a future not seen.
	en(
		"rates risk",
		/\brisk\s+(?:picture|profile|formulation|indicators?|factors?)\b|\b(?:no|any|little|minimal|without)\s+(?:evidence|indications?|signs?|changes?)\s+(?:of|to|in)\s+(?:the\s+)?risk\b/i,
		{ reject: (s) => EXPOSURE_CONTEXT.test(s) && !/\b(?:suicid|self[\s-]?harm|harm|violen|danger)/i.test(s) },
	),
	en(
		"rates risk",
		/\b(?:intent|intention|lethality)\s+(?:is|was|remains?|remained|appears?|seems?)\s+(?:\w+\s+)?(?:low|minimal|high|moderate|absent|none|unchanged)\b/i,
	),
	en("abuse", /\bgroomed\s+by\b|\bcommand\s+hallucinations?\b/i),
	en(
		"hopelessness",
		/\b(?:doesn['’]t|does\s+not|didn['’]t|did\s+not|can['’]t|cannot|could\s+not|couldn['’]t)\s+see\s+(?:a|any)\s+future\b(?!\s+(?:with|in|at|for)\b)/i,
	),
	// A rating written as one word ("lowrisk").
	en("rates risk", /\b(?:low|high|moderate|minimal|elevated|medium|no)risk\b/i),
	en(
		"risk field",
		/\brisk\s+(?:content|items?|statements?|language|flags?|section|review)\b|^[\s*_#>-]*(?:(?:suicide|suicidal|self[\s-]?harm|violence|overall|current|safety)\s+)?risk(?:\s+(?:level|rating|status|assessment|summary))?[\s*_]*[:=]/i,
	),
	en(
		"risk emoji",
		new RegExp(
			`\\b(?:risk|safety|self[\\s-]?harm|suicid\\w*|danger|harm|violence|abuse|neglect)\\b[^\\p{L}\\p{N}]{0,6}${EMOJI}|${EMOJI}\\s*(?:(?:low|high|moderate|no|minimal|elevated)\\s+)?risk\\b`,
			"iu",
		),
	),
	en("risk emoji", new RegExp(`\\b(?:SI|HI|SH|NSSI)\\b[^\\p{L}\\p{N}]{0,6}${EMOJI}`, "u")),
];

/** The text from the clause start to the hit (for "is not a concern": what is not a concern). */
function clauseStartToHit(sentence: string, start: number): string {
	const before = sentence.slice(0, start);
	const boundaries = [...before.matchAll(/[;:]|,\s+(?:but|and|although|though|which|so)\b|\b(?:but|although|though)\b/giu)];
	const last = boundaries.at(-1);
	return last ? before.slice(last.index + last[0].length) : before;
}

const ES_RISK_LEVEL = String.raw`(?:bajo|baja|alto|alta|moderad[oa]|m[ií]nim[oa]|nul[oa]|leve|elevad[oa]|inminente|medi[oa]|grave|suicida|autol[ií]tico|vital|de\s+(?:suicidio|autolesi${L}+|muerte|da[ñn]o|violencia|heteroagresi${L}+|agresi${L}+|hacerse|quitarse|matarse|lesi${L}+)|para\s+(?:s[ií](?:\s+mism[oa])?|terceros|otros|los\s+dem[aá]s|su\s+vida|la\s+vida))`;

const ES_PATTERNS: readonly DomainPattern[] = [
	es("riesgo", String.raw`${B}riesgo\s+${ES_RISK_LEVEL}${E}`),
	es(
		"riesgo",
		String.raw`${B}(?:bajo|alto|moderado|m[ií]nimo|nulo|leve|elevado|inminente|sin|no\s+hay|no\s+existe|no\s+presenta|ning[uú]n|niega|sin\s+indicios\s+de)\s+riesgo${E}`,
		{ reject: (s, start) => /(?:tarea|actividad|exposici[oó]n|experimento|situaci[oó]n|paso|inversi[oó]n|deporte)\s+de\s*$/iu.test(s.slice(0, start)) },
	),
	es(
		"riesgo",
		String.raw`${B}(?:el\s+)?riesgo\s+(?:es|fue|era|se\s+consider[aó]|se\s+valor[oó]|se\s+evalu[oó]|parece|sigue|contin[uú]a|queda|fue\s+(?:evaluado|valorado)|ha\s+sido\s+(?:evaluado|valorado))${E}|${B}(?:evaluaci[oó]n|valoraci[oó]n|evalu[oó]|valor[oó]|evaluar|valorar)\s+(?:del?\s+|el\s+)?riesgo${E}|^[\s*_#>-]*riesgo(?:\s+${L}+)?[\s*_]*[:=]`,
	),
	es(
		"plan de seguridad",
		String.raw`${B}plan(?:es)?\s+de\s+(?:seguridad|crisis|emergencia|prevenci[oó]n)${E}|${B}l[ií]nea\s+(?:de\s+)?(?:crisis|prevenci[oó]n|ayuda|la\s+vida|atenci[oó]n\s+a\s+la\s+conducta\s+suicida)${E}|${B}tel[eé]fono\s+de\s+la\s+esperanza${E}|${B}024${E}|${B}(?:llamar|llame|llamar[aá]|llama|llam[oó]|marcar|marcar[aá])\s+(?:al\s+)?(?:112|911|024|988|061|emergencias)${E}|${B}(?:acudir|acudir[aá]|ir[aá]|ir[ií]a|ir)\s+a\s+urgencias\s+si${E}`,
	),
	es("a salvo", String.raw`${B}mantener(?:se|me|te)\s+(?:a\s+salvo|segur[ao])${E}|${B}(?:se|me)\s+mantendr[aá]\s+(?:a\s+salvo|segur[ao])${E}`),
	es(
		"a salvo",
		String.raw`${B}(?:est[aá]|estaba|estar|estar[aá]|se\s+mantiene|mantiene|la\s+mantiene|lo\s+mantiene|sigue|qued[oó]|queda|est[eé])\s+a\s+salvo${E}`,
		{ weak: true },
	),
	es(
		"peligro",
		String.raw`${B}peligro\s+para\s+(?:s[ií]|otros|otras|terceros|los\s+dem[aá]s|su\s+vida)${E}|${B}peligros[oa]\s+para\s+(?:s[ií]|otros|terceros|los\s+dem[aá]s)${E}`,
	),
	es("peligro", String.raw`${B}(?:est[aá]|estaba|corre|corr[ií]a)\s+(?:en\s+)?peligro${E}(?!\s+de\s+(?!morir|muerte|ser\s+(?:agredid|herid|golpead)))`, {
		weak: true,
	}),
	es("pensamientos de muerte", String.raw`${B}(?:pensamientos|ideas)\s+(?:oscur[oa]s|negr[oa]s|de\s+muerte)${E}|${B}ideaci[oó]n${E}`),
	es(
		"no morir",
		String.raw`${B}no\s+(?:morir(?:me|se)?|(?:estar|quedar)\s+muert[oa])${E}(?!\s+de\s+(?:risa|hambre|verg[üu]enza|ganas|sue[ñn]o|fr[ií]o|calor|miedo|aburrimiento|cansancio|sed))`,
	),
	es(
		"dejar de existir",
		String.raw`${B}(?:dejar|deje|dejara|dejase|deja|dej[oó])\s+de\s+(?:existir|respirar)${E}|${B}(?:dejar|deje|dejara|dejase)\s+de\s+vivir${E}(?!\s+(?:con|en|junt))`,
	),
	es(
		"factores protectores",
		String.raw`${B}factor(?:es)?\s+(?:protector(?:es)?|de\s+protecci[oó]n)${E}|${B}(?:razones|motivos|raz[oó]n|motivo)\s+para\s+(?:vivir|seguir\s+viv${L}+|seguir\s+aqu[ií])${E}`,
	),
	es(
		"sin seguimiento",
		String.raw`${B}(?:no\s+(?:se\s+)?(?:requiere|requieren|necesita|necesitan|precisa|amerita|es\s+necesari[oa]|hace\s+falta)|sin\s+necesidad\s+de)\s+(?:(?:un|ning[uú]n|ninguna|m[aá]s|mayor|otro|otra|hacer|hacer\s+un)\s+)?(?:seguimiento|intervenci[oó]n|evaluaci[oó]n|valoraci[oó]n|acci[oó]n|revisi[oó]n)${E}`,
		{ reject: (s) => ROUTINE.test(s) },
	),
	es(
		"no preocupa",
		String.raw`${B}no\s+(?:es|era|fue|parece|parec[ií]a|representa|supone|constituye|resulta)\s+(?:un\s+|una\s+)?(?:motivo\s+de\s+)?(?:preocupaci[oó]n|preocupante|alarmante|grave|significativ[oa]|relevante|de\s+preocupar)${E}`,
		{ reject: (s, start) => !VAGUE_OR_SAID.test(clauseStartToHit(s, start)) && !/^\s*$/u.test(clauseStartToHit(s, start)) },
	),
	es(
		"acceso a medios",
		String.raw`${B}acceso\s+a\s+(?:${L}+\s+){0,3}?(?:armas?|pistolas?|escopetas?|pastillas|medicamentos|medicinas|f[aá]rmacos|cuchillos?)${E}`,
	),
	es("señales de alarma", String.raw`${B}(?:señales|signos|se[ñn]ales)\s+de\s+(?:alarma|alerta|riesgo)${E}`),
	es(
		"control coercitivo",
		String.raw`${B}(?:le|la|me|lo)\s+(?:revisa|revisaba|revis[oó]|mira|controla|controlaba)\s+(?:el|los|mi|su)\s+(?:m[oó]vil|tel[eé]fono|celular|mensajes|correos|cuenta)${E}|${B}no\s+(?:la|lo|me|le)\s+(?:deja|dejaba|dej[oó])\s+(?:salir|ver\s+a|hablar\s+con|trabajar|tener)${E}`,
		{ weak: true },
	),
	es(
		"querer que todo acabe",
		String.raw`${B}(?:quiero|quiere|quer[ií]a|desea|deseaba|necesita|necesito)\s+que\s+todo\s+(?:se\s+)?(?:acabe|termine|pare|detenga)${E}`,
	),
	es(
		"instrucción al revisor",
		String.raw`${B}no\s+(?:marcar|se[ñn]alar|listar|reportar|escalar)${E}|${B}ignor(?:a|ar|e)\s+las\s+instrucciones\s+(?:anteriores|previas)${E}`,
	),
	es("riesgo emoji", String.raw`${B}(?:riesgo|seguridad|autolesi${L}*|suicid${L}*|peligro|violencia|abuso)${E}[^\p{L}\p{N}]{0,6}${EMOJI}`, { unicode: true }),
];

// ---------------------------------------------------------------------------------------------
// Vetoes on riskTerms' hits (their patterns were written for a transcript or a draft's judgements;
// here they meet IFS notes in the model's voice).

const JUDGEMENT_WEAK = new Set(["judges safety", "judges danger", "denies intent", "contract for safety"]);
/** "Any risk was mitigated by doing the exposure with a friend": risk in a CBT experiment, not to life. */
const EXPOSURE_CONTEXT = /\b(?:exposures?|experiments?|hierarch(?:y|ies)|investments?|financial|business|surgery|procedure)\b/i;
const MENTION_WEAK = new Set(["threats", "attack", "harming someone", "fear at home", "amenazas"]);

/** Urges whose object is not harm: "the urge to check the stove". */
const NON_RISK_URGE =
	/\b(?:urges?|impulses?|compulsions?|temptation)\s+to\s+(?!(?:hurt|harm|kill|cut|die|end|jump|hang|overdose|burn|hit|attack|stab|shoot|strangle|choke|disappear|use|drink)\b)\w+/i;

function rejectTermHit(sentence: string, hit: TermHit, kind: "judgement" | "mention"): boolean {
	const after = sentence.slice(hit.end);
	const before = sentence.slice(0, hit.start);
	const text = hit.text.toLowerCase();
	switch (hit.label) {
		case "burden":
			// IFS burdens: "carries a burden of worthlessness".
			return /^\s+of\b/i.test(after) || /\b(?:carr(?:y|ies|ied|ying)|hold(?:s|ing)?|held|releas\w*|unload\w*|unburden\w*)\s+(?:\w+\s+)?$/i.test(before);
		case "weapon":
			return (
				/\b(?:jump(?:s|ed|ing)?\s+the|under\s+the|smoking|big|top)\s+$/i.test(before) ||
				/\b(?:stick|sticks|stuck|sticking)\s+to\s+(?:her|his|their|my|your|our)\s+$/i.test(before) ||
				/\b(?:secret|best|only)\s+$/i.test(before) ||
				/\blike\s+(?:a\s+)?$/i.test(before) ||
				/^(?:[-\s]edge|['’]s\s+edge|\s+and\s+fork)/i.test(after)
			);
		case "attack":
			return (
				/^\s+(?:her|his|the|my|their)\s+(?:proposal|idea|ideas|work|plan|character|argument|report|decision|choices|appearance|weight|self-worth|confidence|writing|post|opinion)\b/i.test(
					after,
				) || partFrame(sentence, hit.start)
			);
		case "threats":
			return (
				/^\s+(?:to\s+)?(?:leave|quit|resign|fire|sue|tell|break\s+up|cancel|complain|move\s+out|stop\s+(?:therapy|coming))\b/i.test(
					after.replace(/^\s*to\b/i, " to"),
				) || partFrame(sentence, hit.start)
			);
		case "being hit":
			// "her brother beat her at chess".
			return (
				/\bbeat/i.test(hit.text) &&
				/^\s+(?:\w+\s+)?(?:at|in)\s+(?:chess|cards|tennis|poker|the\s+(?:race|game|match|final|quiz)|a\s+(?:race|game|match)|\w+ball|golf|scrabble|monopoly|running|swimming)\b/i.test(
					after,
				)
			);
		case "rates risk":
		case "risk addressed":
			return EXPOSURE_CONTEXT.test(sentence) && !/\b(?:suicid|self[\s-]?harm|harm|violen|danger)/i.test(sentence);
		case "plan to end it":
			return /^\s+with\b/i.test(after);
		case "denies intent":
			return NON_RISK_URGE.test(before) || partFrame(sentence, hit.start);
		default:
			break;
	}
	if (
		kind === "judgement" &&
		(JUDGEMENT_WEAK.has(hit.label) ||
			(hit.label === "denies or rules out risk" && /danger|violen/.test(text) && !/\bto\s+(?:self|others|her|him|them)/.test(text)))
	) {
		return partFrame(sentence, hit.start);
	}
	if (kind === "mention" && MENTION_WEAK.has(hit.label)) return partFrame(sentence, hit.start);
	return false;
}

// ---------------------------------------------------------------------------------------------
// Language

const ES_WORDS =
	/(?:^|[^\p{L}])(?:el|la|los|las|que|del|y|con|por|para|una|su|sus|se|es|est[aá]|ha|pero|como|muy|dijo|hay|lo|le|les|mi|me|al|sin|ni|porque|cuando|m[aá]s|no\s+\p{L}+[oa]s?)(?=$|[^\p{L}])/giu;
const EN_WORDS = /\b(?:the|and|of|to|is|was|she|he|her|his|with|for|a|in|that|not|has|have|they|said|by|on|at|it)\b/gi;

function sentenceLanguage(sentence: string): RiskDomainLanguage {
	const esCount = (sentence.match(ES_WORDS) ?? []).length + (/[ñáéíóú¿¡]/iu.test(sentence) ? 1 : 0);
	const enCount = (sentence.match(EN_WORDS) ?? []).length;
	return esCount > enCount ? "es" : "en";
}

// ---------------------------------------------------------------------------------------------
// Matching

function domainHits(patterns: readonly DomainPattern[], sentence: string, out: RiskDomainHit[]): void {
	for (const p of patterns) {
		const re = globalRegExp(p.re);
		let m: RegExpExecArray | null;
		while ((m = re.exec(sentence)) !== null) {
			if (m[0] === "") {
				re.lastIndex++;
				continue;
			}
			const rejected = (p.reject?.(sentence, m.index, m[0]) ?? false) || (p.weak === true && partFrame(sentence, m.index));
			if (!rejected) out.push({ start: m.index, end: m.index + m[0].length, text: m[0], label: p.label, language: p.language });
			else re.lastIndex = m.index + 1;
		}
	}
}

/**
 * Every risk-domain hit in one sentence (already normalised: NFKC, zero-width/bidi removed, quotes
 * unified to " and ', one line). The sentence is read as written and without the accents on its Latin
 * letters ("suïcidal" is "suicidal"): a hit in either reading counts.
 */
export function riskDomainHits(sentence: string): RiskDomainHit[] {
	const out = hitsIn(sentence);
	const folded = foldAccents(sentence);
	if (folded === sentence) return out;
	// The Spanish patterns read accents themselves ("[ií]"); without them a Spanish sentence loses words its context checks need ("niña").
	for (const h of hitsIn(folded))
		if (h.language === "en" && !out.some((o) => o.start === h.start && o.end === h.end)) out.push({ ...h, text: sentence.slice(h.start, h.end) });
	return out.sort((a, b) => a.start - b.start || b.end - a.end || a.label.localeCompare(b.label));
}

function hitsIn(sentence: string): RiskDomainHit[] {
	const out: RiskDomainHit[] = [];
	let language: RiskDomainLanguage | undefined;
	const termLanguage = (hit: TermHit): RiskDomainLanguage => hit.language ?? (language ??= sentenceLanguage(sentence));
	for (const hit of findRiskJudgements(sentence)) {
		if (!rejectTermHit(sentence, hit, "judgement"))
			out.push({ start: hit.start, end: hit.end, text: hit.text, label: hit.label, language: termLanguage(hit) });
	}
	for (const hit of findRiskMentionTerms(sentence)) {
		if (!rejectTermHit(sentence, hit, "mention"))
			out.push({ start: hit.start, end: hit.end, text: hit.text, label: hit.label, language: termLanguage(hit) });
	}
	domainHits(EN_PATTERNS, sentence, out);
	domainHits(ES_PATTERNS, sentence, out);
	if (out.length > 0 && out.some((h) => h.language === "en")) {
		language ??= sentenceLanguage(sentence);
		if (language === "es") for (const h of out) h.language = "es";
	}
	out.sort((a, b) => a.start - b.start || b.end - a.end || a.label.localeCompare(b.label));
	return out.filter((h, i) => i === 0 || h.start !== out[i - 1]!.start || h.end !== out[i - 1]!.end);
}

/** The first hit, or null when the sentence stays. */
export function touchesRiskDomain(sentence: string): RiskDomainHit | null {
	return riskDomainHits(sentence)[0] ?? null;
}
