#!/usr/bin/env bash
# The API reference in a real browser (Debian's chromium, driven by playwright-core): see
# test/browser/api-reference.mjs. Needs /usr/bin/chromium (.ci/run installs it with apt).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent predev >/dev/null
node test/browser/api-reference.mjs
