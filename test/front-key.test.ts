/**
 * `flashcards.front_key`: written by every path that writes a front, backfilled by the migration for
 * cards written before it, and indexed for the duplicate lookups of imports and generations.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import backfill from "../migrations/0011_backfill_front_key.sql?raw";
import { frontKey } from "../src/lib/front-key";
import { api, registerUser, type TestUser } from "./helpers/api";

let user: TestUser;
beforeAll(async () => {
  user = await registerUser("frontkey");
});

const storedKey = async (id: string) =>
  (await env.DB.prepare("SELECT front_key FROM flashcards WHERE id = ?").bind(id).first<{ front_key: string }>())
    ?.front_key;

describe("front_key", () => {
  it("is written on create and follows the front on edit (not on a back-only edit)", async () => {
    const created = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: { flashcards: [{ front: "What is  FSRS?", back: "A scheduler", source: "manual" }] },
    });
    expect(created.status).toBe(201);
    const id = created.body.data[0].id;
    expect(await storedKey(id)).toBe("what is fsrs");

    await api("PATCH", `/api/v1/flashcards/${id}`, { token: user.accessToken, body: { back: "Still a scheduler" } });
    expect(await storedKey(id)).toBe("what is fsrs");
    await api("PATCH", `/api/v1/flashcards/${id}`, { token: user.accessToken, body: { front: "Straße, bitte!" } });
    expect(await storedKey(id)).toBe("strasse bitte");
  });

  it("is backfilled by the migration like frontKey() for ASCII fronts", async () => {
    const fronts = ["Hello, World!", "  a\t\tb\n\nc  ", "What's 2+2?", "(x) [y] {z} <w>", "?!", "A    B"];
    const created = await api("POST", "/api/v1/flashcards", {
      token: user.accessToken,
      body: { flashcards: fronts.map((front) => ({ front, back: "b", source: "manual" })) },
    });
    const ids: string[] = created.body.data.map((card: { id: string }) => card.id);
    await env.DB.prepare(`UPDATE flashcards SET front_key = '' WHERE id IN (SELECT value FROM json_each(?))`)
      .bind(JSON.stringify(ids))
      .run();
    for (const statement of backfill.split("--> statement-breakpoint")) {
      const sql = statement.replace(/^\s*--.*$/gm, "").trim();
      if (sql) await env.DB.prepare(sql).run();
    }
    for (const [index, id] of ids.entries()) {
      const front = created.body.data[index].front;
      expect(await storedKey(id)).toBe(frontKey(front));
    }
  });

  it("is looked up on its index", async () => {
    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT id FROM flashcards WHERE user_id = ? AND front_key IN (SELECT value FROM json_each(?))",
    )
      .bind(user.id, '["a","b"]')
      .all<{ detail: string }>();
    expect(plan.results.map((row) => row.detail).join("\n")).toContain("flashcards_user_front_key_idx");
  });
});
