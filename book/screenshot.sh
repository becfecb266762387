#!/usr/bin/env bash
# npm run docs:screenshot: builds the book and takes docs/assets/book.png, its "Getting started" page in headless
# Chromium (Debian's chromium), offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash book/build.sh >/dev/null
command -v chromium >/dev/null || {
	echo "screenshot: Debian's chromium is missing (apt-get install chromium)" >&2
	exit 1
}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
	--disable-sync --no-first-run --hide-scrollbars --user-data-dir="$profile" \
	--screenshot="$PWD/docs/assets/book.png" --window-size=1280,900 \
	"file://$PWD/.cache/book/site/getting-started/index.html" 2>/dev/null
echo "screenshot: docs/assets/book.png ($(stat -c %s docs/assets/book.png) bytes)"
