#!/usr/bin/env bash
# Installs what `npm run test:metal` runs on the host: QEMU with iPXE NIC ROMs and OVMF (UEFI firmware),
# dnsmasq (the LAN's router), the apt-cacher-ng caching proxy, OpenSSH's client and debootstrap (the
# controller's root file system), all from Debian. The controller's own packages are installed by Hearth's setup script. Idempotent.
set -euo pipefail
packages=(qemu-system-x86 qemu-utils ipxe-qemu ovmf dnsmasq-base apt-cacher-ng openssh-client debootstrap
  iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "metal-setup: test:metal needs ${missing[*]} and root; run it as root" >&2
  exit 1
fi
echo "metal-setup: installing ${missing[*]} from Debian" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
