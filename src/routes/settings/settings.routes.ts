/**
 * HTTP contract of the settings endpoints. Every route requires a bearer token.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { authedDeps } from "../../lib/deps";
import { describeRoute } from "../../lib/route-docs";
import { jsonBody, validate } from "../../lib/validation";
import { requireAuth } from "../../middleware/auth";
import { getSettings, updateSettings } from "./settings.handlers";
import { settingsQuerySchema, settingsSchema, updateSettingsSchema } from "./settings.schemas";

/** Read and change the caller's study settings, under `/api/v1/settings`. */
export const settingsRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "getSettings",
        summary: "The caller's study settings (server defaults for anything never set)",
        tag: "study",
        success: { status: 200, description: "The settings.", schema: settingsSchema },
      },
    ),
    requireAuth("study"),
    validate("query", settingsQuerySchema),
    async (c) => {
      return c.json(await getSettings(authedDeps(c)), 200);
    },
  )
  .patch(
    "/",
    describeRoute(
      ROUTE_DOCS && {
        operationId: "updateSettings",
        summary: "Change study settings: time zone, day start, limits, steps, leeches, personal FSRS weights",
        description:
          "Only the fields sent change. `timezone` is stored as `Intl.DateTimeFormat` resolves it; `fsrs_parameters` must be 17, 19 or 21 numbers inside ts-fsrs's `CLAMP_PARAMETERS` (null restores the defaults).",
        tag: "study",
        example: { timezone: "Europe/Warsaw", day_starts_at: 4, desired_retention: 0.9, new_cards_per_day: 15 },
        success: { status: 200, description: "The settings after the change.", schema: settingsSchema },
      },
    ),
    requireAuth("study"),
    jsonBody(updateSettingsSchema),
    async (c) => {
      return c.json(await updateSettings(authedDeps(c), c.req.valid("json")), 200);
    },
  );
