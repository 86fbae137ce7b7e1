/**
 * Scores flashcard proposals against an annotated text: key-fact recall, bad cards by rule, density and cost.
 * Pure code (no Workers or node API), so the evaluation script under node and the tests in the Workers pool
 * run the very same scorer.
 */
import type { Proposal } from "../src/ai/proposals";
import { frontKey } from "../src/lib/front-key";
import { STOPWORDS } from "./stopwords";

export type EvalLanguage = "en" | "pl" | "de" | "es";
export const EVAL_LANGUAGES: readonly EvalLanguage[] = ["en", "pl", "de", "es"];

/** One fact a good card would ask for: `answer` or any of its `variants` in some proposal's back counts. */
export type KeyFact = { answer: string; variants?: string[] };

/** A corpus entry: the text plus its annotations (`<name>.txt` and `<name>.json`). */
export type EvalText = {
  name: string;
  language: EvalLanguage;
  subject: string;
  /** The text's topic word(s) in the forms the text uses: an answer equal to one teaches nothing. */
  topic: string[];
  facts: KeyFact[];
  text: string;
};

export type BadRule =
  | "blank"
  | "topic_answer"
  | "stopword_answer"
  | "long_front"
  | "not_a_question"
  | "long_answer"
  | "duplicate";

export const FRONT_LIMIT = 150;
/** A question's answer is a term, a name, a number or a short phrase: beyond this it is a passage to reread. */
export const ANSWER_MAX_WORDS = 12;
/** A cloze blank stands for a term: more words than this and the card asks to recite half a sentence. */
export const CLOZE_ANSWER_MAX_WORDS = 6;
/** Share of shared front words above which two cards with the same answer ask the same thing. */
const DUPLICATE_FRONT_OVERLAP = 0.6;
const BLANK = /_{3,}/gu;
const WORDS = /[\p{L}\p{N}]+/gu;

/** Normalises for fact matching: NFC, lower case, punctuation to spaces (keeping %), whitespace collapsed. */
export function matchKey(text: string): string {
  return text
    .normalize("NFC")
    .toLowerCase()
    .replace(/(\d)\s*%/gu, "$1 %")
    .replace(/[^\p{L}\p{N}\p{M}%\s]/gu, " ")
    .replace(/\s+/gu, " ")
    .trim();
}

const wordsOf = (text: string) => text.toLowerCase().match(WORDS) ?? [];
const blankCount = (front: string) => front.match(BLANK)?.length ?? 0;

/** Whether `needle` occurs in `haystack` as whole words, after matchKey. */
function containsWords(haystack: string, needle: string): boolean {
  const key = matchKey(needle);
  return key !== "" && ` ${matchKey(haystack)} `.includes(` ${key} `);
}

function frontOverlap(a: string, b: string): number {
  const left = new Set(wordsOf(a));
  const right = new Set(wordsOf(b));
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  for (const word of left) if (right.has(word)) shared++;
  return shared / Math.min(left.size, right.size);
}

/**
 * The first bad-card rule a proposal breaks, or null for a good card. `earlier` are the proposals before it in
 * the same answer (for duplicates).
 */
export function badCardRule(
  proposal: Proposal,
  earlier: readonly Proposal[],
  context: { topic: readonly string[]; language: EvalLanguage },
): BadRule | null {
  const front = proposal.front.trim();
  const back = proposal.back.trim();
  const backWords = wordsOf(back);
  if (front === "" || back === "" || backWords.length === 0) return "blank";
  const backKey = frontKey(back);
  if (context.topic.some((topic) => frontKey(topic) === backKey)) return "topic_answer";
  if (backWords.every((word) => STOPWORDS[context.language].has(word))) return "stopword_answer";
  if ([...front].length > FRONT_LIMIT) return "long_front";
  const blanks = blankCount(front);
  const isCloze = blanks === 1;
  if (!front.endsWith("?") && !isCloze) return "not_a_question";
  if (backWords.length > (isCloze ? CLOZE_ANSWER_MAX_WORDS : ANSWER_MAX_WORDS)) return "long_answer";
  const key = frontKey(front);
  const repeats = earlier.some(
    (other) =>
      frontKey(other.front) === key ||
      (frontKey(other.back) === backKey && frontOverlap(other.front, front) >= DUPLICATE_FRONT_OVERLAP),
  );
  return repeats ? "duplicate" : null;
}

