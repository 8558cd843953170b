#!/usr/bin/env bash
# pre-commit entry: validate each staged manifest offline with keydrift from this checkout.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
args=()
for f in "$@"; do args+=(-m "$f"); done
[ ${#args[@]} -gt 0 ] || exit 0
exec deno run --no-prompt --ignore-env=LOG_TOKENS,LOG_STREAM --allow-read=. "$here/main.ts" validate --quiet "${args[@]}"
