#!/usr/bin/env bash
# Builds the Hearth book (mkdocs build --strict: every link and anchor in docs/ must resolve) into
# .cache/book/site, then checks the links of the Markdown outside docs/ (book/links.ts).
#   --check   build into a temporary folder instead (what npm run docs:check, and so npm test, runs)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(bash book/setup.sh)
site=.cache/book/site
if [ "${1:-}" = "--check" ]; then
	site=$(mktemp -d)
	trap 'rm -rf "$site"' EXIT
fi
# mkdocs-material's notice about its successor is not a problem of the book. Not --quiet: it hides the
# warnings that strict mode counts. Its INFO lines are dropped; its exit status is kept (pipefail).
NO_MKDOCS_2_WARNING=1 "$bin/mkdocs" build --strict --site-dir "$site" 2>&1 | { grep -v '^INFO ' || true; } >&2
node_modules/.bin/ts-node --transpile-only book/links.ts
if [ "${1:-}" != "--check" ]; then echo "book: $site/index.html"; fi
