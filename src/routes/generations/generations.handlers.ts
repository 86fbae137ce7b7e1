/**
 * Generations: text in, AI flashcard proposals out, every success and failure recorded.
 */
import { and, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import type * as z from "zod";
import { duplicateKey, MAX_PROPOSALS, type Proposal, proposalSchema, validateProposals } from "../../ai/proposals";
import type { FlashcardProvider } from "../../ai/provider";
import { ProviderError } from "../../ai/provider";
import { distinctTags } from "../../db/card-tags";
import type { Db } from "../../db/client";
import { deckRuleError } from "../../db/deck-rules";
import {
  finaliseAttempt,
  nextFreeSlot,
  pruneAttempts,
  QUOTA_WINDOW_MS,
  releaseAttempt,
  reserveAttempt,
} from "../../db/generation-quota";
import { deckGate } from "../../db/id-list-gates";
import { newestFirst } from "../../db/newest-first";
import { proposalHash, storeProposals } from "../../db/proposal-gate";
import {
  decks,
  flashcards,
  generationAttempts,
  generationErrorLogs,
  generations,
  idempotencyKeys,
} from "../../db/schema";
import { authedBatch } from "../../db/session-gate";
import { characterCount } from "../../lib/card-text";
import type { AuthedDeps } from "../../lib/deps";
import {
  type ApiError,
  badGateway,
  conflict,
  gatewayTimeout,
  idempotencyKeyReused,
  providerUnavailable,
  quotaExceeded,
} from "../../lib/errors";
import { frontKey } from "../../lib/front-key";
import type { PageQuery, Pagination } from "../../lib/params";
import { sha256Hex } from "../../lib/tokens";
import { type GenerationJson, toGenerationJson } from "./generation-view";
import type { generationResponseSchema } from "./generations.schemas";

const HOUR_MS = 3_600_000;
const IDEMPOTENCY_TTL_MS = 24 * HOUR_MS;
const ERROR_MESSAGE_MAX = 1_000;
/** How long past the provider's time budget a reservation is kept before it counts as abandoned. */
const RESERVATION_MARGIN_MS = 30_000;

/** The body of a 201 (and of its replays). */
export type GenerationResponse = z.infer<typeof generationResponseSchema>;

/** A fresh result, or the stored response of an earlier request with the same key (`replayed`). */
export type CreateGenerationResult = { body: GenerationResponse; replayed: boolean };

/** Maps a provider failure to the client's answer (the error log code is the failure kind). */
function toApiError(error: ProviderError): ApiError {
  switch (error.kind) {
    case "timeout":
      return gatewayTimeout();
    case "rate_limited":
      return providerUnavailable(error.retryAfterSeconds ?? 30);
    case "invalid_output":
      return badGateway("invalid_provider_output", "The AI provider answered with unusable output; retry.");
    case "upstream_error":
      return badGateway("provider_error", "The AI provider failed; retry later.");
  }
}

const ERROR_LOG_CODES: Record<ProviderError["kind"], string> = {
  timeout: "provider_timeout",
  rate_limited: "provider_rate_limited",
  upstream_error: "provider_error",
  invalid_output: "invalid_output",
};

/**
 * Awaits a final write; if it fails (D1 overloaded, connection lost), tries once to give back the
 * quota reservation and drop the key's reservation, so the client's retry is neither refused as
 * "in progress" nor charged twice. If that fails too, both leases expire on their own. The original
 * error is rethrown either way.
 */
async function releaseOnFailure<T>(
  db: Db,
  userId: string,
  reservation: { attemptId: string; key?: string },
  write: Promise<T>,
): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const { attemptId, key } = reservation;
    await db
      .batch([
        releaseAttempt(db, userId, attemptId),
        db
          .delete(idempotencyKeys)
          .where(
            and(
              eq(idempotencyKeys.userId, userId),
              eq(idempotencyKeys.key, key ?? ""),
              isNull(idempotencyKeys.responseBody),
            ),
          ),
      ])
      .catch(() => undefined);
    throw error;
  }
}

