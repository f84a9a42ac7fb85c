#!/usr/bin/env bash
# Builds the arm64 Linux test guest from Debian bookworm packages: the 6.1 kernel Image and a busybox
# initramfs whose /init prints JQVM-INIT-READY and starts a shell on the console (or, with jqvm.poweroff
# on the kernel command line, powers the VM off).
#
#   scripts/debian-arm64-guest.sh [CACHE_DIR]      (default build/guest-cache; run as root for apt)
#
# Leaves CACHE_DIR/Image and CACHE_DIR/initramfs.cpio. Downloaded .deb files are kept in CACHE_DIR and
# reused; nothing built here is committed. Try the result with:
#   qemu-system-aarch64 -M virt -cpu cortex-a57 -m 512 -nographic -kernel Image -initrd initramfs.cpio \
#     -append "console=ttyAMA0 nokaslr cryptomgr.notests"
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/java.sh"
cache=$(mkdir -p "${1:-$repo/build/guest-cache}" && cd "${1:-$repo/build/guest-cache}" && pwd)

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    apt-get update
fi
newest_kernel() {
    apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-arm64$' | awk '{print $1}' | sort -V | tail -n 1
}
kernel_pkg=$(newest_kernel)
if [ -z "$kernel_pkg" ]; then
    apt-get update
    kernel_pkg=$(newest_kernel)
fi
[ -n "$kernel_pkg" ] || { echo "no linux-image-6.1.0-*-arm64 package found" >&2; exit 1; }

cd "$cache"
download() { # package, glob of the .deb it produces
    if ! compgen -G "$2" > /dev/null; then
        apt-get download "$1" >&2
    fi
    compgen -G "$2" | sort -V | tail -n 1
}
kernel_deb=$(download "$kernel_pkg:arm64" "${kernel_pkg}_*_arm64.deb")
busybox_deb=$(download "busybox-static:arm64" "busybox-static_*_arm64.deb")

rm -rf unpacked staging
mkdir -p unpacked/kernel unpacked/busybox
dpkg-deb -x "$kernel_deb" unpacked/kernel
dpkg-deb -x "$busybox_deb" unpacked/busybox

# Debian's arm64 vmlinuz is an uncompressed Image; accept a gzip-compressed one too.
vmlinuz=$(ls unpacked/kernel/boot/vmlinuz-*)
if [ "$(head -c 2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then
    gunzip -c "$vmlinuz" > Image
else
    cp "$vmlinuz" Image
fi
[ "$(dd if=Image bs=1 skip=56 count=4 2>/dev/null)" = $'ARM\x64' ] || { echo "$vmlinuz is not an arm64 Image" >&2; exit 1; }

mkdir -p staging/bin staging/dev staging/proc staging/sys staging/tmp staging/etc staging/root
cp unpacked/busybox/bin/busybox staging/bin/busybox
chmod 755 staging/bin/busybox
ln -s busybox staging/bin/sh
cat > staging/init <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo JQVM-INIT-READY
# Automated runs boot with jqvm.poweroff: the guest then ends through PSCI SYSTEM_OFF.
if grep -qw jqvm.poweroff /proc/cmdline; then
    poweroff -f
fi
# busybox poweroff and reboot signal PID 1 (USR2, TERM) as they would busybox init; the console shell runs
# as a child so those signals reach this script, and leaving the shell powers the machine off.
trap 'poweroff -f' USR2
trap 'reboot -f' TERM
setsid cttyhack sh &
wait
poweroff -f
INIT
chmod 755 staging/init staging/bin staging/dev staging/proc staging/sys staging/etc staging/root
chmod 1777 staging/tmp

classes="$repo/boot/target/classes"
if [ ! -f "$classes/io/jqvm/boot/initramfs/MakeInitramfs.class" ]; then
    jqvm_find_java
    (cd "$repo" && mvn -q -B -pl boot -am compile)
fi
jqvm_find_java
"$JAVA_HOME/bin/java" -cp "$classes" io.jqvm.boot.initramfs.MakeInitramfs initramfs.cpio staging \
    --char /dev/console:5:1:600 --char /dev/null:1:3:666

echo "kernel:    $cache/Image ($kernel_pkg)"
echo "initramfs: $cache/initramfs.cpio"
