/**
 * The evaluation run behind `npm run eval:generation`: runs a provider over the corpus and reports recall, bad
 * cards, density and CPU per language and overall, and which targets are missed. No node API here: the script
 * (scripts/eval-generation.mjs) reads the files, passes the clock and prints, so this stays typed with the rest.
 * Options: `--provider local|openai` (openai reads OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL), `--json`,
 * `--check` (exit code 1 on a missed target), `--verbose` (every card with its verdict, missed facts).
 */
import { createLocalProvider } from "../src/ai/local-provider";
import { createOpenAiProvider } from "../src/ai/openai-provider";
import { type Proposal, validateProposals } from "../src/ai/proposals";
import type { FlashcardProvider } from "../src/ai/provider";
import { buildCorpus } from "./corpus";
import {
  badCardRule,
  EVAL_LANGUAGES,
  type EvalText,
  missedTargets,
  scoreText,
  summarize,
  type TextScore,
} from "./score";

const TIMED_RUNS = 9;
/** Runs before timing: a warm isolate has compiled the code (the first call of a cold one pays for that). */
const WARM_UP_RUNS = 5;
const LONG_TEXT_CHARS = 10_000;

function pickProvider(name: string, env: Record<string, string | undefined>): FlashcardProvider {
  if (name === "local") return createLocalProvider();
  if (name === "openai") {
    return createOpenAiProvider({
      baseUrl: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
      model: env.OPENAI_MODEL ?? "gpt-4o-mini",
      apiKey: env.OPENAI_API_KEY,
    });
  }
  throw new Error(`unknown provider ${name} (local, openai)`);
}

async function generate(provider: FlashcardProvider, text: string): Promise<Proposal[]> {
  return validateProposals(await provider.generate(text, { signal: new AbortController().signal }));
}

/**
 * CPU time of the fastest of several runs after a warm-up: on a shared machine every other run is only slower by
 * what others do, so the minimum is the estimate of the code's own cost.
 */
async function timed(provider: FlashcardProvider, text: string, runs: number, clock: () => number): Promise<number> {
  for (let i = 0; i < WARM_UP_RUNS; i++) await generate(provider, text);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = clock();
    await generate(provider, text);
    times.push(clock() - start);
  }
  return Math.min(...times);
}

/** A 10,000-character text of one language: its corpus texts joined, cut at the last sentence end. */
function longText(corpus: EvalText[], language: string): string {
  let text = "";
  while (text.length < LONG_TEXT_CHARS) {
    for (const entry of corpus.filter((e) => e.language === language)) text += `${entry.text.trim()}\n\n`;
  }
  const cut = text.slice(0, LONG_TEXT_CHARS);
  return cut.slice(0, cut.lastIndexOf(". ") + 1);
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

function row(label: string, scores: TextScore[]): string {
  const s = summarize(scores);
  return [
    label.padEnd(8),
    String(s.texts).padStart(5),
    s.recall.toFixed(2).padStart(7),
    pct(s.badShare).padStart(8),
    s.proposalsPer1000.toFixed(1).padStart(10),
    s.cpuMsPer1000.toFixed(3).padStart(12),
  ].join(" ");
}

export type EvaluationInput = {
  texts: Record<string, string>;
  annotations: Record<string, unknown>;
  args: string[];
  env: Record<string, string | undefined>;
  /** A clock in milliseconds: the script passes process CPU time. */
  clock: () => number;
};

/** Runs the evaluation; returns the report to print and whether `--check` should fail the process. */
export async function runEvaluation({ texts, annotations, args, env, clock }: EvaluationInput) {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const providerIndex = args.indexOf("--provider");
  const providerName = providerIndex >= 0 ? (args[providerIndex + 1] ?? "local") : "local";
  const provider = pickProvider(providerName, env);
  const isLocal = providerName === "local";
  const corpus = buildCorpus(texts, annotations);
  const scores: TextScore[] = [];
  const details: string[] = [];
  for (const entry of corpus) {
    const proposals = await generate(provider, entry.text);
    const cpuMs = isLocal ? await timed(provider, entry.text, TIMED_RUNS, clock) : 0;
    const score = scoreText(entry, proposals, cpuMs);
    scores.push(score);
    details.push(`\n${entry.name}: ${score.proposals} proposals, ${score.factsFound}/${score.facts} facts`);
    if (score.missed.length > 0) details.push(`  missed: ${score.missed.join(" | ")}`);
    proposals.forEach((proposal, index) => {
      const rule = badCardRule(proposal, proposals.slice(0, index), entry);
      details.push(`  ${rule ? `BAD ${rule}` : "ok"}: ${proposal.front} → ${proposal.back}`);
    });
  }
  const long: Record<string, number> = {};
  if (isLocal) {
    for (const language of EVAL_LANGUAGES)
      long[language] = await timed(provider, longText(corpus, language), TIMED_RUNS, clock);
  }
  const worstLong = Math.max(0, ...Object.values(long));
  const misses = isLocal ? missedTargets(scores, worstLong) : [];

  if (args.includes("--json")) {
    const byLanguage = Object.fromEntries(
      EVAL_LANGUAGES.map((l) => [l, summarize(scores.filter((s) => s.language === l))]),
    );
    log(
      JSON.stringify(
        {
          provider: provider.model,
          overall: summarize(scores),
          byLanguage,
          cpuMsFor10000Chars: long,
          texts: scores,
          misses,
        },
        null,
        2,
      ),
    );
  } else {
    if (args.includes("--verbose")) log(details.join("\n"));
    log(`\nProvider ${provider.model} on ${corpus.length} texts (test/fixtures/generation-eval)\n`);
    log("language texts  recall      bad  per 1,000  CPU ms/1,000");
    for (const language of EVAL_LANGUAGES)
      log(
        row(
          language,
          scores.filter((s) => s.language === language),
        ),
      );
    log(row("overall", scores));
    if (isLocal) {
      const perLanguage = EVAL_LANGUAGES.map((l) => `${l} ${long[l]?.toFixed(2)}`).join(", ");
      log(`\nCPU ms for a 10,000-character text: ${perLanguage}`);
    }
    const rules = Object.entries(summarize(scores).badByRule).map(([rule, n]) => `${rule} ${n}`);
    log(`Bad cards by rule: ${rules.length > 0 ? rules.join(", ") : "none"}`);
    if (isLocal) log(misses.length === 0 ? "\nAll targets met." : `\nMissed targets:\n  ${misses.join("\n  ")}`);
  }
  return { report: lines.join("\n"), failed: args.includes("--check") && misses.length > 0 };
}
