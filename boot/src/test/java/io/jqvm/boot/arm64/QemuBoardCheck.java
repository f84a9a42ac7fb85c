package io.jqvm.boot.arm64;

import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.boot.fdt.Arm64Board.Peripheral;
import io.jqvm.boot.fdt.Arm64Board.Range;
import io.jqvm.boot.fdt.Arm64BoardTree;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Developer oracle, run by {@code scripts/qemu-arm64-board-check.sh}: lays out a kernel, initrd and our
 * device tree with {@link Arm64KernelLoader} exactly as jqvm would, then prints the QEMU
 * {@code -device loader} arguments that put the same bytes at the same addresses on QEMU's virt board,
 * plus a 6-instruction stub that enters the kernel with x0 = device tree (QEMU cannot set x0 itself).
 * A guest that boots there proves the tree and the placement, independently of jqvm's CPU and devices.
 *
 * <p>Usage: {@code QemuBoardCheck IMAGE INITRD OUT_DIR GIC_VERSION CPUS}. RAM is QEMU virt's
 * [0x40000000, +512 MiB); the loader gets it minus the first 2 MiB, where QEMU puts its own tree.
 */
public final class QemuBoardCheck {
    private static final long RAM_BASE = 0x4000_0000L;
    private static final long RAM_SIZE = 512L << 20;
    private static final long QEMU_DTB_AREA = 2L << 20;

    private QemuBoardCheck() {
    }

    private static byte[] seed() {
        byte[] seed = new byte[32];
        new java.security.SecureRandom().nextBytes(seed);
        return seed;
    }

    public static void main(String[] args) throws IOException {
        byte[] kernel = Files.readAllBytes(Path.of(args[0]));
        byte[] initrd = Files.readAllBytes(Path.of(args[1]));
        Path out = Files.createDirectories(Path.of(args[2]));
        int gicVersion = Integer.parseInt(args[3]);
        int cpus = Integer.parseInt(args[4]);
        Arm64Board.Gic gic = gicVersion == 3 ? new Arm64Board.GicV3(0x0800_0000L, 0x080A_0000L)
                : new Arm64Board.GicV2(0x0800_0000L, 0x0801_0000L);
        Range ram = new Range(RAM_BASE, RAM_SIZE);
        GuestMemory memory = GuestMemory.wrap(List.of(new GuestRegion(RAM_BASE, RAM_SIZE, false,
                Arena.ofAuto().allocate(RAM_SIZE), "ram")));
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(memory,
                new Range(RAM_BASE + QEMU_DTB_AREA, RAM_SIZE - QEMU_DTB_AREA), kernel, initrd,
                initrdRange -> Arm64BoardTree.build(new Arm64Board(List.of(ram), cpus, gic, Arm64Board.TimerPpis.STANDARD,
                        List.of(Peripheral.pl011(0x0900_0000L, 1), Peripheral.pl031(0x0901_0000L, 2),
                                Peripheral.virtioMmio(0x0A00_0000L, 16)),
                        "console=ttyAMA0 nokaslr cryptomgr.notests", initrdRange, null, seed())).toBlob());

        Path dtb = out.resolve("board.dtb");
        Files.write(dtb, memory.read(loaded.deviceTree().base(), (int) loaded.deviceTree().size()));
        long stubAddress = RAM_BASE + RAM_SIZE - 0x1000;
        ByteBuffer stub = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        stub.putInt(0x5800_00C0)  // ldr x0, dtb
            .putInt(0xAA1F_03E1)  // mov x1, xzr
            .putInt(0xAA1F_03E2)  // mov x2, xzr
            .putInt(0xAA1F_03E3)  // mov x3, xzr
            .putInt(0x5800_0084)  // ldr x4, entry
            .putInt(0xD61F_0080)  // br x4
            .putLong(loaded.entry().x0())
            .putLong(loaded.entry().pc());
        Path stubFile = out.resolve("entry-stub.bin");
        Files.write(stubFile, stub.array());
        System.out.printf("-device loader,file=%s,addr=0x%x -device loader,file=%s,addr=0x%x"
                + " -device loader,file=%s,addr=0x%x -device loader,file=%s,addr=0x%x,cpu-num=0%n",
                args[0], loaded.kernel().base(), args[1], loaded.initrd().base(), dtb, loaded.deviceTree().base(),
                stubFile, stubAddress);
    }
}
