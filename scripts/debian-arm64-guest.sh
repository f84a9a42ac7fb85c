#!/usr/bin/env bash
# Builds the arm64 Linux test guest from Debian bookworm packages: the 6.1 kernel Image and a busybox
# initramfs whose /init loads the virtio modules (from the same kernel package), prints JQVM-INIT-READY and
# hands over to busybox init, which keeps a shell on the console (or, with jqvm.poweroff on the kernel
# command line, /init powers the VM off).
# The initramfs also holds /bin/vsock-line (guests/aarch64/linux/vsock-line.c, cross-compiled static) and the
# guest files of examples/systems/referred; /init runs the script that jqvm.rc=PATH on the command line names.
#
#   scripts/debian-arm64-guest.sh [CACHE_DIR]      (default build/guest-cache; run as root for apt)
#
# Leaves CACHE_DIR/Image, CACHE_DIR/initramfs.cpio and an empty ext4 CACHE_DIR/disk.img (kept once made).
# Downloaded .deb files are kept in CACHE_DIR and
# reused; nothing built here is committed. Try the result with:
#   qemu-system-aarch64 -M virt -cpu cortex-a57 -m 512 -nographic -kernel Image -initrd initramfs.cpio \
#     -append "console=ttyAMA0 nokaslr cryptomgr.notests"
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/java.sh"
for tool in depmod aarch64-linux-gnu-gcc mke2fs; do
    command -v "$tool" > /dev/null || { echo "$tool is missing: run scripts/install-test-prerequisites.sh" >&2; exit 1; }
done
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

# The virtio drivers the integration tests use, and ext4. Their dependencies come from modules.dep, which
# Debian's package leaves to depmod at install time: depmod generates it here for the unpacked tree.
# Modules Debian builds in (=y, listed in modules.builtin) need no loading.
# crc32c_generic first: ext4 and jbd2 ask the crypto API for crc32c at mount time, and the guest has no modprobe.
# gpio_keys and evdev: the board's power button (a PL061 line, built in, described as gpio-keys) as an input
# device, which busybox acpid (/etc/inittab; started only where the board has such an input) turns into a
# clean poweroff.
wanted_modules=(crc32c_generic virtio_mmio virtio_pci virtio_blk virtio_net virtio_console virtio-rng vmw_vsock_virtio_transport
                ext4 virtiofs gpio_keys evdev)
kver=$(ls unpacked/kernel/lib/modules)
depmod -b unpacked/kernel "$kver"
moddir=unpacked/kernel/lib/modules/$kver
declare -A module_path=() loaded=()
while IFS=: read -r path _; do
    name=$(basename "$path"); name=${name%%.ko*}
    module_path[${name//-/_}]=$path
done < "$moddir/modules.dep"
load_order=()
add_module() { # name: its dependencies first (depth first over modules.dep), then itself
    local key=${1//-/_} path deps dep
    [ -z "${loaded[$key]:-}" ] || return 0
    loaded[$key]=1
    path=${module_path[$key]:-}
    if [ -z "$path" ]; then
        grep -q "/${1}.ko" "$moddir/modules.builtin" && return 0
        echo "module $1 is neither in $kver's modules.dep nor built in" >&2; exit 1
    fi
    deps=$(grep "^$path:" "$moddir/modules.dep" | cut -d: -f2)
    for dep in $deps; do
        dep=$(basename "$dep"); add_module "${dep%%.ko*}"
    done
    load_order+=("$path")
}
for m in "${wanted_modules[@]}"; do add_module "$m"; done

mkdir -p staging/bin staging/dev staging/proc staging/sys staging/tmp staging/etc staging/root staging/mnt
cp unpacked/busybox/bin/busybox staging/bin/busybox
chmod 755 staging/bin/busybox
ln -s busybox staging/bin/sh
mkdir -p staging/lib/modules
: > staging/lib/modules/load-order
for path in "${load_order[@]}"; do
    ko=$(basename "$path"); ko=${ko%.xz}
    case "$path" in
        *.ko.xz) xz -dc "$moddir/$path" > "staging/lib/modules/$ko" ;;
        *.ko) cp "$moddir/$path" "staging/lib/modules/$ko" ;;
        *) echo "unexpected module file $path" >&2; exit 1 ;;
    esac
    echo "$ko" >> staging/lib/modules/load-order
done
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -s -o staging/bin/vsock-line "$repo/guests/aarch64/linux/vsock-line.c"
cat > staging/init <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Dependencies come first in load-order (scripts/debian-arm64-guest.sh resolved them from modules.dep).
while read -r ko; do
    insmod "/lib/modules/$ko" || echo "jqvm-init: insmod $ko failed"
done < /lib/modules/load-order
# With console=hvc0 the kernel had no console when it started /init (virtio_console is a module): reopen
# /dev/console now that the driver is loaded.
exec </dev/console >/dev/console 2>&1
# A system's guest names its boot-time service with jqvm.rc=PATH (examples/systems/referred).
for word in $(cat /proc/cmdline); do
    case "$word" in jqvm.rc=*) "${word#jqvm.rc=}" || echo "jqvm-init: ${word#jqvm.rc=} failed" ;; esac
done
echo JQVM-INIT-READY
# Automated runs boot with jqvm.poweroff: the guest then ends through PSCI SYSTEM_OFF.
if grep -qw jqvm.poweroff /proc/cmdline; then
    poweroff -f
fi
# busybox init (from /etc/inittab) starts the console shell as a terminal's shell: in its own session, with
# the console's real tty (cttyhack finds ttyAMA0 or hvc0) as its controlling terminal, so Ctrl-C and job
# control work; it also turns busybox poweroff and reboot into a clean shutdown.
exec /bin/init
INIT
cat > staging/etc/inittab <<'INITTAB'
::respawn:/bin/cttyhack /bin/sh
::once:/bin/sh -c 'for i in 1 2 3 4 5; do [ -e /dev/input/event0 ] && exec acpid -f -l /dev/null; sleep 1; done'
::ctrlaltdel:/bin/reboot
INITTAB
# The referred system's guest files (its owner's file server, the client's rfile), from examples/systems/referred.
cp -R "$repo/examples/systems/referred/guest/." staging/
# busybox acpid runs /etc/acpi/PWRF/00000080 for KEY_POWER (its built-in event and action tables).
mkdir -p staging/etc/acpi/PWRF
printf '#!/bin/sh\npoweroff\n' > staging/etc/acpi/PWRF/00000080
chmod 755 staging/etc/acpi staging/etc/acpi/PWRF staging/etc/acpi/PWRF/00000080
chmod 755 staging/init staging/bin staging/dev staging/proc staging/sys staging/etc staging/root staging/mnt
chmod 1777 staging/tmp

classes="$repo/boot/target/classes"
if [ ! -f "$classes/io/jqvm/boot/initramfs/MakeInitramfs.class" ]; then
    jqvm_find_java
    (cd "$repo" && mvn -q -B -pl boot -am compile)
fi
jqvm_find_java
"$JAVA_HOME/bin/java" -cp "$classes" io.jqvm.boot.initramfs.MakeInitramfs initramfs.cpio staging \
    --char /dev/console:5:1:600 --char /dev/null:1:3:666

# The disk of examples/arm64-linux.qvmconf: made once, never overwritten (it holds what the guest wrote).
[ -e disk.img ] || mke2fs -q -t ext4 disk.img 64M

echo "kernel:    $cache/Image ($kernel_pkg)"
echo "initramfs: $cache/initramfs.cpio"
