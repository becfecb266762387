#!/usr/bin/env bash
# Installs the tools the contract tests hand generated files to: dnsmasq (dnsmasq --test), debconf
# (debconf-set-selections --checkonly), cloud-init (cloud-init schema), OpenSSH's server and client (the node
# watcher's test), restic and sqlite3 (the backup tests), promtool (Debian's prometheus, the alert rules),
# amtool (Debian's prometheus-alertmanager), the blackbox exporter's config check, ShellCheck (the shipped
# shell scripts) and BIND with dig and nsupdate (the RFC 2136 records' tests) from Debian, pykickstart (ksvalidator),
# checkov (the manifests' static analysis) and the book's mkdocs-material (book/setup.sh) from PyPI into venvs
# under the cache, and, built from
# their pinned Go modules into the sandbox's cache by scripts/toolchain/build-sandbox.sh --for test: the S3
# server of the backup tests (versitygw), helm (the local charts' render), and vmalert, vmalert-tool and
# victoria-metrics (the rules and the scrape file run by the real VictoriaMetrics). Idempotent: prints nothing
# and installs nothing when everything is there. Runs before `npm test` (the `pretest` script).
set -euo pipefail
cache="${HEARTH_CACHE:-$HOME/.cache/hearth}"
pykickstart_version=3.78
venv="$cache/venv-pykickstart-$pykickstart_version"

missing=()
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
command -v debconf-set-selections >/dev/null 2>&1 || missing+=(debconf)
command -v cloud-init >/dev/null 2>&1 || [ -x /usr/bin/cloud-init ] || missing+=(cloud-init)
# The node watcher's tests dial a real sshd with OpenSSH's client.
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v restic >/dev/null 2>&1 || missing+=(restic)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v prometheus-blackbox-exporter >/dev/null 2>&1 || missing+=(prometheus-blackbox-exporter)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
# The RFC 2136 records' tests update a real BIND and look with dig and nsupdate.
[ -x /usr/sbin/named ] || missing+=(bind9)
command -v dig >/dev/null 2>&1 && command -v nsupdate >/dev/null 2>&1 || missing+=(bind9-dnsutils)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-setup: installing ${missing[*]} from Debian" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test-setup: the contract tests need ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
  fi
fi

# The book's generator (npm run docs:check builds the book in strict mode): mkdocs-material into its own venv.
bash "$(dirname "$0")/../book/setup.sh" >/dev/null

# checkov (test/security/static-analysis.contract.test.ts: the Kubernetes checks over every rendered manifest), from PyPI
# into a venv of its own: it brings many dependencies, none of which should meet pykickstart's.
checkov_version=3.3.30
checkov_venv="$cache/venv-checkov-$checkov_version"
if [ ! -x "$checkov_venv/bin/checkov" ]; then
  echo "test-setup: installing checkov $checkov_version into $checkov_venv" >&2
  python3 -m venv "$checkov_venv"
  "$checkov_venv/bin/pip" install -q --disable-pip-version-check "checkov==$checkov_version"
fi

if [ ! -x "$venv/bin/ksvalidator" ]; then
  echo "test-setup: installing pykickstart $pykickstart_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "pykickstart==$pykickstart_version"
fi

# The sandbox binaries only tests run (`npm run dev` builds the sandbox's own set, build.sh --for dev):
# versitygw (the backup tests' S3 server), helm (`helm template` of the local charts), vmalert, vmalert-tool
# and victoria-metrics (the checkers of the rules and the scrape file). Built on demand, once.
test_bins=()
for b in versitygw helm vmalert vmalert-tool victoria-metrics; do
  [ -x "$cache/sandbox/bin/$b" ] || test_bins+=("$b")
done
if [ "${#test_bins[@]}" -gt 0 ]; then
  if command -v go >/dev/null 2>&1; then
    echo "test-setup: building ${test_bins[*]} (build-sandbox.sh --for test) into $cache/sandbox/bin" >&2
    bash "$(dirname "$0")/toolchain/build-sandbox.sh" --for test >&2
  else
    echo "test-setup: the contract tests need ${test_bins[*]}; install Go, then run scripts/toolchain/build-sandbox.sh --for test (or npm run toolchain -- import FILE)" >&2
  fi
fi
