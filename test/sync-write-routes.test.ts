/**
 * Every write route records its change in the change feed (issue #14). The routes come from the app's
 * own declarations (`declaredRoutes`), so a route added later — imports, card states, bulk edits —
 * fails here until it has a recipe (which shows the change it records) or a named exemption (a write
 * that changes nothing a device syncs: credentials, AI proposals).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { declaredRoutes } from "../src/lib/route-docs";
import { api, registerUser, type TestUser } from "./helpers/api";

type Entity = "flashcard" | "deck" | "tag" | "review" | "study_session" | "settings";
type Call = { method: string; path: string; body?: unknown; rawBody?: string; headers?: Record<string, string> };
/** Arranges what the route needs and returns the call and the change it must record. */
type Recipe = (user: TestUser) => Promise<{ call: Call; records: { entity: Entity; op: "upsert" | "delete" } }>;

async function ok(user: TestUser, method: string, path: string, body?: unknown) {
  const res = await api(method, path, { token: user.accessToken, body });
  expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
  return res.body;
}
const card = async (user: TestUser, extra: Record<string, unknown> = {}) =>
  (
    await ok(user, "POST", "/api/v1/flashcards", {
      flashcards: [{ front: "Q", back: "A", source: "manual", ...extra }],
    })
  ).data[0].id as string;
const deck = async (user: TestUser) =>
  (await ok(user, "POST", "/api/v1/decks", { name: `D${crypto.randomUUID().slice(0, 8)}` })).id as string;
const reviewed = async (user: TestUser) => {
  const id = await card(user);
  await ok(user, "POST", `/api/v1/flashcards/${id}/reviews`, { rating: "good" });
  return id;
};
const upsert = (entity: Entity) => ({ entity, op: "upsert" as const });

const RECIPES: Record<string, Recipe> = {
  "POST /api/v1/flashcards": async () => ({
    call: {
      method: "POST",
      path: "/api/v1/flashcards",
      body: { flashcards: [{ front: "Q", back: "A", source: "manual" }] },
    },
    records: upsert("flashcard"),
  }),
  "PATCH /api/v1/flashcards/:id": async (user) => ({
    call: { method: "PATCH", path: `/api/v1/flashcards/${await card(user)}`, body: { back: "B" } },
    records: upsert("flashcard"),
  }),
  "DELETE /api/v1/flashcards/:id": async (user) => ({
    call: { method: "DELETE", path: `/api/v1/flashcards/${await card(user)}` },
    records: { entity: "flashcard", op: "delete" },
  }),
  "POST /api/v1/flashcards/:id/reviews": async (user) => ({
    call: { method: "POST", path: `/api/v1/flashcards/${await card(user)}/reviews`, body: { rating: "good" } },
    records: upsert("review"),
  }),
  "DELETE /api/v1/flashcards/:id/reviews/latest": async (user) => ({
    call: { method: "DELETE", path: `/api/v1/flashcards/${await reviewed(user)}/reviews/latest` },
    records: { entity: "review", op: "delete" },
  }),
  "POST /api/v1/reviews/batch": async (user) => ({
    call: {
      method: "POST",
      path: "/api/v1/reviews/batch",
      body: {
        reviews: [
          {
            id: crypto.randomUUID(),
            flashcard_id: await card(user),
            rating: "good",
            reviewed_at: new Date().toISOString(),
          },
        ],
      },
    },
    records: upsert("review"),
  }),
  "POST /api/v1/flashcards/:id/suspend": async (user) => ({
    call: { method: "POST", path: `/api/v1/flashcards/${await card(user)}/suspend` },
    records: upsert("flashcard"),
  }),
  "POST /api/v1/flashcards/:id/unsuspend": async (user) => {
    const id = await card(user);
    await ok(user, "POST", `/api/v1/flashcards/${id}/suspend`);
    return { call: { method: "POST", path: `/api/v1/flashcards/${id}/unsuspend` }, records: upsert("flashcard") };
  },
  "POST /api/v1/flashcards/:id/bury": async (user) => ({
    call: { method: "POST", path: `/api/v1/flashcards/${await card(user)}/bury` },
    records: upsert("flashcard"),
  }),
  "POST /api/v1/flashcards/:id/forget": async (user) => ({
    call: { method: "POST", path: `/api/v1/flashcards/${await reviewed(user)}/forget`, body: {} },
    records: upsert("flashcard"),
  }),
  "POST /api/v1/flashcards/:id/reschedule": async (user) => ({
    call: { method: "POST", path: `/api/v1/flashcards/${await card(user)}/reschedule`, body: { due: "2030-01-01" } },
    // A manual log entry is written too (undoable like a review).
    records: upsert("review"),
  }),
  "POST /api/v1/flashcards/bulk": async (user) => ({
    call: {
      method: "POST",
      path: "/api/v1/flashcards/bulk",
      body: { ids: [await card(user), await card(user)], action: "add_tags", tags: ["bulk"] },
    },
    records: upsert("flashcard"),
  }),
  "POST /api/v1/decks": async () => ({
    call: { method: "POST", path: "/api/v1/decks", body: { name: "New deck" } },
    records: upsert("deck"),
  }),
  "PATCH /api/v1/decks/:id": async (user) => ({
    call: { method: "PATCH", path: `/api/v1/decks/${await deck(user)}`, body: { description: "changed" } },
    records: upsert("deck"),
  }),
  "DELETE /api/v1/decks/:id": async (user) => ({
    call: { method: "DELETE", path: `/api/v1/decks/${await deck(user)}` },
    records: { entity: "deck", op: "delete" },
  }),
  "PATCH /api/v1/tags/:name": async (user) => {
    await card(user, { tags: ["old"] });
    return { call: { method: "PATCH", path: "/api/v1/tags/old", body: { name: "Old" } }, records: upsert("tag") };
  },
  "DELETE /api/v1/tags/:name": async (user) => {
    await card(user, { tags: ["gone"] });
    return { call: { method: "DELETE", path: "/api/v1/tags/gone" }, records: { entity: "tag", op: "delete" } };
  },
  "POST /api/v1/study-sessions": async (user) => {
    await card(user);
    return { call: { method: "POST", path: "/api/v1/study-sessions", body: {} }, records: upsert("study_session") };
  },
  "POST /api/v1/study-sessions/:id/finish": async (user) => {
    await card(user);
    const session = (await ok(user, "POST", "/api/v1/study-sessions", {})).session.id;
    return {
      call: { method: "POST", path: `/api/v1/study-sessions/${session}/finish` },
      records: upsert("study_session"),
    };
  },
  "PATCH /api/v1/settings": async () => ({
    call: { method: "PATCH", path: "/api/v1/settings", body: { new_cards_per_day: 7 } },
    records: upsert("settings"),
  }),
  "POST /api/v1/imports": async () => ({
    call: {
      method: "POST",
      path: "/api/v1/imports",
      rawBody: "imported question\timported answer\n",
      headers: { "content-type": "text/plain" },
    },
    records: upsert("flashcard"),
  }),
};

