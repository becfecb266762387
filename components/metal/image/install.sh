# shellcheck shell=sh
# Hearth's image installer. It is an initramfs-tools boot script: the installer's kernel line says
# `boot=hearth`, so the initramfs's /init sources this file as /scripts/hearth and calls mountroot(), which
# never returns (it reboots, or stops on an error). It runs under busybox sh with initramfs-tools' own
# functions (configure_networking, log_*); the tools it calls beyond busybox (sfdisk, mke2fs, mkfs.fat, GNU
# tar) are copied in by Hearth's initramfs hook. See docs/bare-metal.md, "The image installer".
#
# Steps: network (DHCP on the NIC that booted, BOOTIF) -> the node's plan from the controller (404 for a MAC it
# does not know) -> disk check -> already installed? -> GPT (an EFI system partition under UEFI, a BIOS boot
# partition under BIOS) -> ext4 -> the root image, streamed and checked against its SHA256SUMS -> the node's
# identity -> grub for the firmware it booted with -> report "installed" -> reboot from disk.
# Each step is reported to the controller as GET <node>.progress?stage=..., which its HTTP log keeps.

hearth_say() {
	echo "hearth-install: $*"
}

# Characters a report's query may carry; anything else becomes "_".
hearth_clean() {
	printf '%s' "$1" | tr -c 'A-Za-z0-9._,:/=+-' '_'
}

# busybox wget's own -T crashes (Debian 12's busybox 1.35 segfaults with it, seen under test:metal), so
# short requests are bounded by busybox timeout instead.
# hearth_report KIND [QUERY]: one request to the controller; only its log line matters, the answer is ignored.
hearth_report() {
	[ -n "${HEARTH_REPORT:-}" ] || return 0
	timeout 20 wget -q -O /dev/null "${HEARTH_REPORT}.$1${2:+?$2}" 2>/dev/null || true
}

hearth_stage() {
	hearth_say "$1"
	hearth_report progress "stage=$(hearth_clean "$1")"
}

# Stops for good: a reboot would boot from the network again and loop. The controller has the reason.
hearth_stop() {
	hearth_say "STOPPED: $*"
	hearth_report failed "stage=$(hearth_clean "${HEARTH_STAGE:-start}")&detail=$(hearth_clean "$*")"
	hearth_say "the controller was told; fix the node's config and run pulumi up, then power the node on again"
	while :; do sleep 3600; done
}

# The disks the kernel sees, as name:size, e.g. "vda:10G sda:500G".
hearth_disks() {
	list=""
	for d in /sys/block/*; do
		n=${d##*/}
		case "$n" in loop* | ram* | sr* | zram* | fd* | md* | dm-*) continue ;; esac
		sectors=$(cat "$d/size" 2>/dev/null || echo 0)
		list="$list $n:$((sectors / 2097152))G"
	done
	echo "${list# }"
}

# hearth_partition DISK N: the device node of partition N, read from sysfs (sda1, nvme0n1p1, mmcblk0p1 ...).
hearth_partition() {
	base=$(readlink -f "$1")
	base=${base#/dev/}
	for p in /sys/class/block/"$base"/"$base"*; do
		[ -f "$p/partition" ] || continue
		if [ "$(cat "$p/partition")" = "$2" ]; then
			echo "/dev/${p##*/}"
			return 0
		fi
	done
	return 1
}

hearth_wait_partition() {
	i=0
	while [ $i -lt 30 ]; do
		dev=$(hearth_partition "$1" "$2") && [ -b "$dev" ] && {
			echo "$dev"
			return 0
		}
		sleep 1
		i=$((i + 1))
	done
	return 1
}

hearth_param() {
	read -r cmdline </proc/cmdline
	for x in $cmdline; do
		case "$x" in "$1"=*) echo "${x#"$1"=}" ;; esac
	done
}

