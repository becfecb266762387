#!/usr/bin/env bash
# Builds the container images the sandbox's real nodes run, without a registry: each is a root file system made
# here (a static binary on a small base, or Debian's minbase from the archive with `mmdebstrap`), packed as an OCI
# image with `umoci` and written as an OCI archive that `ctr images import` loads into a node's containerd.
#
#   ${HEARTH_CACHE:-$HOME/.cache/hearth}/images/<name>-<version>.tar   one OCI archive per image, cached by the
#                                                                      hash of its inputs (stamps/)
#   scripts/toolchain/images/build-images.sh            every image
#   scripts/toolchain/images/build-images.sh pause ...  only the named ones
#
# Each image is a function below, build_<name>: its version, its inputs and how its root file system is made. The
# binaries come from Go wrapper modules (./<name>/go.mod, or build-sandbox.sh's ../sandbox-vm), Debian packages,
# or C of our own (pause.c).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${HEARTH_CACHE:-$HOME/.cache/hearth}
out="$cache/images"
stamps="$out/stamps"
logs="$out/logs"
work="$out/work"
mkdir -p "$out" "$stamps" "$logs" "$work"
# shellcheck source=../versions.env
. "$here/../versions.env"

note() { printf '%-34s %s\n' "image $1" "$2"; }
now() { date +%s; }
record_time() { printf '%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$1" "$2" "$3" >>"$out/timings.tsv"; }
need() {
	local missing=() t
	for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends umoci mmdebstrap gcc libc6-dev \
			libcap2-bin >/dev/null
	else
		echo "build-images.sh: needs ${missing[*]} (apt-get install umoci mmdebstrap gcc libcap2-bin)" >&2
		exit 1
	fi
}
need umoci mmdebstrap gcc setcap

# key FILE...: the hash of an image's inputs (files and words).
key() {
	for f in "$@"; do
		if [ -f "$f" ]; then sha256sum "$f" | cut -c1-64; else printf '%s\n' "$f"; fi
	done | sha256sum | cut -c1-16
}

# pack NAME VERSION ROOTFS USER ENTRYPOINT...: an OCI archive of ROOTFS, run as USER with ENTRYPOINT.
pack() {
	local name=$1 version=$2 rootfs=$3 user=$4 layout bundle
	shift 4
	layout="$work/$name-layout"
	bundle="$work/$name-bundle"
	rm -rf "$layout" "$bundle"
	umoci init --layout "$layout"
	umoci new --image "$layout:$version"
	umoci unpack --image "$layout:$version" "$bundle" >/dev/null
	cp -a "$rootfs/." "$bundle/rootfs/"
	umoci repack --image "$layout:$version" "$bundle"
	local args=()
	for e in "$@"; do args+=(--config.entrypoint "$e"); done
	umoci config --image "$layout:$version" --config.user "$user" --config.workingdir / \
		--config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${args[@]}"
	umoci gc --layout "$layout"
	tar -C "$layout" -cf "$out/$name-$version.tar.tmp" .
	mv "$out/$name-$version.tar.tmp" "$out/$name-$version.tar"
	rm -rf "$layout" "$bundle"
}

# image NAME VERSION KEY BUILDER: runs BUILDER (a function making the rootfs and calling pack) unless cached.
image() {
	local name=$1 version=$2 k=$3 builder=$4 t0 stamp rc
	stamp="$stamps/$name-$version-$k"
	if [ -f "$stamp" ] && [ -f "$out/$name-$version.tar" ]; then
		note "$name" "cached ($version)"
		return 0
	fi
	note "$name" "building $version (log: $logs/$name.log) ..."
	t0=$(now)
	# In a subshell with errexit of its own: called as `if ! builder`, a failing step would not stop it.
	set +e
	(
		set -e
		"$builder" "$name" "$version"
	) >"$logs/$name.log" 2>&1
	rc=$?
	set -e
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "$logs/$name.log" >&2
		echo "build-images.sh: image $name failed (log: $logs/$name.log)" >&2
		exit 1
	fi
	rm -f "$stamps/$name-$version-"*
	touch "$stamp"
	record_time "$name" "$version" $(($(now) - t0))
	note "$name" "built in $(($(now) - t0))s ($(du -h "$out/$name-$version.tar" | cut -f1))"
}

# gobuild WRAPPER OUT PACKAGE [go build flags...]: a static Go program from a wrapper module, its dependencies as
# its go.sum pins them (-mod=readonly), nice'd, HEARTH_GO_JOBS parallel compiles (default 1).
gobuild() {
	local dir=$1 out=$2 pkg=$3
	shift 3
	(cd "$dir" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false -p=${HEARTH_GO_JOBS:-1}" \
		nice -n 19 go build -trimpath "$@" -o "$out" "$pkg")
}

# release WRAPPER MODULE VERSION: checks that WRAPPER's go.mod requires MODULE at VERSION, and sets rel_time (the
# tag's time, RFC 3339) and rel_commit (its commit; empty when the proxy's answer had no origin, as it has not for
# some modules) from the proxy's record of the release in the module cache: the build stamps upstream's release
# builds take from git and the clock, made reproducible.
release() {
	local got
	got=$(cd "$1" && go list -m -f '{{.Version}}' "$2")
	if [ "$got" != "$3" ]; then
		echo "build-images.sh: $1/go.mod requires $2 $got, not $3" >&2
		return 1
	fi
	read -r rel_commit rel_time < <(cd "$1" && GOFLAGS=-mod=readonly go list -m \
		-f '{{with .Origin}}{{or .Hash "-"}}{{else}}-{{end}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$2@$3")
	[ "$rel_commit" != - ] || rel_commit=
	[ -n "$rel_time" ]
}

# gokey WRAPPER: an image's key when its program comes from a Go wrapper module: its go.mod and go.sum, Go's
# version and this script.
gokey() { key "$1/go.mod" "$1/go.sum" "$(go env GOVERSION)" "$here/build-images.sh"; }

# A minimal root for a static program: the users a pod runs as, CA certificates, /tmp.
static_root() {
	local root=$1
	rm -rf "$root" && mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/usr/local/bin"
	chmod 1777 "$root/tmp"
	printf '%s\n' root:x:0:0:root:/root:/sbin/nologin hearth:x:1000:1000:hearth:/tmp:/sbin/nologin \
		nonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin \
		>"$root/etc/passwd"
	printf '%s\n' root:x:0: hearth:x:1000: nonroot:x:65532: nogroup:x:65534: >"$root/etc/group"
	cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
}

# --- pause: every pod's sandbox process, from pause.c ------------------------------------------------------
build_pause() {
	local root="$work/pause-root"
	static_root "$root"
	gcc -Os -static -o "$root/pause" "$here/pause.c"
	pack "$1" "$2" "$root" 65534 /pause
}
PAUSE_VERSION=3.10-hearth

# --- tools: busybox (static, from Debian) for test pods and init steps -------------------------------------
build_tools() {
	local root="$work/tools-root"
	static_root "$root"
	mkdir -p "$root/bin"
	cp /bin/busybox "$root/bin/busybox"
	for a in sh ls cat echo sleep wget nc mkdir rm cp mv sha256sum date env test true false id; do
		ln -sf busybox "$root/bin/$a"
	done
	pack "$1" "$2" "$root" 1000 /bin/sh
}
TOOLS_VERSION=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null | sed 's/^[0-9]*://; s/[+~:]/-/g')

# --- traefik: the ingress controller, built from its Go module (wrapper ./traefik) --------------------------
TRAEFIK_VERSION=v3.6.12
build_traefik() {
	local root="$work/traefik-root"
	static_root "$root"
	gobuild "$here/traefik" "$root/usr/local/bin/traefik" github.com/traefik/traefik/v3/cmd/traefik \
		-ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION"
	pack "$1" "$2" "$root" 65532 /usr/local/bin/traefik
}

# --- victoria-metrics, vmalert: VictoriaMetrics' single-node server and its rule evaluator ------------------
# Built with build-sandbox.sh's wrapper ../sandbox-vm (github.com/VictoriaMetrics/VictoriaMetrics app/victoria-metrics
# and app/vmalert, pinned by versions.env) at v1.150.0, the appVersion of the victoria-metrics-single 0.45.0 and
# victoria-metrics-alert 0.47.0 charts the recipes pin. Both charts give only `args`, so the entrypoint is the
# program, named as upstream's images name it; the recipes run them as 65534 with a read-only root (VictoriaMetrics
# writes only to its /storage volume, which fsGroup 65534 makes writable).
VM_VERSION="v$HEARTH_SANDBOX_VM_VERSION"
# vm_build APP ROOT: one VictoriaMetrics program, its -version as the project's Makefile stamps a release
# (GO_BUILDINFO: "<app>-<date>-tags-<tag>-0-g<commit>", the date here the tag's, not the build's).
vm_build() {
	local module=github.com/VictoriaMetrics/VictoriaMetrics version
	release "$here/../sandbox-vm" "$module" "$VM_VERSION"
	version="$1-$(date -u -d "$rel_time" +%Y%m%d-%H%M%S)-tags-$VM_VERSION${rel_commit:+-0-g${rel_commit:0:10}}"
	gobuild "$here/../sandbox-vm" "$2/usr/local/bin/$1-prod" "$module/app/$1" \
		-ldflags "-s -w -X $module/lib/buildinfo.Version=$version"
}
build_victoria_metrics() {
	local root="$work/victoria-metrics-root"
	static_root "$root"
	vm_build victoria-metrics "$root"
	pack "$1" "$2" "$root" 65534 /usr/local/bin/victoria-metrics-prod
}
build_vmalert() {
	local root="$work/vmalert-root"
	static_root "$root"
	vm_build vmalert "$root"
	pack "$1" "$2" "$root" 65534 /usr/local/bin/vmalert-prod
}

# --- blackbox-exporter: the Prometheus blackbox exporter, from its Go module (wrapper ./blackbox-exporter) ---
# github.com/prometheus/blackbox_exporter v0.28.0, the appVersion of prometheus-blackbox-exporter 11.17.2 (the
# recipe's pin). Version stamps as its .promu.yml sets them. The chart gives only `args` and runs it as 1000.
BLACKBOX_EXPORTER_VERSION=v0.28.0
build_blackbox_exporter() {
	local root="$work/blackbox-exporter-root" v=github.com/prometheus/common/version ld
	static_root "$root"
	release "$here/blackbox-exporter" github.com/prometheus/blackbox_exporter "$BLACKBOX_EXPORTER_VERSION"
	ld="-s -w -X $v.Version=${BLACKBOX_EXPORTER_VERSION#v} -X $v.Revision=${rel_commit:-$BLACKBOX_EXPORTER_VERSION}"
	ld+=" -X $v.Branch=HEAD -X $v.BuildUser=hearth@build-images"
	ld+=" -X $v.BuildDate=$(date -u -d "$rel_time" +%Y%m%d-%H:%M:%S)"
	gobuild "$here/blackbox-exporter" "$root/usr/local/bin/blackbox_exporter" github.com/prometheus/blackbox_exporter \
		-ldflags "$ld"
	pack "$1" "$2" "$root" 1000 /usr/local/bin/blackbox_exporter
}

# --- kube-state-metrics: from its Go module (wrapper ./kube-state-metrics) ----------------------------------
# k8s.io/kube-state-metrics/v2 v2.20.0, the appVersion of kube-state-metrics chart 8.4.0 (the recipe's pin).
# Version stamps as its Makefile sets them. The chart gives only `args` (--port=8080; self metrics and /readyz on
# the default --telemetry-port 8081) and runs it as 65534, as upstream's image does.
KUBE_STATE_METRICS_VERSION=v2.20.0
build_kube_state_metrics() {
	local root="$work/kube-state-metrics-root" module=k8s.io/kube-state-metrics/v2 v=github.com/prometheus/common/version
	local rev ld client_go
	static_root "$root"
	release "$here/kube-state-metrics" "$module" "$KUBE_STATE_METRICS_VERSION"
	client_go=$(cd "$here/kube-state-metrics" && go list -m -f '{{.Version}}' k8s.io/client-go)
	rev=${rel_commit:0:7}
	ld="-s -w -X $v.Version=$KUBE_STATE_METRICS_VERSION -X $v.Revision=${rev:-$KUBE_STATE_METRICS_VERSION}"
	ld+=" -X $v.Branch=HEAD -X $v.BuildUser=hearth@build-images -X $v.BuildDate=$rel_time"
	ld+=" -X $module/pkg/app.ClientGoVersion=$client_go"
	gobuild "$here/kube-state-metrics" "$root/usr/local/bin/kube-state-metrics" "$module" -ldflags "$ld"
	pack "$1" "$2" "$root" 65534 /usr/local/bin/kube-state-metrics
}

# --- coredns: the cluster DNS, as a k3s node runs it, from its Go module (wrapper ./coredns) ----------------
# github.com/coredns/coredns v1.14.3: k3s v1.35.5+k3s1 and v1.36.1+k3s1 (the sandbox's Kubernetes, 1.36.1) bundle
# it; the proxy serves it (`go list -m -versions` lists v1.14.3 to v1.15.0 only, v1.13.1 of k3s v1.35.0 answers
# too). The module root's main package links the plugins of its default plugin.cfg (core/plugin/zplugin.go).
# Built as its Makefile does (CGO_ENABLED=0, -tags grpcnotrace, coremain.GitCommit: the tag when the proxy gave
# no commit); like upstream's image it runs
# as 65532 and the binary has cap_net_bind_service so that user binds port 53 (k3s's manifest adds the
# capability, and drops the rest).
COREDNS_VERSION=v1.14.3
build_coredns() {
	local root="$work/coredns-root" rev
	static_root "$root"
	release "$here/coredns" github.com/coredns/coredns "$COREDNS_VERSION"
	rev=${rel_commit:0:7}
	gobuild "$here/coredns" "$root/usr/local/bin/coredns" github.com/coredns/coredns -tags grpcnotrace \
		-ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=${rev:-$COREDNS_VERSION}"
	setcap cap_net_bind_service=+ep "$root/usr/local/bin/coredns"
	pack "$1" "$2" "$root" 65532 /usr/local/bin/coredns
}

want() { [ "$#" -eq 0 ] || [ -z "$only" ] || case " $only " in *" $1 "*) true ;; *) false ;; esac; }
only="$*"

if want pause; then image pause "$PAUSE_VERSION" "$(key "$here/pause.c" "$here/build-images.sh")" build_pause; fi
if want traefik; then
	image traefik "$TRAEFIK_VERSION" "$(gokey "$here/traefik")" build_traefik
fi
if want victoria-metrics; then
	image victoria-metrics "$VM_VERSION" "$(gokey "$here/../sandbox-vm")" build_victoria_metrics
fi
if want vmalert; then image vmalert "$VM_VERSION" "$(gokey "$here/../sandbox-vm")" build_vmalert; fi
if want blackbox-exporter; then
	image blackbox-exporter "$BLACKBOX_EXPORTER_VERSION" "$(gokey "$here/blackbox-exporter")" build_blackbox_exporter
fi
if want kube-state-metrics; then
	image kube-state-metrics "$KUBE_STATE_METRICS_VERSION" "$(gokey "$here/kube-state-metrics")" build_kube_state_metrics
fi
if want coredns; then image coredns "$COREDNS_VERSION" "$(gokey "$here/coredns")" build_coredns; fi
if want tools; then
	[ -x /bin/busybox ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
	image tools "$TOOLS_VERSION" "$(key /bin/busybox "$here/build-images.sh")" build_tools
fi
