/**
 * The one schema every provider's output must pass, also the source of the JSON schema sent to LLMs.
 */
import * as z from "zod";
import { cardBack, cardFront } from "../lib/card-text";
import { ProviderError } from "./provider";

/** At most this many proposals are kept from one generation. */
export const MAX_PROPOSALS = 50;

/** One proposal as every provider must produce it. */
export const proposalSchema = z.strictObject({ front: cardFront, back: cardBack });

/** A flashcard proposal: not a flashcard until the client accepts it through POST /flashcards. */
export type Proposal = z.infer<typeof proposalSchema>;

/** Two proposals with the same key are exact duplicates: the later one is dropped (also while streaming). */
export const duplicateKey = (proposal: Proposal) => proposal.front.toLocaleLowerCase();

/** The whole output every provider must produce. */
export const proposalsOutputSchema = z.strictObject({ proposals: z.array(proposalSchema).max(MAX_PROPOSALS) });

/**
 * Validates raw provider output. Decision (see .ai/generations-implementation-plan.md): any violation
 * rejects the whole output; exact duplicates are dropped silently.
 * @throws ProviderError `invalid_output` naming the first problem (no output text is quoted).
 */
export function validateProposals(raw: unknown): Proposal[] {
  const parsed = proposalsOutputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "output";
    throw new ProviderError(
      "invalid_output",
      `The provider output failed validation at '${where}': ${issue?.code ?? "invalid"}.`,
    );
  }
  const seen = new Set<string>();
  const proposals: Proposal[] = [];
  for (const proposal of parsed.data.proposals) {
    const key = duplicateKey(proposal);
    if (seen.has(key)) continue;
    seen.add(key);
    proposals.push(proposal);
  }
  return proposals;
}
