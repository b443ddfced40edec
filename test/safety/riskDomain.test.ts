/**
 * The risk-domain classifier for model-written sentences (src/core/safety/riskDomain.ts) against the
 * catalogues of test/safety/riskSentences.ts: every risk sentence is classified, every clean IFS/CBT/DBT
 * sentence stays; the hits point at the words that triggered them; the Spanish input mentions of
 * riskTerms.ts find Spanish risk lines and leave Spanish idioms alone.
 */
import { describe, expect, it } from "vitest";
import { findRiskMentionTerms } from "../../src/core/drafting/riskTerms";
import { riskDomainHits, touchesRiskDomain } from "../../src/core/safety/riskDomain";
import { CLEAN_INPUT_LINES_ES, CLEAN_SENTENCES, measureRiskDomain, measureSpanishMentions, RISK_INPUT_LINES_ES, RISK_SENTENCES } from "./riskSentences";

describe("risk-domain catalogues", () => {
	it("are large enough and cover Spanish", () => {
		expect(RISK_SENTENCES.length).toBeGreaterThanOrEqual(80);
		expect(RISK_SENTENCES.filter((s) => s.language === "es").length).toBeGreaterThanOrEqual(15);
		expect(CLEAN_SENTENCES.length).toBeGreaterThanOrEqual(80);
		expect(RISK_INPUT_LINES_ES.length).toBeGreaterThanOrEqual(15);
		expect(CLEAN_INPUT_LINES_ES.length).toBeGreaterThanOrEqual(10);
		const texts = [...RISK_SENTENCES.map((s) => s.text), ...CLEAN_SENTENCES.map((s) => s.text)];
		expect(new Set(texts).size).toBe(texts.length);
	});
});

describe("model-written sentences that touch the risk domain", () => {
	it.each(RISK_SENTENCES.map((s) => [s.text, s]))("classifies: %s", (_text, s) => {
		const hit = touchesRiskDomain(s.text);
		expect(hit, `not classified: "${s.text}" (${s.why})`).not.toBeNull();
		const hits = riskDomainHits(s.text);
		expect(hits[0], `touchesRiskDomain is not the first hit for "${s.text}"`).toEqual(hit);
		for (const h of hits) expect(h.language, `hit "${h.text}" (${h.label}) in "${s.text}"`).toBe(s.language);
	});
});

describe("clean IFS/CBT/DBT sentences", () => {
	it.each(CLEAN_SENTENCES.map((s) => [s.text, s]))("keeps: %s", (_text, s) => {
		const hits = riskDomainHits(s.text);
		expect(hits, `wrongly classified: "${s.text}" (${s.why}): ${hits.map((h) => `${h.label} "${h.text}"`).join(", ")}`).toEqual([]);
		expect(touchesRiskDomain(s.text)).toBeNull();
	});
});

describe("hit offsets", () => {
	it("every hit is the slice of the sentence it names, non-empty, in order", () => {
		for (const s of RISK_SENTENCES) {
			const hits = riskDomainHits(s.text);
			let previous = -1;
			for (const h of hits) {
				expect(h.start, s.text).toBeGreaterThanOrEqual(0);
				expect(h.end, s.text).toBeGreaterThan(h.start);
				expect(h.end, s.text).toBeLessThanOrEqual(s.text.length);
				expect(s.text.slice(h.start, h.end), s.text).toBe(h.text);
				expect(h.start, s.text).toBeGreaterThanOrEqual(previous);
				expect(h.label.length, s.text).toBeGreaterThan(0);
				previous = h.start;
			}
		}
	});

	const cases: [sentence: string, words: string][] = [
		["She wanted to sleep, not to die.", "not to die"],
		["The wish to disappear was not a concern.", "wish to disappear"],
		["No further follow-up is needed.", "No further follow-up is needed"],
		["Passing thoughts of death are common and not worrying.", "thoughts of death"],
		["Risk: 🟢", "Risk:"],
		["Quería dormir, no morir.", "no morir"],
		["Refiere que su pareja le pega cuando bebe.", "le pega"],
		["Her dog is her reason for staying alive.", "reason for staying alive"],
	];
	it.each(cases)("points at the words in: %s", (sentence, words) => {
		const start = sentence.indexOf(words);
		expect(start).toBeGreaterThanOrEqual(0);
		const hit = riskDomainHits(sentence).find((h) => h.start === start && h.end === start + words.length);
		expect(hit, `no hit on "${words}" in "${sentence}": ${JSON.stringify(riskDomainHits(sentence))}`).toBeDefined();
		expect(hit!.text).toBe(words);
	});

	it("finds the hit wherever it stands in a longer sentence, once per span", () => {
		const sentence = "After a calm week with the Worrier, she mentioned a stash of pills and said nobody would miss her.";
		const hits = riskDomainHits(sentence);
		const spans = hits.map((h) => `${h.start}:${h.end}`);
		expect(new Set(spans).size).toBe(spans.length);
		expect(hits.map((h) => h.text)).toEqual(expect.arrayContaining(["stash of pills", "nobody would miss her"]));
		expect(hits[0]!.start).toBe(sentence.indexOf("stash of pills"));
	});
});

