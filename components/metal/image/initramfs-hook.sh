#!/bin/sh
# Hearth's initramfs-tools hook for the installer's initramfs only (mkinitramfs -d <Hearth's config dir>; the
# node's own initramfs never runs it). It adds what the install script calls beyond busybox: partitioning,
# file systems and GNU tar. copy_exec brings each binary's libraries along. They go to /hearth/bin, which the
# install script puts first on its PATH: busybox's hook links its own applets (mke2fs, tar, ...) into /bin and
# /sbin, and copy_exec never replaces a file that exists.
PREREQ=""
prereqs() { echo "$PREREQ"; }
case "$1" in prereqs)
	prereqs
	exit 0
	;;
esac
# shellcheck disable=SC1091
. /usr/share/initramfs-tools/hook-functions
for bin in /sbin/sfdisk /sbin/mke2fs /sbin/mkfs.fat /bin/tar /bin/gzip; do
	copy_exec "$bin" "/hearth/bin/${bin##*/}"
done
copy_file config /etc/mke2fs.conf /etc/mke2fs.conf
# MODULES=most brings disk, NIC and ext4 drivers, but not FAT, which the EFI system partition needs.
manual_add_modules vfat nls_cp437 nls_ascii
