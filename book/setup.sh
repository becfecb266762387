#!/usr/bin/env bash
# Installs the book's generator, mkdocs-material with every package pinned in book/requirements.txt, into a
# virtualenv under the cache named after the pins' hash (a changed pin makes a new one; nothing is fetched once
# it is there), and prints its bin folder. Runs before npm test (scripts/test-setup.sh) and npm run docs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="${HEARTH_CACHE:-$HOME/.cache/hearth}"
sum=$(sha256sum "$here/requirements.txt" | cut -c1-12)
venv="$cache/venv-book-$sum"
# The stamp is written last: an install cut short is made again.
if [ ! -f "$venv/.installed" ]; then
	echo "book/setup.sh: installing mkdocs-material (book/requirements.txt) into $venv" >&2
	rm -rf "$venv"
	python3 -m venv "$venv"
	# Every package is pinned, so none is resolved anew.
	"$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$here/requirements.txt" >&2
	touch "$venv/.installed"
fi
echo "$venv/bin"
