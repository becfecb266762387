# shellcheck shell=sh
# Hearth: builds what the image installer serves, on the PXE controller, as root. `image.ts` renders the
# variables below and places the installer's boot script and initramfs hook in $HEARTH_SRC before this runs.
#
#   HEARTH_IMAGE_ID   the inputs' hash; the build lands in $HEARTH_IMAGES/$HEARTH_ARCH-$HEARTH_IMAGE_ID
#   HEARTH_IMAGES     the images directory under the HTTP root
#   HEARTH_SUITE      Debian release (bookworm)       HEARTH_ARCH  Debian architecture (amd64)
#   HEARTH_SOURCES    apt source lines, one per line  HEARTH_PROXY proxy every package comes through, or empty
#   HEARTH_PACKAGES   packages of the node image (comma separated)
#   HEARTH_SRC        directory holding install.sh and initramfs-hook.sh
#
# Output, served over HTTP: root.tar.gz (the node's root file system: no host keys, an empty machine-id, no
# per-node file), linux and installer.img (Debian's kernel and an initramfs built by initramfs-tools with
# busybox, partitioning and file-system tools and Hearth's install script), SHA256SUMS, build-info.
# A finished build is never redone: the directory exists only once every file in it is checked.
set -eu
out="$HEARTH_IMAGES/$HEARTH_ARCH-$HEARTH_IMAGE_ID"
if [ -f "$out/SHA256SUMS" ] && (cd "$out" && sha256sum --check --quiet --status SHA256SUMS); then
	echo "Hearth: node image $HEARTH_ARCH-$HEARTH_IMAGE_ID is built already ($(du -sh "$out" | cut -f1)); nothing to do"
	exit 0
fi
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
# An image for another architecture would need qemu-user-static and binfmt; Hearth builds natively only.
own=$(dpkg --print-architecture)
if [ "$own" != "$HEARTH_ARCH" ]; then
	echo "Hearth: this controller is $own and cannot build an $HEARTH_ARCH node image; run the PXE controller on an $HEARTH_ARCH host, or install these nodes with installer: debian-installer" >&2
	exit 1
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
	apt-get update -q && apt-get install -y -q --no-install-recommends mmdebstrap
fi
work=$(mktemp -d /var/tmp/hearth-image.XXXXXX)
tree="$work/tree"
cleanup() {
	for m in dev/pts dev proc sys; do umount "$tree/$m" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

echo "Hearth: building node image $HEARTH_ARCH-$HEARTH_IMAGE_ID (Debian $HEARTH_SUITE) through ${HEARTH_PROXY:-no proxy}"
set -- --variant=minbase --architectures="$HEARTH_ARCH" --format=directory --include="$HEARTH_PACKAGES"
# Documentation and translations are left out of the image; copyright files stay.
set -- "$@" --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*'
[ -z "$HEARTH_PROXY" ] || set -- "$@" --aptopt="Acquire::http::Proxy \"$HEARTH_PROXY\""
set -- "$@" "$HEARTH_SUITE" "$tree"
old_ifs=$IFS
IFS='
'
for source in $HEARTH_SOURCES; do set -- "$@" "$source"; done
IFS=$old_ifs
mmdebstrap "$@" >"$work/mmdebstrap.log" 2>&1 || {
	tail -n 30 "$work/mmdebstrap.log" >&2
	echo "Hearth: mmdebstrap failed building the node image (log above)" >&2
	exit 1
}
echo "Hearth: root file system built in $(($(date +%s) - started))s"

# Nothing in the shared image may identify a node: no host keys, no machine-id, no random seed.
rm -f "$tree"/etc/ssh/ssh_host_*
: >"$tree/etc/machine-id"
rm -f "$tree/var/lib/dbus/machine-id" "$tree/var/lib/systemd/random-seed"
# The node keeps using the proxy for packages.
if [ -n "$HEARTH_PROXY" ]; then
	printf 'Acquire::http::Proxy "%s";\n' "$HEARTH_PROXY" >"$tree/etc/apt/apt.conf.d/90hearth-proxy"
fi
chroot "$tree" systemctl enable --quiet systemd-networkd.service systemd-resolved.service ssh.service

# The installer: Debian's kernel from the image, and an initramfs made by initramfs-tools from Hearth's own
# configuration directory (MODULES=most covers disks and NICs; BUSYBOX=y), holding the install script.
kver=$(basename "$(find "$tree/lib/modules" -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1)")
conf="$tree/etc/hearth-installer"
mkdir -p "$conf/hooks" "$conf/scripts" "$conf/conf.d"
printf 'MODULES=most\nBUSYBOX=y\nCOMPRESS=gzip\n' >"$conf/initramfs.conf"
install -m 0755 "$HEARTH_SRC/initramfs-hook.sh" "$conf/hooks/hearth"
install -m 0644 "$HEARTH_SRC/install.sh" "$conf/scripts/hearth"
for m in dev proc sys; do mount --bind "/$m" "$tree/$m"; done
chroot "$tree" mkinitramfs -d /etc/hearth-installer -o /boot/hearth-installer.img "$kver"
for m in sys proc dev; do umount "$tree/$m"; done
staging="$work/out"
mkdir -p "$staging"
mv "$tree/boot/hearth-installer.img" "$staging/installer.img"
cp "$tree/boot/vmlinuz-$kver" "$staging/linux"
rm -rf "$conf"
rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/* "$tree"/tmp/* "$tree"/var/log/*.log

tar --numeric-owner --xattrs --xattrs-include='*' --one-file-system -C "$tree" -czf "$staging/root.tar.gz" .
{
	echo "id=$HEARTH_IMAGE_ID"
	echo "suite=$HEARTH_SUITE"
	echo "arch=$HEARTH_ARCH"
	echo "kernel=$kver"
	echo "packages=$HEARTH_PACKAGES"
	echo "seconds=$(($(date +%s) - started))"
} >"$staging/build-info"
(cd "$staging" && sha256sum root.tar.gz linux installer.img build-info >SHA256SUMS)
chmod 0644 "$staging"/*
chmod 0755 "$staging"
mkdir -p "$HEARTH_IMAGES"
rm -rf "$out"
mv "$staging" "$out"
# Older builds for this architecture are no longer served.
for old in "$HEARTH_IMAGES/$HEARTH_ARCH"-*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
echo "Hearth: node image $HEARTH_ARCH-$HEARTH_IMAGE_ID built in $(($(date +%s) - started))s: $(du -sh "$out/root.tar.gz" | cut -f1) root, kernel $kver"