/** What POST /generations asks for: the text and its options. */
export type GenerationInput = {
  sourceText: string;
  idempotencyKey?: string;
  count?: number;
  language?: string;
  /** The deck and tags accepted cards inherit (issue #17); checked and stored, not given to the provider. */
  deckId?: string;
  tags?: string[];
};

/** The caller's options, as the provider gets them ("auto" is no language at all). */
export type GenerationOptions = { count?: number; language?: string };

/** Receives each validated proposal as soon as it is known (the event stream sends it at once). */
export type ProposalListener = (proposal: Proposal, index: number) => void;

/**
 * Runs the provider under the time budget, validates its output and trims it to `count`. With `onProposal`
 * (event-stream mode) the provider streams: each element it completes is validated by the same proposal
 * schema, de-duplicated as the final validation does and passed on at once, up to `count`; the final cards
 * not passed on yet follow after the whole output passed validation. Always returns or throws ProviderError.
 */
async function runProvider(
  provider: FlashcardProvider,
  sourceText: string,
  timeoutMs: number,
  options: GenerationOptions,
  onProposal?: ProposalListener,
): Promise<Proposal[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const limit = options.count ?? MAX_PROPOSALS;
  const streamed: Proposal[] = [];
  const seen = new Set<string>();
  const onItem = onProposal
    ? (raw: unknown) => {
        if (streamed.length >= limit) return;
        const parsed = proposalSchema.safeParse(raw);
        // An invalid element: the validation of the whole output below names it.
        if (!parsed.success || seen.has(duplicateKey(parsed.data))) return;
        seen.add(duplicateKey(parsed.data));
        streamed.push(parsed.data);
        onProposal(parsed.data, streamed.length - 1);
      }
    : undefined;
  try {
    const raw = await provider.generate(sourceText, { signal: controller.signal, ...options, onProposal: onItem });
    const proposals = validateProposals(raw).slice(0, limit);
    const differs = streamed.some(
      (card, index) => card.front !== proposals[index]?.front || card.back !== proposals[index]?.back,
    );
    if (differs) throw new ProviderError("invalid_output", "The streamed proposals differ from the final output.");
    for (let index = streamed.length; index < proposals.length; index++) {
      onProposal?.(proposals[index] as Proposal, index);
    }
    return proposals;
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    // A provider bug: record it like any provider failure, keep the details in the worker log only.
    console.error(
      JSON.stringify({ level: "error", msg: "provider crashed", model: provider.model, error: String(error) }),
    );
    throw new ProviderError("upstream_error", "The provider failed unexpectedly.");
  } finally {
    clearTimeout(timer);
  }
}

/** What a started generation is: a stored response to replay, or the provider call and final write still to do. */
export type StartedGeneration =
  | { replay: GenerationResponse; finish?: undefined }
  | {
      replay?: undefined;
      /**
       * Calls the provider and writes the generation (or its error log). `onProposal` sees each validated card
       * as soon as it is known, before the final batch (the event stream sends it at once); passing it makes
       * the LLM providers stream.
       * @throws ApiError 502/503/504 for provider failures, after their error log is written.
       */
      finish: (onProposal?: ProposalListener) => Promise<GenerationResponse>;
    };

/**
 * Starts a generation: the idempotency check and the atomic quota and key reservations, all before any provider
 * call, so their failures are ordinary problem responses in both the JSON and the event-stream mode.
 * @throws ApiError 409/422 (idempotency), 429 `quota_exceeded`.
 */
