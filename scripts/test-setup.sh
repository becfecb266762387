#!/usr/bin/env bash
# Installs the tools the contract tests hand generated files to: dnsmasq (dnsmasq --test), debconf
# (debconf-set-selections --checkonly), cloud-init (cloud-init schema), OpenSSH's server and client (the node
# watcher's test) from Debian, and pykickstart
# (ksvalidator) from PyPI into a venv under the cache. Idempotent: prints nothing and installs nothing when
# everything is there. Runs before `npm test` (the `pretest` script).
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
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-setup: installing ${missing[*]} from Debian" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test-setup: the contract tests need ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
  fi
fi

if [ ! -x "$venv/bin/ksvalidator" ]; then
  echo "test-setup: installing pykickstart $pykickstart_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "pykickstart==$pykickstart_version"
fi
