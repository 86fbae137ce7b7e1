/**
 * The code's shape, enforced (see .cursor/rules/backend.mdc "Layers"):
 * - `src/lib`, `src/db`, `src/study`, `src/ai`, `src/portability`, `src/openapi` and `src/middleware` never
 *   import `src/routes`;
 * - a route folder imports from another route folder only its `*.schemas.ts` or its view (`*-view.ts`);
 * - every ApiError is built in `src/lib/errors.ts` (handlers call its factories);
 * - habits: middleware functions are named, and handlers read the clock only through `deps.now` (no
 *   `Date.now()` in `src/routes` or `src/study`). Doc comments on exports are a review rule, not a test:
 *   a failing test would refuse every landing that adds one undocumented export.
 * The sources are read through Vite's `import.meta.glob`, so this runs in the Workers pool with the rest.
 */
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>("../src/**/*.ts", { query: "?raw", import: "default", eager: true });
/** Path below the repository root ("src/…") → file text. */
const files = new Map(Object.entries(sources).map(([path, text]) => [path.replace(/^\.\.\//, ""), text]));

const LOWER_LAYERS = [
  "src/lib/",
  "src/db/",
  "src/study/",
  "src/ai/",
  "src/openapi/",
  "src/middleware/",
  "src/portability/",
];

/** Resolves a relative import specifier against the importing file ("src/a/b.ts" + "../c" → "src/c"). */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/** Every relative module an import/export statement (static or dynamic) of `text` names, resolved. */
function importsOf(path: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) {
    const target = resolve(path, match[1]!);
    if (target) found.push(target);
  }
  return found;
}

/** The layer violations in a set of files (exported shape for the self-test below). */
function violations(all: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [path, text] of all) {
    for (const target of importsOf(path, text)) {
      if (LOWER_LAYERS.some((layer) => path.startsWith(layer)) && target.startsWith("src/routes/")) {
        found.push(`${path} imports ${target}: lower layers never import src/routes`);
      }
      const fromFolder = /^src\/routes\/([^/]+)\//.exec(path)?.[1];
      const toFolder = /^src\/routes\/([^/]+)\//.exec(target)?.[1];
      if (fromFolder && toFolder && fromFolder !== toFolder && !/(\.schemas|-view)(\.ts)?$/.test(target)) {
        found.push(`${path} imports ${target}: only another route folder's *.schemas.ts or *-view.ts`);
      }
    }
    if (path !== "src/lib/errors.ts" && /\bnew ApiError\(/.test(text)) {
      found.push(`${path} builds an ApiError: add a factory to src/lib/errors.ts`);
    }
  }
  return found;
}

describe("layers", () => {
  it("reads the sources", () => {
    expect(files.size).toBeGreaterThan(30);
    expect(files.has("src/lib/errors.ts")).toBe(true);
  });

  it("lower layers never import routes; route folders import only schemas and views of others; errors live in lib/errors.ts", () => {
    expect(violations(files)).toEqual([]);
  });

  it("the check itself catches each kind of violation", () => {
    const broken = new Map([
      ["src/study/queue.ts", 'import { x } from "../routes/flashcards/flashcard-view";'],
      [
        "src/routes/study/a.ts",
        'import { y } from "../reviews/reviews.handlers";\nimport { z } from "../flashcards/flashcards.schemas";',
      ],
      ["src/routes/study/b.ts", "const e = new ApiError({ status: 400 });"],
      ["src/ai/c.ts", 'const m = await import("../routes/x/y");'],
    ]);
    expect(violations(broken)).toEqual([
      expect.stringContaining("src/study/queue.ts imports src/routes/flashcards/flashcard-view"),
      expect.stringContaining("src/routes/study/a.ts imports src/routes/reviews/reviews.handlers"),
      expect.stringContaining("src/routes/study/b.ts builds an ApiError"),
      expect.stringContaining("src/ai/c.ts imports src/routes/x/y"),
    ]);
  });
});

/** Habits the issue asked for (#11), checked on every file of `src/`. */
function habitViolations(all: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [path, text] of all) {
    if (/^src\/(routes|study)\//.test(path) && /\bDate\.now\(\)/.test(text)) {
      found.push(`${path} reads Date.now(): take the request's instant from deps.now`);
    }
    if (/^src\/(middleware\/|app\.ts|lib\/)/.test(path) && /(?:async\s*)?\(\s*c\s*,\s*next\s*\)\s*=>/.test(text)) {
      found.push(`${path} has an anonymous middleware: return a named function (async function name(c, next))`);
    }
  }
  return found;
}

describe("habits", () => {
  it("middleware is named and handlers take the clock from deps.now", () => {
    expect(habitViolations(files)).toEqual([]);
  });

  it("the check itself catches each kind of violation", () => {
    const broken = new Map([
      ["src/routes/x/x.handlers.ts", "/** Doc. */\nexport const now = () => Date.now();"],
      ["src/middleware/m.ts", "/** Doc. */\nexport const m = () => async (c, next) => {\n  await next();\n};"],
    ]);
    expect(habitViolations(broken)).toEqual([
      expect.stringContaining("src/routes/x/x.handlers.ts reads Date.now()"),
      expect.stringContaining("src/middleware/m.ts has an anonymous middleware"),
    ]);
  });
});
