#!/usr/bin/env bash
# Installs the Debian packages the tests use, if any is missing. Needs root (or sudo) only then.
set -euo pipefail
packages=(gcc make qemu-system-x86 qemu-system-arm qemu-user gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
          libc6-dev-arm64-cross device-tree-compiler cpio maven kmod e2fsprogs passt iproute2 socat
          qemu-system-common gdb-multiarch tmux systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing test prerequisites: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
