/**
 * The one validation entry point for routes: zod schemas through `@hono/zod-validator`, with a hook
 * that turns every failure, for every target, into the same 400 problem document with field errors.
 */
import { zValidator } from "@hono/zod-validator";
import type { MiddlewareHandler, ValidationTargets } from "hono";
import type * as z from "zod";
import { type FieldError, unsupportedMediaType, validationFailed } from "./errors";
import { markInput } from "./route-docs";

const ROOT_NAME: Partial<Record<keyof ValidationTargets, string>> = { json: "body", query: "query", param: "path" };

/**
 * At most this many field errors go into a problem document. A body with thousands of unknown keys
 * would otherwise earn a response far larger than itself (an amplification for anyone, unauthenticated).
 */
export const MAX_FIELD_ERRORS = 20;

/** Field errors for a response: the first `MAX_FIELD_ERRORS`, and how many more there were. */
export type FieldErrorList = { errors: FieldError[]; omitted: number };

/**
 * Maps zod issues to field errors with dotted paths ("flashcards.3.front"), capped at
 * `MAX_FIELD_ERRORS`. The cap is applied here, while expanding: zod reports all unknown keys of an
 * object as one issue, so capping issues would not bound the list.
 */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[], target: keyof ValidationTargets): FieldErrorList {
  const errors: FieldError[] = [];
  let omitted = 0;
  const push = (error: FieldError) => {
    if (errors.length < MAX_FIELD_ERRORS) errors.push(error);
    else omitted++;
  };
  for (const issue of issues) {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      // One entry per unknown key, so the client sees exactly which field to drop.
      if (errors.length >= MAX_FIELD_ERRORS) {
        omitted += issue.keys.length;
        continue;
      }
      for (const key of issue.keys) {
        push({ path: base ? `${base}.${key}` : key, code: issue.code, message: `Unknown field '${key}'.` });
      }
      continue;
    }
    push({ path: base || (ROOT_NAME[target] ?? target), code: issue.code, message: issue.message });
  }
  return { errors, omitted };
}

/**
 * Validates a request target (query, param, header, ...) against a zod schema.
 * @throws ApiError 400 `validation_failed` listing every invalid field.
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  // Marked with its target and schema: the OpenAPI document reads the route's inputs from here.
  markInput(
    zValidator(target, schema, (result) => {
      if (!result.success) {
        const { errors, omitted } = toFieldErrors(result.error.issues, target);
        throw validationFailed(errors, undefined, omitted);
      }
    }),
    target,
    schema,
  );

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/** True when a Content-Type header names JSON (application/json, application/*+json, with parameters). */
export const isJsonContentType = (value: string | undefined) => value !== undefined && JSON_MEDIA_TYPE.test(value);

/**
 * Validates a JSON request body. Rejects a non-JSON Content-Type with 415 first: hono's validator
 * would otherwise read such a body as `{}`. Malformed JSON surfaces as hono's 400 HTTPException,
 * which `onError` renders as `malformed_json`.
 */
export const jsonBody = <T extends z.ZodType>(schema: T) => {
  const validator = validate("json", schema);
  const guarded: MiddlewareHandler = async function jsonBodyOnly(c, next) {
    if (!isJsonContentType(c.req.header("content-type"))) throw unsupportedMediaType();
    return validator(c, next);
  };
  return markInput(guarded, "json", schema) as typeof validator;
};