hearth_main() {
	# Hearth's hook puts the real sfdisk, mke2fs, mkfs.fat, tar and gzip here, ahead of busybox's applets.
	PATH=/hearth/bin:$PATH
	HEARTH_STAGE=network
	plan_url=$(hearth_param hearth.plan)
	[ -n "$plan_url" ] || hearth_stop "no hearth.plan= on the kernel line"
	HEARTH_REPORT=${plan_url%.plan}
	# DHCP on the NIC that booted (BOOTIF); initramfs-tools' own networking, as for an NFS root.
	configure_networking
	mkdir -p /run/hearth
	HEARTH_STAGE=plan
	tries=0
	until timeout 60 wget -q -O /run/hearth/plan "$plan_url"; do
		tries=$((tries + 1))
		# No plan: the controller does not know this MAC, or it already reported installed. Never guess.
		[ $tries -lt 5 ] || {
			hearth_say "the controller has no install plan for this machine ($plan_url); booting from the local disk instead"
			sleep 10
			reboot -f
		}
		sleep 3
	done
	# shellcheck disable=SC1091
	. /run/hearth/plan
	firmware=bios
	[ -d /sys/firmware/efi ] && firmware=uefi
	hearth_stage "installer running on ${HEARTH_NAME} (${firmware})"

	HEARTH_STAGE=disk
	udevadm settle --timeout=30 2>/dev/null || true
	if [ ! -b "$HEARTH_DISK" ]; then
		hearth_stop "disk ${HEARTH_DISK} does not exist on this machine. Disks seen: $(hearth_disks)"
	fi
	disk=$(readlink -f "$HEARTH_DISK")

	# Installed by this same plan before (same install id): never wipe it again, boot it. The id does not hold
	# the disk's path, so a respelled path (/dev/sda -> /dev/disk/by-id/...) finds it; every disk is looked at,
	# so a path that now names another disk does not wipe that one while the system lives on the first.
	for dev in "$disk" $(hearth_disks | tr ' ' '\n' | sed 's/:.*//; s|^|/dev/|'); do
		[ -b "$dev" ] || continue
		old=$(hearth_partition "$dev" 2 || true)
		[ -n "$old" ] || continue
		mkdir -p /run/hearth/old
		# -t ext4: without a type the initramfs's mount tries only the file systems already registered, and ext4
		# is a module that nothing has loaded yet, so an installed disk read as empty and was wiped.
		if ! mount -t ext4 -o ro "$old" /run/hearth/old 2>/dev/null; then
			hearth_say "${old} is not an ext4 file system this installer can read: not installed by this plan"
			continue
		fi
		was=$(cat /run/hearth/old/etc/hearth/install-id 2>/dev/null || true)
		umount /run/hearth/old
		[ "$was" = "$HEARTH_INSTALL_ID" ] || [ "$was" = "${HEARTH_LEGACY_INSTALL_ID:-}" ] || continue
		if [ "$(readlink -f "$dev")" = "$disk" ]; then
			hearth_stage "already installed with this plan; not wiping, booting from the disk"
		else
			hearth_stage "already installed with this plan on ${dev}, not on ${disk}; not wiping either (set reinstall to move it)"
		fi
		hearth_report installed "already=1&id=${HEARTH_INSTALL_ID}"
		sleep 2
		reboot -f
	done

	HEARTH_STAGE=partitioning
	hearth_stage "partitioning ${disk} (GPT, ${firmware})"
	if [ "$firmware" = uefi ]; then
		first="size=512MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=EFI"
	else
		first="size=1MiB, type=21686148-6449-6E6F-744E-656564454649, name=bios-boot"
	fi
	printf 'label: gpt\n%s\ntype=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root\n' "$first" |
		sfdisk --quiet --wipe always --wipe-partitions always "$disk" ||
		hearth_stop "sfdisk could not partition ${disk}"
	part1=$(hearth_wait_partition "$disk" 1) || hearth_stop "partition 1 of ${disk} did not appear"
	root=$(hearth_wait_partition "$disk" 2) || hearth_stop "partition 2 of ${disk} did not appear"
	root_uuid=$(cat /proc/sys/kernel/random/uuid)
	mke2fs -F -q -t ext4 -U "$root_uuid" -L hearth-root "$root" || hearth_stop "mke2fs failed on ${root}"
	mkdir -p /target
	mount -t ext4 "$root" /target || hearth_stop "cannot mount ${root}"
	if [ "$firmware" = uefi ]; then
		# A FAT volume id is 8 hex digits; fstab names it XXXX-XXXX.
		volid=$(printf '%s' "$root_uuid" | tr -d '-' | cut -c1-8 | tr 'a-f' 'A-F')
		mkfs.fat -F 32 -i "$volid" -n EFI "$part1" >/dev/null || hearth_stop "mkfs.fat failed on ${part1}"
		mkdir -p /target/boot/efi
		modprobe vfat 2>/dev/null || true
		mount -t vfat "$part1" /target/boot/efi || hearth_stop "cannot mount ${part1}"
	fi

	HEARTH_STAGE=writing
	hearth_stage "writing the root file system from ${HEARTH_IMAGE_URL}"
	timeout 60 wget -q -O /run/hearth/SHA256SUMS "${HEARTH_IMAGE_URL%/*}/SHA256SUMS" ||
		hearth_stop "cannot fetch ${HEARTH_IMAGE_URL%/*}/SHA256SUMS"
	rm -f /run/hearth/image.fifo
	mkfifo /run/hearth/image.fifo
	sha256sum </run/hearth/image.fifo >/run/hearth/image.sum &
	sum_pid=$!
	# GNU tar (copied in by the hook): numeric owners, permissions and file capabilities as built.
	wget -q -O - "$HEARTH_IMAGE_URL" | tee /run/hearth/image.fifo |
		tar -xzp --numeric-owner --xattrs --xattrs-include='*' -f - -C /target ||
		hearth_stop "streaming ${HEARTH_IMAGE_URL} onto ${root} failed"
	wait "$sum_pid"
	want=$(grep ' root.tar.gz$' /run/hearth/SHA256SUMS | cut -d' ' -f1)
	got=$(cut -d' ' -f1 /run/hearth/image.sum)
	if [ -z "$want" ] || [ "$want" != "$got" ]; then
		hearth_stop "root.tar.gz has sha256 ${got}, SHA256SUMS says ${want:-nothing}"
	fi

	HEARTH_STAGE=identity
	hearth_stage "writing the node's identity"
	t=/target
	printf '%s\n' "$HEARTH_NAME" >$t/etc/hostname
	fqdn=${HEARTH_DOMAIN:+$HEARTH_NAME.$HEARTH_DOMAIN }
	printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
		"$fqdn" "$HEARTH_NAME" >$t/etc/hosts
	{
		echo "UUID=${root_uuid} / ext4 errors=remount-ro 0 1"
		[ "$firmware" = uefi ] && echo "UUID=$(echo "$volid" | cut -c1-4)-$(echo "$volid" | cut -c5-8) /boot/efi vfat umask=0077 0 1"
	} >$t/etc/fstab
	ln -sf "/usr/share/zoneinfo/${HEARTH_TIMEZONE}" $t/etc/localtime
	printf '%s\n' "$HEARTH_TIMEZONE" >$t/etc/timezone
	# systemd-networkd on the NIC with the node's MAC: its static address, or DHCP.
	mkdir -p $t/etc/systemd/network
	{
		printf '[Match]\nMACAddress=%s\n\n[Network]\n' "$HEARTH_MAC"
		if [ -n "${HEARTH_ADDRESS:-}" ]; then
			printf 'Address=%s\nGateway=%s\n' "$HEARTH_ADDRESS" "$HEARTH_GATEWAY"
			for d in $HEARTH_DNS; do printf 'DNS=%s\n' "$d"; done
		else
			printf 'DHCP=ipv4\n'
		fi
		[ -n "${HEARTH_DOMAIN:-}" ] && printf 'Domains=%s\n' "$HEARTH_DOMAIN"
	} >$t/etc/systemd/network/10-hearth.network
	ln -sf /run/systemd/resolve/resolv.conf $t/etc/resolv.conf
	mkdir -p $t/etc/hearth
	printf '%s\n' "$HEARTH_INSTALL_ID" >$t/etc/hearth/install-id
	: >$t/etc/machine-id
	# The login user (no password: keys only), then the shared post-install: pinned host key, sudo, keys.
	chroot $t useradd --create-home --shell /bin/bash --comment Hearth "$HEARTH_USER" ||
		hearth_stop "cannot create the user ${HEARTH_USER}"
	printf '%s' "$HEARTH_POST_INSTALL" >$t/run/hearth-post-install
	chroot $t sh /run/hearth-post-install || hearth_stop "the post-install script failed"
	rm -f $t/run/hearth-post-install
	unset HEARTH_POST_INSTALL

	HEARTH_STAGE=bootloader
	hearth_stage "installing grub for ${firmware}"
	{
		echo 'GRUB_DEFAULT=0'
		echo 'GRUB_TIMEOUT=1'
		echo 'GRUB_DISTRIBUTOR="Debian"'
		echo "GRUB_CMDLINE_LINUX_DEFAULT=\"${HEARTH_CONSOLE:+console=$HEARTH_CONSOLE}\""
		echo 'GRUB_CMDLINE_LINUX=""'
	} >$t/etc/default/grub
	for m in dev proc sys; do mount --bind /$m $t/$m; done
	if [ "$firmware" = uefi ]; then
		# The removable path (EFI/BOOT/BOOTX64.EFI) boots without an NVRAM entry.
		chroot $t grub-install --target=x86_64-efi --efi-directory=/boot/efi --removable --no-nvram ||
			hearth_stop "grub-install (x86_64-efi) failed"
	else
		chroot $t grub-install --target=i386-pc "$disk" || hearth_stop "grub-install (i386-pc) on ${disk} failed"
	fi
	chroot $t grub-mkconfig -o /boot/grub/grub.cfg 2>&1 | tail -n 3
	[ -s $t/boot/grub/grub.cfg ] || hearth_stop "grub-mkconfig wrote no grub.cfg"
	for m in sys proc dev; do umount $t/$m; done
	[ "$firmware" = uefi ] && umount $t/boot/efi
	umount $t
	sync

	HEARTH_STAGE=reboot
	hearth_say "installed ${HEARTH_NAME}; rebooting from ${disk}"
	hearth_report installed "firmware=${firmware}&id=${HEARTH_INSTALL_ID}"
	sleep 1
	reboot -f
}

mountroot() {
	hearth_main
	hearth_stop "the installer ended without rebooting"
}