export async function startGeneration(
  deps: AuthedDeps,
  provider: FlashcardProvider,
  input: GenerationInput,
): Promise<StartedGeneration> {
  const { db, auth, now, config } = deps;
  const sourceTextHash = await sha256Hex(input.sourceText);
  const options: GenerationOptions = {
    count: input.count,
    language: input.language === "auto" ? undefined : input.language,
  };
  // 400 too_many_tags past 20 distinct tags; an empty list is no tags.
  const tags = distinctTags(input.tags ?? []);
  const placement = { deckId: input.deckId, tagNames: tags.map((tag) => tag.name) };
  const requestHash = await idempotencyRequestHash(sourceTextHash, options, placement);
  const sourceTextLength = characterCount(input.sourceText);
  const key = input.idempotencyKey;
  // A reservation (of the key or of the quota) older than the provider's time budget plus a margin
  // belongs to a request that died or failed to record its outcome: it is abandoned.
  const leaseMs = config.ai.timeoutMs + RESERVATION_MARGIN_MS;
  const leaseStart = now - leaseMs;

  if (key) {
    const [existing] = await authedBatch(db, auth, now, [
      db
        .select()
        .from(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.userId, auth.userId),
            eq(idempotencyKeys.key, key),
            gt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS),
          ),
        ),
    ]);
    const stored = existing[0];
    const isAbandoned = stored !== undefined && stored.responseBody === null && stored.createdAt <= leaseStart;
    if (stored && !isAbandoned) {
      if (stored.requestHash !== requestHash) throw idempotencyKeyReused();
      if (stored.responseStatus === null || stored.responseBody === null) {
        throw conflict(
          "A request with this Idempotency-Key is still in progress; retry shortly.",
          "idempotency_key_in_use",
        );
      }
      return { replay: JSON.parse(stored.responseBody) as GenerationResponse };
    }
  }

  // The quota reservation and the key reservation in one transaction: the key row is only written
  // when the attempt row was (INSERT … SELECT FROM generation_attempts WHERE id = attempt).
  const attemptId = crypto.randomUUID();
  const limit = config.ai.generationsPerHour;
  const reserveKey = key
    ? [
        db
          .delete(idempotencyKeys)
          .where(
            and(
              eq(idempotencyKeys.userId, auth.userId),
              eq(idempotencyKeys.key, key),
              or(
                lte(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS),
                and(isNull(idempotencyKeys.responseBody), lte(idempotencyKeys.createdAt, leaseStart)),
              ),
            ),
          ),
        db
          .insert(idempotencyKeys)
          .select(
            db
              .select({
                userId: generationAttempts.userId,
                key: sql<string>`${key}`.as("key"),
                requestHash: sql<string>`${requestHash}`.as("request_hash"),
                responseStatus: sql<null>`NULL`.as("response_status"),
                responseBody: sql<null>`NULL`.as("response_body"),
                createdAt: sql<number>`${now}`.as("created_at"),
              })
              .from(generationAttempts)
              .where(and(eq(generationAttempts.id, attemptId), eq(generationAttempts.userId, auth.userId))),
          )
          .onConflictDoNothing()
          .returning({ key: idempotencyKeys.key }),
      ]
    : [];
  const reserving = authedBatch(db, auth, now, [
    reserveAttempt(db, { id: attemptId, userId: auth.userId, now, leaseMs, limit }),
    nextFreeSlot(db, auth.userId, now),
    ...reserveKey,
    // A deck not the caller's aborts the whole batch: nothing reserved, no provider call, 404.
    ...(input.deckId ? [deckGate(db, auth.userId, [input.deckId])] : []),
  ]);
  const [reserved, [slot], ...keyResults] = await reserving.catch((error: unknown) => {
    throw deckRuleError(error, input.deckId) ?? error;
  });
  if (reserved.length === 0) {
    throw quotaExceeded(((slot?.at ?? now + QUOTA_WINDOW_MS) - now) / 1000, limit);
  }
  if (key && (keyResults[1] as { key: string }[]).length === 0) {
    // Another request holds the key: no provider call, so the quota slot goes back.
    await releaseAttempt(db, auth.userId, attemptId).catch(() => undefined);
    throw conflict("A request with this Idempotency-Key is already in progress.", "idempotency_key_in_use");
  }

  const finish = async (onProposal?: ProposalListener): Promise<GenerationResponse> => {
    // A stopwatch for duration_ms only; every timestamp written is the request's instant `now`.
    const started = performance.now();
    const elapsedMs = () => Math.max(0, Math.round(performance.now() - started));
    let proposals: Proposal[];
    try {
      // Streaming clients see the cards before the final batch; a failed write after them is an `error` event.
      proposals = await runProvider(provider, input.sourceText, config.ai.timeoutMs, options, onProposal);
    } catch (error) {
      const failure = error as ProviderError;
      const releaseKey = key
        ? [db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, auth.userId), eq(idempotencyKeys.key, key)))]
        : [];
      await releaseOnFailure(
        db,
        auth.userId,
        { attemptId, key },
        authedBatch(db, auth, now, [
          db.insert(generationErrorLogs).values({
            id: crypto.randomUUID(),
            userId: auth.userId,
            model: provider.model,
            sourceTextHash,
            sourceTextLength,
            errorCode: ERROR_LOG_CODES[failure.kind],
            errorMessage: failure.message.slice(0, ERROR_MESSAGE_MAX),
            createdAt: now,
          }),
          // A failed attempt still cost a provider call: it keeps counting for the hour.
          finaliseAttempt(db, auth.userId, attemptId),
          // Release the key: a retry with it may try again.
          ...releaseKey,
        ]),
      );
      throw toApiError(failure);
    }

    const row = {
      id: crypto.randomUUID(),
      userId: auth.userId,
      model: provider.model,
      sourceTextHash,
      sourceTextLength,
      generatedCount: proposals.length,
      acceptedUneditedCount: 0,
      acceptedEditedCount: 0,
      durationMs: elapsedMs(),
      createdAt: now,
      updatedAt: now,
      deckId: input.deckId ?? null,
      tags: tags.length > 0 ? JSON.stringify(tags) : null,
    };
    // duplicate_of is looked up in the same batch: the JSON body gets it from the SELECT's rows, the stored
    // replay body from the same subquery inside the UPDATE (a batch cannot feed one statement's rows to another).
    const frontKeys = JSON.stringify(proposals.map((proposal) => frontKey(proposal.front)));
    const draft: GenerationResponse = {
      generation: toGenerationJson(row),
      proposals: proposals.map((proposal) => ({ ...proposal, duplicate_of: null })),
    };
    // The proposals' hashes: what POST /flashcards may later accept, each once (issue #12 item 3).
    const hashes = await Promise.all(proposals.map((proposal) => proposalHash(proposal.front, proposal.back)));
    const storeResponse = key
      ? [
          db
            .update(idempotencyKeys)
            .set({
              responseStatus: 201,
              responseBody: withDuplicatesSql(JSON.stringify(draft), frontKeys, auth.userId),
            })
            .where(and(eq(idempotencyKeys.userId, auth.userId), eq(idempotencyKeys.key, key))),
        ]
      : [];
    const [, , duplicates] = await releaseOnFailure(
      db,
      auth.userId,
      { attemptId, key },
      authedBatch(db, auth, now, [
        db.insert(generations).values({
          ...row,
          // A deck deleted during the provider call leaves no deck rather than failing the write.
          deckId: row.deckId
            ? sql`(SELECT ${decks.id} FROM ${decks} WHERE ${decks.id} = ${row.deckId} AND ${decks.userId} = ${auth.userId})`
            : null,
        }),
        finaliseAttempt(db, auth.userId, attemptId),
        buildDuplicatesQuery(db, auth.userId, frontKeys),
        storeProposals(db, auth.userId, row.id, hashes),
        ...storeResponse,
        // Housekeeping on the user's index prefixes: expired keys and attempts out of the window.
        db
          .delete(idempotencyKeys)
          .where(
            and(eq(idempotencyKeys.userId, auth.userId), lte(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS)),
          ),
        pruneAttempts(db, auth.userId, now),
      ]),
    );
    const duplicateOf = new Map(duplicates.map((duplicate) => [Number(duplicate.index), duplicate.id]));
    const body: GenerationResponse = {
      ...draft,
      proposals: draft.proposals.map((proposal, index) => ({
        ...proposal,
        duplicate_of: duplicateOf.get(index) ?? null,
      })),
    };
    return body;
  };
  return { finish };
}

