/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { createLocalProvider, extractProposals, LOCAL_MODEL } from "../src/ai/local-provider";
import { MAX_PROPOSALS, validateProposals } from "../src/ai/proposals";
import { characterCount, FRONT_MAX } from "../src/lib/card-text";
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
const EVAL_TEXTS = import.meta.glob<string>("./fixtures/generation-eval/*.txt", {
  eager: true,
  query: "?raw",
  import: "default",
});

const normalize = (text: string) => text.replace(/\s+/g, " ").trim();
/** Any C0/C1 control character: after whitespace normalisation a card side should not even hold a tab or newline. */
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F-\u009F]/;
const BLANKS = /_{3,}/g;

/** Filler that defines nothing, so a planted sentence is the only source of its card. */
const ENGLISH_FILLER = plateTectonics.slice(0, 1200);
const POLISH_FILLER = kopernik.slice(0, 1200);

const ALL_TEXTS = { ...FIXTURES, ...EVAL_TEXTS };

describe.each(Object.entries(ALL_TEXTS))("extractProposals on %s", (_name, text) => {
  const proposals = extractProposals(text);

  it("yields 5–15 proposals per 1,000 characters, at most MAX_PROPOSALS", () => {
    const perThousand = (proposals.length * 1000) / characterCount(text.trim());
    expect(proposals.length).toBeLessThanOrEqual(MAX_PROPOSALS);
    if (proposals.length < MAX_PROPOSALS) expect(perThousand).toBeGreaterThanOrEqual(5);
    expect(perThousand).toBeLessThanOrEqual(15);
  });

  it("copies every back verbatim from the whitespace-normalised source", () => {
    const source = normalize(text);
    for (const { back } of proposals) expect(source).toContain(back);
  });

  it("never repeats a front or a back, case-insensitively", () => {
    const fronts = proposals.map(({ front }) => front.toLowerCase());
    const backs = proposals.map(({ back }) => back.toLowerCase());
    expect(new Set(fronts).size).toBe(fronts.length);
    expect(new Set(backs).size).toBe(backs.length);
  });

  it("writes short fronts: a question, or a cloze of one clause with exactly one blank", () => {
    for (const { front, back } of proposals) {
      expect(front).not.toMatch(CONTROL_CHARACTER);
      expect(back).not.toMatch(CONTROL_CHARACTER);
      expect(characterCount(front)).toBeLessThanOrEqual(150);
      expect(front.split(/\s+/).length, front).toBeLessThanOrEqual(30);
      expect(front.endsWith("?") || front.match(BLANKS)?.length === 1, front).toBe(true);
      expect(back.split(" ").length, back).toBeLessThanOrEqual(10);
    }
  });

  it("passes the shared provider-output validation unchanged, deterministically", () => {
    expect(validateProposals({ proposals })).toEqual(proposals);
    expect(extractProposals(text)).toEqual(proposals);
  });
});

