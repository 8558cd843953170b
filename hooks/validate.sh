#!/usr/bin/env bash
# pre-commit entry (pass_filenames: false): validate the configured manifest set offline with
# keydrift from this checkout, whatever files are staged. The arguments are `keydrift validate`
# flags from the hook's `args:` (e.g. [-m, keydrift/projects.yaml, -m, keydrift/waivers.yaml]);
# none means keydrift.yaml. No network, no admin key; reads only the repository (--allow-read=.).
set -euo pipefail
if ! command -v deno >/dev/null 2>&1; then
  printf '%s\n' >&2 \
    "keydrift-validate: Deno 2.9 or later must be on PATH, and it is not. Install it with" \
    "  npm install -g deno@2.9.6" \
    "or" \
    "  curl -fsSL https://deno.land/install.sh | sh" \
    "(https://docs.deno.com/runtime/getting_started/installation/), then commit again."
  exit 1
fi
case "$0" in */*) dir="${0%/*}" ;; *) dir=. ;; esac
here="$(cd "$dir/.." && pwd)"
exec deno run --no-prompt --ignore-env=LOG_TOKENS,LOG_STREAM --allow-read=. "$here/main.ts" validate --quiet "$@"
