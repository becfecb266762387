#!/usr/bin/env bash
# Builds the binaries of the local, offline sandbox from pinned Go modules and caches them outside the repo
# (build.sh runs this at the end; it can also be run alone):
#
#   ${HEARTH_CACHE:-$HOME/.cache/hearth}/sandbox/
#       bin/etcd                      go.etcd.io/etcd/server/v3 etcdmain (wrapper ./sandbox-k8s, our etcd/main.go)
#       bin/kube-apiserver            k8s.io/kubernetes cmd/... (wrapper ./sandbox-k8s)
#       bin/kube-controller-manager
#       bin/kube-scheduler
#       bin/kubectl
#       bin/kubelet, bin/kube-proxy   k8s.io/kubernetes cmd/... (wrapper ./sandbox-kubelet): the real nodes
#       ../images/*.tar               the real nodes' images, pause, traefik, coredns... (images/build-images.sh)
#       bin/kwok                      sigs.k8s.io/kwok cmd/kwok (wrapper ./sandbox-kwok)
#       bin/gitea                     code.gitea.io/gitea, SQLite, CGO (wrapper ./sandbox-gitea)
#       bin/helm                      helm.sh/helm/v3 cmd/helm (wrapper ./sandbox-helm)
#       bin/versitygw                 github.com/versity/versitygw cmd/versitygw, an S3 server (wrapper ./sandbox-s3)
#       bin/vmalert, bin/vmalert-tool github.com/VictoriaMetrics/VictoriaMetrics app/vmalert{,-tool}, the rules'
#       bin/victoria-metrics          checkers, and app/victoria-metrics, the scrape file's (wrapper ./sandbox-vm)
#       share/kwok/stages/*.yaml      kwok Stage files from the module's kustomize/stage/
#       share/kwok/storage/           its volume StorageClass (the default class in the sandbox)
#       share/gitea/{options,templates}  Gitea's static root, from the module directory
#       versions.env                  the version of each binary above
#       {stamps,logs}/, timings.tsv   cache keys, build logs, seconds for each build
#
# Idempotent: each binary has a stamp keyed by its version, the hash of its wrapper module's go.mod, go.sum and
# our sources, and the Go version; a second run builds nothing and prints "cached". Every `go build` runs
# under `nice -n 19` with -mod=readonly (go.sum as committed). Usage:
#
#   scripts/toolchain/build-sandbox.sh
#   HEARTH_GO_JOBS=2 scripts/toolchain/build-sandbox.sh   allow two parallel compiles (default 1)
#   scripts/toolchain/build-sandbox.sh versitygw          only the named parts (k8s, nodes, kwok, gitea, helm, versitygw, vm)
#   scripts/toolchain/build-sandbox.sh --for dev          what the sandbox runs (`npm run dev`): k8s kwok gitea versitygw
#   scripts/toolchain/build-sandbox.sh --for test         what `npm test`'s contract tests run: versitygw helm vm
#   scripts/toolchain/build-sandbox.sh --for all          every part (the default)
#
# Exits 1 when a build fails. See docs/toolchain.md for timings.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

# parts_for SET: the parts a job needs. dev is what scripts/sandbox.sh starts (helm and the vm checkers are
# used by tests and benches only, so a first `npm run dev` does not wait for them); test is what the contract
# tests of `npm test` hand files to (scripts/test-setup.sh builds it on demand).
parts_for() {
	case "$1" in
	dev) echo k8s nodes kwok gitea versitygw ;;
	test) echo versitygw helm vm ;;
	all) echo k8s nodes kwok gitea helm versitygw vm ;;
	*)
		echo "build-sandbox.sh: --for takes dev, test or all, not: $1" >&2
		exit 2
		;;
	esac
}

only=""
for_next=0
for arg in "$@"; do
	if [ "$for_next" = 1 ]; then
		only="$only $(parts_for "$arg")"
		for_next=0
		continue
	fi
	case "$arg" in
	-h | --help)
		sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	k8s | nodes | kwok | gitea | helm | versitygw | vm) only="$only $arg" ;;
	--for) for_next=1 ;;
	--for=*) only="$only $(parts_for "${arg#--for=}")" ;;
	*)
		echo "build-sandbox.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done
