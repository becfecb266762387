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
# Each image is a function below, image_<name>: its version, its inputs and how its root file system is made. The
# binaries come from the sandbox's own builds (build-sandbox.sh), Debian packages, or C of our own (pause.c).
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
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends umoci mmdebstrap gcc libc6-dev >/dev/null
	else
		echo "build-images.sh: needs ${missing[*]} (apt-get install umoci mmdebstrap gcc)" >&2
		exit 1
	fi
}
need umoci mmdebstrap gcc

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

# A minimal root for a static program: the users a pod runs as, CA certificates, /tmp.
static_root() {
	local root=$1
	rm -rf "$root" && mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/usr/local/bin"
	chmod 1777 "$root/tmp"
	printf 'root:x:0:0:root:/root:/sbin/nologin\nhearth:x:1000:1000:hearth:/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$root/etc/passwd"
	printf 'root:x:0:\nhearth:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
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
	(cd "$here/traefik" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false -p=${HEARTH_GO_JOBS:-1}" \
		nice -n 19 go build -trimpath \
		-ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
		-o "$root/usr/local/bin/traefik" github.com/traefik/traefik/v3/cmd/traefik)
	pack "$1" "$2" "$root" 65532 /usr/local/bin/traefik
}

want() { [ "$#" -eq 0 ] || [ -z "$only" ] || case " $only " in *" $1 "*) true ;; *) false ;; esac; }
only="$*"

if want pause; then image pause "$PAUSE_VERSION" "$(key "$here/pause.c" "$here/build-images.sh")" build_pause; fi
if want traefik; then
	image traefik "$TRAEFIK_VERSION" "$(key "$here/traefik/go.mod" "$here/traefik/go.sum" "$(go env GOVERSION)" "$here/build-images.sh")" build_traefik
fi
if want tools; then
	[ -x /bin/busybox ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
	image tools "$TOOLS_VERSION" "$(key /bin/busybox "$here/build-images.sh")" build_tools
fi