/**
 * Creates a generation: idempotency check, the quota reservation (atomic, before the provider call),
 * the provider call, then one batch writing the generation (or the error log), finalising the
 * reservation and storing the idempotency record.
 * @throws ApiError 409/422 (idempotency), 429 `quota_exceeded`, 502/503/504 (provider failures, logged).
 */
export async function createGeneration(
  deps: AuthedDeps,
  provider: FlashcardProvider,
  input: GenerationInput,
): Promise<CreateGenerationResult> {
  const started = await startGeneration(deps, provider, input);
  if (started.replay) return { body: started.replay, replayed: true };
  return { body: await started.finish(), replayed: false };
}

/**
 * The idempotency request hash: the text's hash alone when no option is set (keys stored before the options
 * existed stay valid), else the hash of the text's hash and the options, so the same key with other options is
 * 422. Deck and tags join the hashed object only when given (hashes of requests without them stay as they were).
 */
async function idempotencyRequestHash(
  sourceTextHash: string,
  options: GenerationOptions,
  placement: { deckId?: string; tagNames: string[] },
): Promise<string> {
  const placed = placement.deckId !== undefined || placement.tagNames.length > 0;
  if (options.count === undefined && options.language === undefined && !placed) return sourceTextHash;
  const canonical: Record<string, unknown> = {
    text: sourceTextHash,
    count: options.count ?? null,
    language: options.language ?? null,
  };
  if (placed) {
    canonical.deck_id = placement.deckId ?? null;
    canonical.tags = placement.tagNames;
  }
  return sha256Hex(JSON.stringify(canonical));
}