export type TextScore = {
  name: string;
  language: EvalLanguage;
  characters: number;
  proposals: number;
  facts: number;
  factsFound: number;
  /** Annotated answers no proposal's back contains. */
  missed: string[];
  bad: number;
  badByRule: Partial<Record<BadRule, number>>;
  cpuMs: number;
};

/** Scores one text's proposals; `cpuMs` is what producing them cost (measured by the caller). */
export function scoreText(text: EvalText, proposals: readonly Proposal[], cpuMs = 0): TextScore {
  const missed = text.facts
    .filter(
      (fact) => ![fact.answer, ...(fact.variants ?? [])].some((a) => proposals.some((p) => containsWords(p.back, a))),
    )
    .map((fact) => fact.answer);
  const badByRule: Partial<Record<BadRule, number>> = {};
  let bad = 0;
  proposals.forEach((proposal, index) => {
    const rule = badCardRule(proposal, proposals.slice(0, index), text);
    if (rule) {
      bad++;
      badByRule[rule] = (badByRule[rule] ?? 0) + 1;
    }
  });
  return {
    name: text.name,
    language: text.language,
    characters: [...text.text.trim()].length,
    proposals: proposals.length,
    facts: text.facts.length,
    factsFound: text.facts.length - missed.length,
    missed,
    bad,
    badByRule,
    cpuMs,
  };
}

export type Summary = {
  texts: number;
  recall: number;
  badShare: number;
  proposalsPer1000: number;
  cpuMsPer1000: number;
  badByRule: Partial<Record<BadRule, number>>;
};

/** Pools text scores: recall is facts found over facts annotated, bad share is bad cards over all cards. */
export function summarize(scores: readonly TextScore[]): Summary {
  const sum = (pick: (score: TextScore) => number) => scores.reduce((total, score) => total + pick(score), 0);
  const characters = sum((s) => s.characters);
  const proposals = sum((s) => s.proposals);
  const badByRule: Partial<Record<BadRule, number>> = {};
  for (const score of scores) {
    for (const [rule, n] of Object.entries(score.badByRule) as [BadRule, number][]) {
      badByRule[rule] = (badByRule[rule] ?? 0) + n;
    }
  }
  return {
    texts: scores.length,
    recall: sum((s) => s.facts) === 0 ? 0 : sum((s) => s.factsFound) / sum((s) => s.facts),
    badShare: proposals === 0 ? 0 : sum((s) => s.bad) / proposals,
    proposalsPer1000: characters === 0 ? 0 : (proposals * 1000) / characters,
    cpuMsPer1000: characters === 0 ? 0 : (sum((s) => s.cpuMs) * 1000) / characters,
    badByRule,
  };
}

/** The targets of issue #17 for the local provider. */
export const TARGETS = {
  recallPerLanguage: 0.6,
  badShareMax: 0.1,
  proposalsPer1000: [5, 15] as const,
  proposalCap: 50,
  cpuMsPer10000Chars: 5,
};

/** The band of proposal counts a text of `characters` should get: 5–15 per 1,000, within the cap of 50. */
export function proposalBand(characters: number): [number, number] {
  const [low, high] = TARGETS.proposalsPer1000;
  return [
    Math.min(TARGETS.proposalCap, Math.floor((low * characters) / 1000)),
    Math.min(TARGETS.proposalCap, Math.ceil((high * characters) / 1000)),
  ];
}

/** Which targets a run misses (empty when all are met). */
export function missedTargets(scores: readonly TextScore[], cpuMsFor10000: number): string[] {
  const misses: string[] = [];
  for (const language of EVAL_LANGUAGES) {
    const summary = summarize(scores.filter((s) => s.language === language));
    if (summary.texts > 0 && summary.recall < TARGETS.recallPerLanguage) {
      misses.push(`${language}: recall ${summary.recall.toFixed(2)} < ${TARGETS.recallPerLanguage}`);
    }
  }
  const overall = summarize(scores);
  if (overall.badShare > TARGETS.badShareMax) {
    misses.push(`bad cards ${(overall.badShare * 100).toFixed(1)} % > ${TARGETS.badShareMax * 100} %`);
  }
  for (const score of scores) {
    const [low, high] = proposalBand(score.characters);
    if (score.proposals < low || score.proposals > high) {
      misses.push(`${score.name}: ${score.proposals} proposals outside ${low}–${high}`);
    }
  }
  if (cpuMsFor10000 > TARGETS.cpuMsPer10000Chars) {
    misses.push(`CPU ${cpuMsFor10000.toFixed(2)} ms for 10,000 characters > ${TARGETS.cpuMsPer10000Chars} ms`);
  }
  return misses;
}
