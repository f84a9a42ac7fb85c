/**
 * Flattened device trees: {@link io.jqvm.boot.fdt.FdtNode} is the editable tree, {@link io.jqvm.boot.fdt.Fdt}
 * writes and strictly reads blobs (version 17) and merges {@code fdt load} overlays, and
 * {@link io.jqvm.boot.fdt.Arm64BoardTree} turns an {@link io.jqvm.boot.fdt.Arm64Board} description into
 * the tree the guest kernel boots with. {@code scripts/qemu-arm64-board-check.sh} boots Debian's kernel on
 * QEMU with such a tree, as an oracle independent of jqvm's CPU.
 */
package io.jqvm.boot.fdt;
