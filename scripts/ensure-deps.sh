#!/usr/bin/env bash
# Installs npm dependencies exactly as locked when node_modules is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.cloudscope-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