/**
 * The caller's first-inserted card with this front key, or NULL. Ordered by rowid, which the index
 * flashcards_user_front_key_idx (user_id, front_key) already holds in order: a search, no sort.
 */
const oldestCardWithKey = (userId: string, keySql: ReturnType<typeof sql>) =>
  sql`(SELECT ${flashcards.id} FROM ${flashcards} WHERE ${flashcards.userId} = ${userId} AND ${flashcards.frontKey} = ${keySql} ORDER BY "flashcards"."rowid" LIMIT 1)`;

/**
 * For each proposal (by index in the JSON array of front keys) the caller's card with the same front key. One
 * statement, one JSON parameter whatever the number of proposals (exported for the EXPLAIN test).
 */
export function buildDuplicatesQuery(db: Db, userId: string, frontKeysJson: string) {
  return db
    .select({ index: sql<number>`k.key`, id: sql<string | null>`${oldestCardWithKey(userId, sql`k.value`)}` })
    .from(sql`json_each(${frontKeysJson}) AS k`);
}

/** The stored response body: the draft with each proposal's duplicate_of filled by the same lookup, in SQL. */
function withDuplicatesSql(draftJson: string, frontKeysJson: string, userId: string) {
  const keyOfProposal = sql`json_extract(${frontKeysJson}, '$[' || p.key || ']')`;
  return sql<string>`json_set(${draftJson}, '$.proposals', json((SELECT json_group_array(json_set(p.value, '$.duplicate_of', ${oldestCardWithKey(userId, keyOfProposal)})) FROM json_each(${draftJson}, '$.proposals') AS p)))`;
}

const generationColumns = {
  id: generations.id,
  model: generations.model,
  sourceTextHash: generations.sourceTextHash,
  sourceTextLength: generations.sourceTextLength,
  generatedCount: generations.generatedCount,
  acceptedUneditedCount: generations.acceptedUneditedCount,
  acceptedEditedCount: generations.acceptedEditedCount,
  durationMs: generations.durationMs,
  deckId: generations.deckId,
  tags: generations.tags,
  createdAt: generations.createdAt,
};

/** Newest first; a cursor only pages the generations. */
const generationRecords = newestFirst({
  table: generations,
  columns: generationColumns,
  scope: "generations",
  resource: "generation",
});

/** Lists the caller's generations, newest first. One round trip. */
export async function listGenerations(
  deps: AuthedDeps,
  query: PageQuery,
): Promise<{ data: GenerationJson[]; pagination: Pagination }> {
  const { page, pagination } = await generationRecords.list(deps, query);
  return { data: page.map(toGenerationJson), pagination };
}

/**
 * Reads one of the caller's generations. One round trip.
 * @throws ApiError 404 when it does not exist or is not the caller's.
 */
export async function getGeneration(deps: AuthedDeps, id: string): Promise<GenerationJson> {
  return toGenerationJson(await generationRecords.get(deps, id));
}
