#!/usr/bin/env bash
# Builds the pinned Pulumi toolchain from Go modules (no get.pulumi.com, no GitHub downloads) and caches it
# by version outside the repo:
#
#   ${HEARTH_CACHE:-$HOME/.cache/hearth}/toolchain/<pulumi version>/bin/
#       pulumi                          github.com/pulumi/pulumi/pkg/v3/cmd/pulumi (wrapper module ./pulumi)
#       pulumi-language-nodejs          Hearth's own minimal host (./pulumi-language-nodejs; see its main.go)
#       pulumi-resource-pulumi-nodejs   dynamic-provider shim (./pulumi-resource-pulumi-nodejs)
#   ${HEARTH_CACHE}/pulumi-home/        PULUMI_HOME; provider plugins go in with `pulumi plugin install --file`
#       pulumi-resource-kubernetes      wrapper module ./pulumi-resource-kubernetes (our main.go, upstream's code)
#   ${HEARTH_CACHE}/sandbox/            etcd, Kubernetes, kwok, Gitea, helm: build-sandbox.sh, run at the end
#
# Idempotent: every component has a stamp keyed by its version and the hash of its sources, so a second run
# builds nothing and prints "cached". Usage:
#
#   scripts/toolchain/build.sh              build what is missing; the provider plugin is best effort
#   scripts/toolchain/build.sh --strict     also fail (exit 1) if the provider plugin cannot be built
#   scripts/toolchain/build.sh --no-sandbox skip build-sandbox.sh (the sandbox binaries)
#   scripts/toolchain/build.sh --for dev    only what `npm run dev` runs: the sandbox without helm and the vm
#                                           checkers, which tests build on demand (build-sandbox.sh --for)
#   HEARTH_GO_JOBS=2 scripts/toolchain/build.sh   allow two parallel compiles (default 1; builds run niced)
#
# See docs/toolchain.md for timings and for what cannot be built from the module proxy.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

strict=0
sandbox=1
for_set=all
for_next=0
for arg in "$@"; do
	if [ "$for_next" = 1 ]; then
		for_set=$arg
		for_next=0
		continue
	fi
	case "$arg" in
	--strict) strict=1 ;;
	--no-sandbox) sandbox=0 ;;
	--for) for_next=1 ;;
	--for=*) for_set=${arg#--for=} ;;
	-h | --help)
		sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "build.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done
case "$for_next:$for_set" in
0:dev | 0:all) ;;
*)
	echo "build.sh: --for takes dev or all (the default)" >&2
	exit 2
	;;
esac

cache=${HEARTH_CACHE:-$HOME/.cache/hearth}
tc="$cache/toolchain/$HEARTH_PULUMI_VERSION"
bin="$tc/bin"
stamps="$tc/stamps"
logs="$tc/logs"
work="$tc/work"
export PULUMI_HOME="$cache/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$bin" "$stamps" "$logs" "$work" "$PULUMI_HOME"

# Go settings for every build: low priority, few parallel compiles (the machine has 2 shared cores),
# reproducible paths, and go.sum as committed (-mod=readonly) for the wrapper modules in this directory.
go_jobs=${HEARTH_GO_JOBS:-1}
export GOFLAGS="-buildvcs=false -p=$go_jobs -mod=readonly"
export CGO_ENABLED=0
# pkg/v3@v3.248.0 is served by the module proxy but the checksum database has no entry for it (404); its hash
# is pinned by the committed go.sum, so the checksum database is not needed for it.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi/pkg"
gobuild() { nice -n 19 go build -trimpath "$@"; }