if [ "$for_next" = 1 ]; then
	echo "build-sandbox.sh: --for needs dev, test or all" >&2
	exit 2
fi

cache=${HEARTH_CACHE:-$HOME/.cache/hearth}
sb="$cache/sandbox"
bin="$sb/bin"
share="$sb/share"
stamps="$sb/stamps"
logs="$sb/logs"
mkdir -p "$bin" "$share" "$stamps" "$logs"

# want PART: whether this run builds PART (every part when none is named).
want() { [ -z "$only" ] || case " $only " in *" $1 "*) true ;; *) false ;; esac; }

go_jobs=${HEARTH_GO_JOBS:-1}
export GOFLAGS="-buildvcs=false -p=$go_jobs -mod=readonly"
export CGO_ENABLED=0
gobuild() { nice -n 19 go build -trimpath "$@"; }

note() { printf '%-34s %s\n' "$1" "$2"; }
now() { date +%s; }
record_time() { printf '%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$1" "$2" "$3" >>"$sb/timings.tsv"; }

# Hash of the inputs of a wrapper module: its go.mod, go.sum and Go sources, plus Go's version.
src_key() {
	local dir=$1
	{
		go env GOVERSION
		(cd "$dir" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort | xargs sha256sum)
	} | sha256sum | cut -c1-16
}

# Directory of a module in the module cache, downloaded (and checked against go.sum) through its wrapper.
mod_dir() { # wrapper dir, module path
	local out d
	out=$(cd "$1" && go mod download -json "$2") || {
		printf '%s\n' "$out" >&2
		echo "build-sandbox.sh: downloading $2 failed" >&2
		exit 1
	}
	d=$(printf '%s' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$d" ] || {
		echo "build-sandbox.sh: no module directory for $2" >&2
		exit 1
	}
	printf '%s' "$d"
}

# Checks that a wrapper module requires the version pinned in versions.env.
check_pin() { # wrapper dir, module path, version (with v)
	local got
	got=$(cd "$1" && go list -m -f '{{.Version}}' "$2")
	if [ "$got" != "$3" ]; then
		echo "build-sandbox.sh: $1/go.mod requires $2 $got, versions.env pins $3" >&2
		exit 1
	fi
}

# build NAME VERSION WRAPPER-DIR PACKAGE [go build flags...]: one binary into $bin, unless its stamp exists.
build() {
	local name=$1 ver=$2 dir=$3 pkg=$4 key stamp t0 log="$logs/$1.log"
	shift 4
	key=$(src_key "$dir")
	stamp="$stamps/$name-$ver-$key"
	if [ -f "$stamp" ] && [ -x "$bin/$name" ]; then
		note "$name" "cached ($ver)"
		return 0
	fi
	note "$name" "building $ver (log: $log) ..."
	t0=$(now)
	if ! (cd "$dir" && gobuild "$@" -o "$bin/$name.tmp" "$pkg") >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		echo "build-sandbox.sh: building $name failed (full log: $log)" >&2
		exit 1
	fi
	mv "$bin/$name.tmp" "$bin/$name"
	rm -f "$stamps/$name-"*
	touch "$stamp"
	record_time "$name" "$ver" $(($(now) - t0))
	note "$name" "built in $(($(now) - t0))s"
}

# copy_share NAME SRC-DIR DEST-DIR FILE...: copies files (or directories) from a module into $share, keyed by
# the module directory (which carries the version) relative to the module cache, so a second run copies
# nothing, nor does a run on a machine whose module cache is elsewhere (a cache imported from another one).
copy_share() {
	local name=$1 from=$2 to=$3 key stamp f
	shift 3
	key=$(printf '%s\n' "${from#"$(go env GOMODCACHE)"/}" "$@" | sha256sum | cut -c1-16)
	stamp="$stamps/share-$name-$key"
	if [ -f "$stamp" ] && [ -d "$to" ]; then
		note "share/$name" "cached"
		return 0
	fi
	rm -rf "$to" && mkdir -p "$to"
	for f in "$@"; do
		cp -R "$from/$f" "$to/"
	done
	chmod -R u+w "$to"
	rm -f "$stamps/share-$name-"*
	touch "$stamp"
	note "share/$name" "copied to $to"
}

# --- Control plane: etcd and Kubernetes ----------------------------------------------------------------------
if want k8s; then
k8s_v="v$HEARTH_SANDBOX_KUBERNETES_VERSION"
k8s_minor=${HEARTH_SANDBOX_KUBERNETES_VERSION#*.}
k8s_minor=${k8s_minor%%.*}
k8s_ldflags="-s -w"
for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
	k8s_ldflags+=" -X $p.gitVersion=$k8s_v -X $p.gitMajor=${HEARTH_SANDBOX_KUBERNETES_VERSION%%.*}"
	k8s_ldflags+=" -X $p.gitMinor=$k8s_minor -X $p.gitTreeState=clean"
done
check_pin "$here/sandbox-k8s" k8s.io/kubernetes "$k8s_v"
check_pin "$here/sandbox-k8s" go.etcd.io/etcd/server/v3 "v$HEARTH_SANDBOX_ETCD_VERSION"
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
	build "$c" "$k8s_v" "$here/sandbox-k8s" "k8s.io/kubernetes/cmd/$c" -ldflags "$k8s_ldflags"
done
build etcd "v$HEARTH_SANDBOX_ETCD_VERSION" "$here/sandbox-k8s" ./etcd -ldflags "-s -w"
fi

# --- Real nodes: the kubelet and kube-proxy, at the control plane's version ---------------------------------
if want nodes; then
k8s_v="v$HEARTH_SANDBOX_KUBERNETES_VERSION"
k8s_minor=${HEARTH_SANDBOX_KUBERNETES_VERSION#*.}
k8s_minor=${k8s_minor%%.*}
node_ldflags="-s -w"
for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
	node_ldflags+=" -X $p.gitVersion=$k8s_v -X $p.gitMajor=${HEARTH_SANDBOX_KUBERNETES_VERSION%%.*}"
	node_ldflags+=" -X $p.gitMinor=$k8s_minor -X $p.gitTreeState=clean"
done
check_pin "$here/sandbox-kubelet" k8s.io/kubernetes "$k8s_v"
for c in kubelet kube-proxy; do
	build "$c" "$k8s_v" "$here/sandbox-kubelet" "k8s.io/kubernetes/cmd/$c" -ldflags "$node_ldflags"
done
# The images their pods run (OCI archives in $HEARTH_CACHE/images, cached by the hash of their inputs).
bash "$here/images/build-images.sh"
fi

# --- kwok and its stages -------------------------------------------------------------------------------------
if want kwok; then
kwok_v="v$HEARTH_SANDBOX_KWOK_VERSION"
check_pin "$here/sandbox-kwok" sigs.k8s.io/kwok "$kwok_v"
build kwok "$kwok_v" "$here/sandbox-kwok" sigs.k8s.io/kwok/cmd/kwok -ldflags "-s -w"
# kwok has no built-in stages: node initialize and heartbeat, pod ready, complete and delete, and volume
# provisioning and binding (so a chart's PersistentVolumeClaims bind, as on a node with local-path storage).
kwok_dir=$(mod_dir "$here/sandbox-kwok" sigs.k8s.io/kwok)
copy_share kwok-stages "$kwok_dir/kustomize/stage" "$share/kwok/stages" \
	node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml \
	pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml \
	volume/fast/pvc-provision.yaml volume/fast/pv-bind.yaml volume/fast/pvc-delete.yaml volume/fast/pv-delete.yaml
# The default StorageClass those volume stages serve; the sandbox applies it (it is not a kwok config).
copy_share kwok-storage "$kwok_dir/kustomize/stage/volume/fast" "$share/kwok/storage" storage-class.yaml
fi

# --- Gitea ---------------------------------------------------------------------------------------------------
if want gitea; then
gitea_v="v$HEARTH_SANDBOX_GITEA_VERSION"
gitea_tags="sqlite sqlite_unlock_notify"
check_pin "$here/sandbox-gitea" code.gitea.io/gitea "$gitea_v"
CGO_ENABLED=1 build gitea "$gitea_v" "$here/sandbox-gitea" code.gitea.io/gitea -tags "$gitea_tags" \
	-ldflags "-s -w -X main.Version=$HEARTH_SANDBOX_GITEA_VERSION -X 'main.Tags=$gitea_tags'"
# Its static root for the API: options/ and templates/ (no web assets).
gitea_dir=$(mod_dir "$here/sandbox-gitea" code.gitea.io/gitea)
copy_share gitea "$gitea_dir" "$share/gitea" options templates
fi

# --- helm ----------------------------------------------------------------------------------------------------
if want helm; then
helm_v="v$HEARTH_SANDBOX_HELM_VERSION"
check_pin "$here/sandbox-helm" helm.sh/helm/v3 "$helm_v"
build helm "$helm_v" "$here/sandbox-helm" helm.sh/helm/v3/cmd/helm \
	-ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$helm_v -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
fi

# --- versitygw: the S3 server of backup targets (sandbox) and of the real-S3 backup tests ---------------------
if want versitygw; then
vgw_v="v$HEARTH_SANDBOX_VERSITYGW_VERSION"
check_pin "$here/sandbox-s3" github.com/versity/versitygw "$vgw_v"
build versitygw "$vgw_v" "$here/sandbox-s3" github.com/versity/versitygw/cmd/versitygw -ldflags "-s -w"
fi

# --- vmalert, vmalert-tool: the rules' real consumer (victoria-metrics-alert 0.47.0 ships vmalert v1.150.0) ----
if want vm; then
vm_v="v$HEARTH_SANDBOX_VM_VERSION"
check_pin "$here/sandbox-vm" github.com/VictoriaMetrics/VictoriaMetrics "$vm_v"
build vmalert "$vm_v" "$here/sandbox-vm" github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert -ldflags "-s -w"
build vmalert-tool "$vm_v" "$here/sandbox-vm" github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert-tool -ldflags "-s -w"
build victoria-metrics "$vm_v" "$here/sandbox-vm" github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics -ldflags "-s -w"
fi

cat >"$sb/versions.env.tmp" <<EOF
# Written by scripts/toolchain/build-sandbox.sh: the version of each binary in bin/.
HEARTH_SANDBOX_KUBERNETES_VERSION=$HEARTH_SANDBOX_KUBERNETES_VERSION # kube-apiserver kube-controller-manager kube-scheduler kubectl
HEARTH_SANDBOX_ETCD_VERSION=$HEARTH_SANDBOX_ETCD_VERSION # etcd
HEARTH_SANDBOX_KWOK_VERSION=$HEARTH_SANDBOX_KWOK_VERSION # kwok
HEARTH_SANDBOX_GITEA_VERSION=$HEARTH_SANDBOX_GITEA_VERSION # gitea
HEARTH_SANDBOX_HELM_VERSION=$HEARTH_SANDBOX_HELM_VERSION # helm
HEARTH_SANDBOX_VERSITYGW_VERSION=$HEARTH_SANDBOX_VERSITYGW_VERSION # versitygw
HEARTH_SANDBOX_VM_VERSION=$HEARTH_SANDBOX_VM_VERSION # vmalert vmalert-tool victoria-metrics
EOF
if cmp -s "$sb/versions.env.tmp" "$sb/versions.env"; then
	rm "$sb/versions.env.tmp"
else
	mv "$sb/versions.env.tmp" "$sb/versions.env"
fi

echo
echo "sandbox: $bin"