describe("languages", () => {
	it("reports a Spanish quote inside an English sentence as Spanish and the English words as English", () => {
		const sentence = 'She said "no quiero vivir" and denied a plan to end her life.';
		const hits = riskDomainHits(sentence);
		expect(hits.find((h) => h.text === "no quiero vivir")?.language).toBe("es");
		expect(hits.find((h) => /end her life/.test(h.text))?.language).toBe("en");
	});

	it("reports an English pattern that matches a Spanish sentence as Spanish", () => {
		const hits = riskDomainHits("Sufrió abuso sexual en la infancia.");
		expect(hits.length).toBeGreaterThan(0);
		expect(hits.every((h) => h.language === "es")).toBe(true);
	});
});

describe("IFS framing does not hide strong risk words", () => {
	it("sets aside weak words when a part is their subject, but not strong ones", () => {
		expect(touchesRiskDomain("The Worrier keeps her safe by planning every detail.")).toBeNull();
		expect(touchesRiskDomain("The client keeps herself safe by calling her sister.")).not.toBeNull();
		expect(touchesRiskDomain("The manager keeps her safe by hiding the razor blades.")?.label).toBe("blades");
		expect(touchesRiskDomain("After the protector stepped back, the client said she is safe.")).not.toBeNull();
		expect(touchesRiskDomain("The part was quiet; the client thought she was safe.")).not.toBeNull();
		expect(touchesRiskDomain("On the Tuesday she said she would stay safe.")).not.toBeNull();
		expect(touchesRiskDomain("The protector believes she would be in danger if she let anyone close.")).toBeNull();
	});
});

describe("the benchmark figures", () => {
	it("measureRiskDomain counts the catalogues and finds nothing missed or wrongly removed", () => {
		const m = measureRiskDomain();
		expect(m).toEqual({
			risk: RISK_SENTENCES.length,
			caught: RISK_SENTENCES.length,
			clean: CLEAN_SENTENCES.length,
			wronglyRemoved: 0,
			missed: [],
			falsePositives: [],
		});
		expect(measureSpanishMentions()).toEqual({ missed: [], falseAlarms: [] });
	});
});

describe("Spanish mentions in the input (riskTerms)", () => {
	it.each(RISK_INPUT_LINES_ES)("finds a risk mention in: %s", (line) => {
		const hits = findRiskMentionTerms(line);
		expect(hits.length, `no mention found in "${line}"`).toBeGreaterThan(0);
		for (const h of hits) expect(line.slice(h.start, h.end)).toBe(h.text);
	});

	it.each(CLEAN_INPUT_LINES_ES)("finds nothing in: %s", (line) => {
		expect(findRiskMentionTerms(line)).toEqual([]);
	});

	it("gives each Spanish mention its category and marks it Spanish", () => {
		const categories = (line: string) => [...new Set(findRiskMentionTerms(line).map((h) => h.category))];
		expect(categories("Me quiero matar.")).toEqual(["suicide"]);
		expect(categories("Me corto los brazos cuando estoy sola.")).toEqual(["self-harm"]);
		expect(categories("Mi marido me pega.")).toEqual(["abuse"]);
		expect(categories("Mi pareja tiene una pistola en el cajón.")).toEqual(["weapons"]);
		expect(categories("Lo voy a matar si vuelve a tocarla.")).toEqual(["harm to others"]);
		expect(findRiskMentionTerms("Me quiero matar.")[0]!.language).toBe("es");
		expect(findRiskMentionTerms("I want to kill myself.")[0]!.language).toBeUndefined();
	});
});

describe("indirect English mentions added to riskTerms", () => {
	const indirect = [
		"I just want to sleep forever.",
		"Some days I wanted to disappear.",
		"I wish I could just vanish from everyone's lives.",
		"Sometimes I think nobody would miss me.",
		"I want it all to stop.",
		"I hope I don't wake up tomorrow.",
		"He used to beat me when he was drunk.",
		"I keep thinking about not waking up.",
		"The urge to cut is really strong tonight.",
	];
	it.each(indirect)("recognises: %s", (line) => {
		expect(findRiskMentionTerms(line).length).toBeGreaterThan(0);
	});

	const ordinary = [
		"At parties I want to disappear into the background.",
		"I wanted to disappear for the weekend, just a cabin and no phone.",
		"I hope I wake up early enough for the train.",
		"Nobody would notice if I left the party early.",
		"I want everything to be perfect for the wedding.",
		"I had the urge to cut my hair really short.",
	];
	it.each(ordinary)("does not raise an alarm for: %s", (line) => {
		expect(findRiskMentionTerms(line)).toEqual([]);
	});
});