failures=()
note() { printf '%-34s %s\n' "$1" "$2"; }
now() { date +%s; }
record_time() { printf '%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$1" "$2" "$3" >>"$tc/timings.tsv"; }

# Hash of the inputs of a component: the listed files (content and name relative to this directory, so the
# key is the same in every checkout and on every machine) plus Go's version.
src_key() {
	{
		go env GOVERSION
		for f in "$@"; do
			printf '%s  %s\n' "$(sha256sum <"$f" | cut -c1-64)" "${f#"$here"/}"
		done
	} | sha256sum | cut -c1-16
}

# Versions must equal the npm packages the program uses.
check_pins() {
	local pkg="$repo/package.json" want got name
	[ -f "$pkg" ] || return 0
	for pair in "@pulumi/pulumi=$HEARTH_PULUMI_VERSION" "@pulumi/kubernetes=$HEARTH_PROVIDER_KUBERNETES_VERSION"; do
		name=${pair%%=*}
		want=${pair#*=}
		got=$(node -e 'const p=require(process.argv[1]);const d={...p.devDependencies,...p.dependencies};process.stdout.write(d[process.argv[2]]||"")' "$pkg" "$name")
		if [ -n "$got" ] && [ "$got" != "$want" ]; then
			echo "build.sh: package.json pins $name $got but scripts/toolchain/versions.env pins $want" >&2
			exit 1
		fi
	done
}

# --- Pulumi CLI --------------------------------------------------------------------------------------------
build_cli() {
	local v="v$HEARTH_PULUMI_VERSION" key stamp t0
	if command -v pulumi >/dev/null 2>&1 && [ "$(command -v pulumi)" != "$bin/pulumi" ] &&
		[ "$(pulumi version 2>/dev/null)" = "$v" ]; then
		note pulumi "using $(command -v pulumi) ($v, already on PATH)"
		cli="$(command -v pulumi)"
		return 0
	fi
	cli="$bin/pulumi"
	key=$(src_key "$here/pulumi/go.mod" "$here/pulumi/go.sum")
	stamp="$stamps/pulumi-$v-$key"
	if [ -f "$stamp" ] && [ -x "$cli" ]; then
		note pulumi "cached ($v)"
		return 0
	fi
	note pulumi "building $v (log: $logs/pulumi.log) ..."
	t0=$(now)
	if ! (cd "$here/pulumi" && gobuild \
		-ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" \
		-o "$cli.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >"$logs/pulumi.log" 2>&1; then
		tail -n 30 "$logs/pulumi.log" >&2
		echo "build.sh: building the Pulumi CLI failed (full log: $logs/pulumi.log)" >&2
		exit 1
	fi
	mv "$cli.tmp" "$cli"
	record_time pulumi "$v" $(($(now) - t0))
	touch "$stamp"
	note pulumi "built in $(($(now) - t0))s"
}

# --- Node.js language host and dynamic-provider shim ---------------------------------------------------------
build_language_host() {
	local v="v$HEARTH_PULUMI_VERSION" key stamp t0 dest="$bin/pulumi-language-nodejs"
	if [ "$cli" != "$bin/pulumi" ] && [ -x "$(dirname "$cli")/pulumi-language-nodejs" ]; then
		note pulumi-language-nodejs "using the one next to $cli"
		return 0
	fi
	key=$(src_key "$here/pulumi-language-nodejs/go.mod" "$here/pulumi-language-nodejs/go.sum" \
		"$here/pulumi-language-nodejs/main.go")
	stamp="$stamps/pulumi-language-nodejs-$v-$key"
	if [ -f "$stamp" ] && [ -x "$dest" ]; then
		note pulumi-language-nodejs "cached ($v)"
		return 0
	fi
	note pulumi-language-nodejs "building $v (log: $logs/pulumi-language-nodejs.log) ..."
	t0=$(now)
	if ! (cd "$here/pulumi-language-nodejs" && gobuild -ldflags "-s -w -X main.version=$v" -o "$dest.tmp" .) \
		>"$logs/pulumi-language-nodejs.log" 2>&1; then
		tail -n 30 "$logs/pulumi-language-nodejs.log" >&2
		echo "build.sh: building pulumi-language-nodejs failed" >&2
		exit 1
	fi
	mv "$dest.tmp" "$dest"
	record_time pulumi-language-nodejs "$v" $(($(now) - t0))
	touch "$stamp"
	note pulumi-language-nodejs "built in $(($(now) - t0))s"
}

install_dynamic_shim() {
	local dest="$bin/pulumi-resource-pulumi-nodejs"
	if [ "$cli" != "$bin/pulumi" ] && [ -x "$(dirname "$cli")/pulumi-resource-pulumi-nodejs" ]; then
		note pulumi-resource-pulumi-nodejs "using the one next to $cli"
		return 0
	fi
	if cmp -s "$here/pulumi-resource-pulumi-nodejs" "$dest"; then
		note pulumi-resource-pulumi-nodejs "cached"
		return 0
	fi
	install -m 0755 "$here/pulumi-resource-pulumi-nodejs" "$dest"
	note pulumi-resource-pulumi-nodejs "installed"
}

# --- Provider plugins ----------------------------------------------------------------------------------------
plugin_installed() { # name version(with v)
	[ -x "$PULUMI_HOME/plugins/resource-$1-$2/pulumi-resource-$1" ]
}

# The Kubernetes provider, through the committed wrapper module ./pulumi-resource-kubernetes. Upstream's main
# package embeds schema-embed.json, a file its Makefile generates and the module zip lacks, so the wrapper has
# its own main.go that embeds schema.json and terraform-mapping.json; they are copied here, at build time, from
# the module (schema "version" set to the plugin version, compacted) into a work dir under the cache.
build_kubernetes_provider() {
	local ver="v$HEARTH_PROVIDER_KUBERNETES_VERSION" mod=github.com/pulumi/pulumi-kubernetes/provider/v4
	local src="$here/pulumi-resource-kubernetes" dir="$work/pulumi-resource-kubernetes-$ver"
	local log="$logs/pulumi-resource-kubernetes.log" key stamp t0 out moddir
	key=$(src_key "$src/go.mod" "$src/go.sum" "$src/main.go")
	stamp="$stamps/pulumi-resource-kubernetes-$ver-$key"
	if [ -f "$stamp" ] && plugin_installed kubernetes "$ver"; then
		note pulumi-resource-kubernetes "cached ($ver)"
		return 0
	fi
	if [ "$(cd "$src" && go list -m -f '{{.Version}}' "$mod")" != "$HEARTH_PROVIDER_KUBERNETES_MODULE" ]; then
		echo "build.sh: $src/go.mod does not require $mod $HEARTH_PROVIDER_KUBERNETES_MODULE (versions.env)" >&2
		exit 1
	fi
	note pulumi-resource-kubernetes "building $ver (log: $log) ..."
	t0=$(now)
	: >"$log"
	if ! out=$(cd "$src" && go mod download -json "$mod" 2>>"$log"); then
		printf '%s\n' "$out" >>"$log"
		failures+=("pulumi-resource-kubernetes: $mod@$HEARTH_PROVIDER_KUBERNETES_MODULE: download failed (see $log)")
		return 0
	fi
	moddir=$(printf '%s' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$src/go.mod" "$src/go.sum" "$src/main.go" "$dir/"
	node -e '
		const fs=require("fs");const [from,to,v]=process.argv.slice(1);
		const s=JSON.parse(fs.readFileSync(from,"utf8"));s.version=v;fs.writeFileSync(to,JSON.stringify(s));
	' "$moddir/cmd/pulumi-resource-kubernetes/schema.json" "$dir/schema.json" "$HEARTH_PROVIDER_KUBERNETES_VERSION"
	cp "$moddir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$dir/terraform-mapping.json"
	chmod u+w "$dir"/*
	if ! (cd "$dir" && gobuild \
		-ldflags "-s -w -X $mod/pkg/version.Version=$HEARTH_PROVIDER_KUBERNETES_VERSION" \
		-o pulumi-resource-kubernetes .) >>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		failures+=("pulumi-resource-kubernetes: build failed: $(grep -m1 -E 'error|undefined|cannot' "$log" || tail -n 1 "$log")")
		return 0
	fi
	if plugin_installed kubernetes "$ver"; then
		"$cli" plugin rm resource kubernetes "$HEARTH_PROVIDER_KUBERNETES_VERSION" --yes >>"$log" 2>&1 || true
	fi
	"$cli" plugin install resource kubernetes "$HEARTH_PROVIDER_KUBERNETES_VERSION" \
		--file "$dir/pulumi-resource-kubernetes" >>"$log" 2>&1 || {
		tail -n 5 "$log" >&2
		failures+=("pulumi-resource-kubernetes: pulumi plugin install failed (see $log)")
		return 0
	}
	record_time pulumi-resource-kubernetes "$ver" $(($(now) - t0))
	touch "$stamp"
	note pulumi-resource-kubernetes "built and installed in $(($(now) - t0))s"
}

check_pins
build_cli
build_language_host
install_dynamic_shim
build_kubernetes_provider

echo
echo "toolchain: $bin"
echo "PULUMI_HOME: $PULUMI_HOME"
echo "use it with: . scripts/toolchain/env.sh"
if [ "${#failures[@]}" -gt 0 ]; then
	echo
	echo "provider plugins NOT available (programs using them cannot run against this toolchain):" >&2
	printf '  - %s\n' "${failures[@]}" >&2
	[ "$strict" = 1 ] && exit 1
fi
if [ "$sandbox" = 1 ]; then
	echo
	"$here/build-sandbox.sh" --for "$for_set"
fi
exit 0
