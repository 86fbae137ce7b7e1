/// <reference types="vite/client" />
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildCorpus } from "../eval/corpus";
import {
  badCardRule,
  EVAL_LANGUAGES,
  type EvalText,
  matchKey,
  missedTargets,
  proposalBand,
  scoreText,
  summarize,
} from "../eval/score";
import { extractProposals } from "../src/ai/local-provider";
import { createOpenAiProvider } from "../src/ai/openai-provider";
import { type Proposal, validateProposals } from "../src/ai/proposals";

afterEach(() => vi.restoreAllMocks());

const texts = import.meta.glob<string>("./fixtures/generation-eval/*.txt", {
  eager: true,
  query: "?raw",
  import: "default",
});
const annotations = import.meta.glob("./fixtures/generation-eval/*.json", { eager: true, import: "default" });
const byName = <T>(files: Record<string, T>) =>
  Object.fromEntries(Object.entries(files).map(([path, value]) => [path.replace(/^.*\/|\.(txt|json)$/g, ""), value]));
const CORPUS = buildCorpus(byName(texts), byName(annotations));

/** What an ideal generator would answer: one short question per annotated fact. */
const perfectProposals = (entry: EvalText): Proposal[] =>
  entry.facts.map((fact, index) => ({
    front: `Which key fact number ${index + 1} of ${entry.name}?`,
    back: fact.answer,
  }));

const MITOCHONDRIA = CORPUS.find((entry) => entry.name === "en-biology-mitochondria")!;

describe("the evaluation corpus", () => {
  it("holds at least 16 texts, 4 or more in each language, on at least 8 subjects", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(16);
    for (const language of EVAL_LANGUAGES) {
      expect(CORPUS.filter((entry) => entry.language === language).length).toBeGreaterThanOrEqual(4);
    }
    const subjects = new Set(CORPUS.map((entry) => entry.subject));
    for (const subject of ["history", "biology", "law", "programming", "geography", "music", "economics", "medicine"]) {
      expect(subjects).toContain(subject);
    }
  });

  it.each(CORPUS.map((entry) => [entry.name, entry] as const))(
    "%s: 1,000–10,000 characters, 6–12 facts, each in the text",
    (_name, entry) => {
      const length = [...entry.text.trim()].length;
      expect(length).toBeGreaterThanOrEqual(1_000);
      expect(length).toBeLessThanOrEqual(10_000);
      expect(entry.facts.length).toBeGreaterThanOrEqual(6);
      expect(entry.facts.length).toBeLessThanOrEqual(12);
      expect(entry.topic.length).toBeGreaterThan(0);
      const text = ` ${matchKey(entry.text)} `;
      for (const fact of entry.facts) {
        const forms = [fact.answer, ...(fact.variants ?? [])];
        expect(
          forms.some((form) => text.includes(` ${matchKey(form)} `)),
          `${entry.name}: ${fact.answer}`,
        ).toBe(true);
      }
    },
  );
});

