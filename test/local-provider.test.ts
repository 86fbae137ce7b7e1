/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { createLocalProvider, extractProposals, LOCAL_MODEL } from "../src/ai/local-provider";
import { MAX_PROPOSALS, validateProposals } from "../src/ai/proposals";
import { BACK_MAX, characterCount, FRONT_MAX } from "../src/lib/card-text";
import jazzHistory from "./fixtures/jazz-history.txt?raw";
import kopernik from "./fixtures/kopernik.txt?raw";
import photosynthesis from "./fixtures/photosynthesis.txt?raw";
import plateTectonics from "./fixtures/plate-tectonics.txt?raw";
import romanRepublic from "./fixtures/roman-republic.txt?raw";
import tcpProtocol from "./fixtures/tcp-protocol.txt?raw";

const FIXTURES: Record<string, string> = {
  "jazz-history": jazzHistory,
  kopernik,
  photosynthesis,
  "plate-tectonics": plateTectonics,
  "roman-republic": romanRepublic,
  "tcp-protocol": tcpProtocol,
};

const normalize = (text: string) => text.replace(/\s+/g, " ").trim();
/** Any C0/C1 control character: after whitespace normalisation a card side should not even hold a tab or newline. */
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F-\u009F]/;

/** Filler that defines nothing about photosynthesis, so a planted sentence is the only source of its card. */
const ENGLISH_FILLER = plateTectonics.slice(0, 1200);

describe.each(Object.entries(FIXTURES))("extractProposals on %s", (_name, text) => {
  const proposals = extractProposals(text);

  it("reads the whole fixture", () => {
    expect(text.length).toBeGreaterThan(4000);
  });

  it("yields at least 5 and at most MAX_PROPOSALS proposals", () => {
    expect(proposals.length).toBeGreaterThanOrEqual(5);
    expect(proposals.length).toBeLessThanOrEqual(MAX_PROPOSALS);
  });

  it("copies every back verbatim from the whitespace-normalised source", () => {
    const source = normalize(text);
    for (const { back } of proposals) expect(source).toContain(back);
  });

  it("never repeats a front, case-insensitively", () => {
    const fronts = proposals.map(({ front }) => normalize(front).toLowerCase());
    expect(new Set(fronts).size).toBe(fronts.length);
  });

  it("keeps both sides non-empty, without control characters, within the length limits", () => {
    for (const { front, back } of proposals) {
      expect(front.trim()).not.toBe("");
      expect(back.trim()).not.toBe("");
      expect(front).not.toMatch(CONTROL_CHARACTER);
      expect(back).not.toMatch(CONTROL_CHARACTER);
      expect(characterCount(front)).toBeLessThanOrEqual(FRONT_MAX);
      expect(characterCount(back)).toBeLessThanOrEqual(BACK_MAX);
    }
  });

  it("passes the shared provider-output validation unchanged", () => {
    expect(validateProposals({ proposals })).toEqual(proposals);
  });

  it("is deterministic", () => {
    expect(extractProposals(text)).toEqual(proposals);
  });
});

