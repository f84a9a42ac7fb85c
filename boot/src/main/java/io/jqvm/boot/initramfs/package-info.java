/**
 * Building initramfs archives (newc cpio) for test guests; {@code scripts/debian-arm64-guest.sh} uses
 * {@link io.jqvm.boot.initramfs.MakeInitramfs} to pack a busybox root.
 */
package io.jqvm.boot.initramfs;