describe("the scorer", () => {
  it("gives a hand-made perfect set full recall and no bad card", () => {
    const score = scoreText(MITOCHONDRIA, [
      { front: "What molecule do mitochondria mainly produce?", back: "adenosine triphosphate (ATP)" },
      { front: "The folds of the inner mitochondrial membrane are called _____.", back: "cristae" },
      { front: "What is the space inside the inner mitochondrial membrane called?", back: "the matrix" },
      { front: "How many base pairs does human mitochondrial DNA have?", back: "16,569 base pairs" },
      { front: "How many genes does human mitochondrial DNA encode?", back: "37 genes" },
      { front: "From which parent is mitochondrial DNA inherited?", back: "From the mother" },
      { front: "Who championed the endosymbiotic theory in 1967?", back: "Lynn Margulis" },
      { front: "Which theory says mitochondria descend from engulfed bacteria?", back: "The endosymbiotic theory" },
      { front: "How do mitochondria divide?", back: "By binary fission" },
      { front: "Which mature human cell has no mitochondria?", back: "The red blood cell" },
    ]);
    expect(score).toMatchObject({ facts: 10, factsFound: 10, missed: [], proposals: 10, bad: 0, badByRule: {} });
  });

  it("gives a hand-made bad set no recall and names every rule", () => {
    const context = { topic: MITOCHONDRIA.topic, language: "en" as const };
    const cases: Array<[Proposal, string]> = [
      [{ front: "What is it?", back: "   " }, "blank"],
      [{ front: "_____ are organelles found in most eukaryotic cells.", back: "Mitochondria" }, "topic_answer"],
      [{ front: "Each mitochondrion is enclosed _____ two membranes.", back: "by" }, "stopword_answer"],
      [{ front: `Why ${"does the inner membrane fold ".repeat(6)}?`, back: "surface" }, "long_front"],
      [{ front: "Mitochondria carry their own genome", back: "circular" }, "not_a_question"],
      [{ front: "The _____ and the _____ of the cell.", back: "nucleus" }, "not_a_question"],
      [
        {
          front: "What do mitochondria need?",
          back: "oxygen, and a single molecule of glucose can yield around thirty molecules of energy carriers when fully oxidised",
        },
        "long_answer",
      ],
      [
        { front: "The cell's _____ needs oxygen.", back: "cellular respiration in the mitochondria of every cell" },
        "long_answer",
      ],
    ];
    for (const [proposal, rule] of cases) expect(badCardRule(proposal, [], context), proposal.front).toBe(rule);

    const first = { front: "What needs oxygen?", back: "respiration" };
    expect(badCardRule({ front: "what needs  oxygen", back: "x" }, [first], context)).toBe("not_a_question");
    expect(badCardRule({ front: "What needs oxygen!?", back: "x" }, [first], context)).toBe("duplicate");
    expect(badCardRule({ front: "What process needs oxygen?", back: "Respiration" }, [first], context)).toBe(
      "duplicate",
    );
    expect(badCardRule({ front: "What yields ATP from glucose?", back: "respiration" }, [first], context)).toBeNull();

    const score = scoreText(
      MITOCHONDRIA,
      cases.map(([proposal]) => proposal),
    );
    expect(score.factsFound).toBe(0);
    expect(score.bad).toBe(cases.length);
    expect(score.badByRule).toEqual({
      blank: 1,
      topic_answer: 1,
      stopword_answer: 1,
      long_front: 1,
      not_a_question: 2,
      long_answer: 2,
    });
  });

  it("matches answers on whole words, case and punctuation aside", () => {
    const score = scoreText(
      { ...MITOCHONDRIA, facts: [{ answer: "37 genes" }, { answer: "matrix" }, { answer: "ATP" }] },
      [
        { front: "How many genes?", back: "37 Genes." },
        { front: "Where?", back: "the matrixes" },
        { front: "What?", back: "ATP-synthase" },
      ],
    );
    expect(score.missed).toEqual(["matrix"]);
  });

  it("pools per-text figures into a summary and checks the targets", () => {
    const perfect = CORPUS.map((entry) => scoreText(entry, perfectProposals(entry), 1));
    const summary = summarize(perfect);
    expect(summary.recall).toBe(1);
    expect(summary.badShare).toBe(0);
    expect(summary.texts).toBe(CORPUS.length);
    expect(summary.cpuMsPer1000).toBeGreaterThan(0);
    // Perfect cards, but too few for the density band: only that is reported (plus the CPU over budget).
    const misses = missedTargets(perfect, 6);
    expect(misses.every((miss) => /proposals outside|CPU/.test(miss))).toBe(true);
    expect(misses.at(-1)).toMatch(/^CPU 6\.00 ms/);
    expect(proposalBand(1_500)).toEqual([7, 23]);
    expect(proposalBand(10_000)).toEqual([50, 50]);
  });
});

describe("the corpus through a fake LLM provider", () => {
  it("scores the OpenAI-compatible provider path with the same scorer", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async (_url, init) => {
      const body = JSON.parse(String(init?.body)) as { messages: Array<{ content: string }> };
      const entry = CORPUS.find((e) => body.messages[1]!.content.includes(e.text.trim().slice(0, 200)))!;
      return Response.json({
        choices: [{ message: { content: JSON.stringify({ proposals: perfectProposals(entry) }) } }],
      });
    });
    const provider = createOpenAiProvider({ baseUrl: "https://llm.test/v1", model: "fake-llm", apiKey: "k" });
    const scores = [];
    for (const entry of CORPUS) {
      const proposals = validateProposals(
        await provider.generate(entry.text, { signal: new AbortController().signal }),
      );
      scores.push(scoreText(entry, proposals));
    }
    for (const language of EVAL_LANGUAGES) {
      expect(summarize(scores.filter((s) => s.language === language))).toMatchObject({ recall: 1, badShare: 0 });
    }
  });
});

describe("the local provider on the corpus", () => {
  it("meets the recall, bad-card and density targets (CPU is measured by npm run eval:generation under node)", () => {
    const scores = CORPUS.map((entry) => scoreText(entry, extractProposals(entry.text)));
    expect(missedTargets(scores, 0)).toEqual([]);
  });
});
