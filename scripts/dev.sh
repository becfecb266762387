#!/usr/bin/env bash
# The main job, offline: `npm run dev` builds what is missing, brings the local sandbox up and runs
# `pulumi up` of the built-in dev stack against it (docs/sandbox.md, docs/toolchain.md).
#
#   npm run dev              install, build, sandbox up, pulumi up (a second run changes nothing)
#   npm run dev -- down      pulumi destroy of dev, then sandbox down
#   npm run dev -- status    the sandbox's parts and the dev stack's resources
#
# Needs root (the sandbox's network namespaces). State: the sandbox in .sandbox/, the stack in the local
# file backend under ${HEARTH_CACHE:-~/.cache/hearth}/state (env.sh), encrypted with the public dev-only
# passphrase unless PULUMI_CONFIG_PASSPHRASE(_FILE) is set.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
cmd=${1:-up}
say() { printf 'dev: %s\n' "$*" >&2; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

install_packages() {
	# npm ci only when node_modules does not match the lock file (npm writes its own copy of the lock there).
	if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null &&
		! node -e 'const a=require("./package-lock.json").packages,b=require("./node_modules/.package-lock.json").packages;for(const k of Object.keys(b))if(!a[k]||a[k].version!==b[k].version)process.exit(1);for(const k of Object.keys(a))if(k&&!a[k].dev&&!b[k]&&!a[k].optional)process.exit(1)' 2>/dev/null; then
		say "installing npm packages (npm ci)"
		npm ci --no-audit --no-fund
	fi
}

stack() {
	# shellcheck source=toolchain/env.sh
	. scripts/toolchain/env.sh
	pulumi stack select dev >/dev/null 2>&1 || pulumi stack init dev >/dev/null
}

# The sandbox the dev stack's state was made against, kept beside the state (file backends only).
sandbox_mark() { case "$PULUMI_BACKEND_URL" in file://*) printf '%s/.hearth-dev-sandbox' "${PULUMI_BACKEND_URL#file://}" ;; esac; }

# State that describes another sandbox (one taken down since, with its cluster, Gitea and nodes) cannot be
# reconciled with this one: its provider still holds the old cluster's credentials. Such state describes
# nothing that exists any more, so it is dropped and the stack starts afresh.
forget_other_sandbox() {
	local mark have want resources
	mark=$(sandbox_mark)
	[ -n "$mark" ] || return 0
	want=$(cat .sandbox/id)
	have=$(cat "$mark" 2>/dev/null || true)
	[ "$have" = "$want" ] && return 0
	# No mark yet: the state is taken to be this sandbox's (nothing is dropped on a guess).
	if [ -z "$have" ]; then
		printf '%s\n' "$want" >"$mark"
		return 0
	fi
	resources=$(pulumi stack export --stack dev 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log((JSON.parse(s).deployment.resources||[]).length)}catch{console.log(0)}})')
	if [ "${resources:-0}" -gt 0 ]; then
		say "the dev stack's state describes sandbox $have, not this one ($want); that sandbox is gone, so its state is dropped"
		pulumi stack rm --force --yes --preserve-config --stack dev >/dev/null
		pulumi stack init dev >/dev/null
	fi
	printf '%s\n' "$want" >"$mark"
}

case "$cmd" in
up)
	t0=$(date +%s)
	[ "$(id -u)" -eq 0 ] || {
		say "the sandbox needs root (network namespaces); run as root"
		exit 1
	}
	install_packages
	# Only what this job runs (--for dev): helm and the vm checkers are for tests, which build them on demand.
	say "toolchain (cached after the first run; cold about 35 minutes on 2 cores, or seconds with npm run toolchain -- import FILE)"
	HEARTH_GO_JOBS=${HEARTH_GO_JOBS:-2} bash scripts/toolchain/build.sh --strict --for dev
	# The apps that run for real name images built here: a missing one is named with the command that builds it.
	node -r ./runtime/swc-register.js scripts/sandbox/stack-images.ts Pulumi.dev.yaml
	bash scripts/sandbox.sh up
	stack
	forget_other_sandbox
	# A run killed outright (SIGKILL, a power cut) leaves a lock, orphaned plugins and pending operations:
	# put right here, so this run converges without a manual `pulumi cancel` (docs/day-2.md).
	npm run -s hearth -- resume --stack dev
	t1=$(date +%s)
	pulumi up --yes --stack dev
	say "pulumi up took $(elapsed "$t1"); everything took $(elapsed "$t0")"
	cat >&2 <<-EOF

		The dev stack is up. Where to look:
		  app URLs          pulumi stack output urls          (names under hearth.test, routed by the sandbox's ingress)
		  credentials       pulumi stack output adminCredentials --show-secrets
		  kubeconfig        $repo/.sandbox/kubeconfig         (kubectl: ~/.cache/hearth/sandbox/bin/kubectl)
		  Gitea             $(cat .sandbox/gitea/url)/hearth/gitops   (token in .sandbox/gitea/token)
		  SSH nodes         ssh -i .sandbox/ssh/id_ed25519 -o UserKnownHostsFile=.sandbox/ssh/known_hosts hearth@10.77.0.11
		Run pulumi yourself after: . scripts/toolchain/env.sh
		Tear down:          npm run dev -- down
	EOF
	;;
down)
	if [ -x "$(dirname "$0")/sandbox.sh" ] && bash scripts/sandbox.sh status >/dev/null 2>&1; then
		stack
		forget_other_sandbox
		npm run -s hearth -- resume --stack dev
		# The sandbox goes with everything in it: the backup password's protection (which a destroy stops at
		# on a real home) is lifted first.
		pulumi state unprotect --all --yes --stack dev >/dev/null
		pulumi destroy --yes --stack dev
	else
		say "the sandbox is not up: nothing to destroy in it"
	fi
	bash scripts/sandbox.sh down
	# The sandbox and everything the stack made in it are gone now: so is the state.
	stack
	pulumi stack rm --force --yes --preserve-config --stack dev >/dev/null 2>&1 || true
	mark=$(sandbox_mark)
	[ -z "$mark" ] || rm -f "$mark"
	;;
status)
	bash scripts/sandbox.sh status || true
	stack
	pulumi stack --stack dev
	;;
*)
	echo "usage: npm run dev [-- up|down|status]" >&2
	exit 2
	;;
esac
