/**
 * Turns the corpus files (`test/fixtures/generation-eval/<name>.txt` + `<name>.json`) into EvalTexts. The
 * caller reads the files (node's fs in the script, vite's import.meta.glob in tests), this checks the shape.
 */
import { EVAL_LANGUAGES, type EvalLanguage, type EvalText, type KeyFact } from "./score";

type Annotation = { language: string; subject: string; topic: string[]; facts: KeyFact[] };

/** Builds the corpus from file contents keyed by name (without extension). @throws Error on a malformed entry. */
export function buildCorpus(texts: Record<string, string>, annotations: Record<string, unknown>): EvalText[] {
  return Object.keys(texts)
    .sort()
    .map((name) => {
      const annotation = annotations[name] as Annotation | undefined;
      if (!annotation) throw new Error(`${name}: no annotation file`);
      if (!EVAL_LANGUAGES.includes(annotation.language as EvalLanguage)) {
        throw new Error(`${name}: unknown language ${annotation.language}`);
      }
      return {
        name,
        language: annotation.language as EvalLanguage,
        subject: annotation.subject,
        topic: annotation.topic,
        facts: annotation.facts,
        text: texts[name] ?? "",
      };
    });
}
