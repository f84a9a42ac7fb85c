package io.jqvm.boot.arm64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Entry;
import io.jqvm.boot.fdt.Arm64Board.Range;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class Arm64KernelLoaderTest {
    private static final long RAM_BASE = 0x4000_0000L;
    private static final long RAM_SIZE = 64L << 20;
    private static final Range RAM = new Range(RAM_BASE, RAM_SIZE);
    private final GuestMemory memory = GuestMemory.wrap(List.of(
            new GuestRegion(RAM_BASE, RAM_SIZE, false, Arena.ofAuto().allocate(RAM_SIZE), "test ram")));
    private final List<Range> initrdSeenByDtb = new ArrayList<>();
    private final byte[] dtb = {(byte) 0xD0, 0x0D, (byte) 0xFE, (byte) 0xED, 1, 2, 3, 4};
    private final Function<Range, byte[]> tree = r -> {
        initrdSeenByDtb.add(r);
        return dtb;
    };

    static byte[] image(long textOffset, long imageSize, long flags, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0xFA40_5A4D).putInt(4, 0x1459_A356).putLong(8, textOffset).putLong(16, imageSize)
                .putLong(24, flags).putInt(56, 0x644D_5241);
        for (int i = 64; i < length; i++) {
            b.put(i, (byte) i);
        }
        return b.array();
    }

    @Test
    void imageInitrdAndDeviceTreeArePlacedPerBootingRst() {
        byte[] kernel = image(0, 0x30_0000, 0xA, 8192);
        byte[] initrd = new byte[1000];
        initrd[999] = 42;
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(memory, RAM, kernel, initrd, tree);
        assertEquals(new Range(RAM_BASE, 0x30_0000), loaded.kernel());
        assertEquals(new Range(RAM_BASE + 0x30_0000, 1000), loaded.initrd());
        assertEquals(List.of(loaded.initrd()), initrdSeenByDtb, "the tree is built for the initrd's final place");
        assertEquals(new Range(RAM_BASE + 0x40_0000, dtb.length), loaded.deviceTree());
        assertEquals(new A64Entry(RAM_BASE, RAM_BASE + 0x40_0000, 0, 0, 0), loaded.entry());
        assertArrayEquals(kernel, memory.read(RAM_BASE, kernel.length));
        assertEquals(42, memory.read8(RAM_BASE + 0x30_0000 + 999));
        assertArrayEquals(dtb, memory.read(RAM_BASE + 0x40_0000, dtb.length));
    }

    @Test
    void imageGoesToTheFirstTwoMegabyteBoundaryPlusTextOffset() {
        long base = 0x4010_0000L;
        GuestMemory m = GuestMemory.wrap(List.of(new GuestRegion(base, RAM_SIZE, false, Arena.ofAuto().allocate(RAM_SIZE), "r")));
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(m, new Range(base, RAM_SIZE),
                image(0x8_0000, 0x10_0000, 0xA, 4096), null, tree);
        assertEquals(0x4028_0000L, loaded.entry().pc());
        assertNull(loaded.initrd());
        assertEquals(0x4040_0000L, loaded.entry().x0());
        assertEquals(0, loaded.entry().x0() % 8);
    }

    @Test
    void legacyImageWithoutSizeUsesTheOldTextOffset() {
        byte[] kernel = image(0x1234, 0, 0, 4096);
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(memory, RAM, kernel, null, tree);
        assertEquals(new Range(RAM_BASE + 0x8_0000, 4096), loaded.kernel());
    }

    @Test
    void imagesThatDoNotFitGetPreciseErrors() {
        String tooBig = assertThrows(KernelLoadException.class,
                () -> Arm64KernelLoader.load(memory, RAM, image(0, 0x800_0000L, 0xA, 4096), null, tree)).getMessage();
        assertTrue(tooBig.contains("image_size 0x8000000") && tooBig.contains("give the VM more RAM"), tooBig);
        String bigEndian = assertThrows(KernelLoadException.class,
                () -> Arm64KernelLoader.load(memory, RAM, image(0, 0x10_0000, 0xB, 4096), null, tree)).getMessage();
        assertTrue(bigEndian.contains("big-endian"), bigEndian);
        String truncatedSize = assertThrows(KernelLoadException.class,
                () -> Arm64KernelLoader.load(memory, RAM, image(0, 100, 0xA, 4096), null, tree)).getMessage();
        assertTrue(truncatedSize.contains("image_size is only 100"), truncatedSize);
        String initrdTooBig = assertThrows(KernelLoadException.class,
                () -> Arm64KernelLoader.load(memory, RAM, image(0, 0x10_0000, 0xA, 4096), new byte[(int) RAM_SIZE], tree))
                .getMessage();
        assertTrue(initrdTooBig.startsWith("initrd needs"), initrdTooBig);
        assertEquals(KernelLoadException.Part.INITRD, assertThrows(KernelLoadException.class,
                () -> Arm64KernelLoader.load(memory, RAM, image(0, 0x10_0000, 0xA, 4096), new byte[(int) RAM_SIZE], tree))
                .part(), "the initrd, not the kernel, is at fault");
        String dtbTooBig = assertThrows(KernelLoadException.class,
                () -> Arm64KernelLoader.load(memory, RAM, image(0, 0x10_0000, 0xA, 4096), null, r -> new byte[(2 << 20) + 1]))
                .getMessage();
        assertTrue(dtbTooBig.contains("at most 2 MiB"), dtbTooBig);
        String noRoomForDtb = assertThrows(KernelLoadException.class,
                () -> Arm64KernelLoader.load(memory, RAM, image(0, RAM_SIZE - 0x1000, 0xA, 4096), null, tree)).getMessage();
        assertTrue(noRoomForDtb.startsWith("device tree needs"), noRoomForDtb);
    }

    @Test
    void rawImagesAreEnteredAtTheirFirstByte() {
        byte[] raw = {1, 2, 3, 4, 5, 6, 7, 8};
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(memory, RAM, raw, null, tree);
        assertEquals(RAM_BASE + 0x8_0000, loaded.entry().pc());
        assertArrayEquals(raw, memory.read(RAM_BASE + 0x8_0000, raw.length));
        assertEquals(RAM_BASE + 0x20_0000, loaded.entry().x0());
    }

    static byte[] elf(int machine, long paddr, long entry, byte[] code, long memSize) {
        return elf(machine, paddr, paddr, entry, code, memSize);
    }

    static byte[] elf(int machine, long vaddr, long paddr, long entry, byte[] code, long memSize) {
        ByteBuffer b = ByteBuffer.allocate(64 + 56 + code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2).putShort(18, (short) machine).putInt(20, 1).putLong(24, entry).putLong(32, 64)
                .putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) 1);
        b.putInt(64, 1).putInt(68, 5).putLong(72, 120).putLong(80, vaddr).putLong(88, paddr)
                .putLong(96, code.length).putLong(104, memSize).putLong(112, 0x1000);
        b.put(120, code);
        return b.array();
    }

    @Test
    void elfSegmentsGoToTheirPhysicalAddressesWithBssZeroed() {
        memory.write64(RAM_BASE + 0x10_0010, -1L);
        byte[] code = {(byte) 0x1F, 0x20, 0x03, (byte) 0xD5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(memory, RAM,
                elf(183, RAM_BASE + 0x10_0000, RAM_BASE + 0x10_0004, code, 32), new byte[10], tree);
        assertEquals(RAM_BASE + 0x10_0004, loaded.entry().pc());
        assertArrayEquals(code, memory.read(RAM_BASE + 0x10_0000, code.length));
        assertEquals(0, memory.read64(RAM_BASE + 0x10_0010), "bss zeroed");
        assertEquals(new Range(RAM_BASE + 0x10_0000, 32), loaded.kernel());
        assertEquals(RAM_BASE + 0x10_1000, loaded.initrd().base());
        assertEquals(RAM_BASE + 0x20_0000, loaded.entry().x0());
    }

    @Test
    void elfEntryIsTranslatedFromItsVirtualAddress() {
        long vaddr = 0xFFFF_8000_1000_0000L;
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(memory, RAM,
                elf(183, vaddr, RAM_BASE + 0x20_0000, vaddr + 8, new byte[16], 16), null, tree);
        assertEquals(RAM_BASE + 0x20_0008, loaded.entry().pc());
    }

    @Test
    void configuredAddressesOverrideThePlacement() {
        Arm64KernelLoader.Placement at = new Arm64KernelLoader.Placement(
                OptionalLong.of(RAM_BASE + 0x40_0000 + 0x8_0000), OptionalLong.of(RAM_BASE + 0x100_0000));
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(memory, RAM, image(0x8_0000, 0x10_0000, 0xA, 4096),
                new byte[100], at, tree);
        assertEquals(RAM_BASE + 0x48_0000, loaded.entry().pc());
        assertEquals(new Range(RAM_BASE + 0x100_0000, 100), loaded.initrd());
        assertEquals(RAM_BASE, loaded.deviceTree().base(), "the first 2 MiB block is free");

        Arm64KernelLoader.Loaded raw = Arm64KernelLoader.load(memory, RAM, new byte[] {1, 2, 3, 4}, null,
                new Arm64KernelLoader.Placement(OptionalLong.of(RAM_BASE + 0x1000), OptionalLong.empty()), tree);
        assertEquals(RAM_BASE + 0x1000, raw.entry().pc());
        assertEquals(RAM_BASE + 0x20_0000, raw.deviceTree().base(), "the first 2 MiB block holds the image");
    }

    @Test
    void deviceTreeTakesTheStartOfRamWhenItsBlockIsFreeAsQemuDoes() {
        Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(memory, RAM,
                elf(183, RAM_BASE + 0x20_0000, RAM_BASE + 0x20_0000, RAM_BASE + 0x20_0000, new byte[16], 16), null, tree);
        assertEquals(RAM_BASE, loaded.deviceTree().base());
        assertEquals(RAM_BASE, loaded.entry().x0());
    }

    @Test
    void configuredAddressesAreChecked() {
        String misaligned = assertThrows(KernelLoadException.class, () -> Arm64KernelLoader.load(memory, RAM,
                image(0, 0x10_0000, 0xA, 4096), null,
                new Arm64KernelLoader.Placement(OptionalLong.of(RAM_BASE + 0x1000), OptionalLong.empty()), tree)).getMessage();
        assertTrue(misaligned.contains("must be 2 MiB aligned"), misaligned);
        String overlapping = assertThrows(KernelLoadException.class, () -> Arm64KernelLoader.load(memory, RAM,
                image(0, 0x10_0000, 0xA, 4096), new byte[100],
                new Arm64KernelLoader.Placement(OptionalLong.empty(), OptionalLong.of(RAM_BASE + 0x1000)), tree)).getMessage();
        assertTrue(overlapping.contains("overlaps the kernel"), overlapping);
        String elfAddress = assertThrows(KernelLoadException.class, () -> Arm64KernelLoader.load(memory, RAM,
                elf(183, RAM_BASE, RAM_BASE, new byte[16], 16), null,
                new Arm64KernelLoader.Placement(OptionalLong.of(RAM_BASE), OptionalLong.empty()), tree)).getMessage();
        assertTrue(elfAddress.contains("drop the load address"), elfAddress);
    }

    @Test
    void corruptHeadersOnlyEverFailAsLoadOrFormatErrors() {
        java.util.Random random = new java.util.Random(9);
        byte[] goodElf = elf(183, RAM_BASE + 0x10_0000, RAM_BASE + 0x10_0000, new byte[64], 128);
        byte[] goodImage = image(0x8_0000, 0x20_0000, 0xA, 256);
        for (int i = 0; i < 3000; i++) {
            byte[] file = (i % 2 == 0 ? goodElf : goodImage).clone();
            for (int k = 0; k < 1 + random.nextInt(6); k++) {
                int at = i % 2 == 0 ? random.nextInt(120) : 8 + random.nextInt(24);
                file[at] = (byte) random.nextInt(256);
            }
            try {
                Arm64KernelLoader.load(memory, RAM, file, null, tree);
            } catch (KernelLoadException | io.jqvm.boot.ImageFormatException expected) {
                assertTrue(expected.getMessage().length() > 20);
            }
        }
    }

    @Test
    void badElfFilesGetPreciseErrors() {
        byte[] code = new byte[16];
        String machine = assertThrows(KernelLoadException.class, () -> Arm64KernelLoader.load(memory, RAM,
                elf(62, RAM_BASE, RAM_BASE, code, 16), null, tree)).getMessage();
        assertTrue(machine.contains("machine 62"), machine);
        String outside = assertThrows(KernelLoadException.class, () -> Arm64KernelLoader.load(memory, RAM,
                elf(183, 0x1000, 0x1000, code, 16), null, tree)).getMessage();
        assertTrue(outside.startsWith("ELF segment 0 needs"), outside);
        String entry = assertThrows(KernelLoadException.class, () -> Arm64KernelLoader.load(memory, RAM,
                elf(183, RAM_BASE, RAM_BASE + 0x1000, code, 16), null, tree)).getMessage();
        assertTrue(entry.contains("entry point"), entry);
        byte[] truncated = elf(183, RAM_BASE, RAM_BASE, code, 16);
        ByteBuffer.wrap(truncated).order(ByteOrder.LITTLE_ENDIAN).putLong(96, 1000);
        String segment = assertThrows(io.jqvm.boot.ImageFormatException.class, () -> Arm64KernelLoader.load(memory, RAM,
                truncated, null, tree)).getMessage();
        assertTrue(segment.contains("p_filesz 0x3e8"), segment);
        byte[] shortFile = java.util.Arrays.copyOf(elf(183, RAM_BASE, RAM_BASE, code, 16), 40);
        assertThrows(io.jqvm.boot.ImageFormatException.class, () -> Arm64KernelLoader.load(memory, RAM, shortFile, null, tree));
    }

    /** An EFI-stub Image: a PE header at 0x40 with one section whose raw data ends at 8 KiB. */
    private static byte[] efiImage(int length) {
        ByteBuffer b = ByteBuffer.wrap(image(0, 0x10_0000, 0xA, 8192)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x3c, 0x40).putInt(0x40, 0x4550).putShort(0x46, (short) 1).putShort(0x54, (short) 0);
        b.putInt(0x58 + 16, 0x1000).putInt(0x58 + 20, 0x1000);
        return java.util.Arrays.copyOf(b.array(), length);
    }

    @Test
    void aTruncatedImageIsRefusedBeforeItRuns() {
        Arm64KernelLoader.load(memory, RAM, efiImage(8192), null, tree);
        for (int length : new int[] {100, 4096, 8191}) {
            String m = assertThrows(KernelLoadException.class,
                    () -> Arm64KernelLoader.load(memory, RAM, efiImage(length), null, tree)).getMessage();
            assertTrue(m.startsWith("kernel Image is truncated"), m);
        }
        String headerOnly = assertThrows(KernelLoadException.class,
                () -> Arm64KernelLoader.load(memory, RAM, image(0, 0x10_0000, 0xA, 64), null, tree)).getMessage();
        assertTrue(headerOnly.contains("no more than its header"), headerOnly);
    }
}
