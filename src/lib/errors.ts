/**
 * Typed API errors. Handlers and middleware throw these; `app.onError` renders each one as the
 * project's RFC 9457 problem document (see src/lib/problem.ts). `code` is the stable, machine-readable
 * part of the contract: clients branch on it, never on `title` or `detail`.
 *
 * The rule: every ApiError the API can answer is built here, by a named factory. Handlers, middleware and
 * library code call factories; `new ApiError(` anywhere else fails test/layers.test.ts.
 */
import * as z from "zod";

/** One invalid field of a request: where, which rule, and a human sentence. */
export const fieldErrorSchema = z.object({ path: z.string(), code: z.string(), message: z.string() });

/** One entry of a problem document's `errors`. */
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** What an ApiError is made of (the problem document's fields plus response headers). */
export type ApiErrorInit = {
  status: number;
  code: string;
  title: string;
  detail: string;
  errors?: FieldError[];
  /** How many field errors were left out of `errors` (it is capped). */
  errorsOmitted?: number;
  headers?: Record<string, string>;
};

/** An error that is part of the API contract, with its status, code and optional field errors. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly errors?: FieldError[];
  readonly errorsOmitted?: number;
  readonly headers?: Record<string, string>;

  constructor(init: ApiErrorInit) {
    super(init.detail);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors;
    this.errorsOmitted = init.errorsOmitted;
    this.headers = init.headers;
  }
}

/** 400 with the list of invalid fields (capped; `errorsOmitted` counts the rest). */
export const validationFailed = (errors: FieldError[], detail = "The request is invalid.", errorsOmitted = 0) =>
  new ApiError({
    status: 400,
    code: "validation_failed",
    title: "Validation failed",
    detail,
    errors,
    ...(errorsOmitted > 0 ? { errorsOmitted } : {}),
  });

/** 400 for a body that is not JSON at all. */
export const malformedJson = () =>
  new ApiError({
    status: 400,
    code: "malformed_json",
    title: "Malformed JSON",
    detail: "The request body is not valid JSON.",
  });

/** 400 for an `X-D1-Bookmark` header that is not a D1 bookmark (never passed on to D1). */
export const invalidBookmark = () =>
  new ApiError({
    status: 400,
    code: "invalid_bookmark",
    title: "Invalid bookmark",
    detail:
      "X-D1-Bookmark must be a bookmark this API returned (e.g. 0000007b-0000b26e-00001538-0c3e87bb37b3db5cc52eedb93cd3b96b).",
  });

/**
 * 400 for a cursor we did not issue, or one issued for another collection, ordering or scope. `path` is
 * the query parameter that carried it (`since` on the change feed).
 */
export const invalidCursor = (detail = "The cursor is invalid; start again without one.", path = "cursor") =>
  new ApiError({
    status: 400,
    code: "invalid_cursor",
    title: "Invalid cursor",
    detail,
    errors: [{ path, code: "invalid_cursor", message: detail }],
  });

/** 410: a change-feed cursor older than the tombstones pruned since; the client syncs again from the start. */
export const cursorExpired = () =>
  new ApiError({
    status: 410,
    code: "cursor_expired",
    title: "Cursor expired",
    detail:
      "Deletions after this cursor were pruned (tombstones are kept 90 days); sync again from the start, without `since`.",
  });

/** 400 for an uploaded file that is not valid UTF-8. */
export const invalidEncoding = (detail = "The file is not valid UTF-8; save it as UTF-8 and send it again.") =>
  new ApiError({ status: 400, code: "invalid_encoding", title: "Invalid encoding", detail });

/** 400 `too_many_rows`: an import over its limit, with how to split it in the detail. */
const tooMany = (path: string, detail: string) =>
  new ApiError({
    status: 400,
    code: "too_many_rows",
    title: "Too many rows",
    detail,
    errors: [{ path, code: "too_many_rows", message: detail }],
  });

/** 400 for an import over the row limit: the detail says how to split the file into parts. */
export const tooManyRows = (rows: number, max: number) =>
  tooMany(
    "body",
    `The file has ${rows} rows; one import takes at most ${max}. Split it into ${Math.ceil(rows / max)} files of at most ${max} rows each (repeat the '#' header lines, or a spreadsheet's header row, at the top of every part) and send them one after another: duplicates=skip makes re-sending a part harmless.`,
  );

/** 400 for an account.json over the per-request card limit: the detail says how to send it in parts. */
export const tooManyCards = (cards: number, max: number) =>
  tooMany(
    "cards",
    `The document has ${cards} cards; one import takes at most ${max}. Send it in ${Math.ceil(cards / max)} parts: each part is the same document with at most ${max} of the cards and the review_logs of those cards (the other members may be repeated in every part). Ids are remapped the same way in every part, so parts find each other's sessions and generations, and re-sending a part adds nothing.`,
  );

/** 401 for a missing, invalid or revoked credential; the response carries `WWW-Authenticate`. */
export const unauthorized = (detail = "A valid bearer access token is required.", code = "unauthorized") =>
  new ApiError({
    status: 401,
    code,
    title: "Unauthorized",
    detail,
    headers: { "WWW-Authenticate": `Bearer realm="flashcards-api"` },
  });

/** 401 for bad login credentials: one body for an unknown email and a wrong password. */
export const invalidCredentials = () =>
  new ApiError({
    status: 401,
    code: "invalid_credentials",
    title: "Invalid credentials",
    detail: "The email or password is incorrect.",
    headers: { "WWW-Authenticate": `Bearer realm="flashcards-api"` },
  });

/** 403 when the caller is authenticated but must prove something more (e.g. re-enter the password). */
export const forbidden = (detail: string, code = "forbidden") =>
  new ApiError({ status: 403, code, title: "Forbidden", detail });

/**
 * 403 when a personal access token is used beyond its scopes, or where only a password-authenticated
 * session may act (tokens, sessions, password, account deletion).
 */
export const insufficientScope = (needed: string) =>
  new ApiError({
    status: 403,
    code: "insufficient_scope",
    title: "Insufficient scope",
    detail:
      needed === "session"
        ? "A personal access token cannot do this; use the access token of a logged-in session."
        : `This personal access token lacks the '${needed}' scope.`,
  });

/**
 * 404 for a resource that does not exist or belongs to someone else: the two are indistinguishable
 * on purpose, so ids cannot be probed.
 */
export const notFound = (resource: string, id?: string) =>
  new ApiError({
    status: 404,
    code: "not_found",
    title: "Not found",
    detail: id === undefined ? `The ${resource} was not found.` : `The ${resource} '${id}' was not found.`,
  });

/** 404 for a path that matches no route. */
export const routeNotFound = (method: string, path: string) =>
  new ApiError({
    status: 404,
    code: "route_not_found",
    title: "Not found",
    detail: `No route matches ${method} ${path}.`,
  });

/** 405 for a known path called with a method it does not serve; `Allow` lists the ones it does. */
export const methodNotAllowed = (method: string, allowed: string[]) =>
  new ApiError({
    status: 405,
    code: "method_not_allowed",
    title: "Method not allowed",
    detail: `${method} is not allowed here; use ${allowed.join(", ")}.`,
    headers: { Allow: allowed.join(", ") },
  });

/** 409 for a state conflict such as a duplicate unique value. */
export const conflict = (detail: string, code = "conflict") =>
  new ApiError({ status: 409, code, title: "Conflict", detail });

/** 409 when another request reviewed the same card at the same moment (the version moved). */
export const reviewConflict = () =>
  conflict("The card was reviewed by another request at the same moment; reload it and retry.", "review_conflict");

/** 409 for a review in, or a second finish of, a finished study session. */
export const sessionFinished = () => conflict("The study session is already finished.", "session_finished");

/** 409 `deck_name_taken`: a sibling deck has the same name (compared case-insensitively). */
export const deckNameTaken = () =>
  conflict(
    "A deck with this name already exists at this level (names are compared case-insensitively).",
    "deck_name_taken",
  );

/** 409 `deck_limit_reached`: the caller already has the most decks allowed. */
export const deckLimitReached = (limit: number) =>
  conflict(`The limit of ${limit} decks is reached; delete a deck first.`, "deck_limit_reached");

/** 409 `deck_cycle`: a deck cannot move under itself or one of its subdecks. */
export const deckCycle = () => conflict("A deck cannot be moved under itself or one of its subdecks.", "deck_cycle");

/** 409 `deck_not_empty`: the deck or a subdeck holds cards and no cascade was asked for. */
export const deckNotEmpty = (cards: number) =>
  conflict(
    `The deck and its subdecks hold ${cards} card${cards === 1 ? "" : "s"}; move them out or delete with ?cascade=true.`,
    "deck_not_empty",
  );

/** 400 `deck_too_deep`: decks nest at most `max` levels. */
export const deckTooDeep = (max: number) =>
  new ApiError({
    status: 400,
    code: "deck_too_deep",
    title: "Deck too deep",
    detail: `Decks nest at most ${max} levels deep.`,
  });

/** 400 `too_many_tags`: a card would carry more than `max` tags. */
export const tooManyTags = (max: number) =>
  new ApiError({
    status: 400,
    code: "too_many_tags",
    title: "Too many tags",
    detail: `A card carries at most ${max} tags.`,
  });

/** 409 for a review that names a study session whose planned cards do not include the card. */
export const cardNotInSession = () =>
  conflict("The card is not part of this study session; review it without session_id.", "card_not_in_session");

/** 409 `proposal_already_accepted`: the proposal was accepted before (or is named twice in the request). */
export const proposalAlreadyAccepted = (errors?: FieldError[]) =>
  new ApiError({
    status: 409,
    code: "proposal_already_accepted",
    title: "Conflict",
    detail: "This proposal was already accepted; each proposal of a generation can be accepted once.",
    ...(errors ? { errors } : {}),
  });

/** 422 `not_a_proposal`: the generation proposed no such index, or an `ai-full` card's text is not that proposal's. */
export const notAProposal = (errors?: FieldError[]) =>
  new ApiError({
    status: 422,
    code: "not_a_proposal",
    title: "Not a proposal",
    detail:
      "The card is not a proposal of this generation: ai-full cards must repeat the proposal at proposal_index exactly; ai-edited cards need an index the generation proposed.",
    ...(errors ? { errors } : {}),
  });

/** 422 when an Idempotency-Key comes back with a different request body. */
/** 409: a client-made review id already names another review (the caller's own or anyone's). */
export const idReused = () => conflict("A review with this id exists with other content; use a new id.", "id_reused");

/** 409: a late review would have to be replayed through more history than we replay (or a manual entry). */
export const reviewTooOld = (maxReplay: number) =>
  conflict(
    `The review is older than the card's last ${maxReplay} reviews or a manual change; it cannot be placed in its history.`,
    "review_too_old",
  );

/** 422: a review dated further ahead of the server clock than device clocks drift. */
export const reviewInFuture = (toleranceMinutes: number) =>
  new ApiError({
    status: 422,
    code: "review_in_future",
    title: "Review in the future",
    detail: `reviewed_at is more than ${toleranceMinutes} minutes ahead of the server clock.`,
  });

/** 404: the card exists but has no review left to take back. */
export const noReviewToUndo = () =>
  new ApiError({
    status: 404,
    code: "no_review_to_undo",
    title: "Nothing to undo",
    detail: "The card has no review to undo.",
  });

/** 409: the review was recorded before snapshots existed, so its previous state is unknown. */
export const undoUnavailable = () =>
  conflict("This review was recorded before undo existed; it cannot be taken back.", "undo_unavailable");

/** 412: the row changed since the version the client named in If-Match. */
export const preconditionFailed = (resource: string) =>
  new ApiError({
    status: 412,
    code: "precondition_failed",
    title: "Precondition failed",
    detail: `The ${resource} was changed by another request since you read it; read it again and retry.`,
  });

/** 422 when an Idempotency-Key comes back with a different request body. */
export const idempotencyKeyReused = () =>
  new ApiError({
    status: 422,
    code: "idempotency_key_reused",
    title: "Idempotency key reused",
    detail: "This Idempotency-Key was used with a different request body; use a new key.",
  });

/** 413 for a body over the configured limit. */
export const payloadTooLarge = (limit: number) =>
  new ApiError({
    status: 413,
    code: "payload_too_large",
    title: "Payload too large",
    detail: `The request body exceeds the limit of ${limit} bytes.`,
  });

/** 415 for a JSON endpoint called with another Content-Type. */
export const unsupportedMediaType = (detail = "This endpoint accepts only 'Content-Type: application/json'.") =>
  new ApiError({ status: 415, code: "unsupported_media_type", title: "Unsupported media type", detail });

/** 429 with `Retry-After` in whole seconds. */
export const rateLimited = (retryAfterSeconds: number, detail = "Too many requests; slow down.") =>
  new ApiError({
    status: 429,
    code: "rate_limited",
    title: "Too many requests",
    detail,
    headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

/**
 * 429 for an account in login back-off (too many attempts without a success, from any network). Sent
 * for unknown emails too, so it never tells which emails have accounts.
 */
export const loginThrottled = (retryAfterSeconds: number) =>
  new ApiError({
    status: 429,
    code: "login_throttled",
    title: "Too many requests",
    detail: "Too many login attempts for this account; wait before trying again.",
    headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

/** 429 `quota_exceeded`: the hourly generation quota (counted in D1) is spent; `Retry-After` says when a slot frees. */
export const quotaExceeded = (retryAfterSeconds: number, limit: number) => {
  const error = rateLimited(retryAfterSeconds, `The limit of ${limit} generations per hour is reached.`);
  return new ApiError({
    status: 429,
    code: "quota_exceeded",
    title: error.title,
    detail: error.detail,
    headers: error.headers,
  });
};

/** 503 for a transient platform failure (D1 overloaded, connection lost): safe to retry. */
export const serviceUnavailable = (
  detail = "The service is temporarily unavailable; retry shortly.",
  retryAfterSeconds = 2,
) =>
  new ApiError({
    status: 503,
    code: "service_unavailable",
    title: "Service unavailable",
    detail,
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

/** 502: the AI provider failed or answered something unusable. */
export const badGateway = (code: "provider_error" | "invalid_provider_output", detail: string) =>
  new ApiError({ status: 502, code, title: "Bad gateway", detail });

/** 503 when the AI provider rate-limits us: retry after the time it asked for. */
export const providerUnavailable = (retryAfterSeconds: number) =>
  new ApiError({
    status: 503,
    code: "provider_unavailable",
    title: "Service unavailable",
    detail: "The AI provider is busy; retry later.",
    headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

/** 504 when the AI provider does not answer in time. */
export const gatewayTimeout = () =>
  new ApiError({
    status: 504,
    code: "provider_timeout",
    title: "Gateway timeout",
    detail: "The AI provider did not answer in time; retry, perhaps with a shorter text.",
  });

/** 500: something we did not expect. The detail never says what, the log does. */
export const internalError = () =>
  new ApiError({
    status: 500,
    code: "internal_error",
    title: "Internal server error",
    detail: "An unexpected error occurred. Quote the request id when reporting it.",
  });
