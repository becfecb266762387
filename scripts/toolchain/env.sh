# shellcheck shell=bash
# Source me (bash or zsh) after scripts/toolchain/build.sh:   . scripts/toolchain/env.sh
# Puts the cached Pulumi toolchain on PATH and keeps Pulumi offline and local:
#   PATH                       ${HEARTH_CACHE:-~/.cache/hearth}/toolchain/<version>/bin first, when build.sh
#                              made it (it holds no `pulumi` if one of the pinned version was already on PATH)
#   PULUMI_HOME                ${HEARTH_CACHE}/pulumi-home (plugins installed by build.sh, login state)
#   PULUMI_BACKEND_URL         file://${HEARTH_CACHE}/state unless already set (a local file backend)
#   PULUMI_SKIP_UPDATE_CHECK, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = true (no downloads)
#   PULUMI_CONFIG_PASSPHRASE   a fixed, public passphrase for local dev stacks, only if neither it nor
#                              PULUMI_CONFIG_PASSPHRASE_FILE is set. Never use it for a real stack.
#   HEARTH_SANDBOX_BIN         ${HEARTH_CACHE}/sandbox/bin (etcd, kube-*, kubectl, kwok, gitea, helm from
#                              build-sandbox.sh); exported only, not put on PATH
if [ -n "${BASH_SOURCE:-}" ]; then
	_hearth_tc_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
else
	# zsh
	# shellcheck disable=SC2296
	_hearth_tc_here=$(cd "$(dirname "${(%):-%x}")" && pwd)
fi
# shellcheck source=versions.env
. "$_hearth_tc_here/versions.env"

HEARTH_TOOLCHAIN_BIN="${HEARTH_CACHE:-$HOME/.cache/hearth}/toolchain/$HEARTH_PULUMI_VERSION/bin"
export HEARTH_TOOLCHAIN_BIN
if [ -d "$HEARTH_TOOLCHAIN_BIN" ]; then
	case ":$PATH:" in
	*":$HEARTH_TOOLCHAIN_BIN:"*) ;;
	*) PATH="$HEARTH_TOOLCHAIN_BIN:$PATH" ;;
	esac
	export PATH
elif ! command -v pulumi >/dev/null 2>&1; then
	echo "env.sh: no toolchain at $HEARTH_TOOLCHAIN_BIN and no pulumi on PATH: run scripts/toolchain/build.sh" >&2
fi

export PULUMI_HOME="${HEARTH_CACHE:-$HOME/.cache/hearth}/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://${HEARTH_CACHE:-$HOME/.cache/hearth}/state}"
case "$PULUMI_BACKEND_URL" in
file://*) mkdir -p "${PULUMI_BACKEND_URL#file://}" 2>/dev/null || true ;;
esac
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
	export PULUMI_CONFIG_PASSPHRASE="hearth-local-dev-only"
fi
export HEARTH_SANDBOX_BIN="${HEARTH_CACHE:-$HOME/.cache/hearth}/sandbox/bin"
unset _hearth_tc_here
