#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (npm packages,
# Debian's Chromium), then typecheck, lint, unit tests, build, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing dependencies"
bash scripts/ensure-deps.sh
if [[ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then
  step "Installing Debian's Chromium for the browser tests"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

step "Typecheck"
npm run --silent typecheck
step "Lint"
npm run --silent lint
step "Unit tests"
npx vitest run --reporter=default --reporter=json --outputFile.json=node_modules/.cache/unit-results.json
step "Build"
npm run --silent build
step "Browser tests (Chromium)"
npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json=node_modules/.cache/e2e-results.json
node scripts/summarize-tests.mjs node_modules/.cache/unit-results.json node_modules/.cache/e2e-results.json
