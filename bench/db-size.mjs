/**
 * Bytes per card, per review log and per user, measured on a real SQLite file: applies the migrations
 * to a fresh local D1 (wrangler, its own --persist-to directory), seeds one user with N cards and their
 * review history (bench/lib/seed.mjs, a year of use), then reads SQLite's dbstat per table and index.
 * Usage: `node bench/db-size.mjs [cards, default 100000]`. Needs python3 (its sqlite3 has dbstat).
 * The figures feed .ai/scale-plan.md.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, WRANGLER_ENV } from "./lib/proc.mjs";
import { generateCollection, seedStatements } from "./lib/seed.mjs";

const n = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "db-size-"));
const wrangler = (...args) =>
  execFileSync(process.execPath, [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), ...args], {
    cwd: ROOT,
    env: { ...WRANGLER_ENV, CI: "true" },
    stdio: ["ignore", "ignore", "inherit"],
  });

wrangler("d1", "migrations", "apply", "DB", "--local", "--persist-to", dir);
const userId = "00000000-0000-4000-8000-000000000001";
const now = Date.UTC(2026, 10, 1);
let reviews = 0;
const statements = [
  `INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES ('${userId}', 'size@example.com', 'pbkdf2-sha256$100000$${"a".repeat(22)}$${"b".repeat(43)}', ${now}, ${now});`,
];
for (const sql of seedStatements(generateCollection(userId, n, now, 42))) {
  statements.push(`${sql};`);
  reviews += sql.startsWith("INSERT INTO review_logs") ? sql.split("\n").length - 1 : 0;
}
const file = join(dir, "seed.sql");
writeFileSync(file, statements.join("\n"));
wrangler("d1", "execute", "DB", "--local", "--persist-to", dir, "--file", file);

const sqlite = (function find(path) {
  for (const entry of readdirSync(path)) {
    const full = join(path, entry);
    if (statSync(full).isDirectory()) {
      const found = find(full);
      if (found) return found;
    } else if (entry.endsWith(".sqlite")) return full;
  }
  return null;
})(join(dir, "v3"));
const stats = execFileSync(
  "python3",
  [
    "-c",
    `import sqlite3,sys,json
c=sqlite3.connect(sys.argv[1]); c.execute("VACUUM")
rows=c.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
owners=dict(c.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
print(json.dumps({"rows":rows,"owners":owners,"pages":c.execute("PRAGMA page_count").fetchone()[0]*c.execute("PRAGMA page_size").fetchone()[0]}))`,
    sqlite,
  ],
  { encoding: "utf8" },
);
const { rows, owners, pages } = JSON.parse(stats);
const byTable = {};
for (const [name, bytes] of rows) {
  const table = owners[name] ?? name.replace(/_(data|idx|content|docsize|config)$/, "");
  byTable[table] = (byTable[table] ?? 0) + bytes;
}
const cards =
  (byTable.flashcards ?? 0) +
  Object.entries(byTable)
    .filter(([t]) => t.startsWith("flashcards_fts"))
    .reduce((a, [, b]) => a + b, 0);
console.log(JSON.stringify({ cards: n, reviews, file_bytes: pages, by_table: byTable }, null, 2));
console.log(`bytes per card (table + indexes + search index): ${(cards / n).toFixed(0)}`);
console.log(`bytes per review log (table + indexes): ${((byTable.review_logs ?? 0) / reviews).toFixed(0)}`);
console.log(`bytes per user (file / user, ${n} cards and ${reviews} reviews): ${pages}`);
