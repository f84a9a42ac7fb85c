#!/usr/bin/env bash
# Boots the Debian arm64 guest on QEMU's virt board with jqvm's own device tree and kernel placement
# (io.jqvm.boot.arm64.QemuBoardCheck), and waits for the initramfs marker JQVM-INIT-READY.
# A pass means the board tree and the loader are right, whatever jqvm's CPU and devices do.
#
#   scripts/qemu-arm64-board-check.sh [GIC_VERSION=2] [CPUS=2] [CACHE_DIR=build/guest-cache]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
gic=${1:-2}
cpus=${2:-2}
cache=${3:-$repo/build/guest-cache}
[ -f "$cache/Image" ] && [ -f "$cache/initramfs.cpio" ] || "$repo/scripts/debian-arm64-guest.sh" "$cache"

(cd "$repo" && mvn -q -B -o -Dstyle.color=never -pl boot -am -DskipTests package)
# The modules' jars on the module path, as jqvm runs them, so native access goes only where the launcher grants it.
modules=$(for m in common memory host accel-api device-api boot; do ls "$repo/$m/target/jqvm-$m-"*.jar; done | paste -sd:)
# shellcheck source=lib/start-jvm.sh
source "$repo/scripts/lib/start-jvm.sh"
work=$cache/board-check
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
loader_args=$("$java" -p "$modules" --add-modules ALL-MODULE-PATH --enable-native-access="$jqvm_native_access_modules" \
    --patch-module io.jqvm.boot="$repo/boot/target/test-classes" -m io.jqvm.boot/io.jqvm.boot.arm64.QemuBoardCheck \
    "$cache/Image" "$cache/initramfs.cpio" "$work" "$gic" "$cpus")

log=$work/console.log
start=$(date +%s%N)
# shellcheck disable=SC2086 # loader_args is a list of options
timeout 300 qemu-system-aarch64 -M "virt,gic-version=$gic" -cpu cortex-a57 -smp "$cpus" -m 512 -nographic \
    $loader_args > "$log" 2>&1 < /dev/null &
qemu=$!
while kill -0 "$qemu" 2> /dev/null; do
    if grep -q JQVM-INIT-READY "$log"; then
        echo "JQVM-INIT-READY after $(( ($(date +%s%N) - start) / 1000000 )) ms (GICv$gic, $cpus CPUs); console in $log"
        kill "$qemu"
        exit 0
    fi
    sleep 0.2
done
echo "QEMU ended without JQVM-INIT-READY; console in $log" >&2
exit 1