describe("extractProposals", () => {
  it("turns an English definition into a question with the definition as the answer", () => {
    const text = `Photosynthesis is the process by which plants convert light into chemical energy. ${ENGLISH_FILLER}`;
    expect(text.length).toBeGreaterThan(1000);
    expect(extractProposals(text)).toContainEqual({
      front: "What is Photosynthesis?",
      back: "the process by which plants convert light into chemical energy",
    });
  });

  it("uses the template of the verb and lower-cases a leading article", () => {
    const proposals = extractProposals(romanRepublic);
    expect(proposals).toContainEqual({
      front: "What was the Roman Republic?",
      back:
        "the period of ancient Roman history during which the state was governed by elected magistrates and a senate " +
        "rather than by a king",
    });
    expect(proposals).toContainEqual({
      front: "What were the Punic Wars?",
      back: "three wars fought between Rome and Carthage, a powerful city in North Africa",
    });
    expect(extractProposals(tcpProtocol)).toContainEqual({
      front: "What does Flow control refer to?",
      back: "the mechanism that prevents a fast sender from overwhelming a slow receiver",
    });
  });

  it("turns a Polish 'X jest Y' sentence into 'Czym jest X?'", () => {
    const text = `Fotosynteza jest procesem, w którym rośliny zamieniają światło w energię chemiczną. ${kopernik.slice(0, 1200)}`;
    expect(extractProposals(text)).toContainEqual({
      front: "Czym jest Fotosynteza?",
      back: "procesem, w którym rośliny zamieniają światło w energię chemiczną",
    });
    expect(extractProposals(kopernik)).toContainEqual({
      front: "Czym jest Astronomia?",
      back: "nauką, która bada ciała niebieskie, ich ruchy oraz budowę wszechświata",
    });
  });

  it("blanks the year of a dated sentence", () => {
    const text = `${ENGLISH_FILLER}\n\nIn 1543 Copernicus published his book about the motion of the planets around the Sun.`;
    expect(extractProposals(text)).toContainEqual({
      front: "In _____ Copernicus published his book about the motion of the planets around the Sun.",
      back: "1543",
    });
    expect(extractProposals(jazzHistory)).toContainEqual({
      front: "On _____ Benny Goodman led a celebrated jazz concert at Carnegie Hall in New York.",
      back: "16 January 1938",
    });
  });

  it("never asks about a pronoun or a determiner", () => {
    const text = [
      "It is a common mistake to think that plants take most of their mass from the soil.",
      "This is the reason why farmers add fertiliser to their fields every single year.",
      "They are the organisms that turn sunlight into food for almost every other living thing.",
      "These are the questions that early botanists tried to answer with careful experiments.",
      ENGLISH_FILLER,
    ].join(" ");
    const fronts = extractProposals(text).map(({ front }) => front);
    expect(fronts.length).toBeGreaterThan(0);
    for (const front of fronts) expect(front).not.toMatch(/^What (?:is|are|was|were) (?:it|this|they|these)\b/i);
  });

  it("blanks the same answer at most twice", () => {
    const sentence = (i: number) => `In 1543 the printer in city number ${i + 10} sold many copies of the new book.`;
    const text = Array.from({ length: 6 }, (_, i) => sentence(i)).join(" ");
    const backs = extractProposals(text).map(({ back }) => back);
    expect(backs.filter((back) => back === "1543")).toHaveLength(2);
  });

  it("joins hard-wrapped lines into one sentence and keeps the answer verbatim", () => {
    const text = `Photosynthesis is the process by which plants\nconvert light into chemical energy.\n\n${ENGLISH_FILLER}`;
    const proposals = extractProposals(text);
    expect(proposals).toContainEqual({
      front: "What is Photosynthesis?",
      back: "the process by which plants convert light into chemical energy",
    });
    for (const { back } of proposals) expect(normalize(text)).toContain(back);
  });

  it("skips sentences with control characters", () => {
    const text = `Photosynthesis is the process by which plants convert\u0007 light into chemical energy. ${ENGLISH_FILLER}`;
    const proposals = extractProposals(text);
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.map(({ front }) => front)).not.toContain("What is Photosynthesis?");
    expect(validateProposals({ proposals })).toEqual(proposals);
  });

  it("returns nothing for empty or uninformative text", () => {
    expect(extractProposals("")).toEqual([]);
    expect(extractProposals("   \n\n  ")).toEqual([]);
    expect(extractProposals("Hello. Thanks!")).toEqual([]);
  });

  it("caps a 10,000-character text at MAX_PROPOSALS valid, verbatim proposals", () => {
    const text = Object.values(FIXTURES).join("\n\n").slice(0, 10_000);
    const proposals = extractProposals(text);
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.length).toBeLessThanOrEqual(MAX_PROPOSALS);
    expect(validateProposals({ proposals })).toEqual(proposals);
    for (const { back } of proposals) expect(normalize(text)).toContain(back);
  });
});

describe("createLocalProvider", () => {
  it("reports its model and resolves to the { proposals } output shape", async () => {
    const provider = createLocalProvider();
    expect(provider.model).toBe(LOCAL_MODEL);
    expect(provider.model).toBe("local-extractive-v1");
    const output = await provider.generate(photosynthesis, { signal: new AbortController().signal });
    expect(output).toEqual({ proposals: extractProposals(photosynthesis) });
    expect(validateProposals(output)).toHaveLength(extractProposals(photosynthesis).length);
  });
});