/** Writes that change nothing a device syncs, each with the reason. */
const EXEMPT: Record<string, string> = {
  "POST /api/v1/auth/register": "creates the account; its feed starts empty",
  "POST /api/v1/auth/login": "credentials, not collection data",
  "POST /api/v1/auth/refresh": "credentials, not collection data",
  "POST /api/v1/auth/logout": "credentials, not collection data",
  "DELETE /api/v1/auth/me": "deletes the account and its feed with it",
  "POST /api/v1/auth/password": "credentials, not collection data",
  "DELETE /api/v1/auth/sessions/:id": "credentials, not collection data",
  "POST /api/v1/auth/logout-all": "credentials, not collection data",
  "POST /api/v1/auth/tokens": "credentials, not collection data",
  "DELETE /api/v1/auth/tokens/:id": "credentials, not collection data",
  "POST /api/v1/generations": "AI proposals are not cards until accepted (POST /flashcards records those)",
  "PATCH /api/v1/settings":
    "study settings are not a feed entity (#14 lists flashcard, deck, tag, review, study_session); devices read GET /settings",
};

const WRITES = declaredRoutes(worker)
  .filter((doc) => doc.method !== "get")
  .map((doc) => `${doc.method.toUpperCase()} ${doc.path}`);

const maxSeq = async (userId: string, entity: Entity, op: string) =>
  (
    await env.DB.prepare("SELECT coalesce(max(seq), 0) AS seq FROM changes WHERE user_id = ? AND entity = ? AND op = ?")
      .bind(userId, entity, op)
      .first<{ seq: number }>()
  )?.seq ?? 0;

describe("every write route records its change in the feed", () => {
  it("has a recipe or a named exemption for each declared write route", () => {
    const missing = WRITES.filter((route) => !(route in RECIPES) && !(route in EXEMPT));
    expect(missing, "add a recipe to RECIPES (or, for a write no device syncs, a reason to EXEMPT)").toEqual([]);
    const phantom = [...Object.keys(RECIPES), ...Object.keys(EXEMPT)].filter((route) => !WRITES.includes(route));
    expect(phantom).toEqual([]);
  });

  for (const route of WRITES.filter((r) => r in RECIPES)) {
    it(`${route} records a change in the same request`, async () => {
      const user = await registerUser("feed-walk");
      const { call, records } = await (RECIPES[route] as Recipe)(user);
      const before = await maxSeq(user.id, records.entity, records.op);
      const res = await api(call.method, call.path, {
        token: user.accessToken,
        body: call.body,
        rawBody: call.rawBody,
        headers: call.headers,
      });
      expect(res.status, res.text).toBeLessThan(300);
      expect(await maxSeq(user.id, records.entity, records.op)).toBeGreaterThan(before);
    });
  }
});
