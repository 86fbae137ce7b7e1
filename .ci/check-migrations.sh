#!/usr/bin/env bash
# Fails when src/db/schema.ts has changes that no migration in migrations/ captures.
set -euo pipefail
cd "$(dirname "$0")/.."

npx drizzle-kit check
out=$(npx drizzle-kit generate --name unmigrated_schema_change 2>&1)
echo "$out"
if ! grep -q "No schema changes" <<<"$out"; then
  echo "error: the drizzle schema has changes without a migration; run 'npm run db:generate -- --name <what>' and commit it" >&2
  git checkout -- migrations 2>/dev/null || true
  git clean -fdq migrations 2>/dev/null || true
  exit 1
fi