describe("extractProposals", () => {
  it("asks a definition in the text's language", () => {
    const cases: Array<[string, { front: string; back: string }]> = [
      [
        `Photosynthesis is the process that turns light into chemical energy. ${ENGLISH_FILLER}`,
        { front: "What is Photosynthesis?", back: "the process that turns light into chemical energy" },
      ],
      [
        `Fotosynteza jest procesem, w którym rośliny zamieniają światło w energię. ${POLISH_FILLER}`,
        { front: "Czym jest Fotosynteza?", back: "procesem" },
      ],
      [
        `Die Photosynthese ist ein Vorgang in grünen Pflanzen. ${EVAL_TEXTS["./fixtures/generation-eval/de-geography-rhein.txt"]}`,
        { front: "Was ist die Photosynthese?", back: "ein Vorgang in grünen Pflanzen" },
      ],
      [
        `La fotosíntesis es un proceso de las plantas verdes. ${EVAL_TEXTS["./fixtures/generation-eval/es-economics-euro.txt"]}`,
        { front: "¿Qué es la fotosíntesis?", back: "un proceso de las plantas verdes" },
      ],
    ];
    for (const [text, card] of cases) expect(extractProposals(text)).toContainEqual(card);
  });

  it("turns a Polish sentence that opens with its predicate into 'Co jest …?'", () => {
    const text = `Najwyższym szczytem Tatr jest Gerlach, który leży na Słowacji. ${POLISH_FILLER}`;
    expect(extractProposals(text)).toContainEqual({ front: "Co jest najwyższym szczytem Tatr?", back: "Gerlach" });
  });

  it("keeps a German ordinal date in one sentence and one answer", () => {
    const text = `Er wurde am 31. März 1685 in Eisenach geboren und wuchs in einer großen Familie auf. ${EVAL_TEXTS["./fixtures/generation-eval/de-geography-rhein.txt"]}`;
    const proposals = extractProposals(text);
    expect(proposals.map(({ back }) => back)).toContain("31. März 1685");
    for (const { front } of proposals) expect(front).not.toMatch(/^März/);
  });

  it("keeps initials and abbreviations inside their sentence", () => {
    const text = `El modelo relacional fue propuesto en 1970 por Edgar F. Codd, un investigador de IBM. ${EVAL_TEXTS["./fixtures/generation-eval/es-economics-euro.txt"]}`;
    const backs = extractProposals(text).map(({ back }) => back);
    expect(backs).toContain("Edgar F. Codd");
  });

  it("never blanks the text's topic word or the topic's own name", () => {
    const text = EVAL_TEXTS["./fixtures/generation-eval/pl-music-chopin.txt"]!;
    for (const { back } of extractProposals(text)) expect(back).not.toMatch(/Chopin/);
    const bees = EVAL_TEXTS["./fixtures/generation-eval/de-biology-honigbiene.txt"]!;
    for (const { back } of extractProposals(bees)) expect(back).not.toMatch(/^(?:Honigbienen?|Bienen?)$/);
  });

  it("prefers a term the sentence introduces ('called X')", () => {
    const text = `${ENGLISH_FILLER}\n\nThe inner membrane of the organelle is folded into ridges called cristae.`;
    expect(extractProposals(text)).toContainEqual({
      front: "The inner membrane of the organelle is folded into ridges called _____.",
      back: "cristae",
    });
  });

  it("honours count: the best N of the natural set in text order, or more when asked for more", () => {
    const text = EVAL_TEXTS["./fixtures/generation-eval/en-history-hanseatic-league.txt"]!;
    const natural = extractProposals(text);
    const three = extractProposals(text, { count: 3 });
    expect(three).toHaveLength(3);
    const positions = three.map((card) => natural.findIndex((c) => c.front === card.front));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(extractProposals(text, { count: 30 }).length).toBeGreaterThan(natural.length);
  });

  it("skips sentences with control characters", () => {
    const text = `Photosynthesis is the process that turns\u0007 light into energy. ${ENGLISH_FILLER}`;
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
    expect(proposals).toHaveLength(MAX_PROPOSALS);
    expect(validateProposals({ proposals })).toEqual(proposals);
    for (const { back } of proposals) expect(normalize(text)).toContain(back);
    for (const { front } of proposals) expect(characterCount(front)).toBeLessThanOrEqual(FRONT_MAX);
  });
});

describe("createLocalProvider", () => {
  it("reports its model and resolves to the { proposals } output shape, honouring count", async () => {
    const provider = createLocalProvider();
    expect(provider.model).toBe(LOCAL_MODEL);
    expect(provider.model).toBe("local-extractive-v2");
    const signal = new AbortController().signal;
    expect(await provider.generate(photosynthesis, { signal })).toEqual({
      proposals: extractProposals(photosynthesis),
    });
    const output = await provider.generate(photosynthesis, { signal, count: 4 });
    expect(validateProposals(output)).toHaveLength(4);
  });
});
