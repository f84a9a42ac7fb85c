package io.jqvm.boot.x86;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.X86Entry;
import io.jqvm.boot.ImageFormatException;
import io.jqvm.boot.ImageLoadException;
import io.jqvm.boot.TestImages;
import io.jqvm.boot.TestImages.Load;
import io.jqvm.boot.elf.ElfImage;
import io.jqvm.common.Log;
import io.jqvm.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class X86LoaderTest {
    private static final long MIB = 1 << 20;
    private static final byte[] TEXT = TestImages.pattern(300);
    private final GuestMemory memory = TestImages.pcMemory(16 * MIB);

    /** The fuzz cases log a warning per ignored cmdline; keep test output readable. */
    @BeforeEach
    void silenceLog() {
        Log.configure(List.of(), List.of());
    }

    @AfterEach
    void restoreLog() {
        Log.reset();
    }

    private static X86Loader.Request request(byte[] image, String cmdline, byte[] initrd) {
        return new X86Loader.Request(image, OptionalLong.empty(), cmdline, Optional.ofNullable(initrd));
    }

    private String cString(long address) {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = memory.read8(address)) != 0; address++) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    private void dirty(long base, int length) {
        byte[] junk = new byte[length];
        Arrays.fill(junk, (byte) 0xcc);
        memory.write(base, junk);
    }

    @Test
    void multibootElfGetsInfoMemoryMapCmdlineAndInitrdModule() {
        byte[] image = TestImages.elf(false, ElfImage.EM_386, 0x100000, TestImages.multibootHeader(0x3),
                List.of(Load.at(0x100000, TEXT, 0x3000)));
        byte[] initrd = TestImages.pattern(5000);
        dirty(0x100000, 0x3000);

        X86Entry entry = new X86Loader(memory).load(request(image, "console=com1 -v", initrd));

        assertEquals(X86Entry.Mode.PROTECTED32, entry.mode());
        assertEquals(0x100000, entry.rip());
        assertEquals(0x2BADB002L, entry.rax());
        long info = entry.rbx();
        assertArrayEquals(TEXT, memory.read(0x100000, TEXT.length));
        assertEquals(0, memory.read8(0x100000 + TEXT.length), "bss is zero-filled");
        assertEquals(0, memory.read8(0x100000 + 0x2fff), "bss is zero-filled to p_memsz");
        assertEquals(0x24d, memory.read32(info), "flags: mem, cmdline, mods, mmap, loader name");
        assertEquals(640, memory.read32(info + 4), "mem_lower");
        assertEquals(16 * 1024, memory.read32(info + 8), "mem_upper");
        assertEquals("console=com1 -v", cString(memory.read32(info + 16)));
        assertEquals("jqvm", cString(memory.read32(info + 64)));

        assertEquals(3 * 24, memory.read32(info + 44), "mmap_length");
        long mmap = memory.read32(info + 48);
        long[][] expected = {{0, 0xa0000, 1}, {0xc0000, 0x40000, 2}, {0x100000, 16 * MIB, 1}};
        for (int i = 0; i < expected.length; i++) {
            long at = mmap + 24L * i;
            assertEquals(20, memory.read32(at));
            assertEquals(expected[i][0], memory.read64(at + 4));
            assertEquals(expected[i][1], memory.read64(at + 12));
            assertEquals(expected[i][2], memory.read32(at + 20));
        }

        assertEquals(1, memory.read32(info + 20), "mods_count");
        long module = memory.read32(info + 24);
        long start = Integer.toUnsignedLong(memory.read32(module));
        assertEquals(0, start % 4096);
        assertTrue(start >= 0x103000, "module after the kernel");
        assertEquals(start + initrd.length, Integer.toUnsignedLong(memory.read32(module + 4)));
        assertEquals("initrd", cString(memory.read32(module + 8)));
        assertArrayEquals(initrd, memory.read(start, initrd.length));
        assertTrue(info >= 0x1000 && info < 0xa0000, "info in low RAM");
    }

    @Test
    void multibootAoutKludgeLoadsFromHeaderAddresses() {
        byte[] header = TestImages.multibootHeader(0x10003, 0x200010, 0x200000, 0, 0x204000, 0x200040);
        byte[] image = new byte[0x400];
        System.arraycopy(TEXT, 0, image, 0, 16);
        System.arraycopy(header, 0, image, 0x10, header.length);
        image[0x3ff] = 0x5a;
        dirty(0x200000, 0x5000);

        X86Entry entry = new X86Loader(memory).load(request(image, "", null));

        assertEquals(0x200040, entry.rip());
        assertEquals(X86Entry.Mode.PROTECTED32, entry.mode());
        assertEquals(0x5a, memory.read8(0x2003ff));
        assertEquals(0, memory.read8(0x200400), "bss zeroed");
        assertEquals(0, memory.read8(0x203fff), "bss zeroed to bss_end_addr");
        assertEquals(0xcc, memory.read8(0x204000), "nothing past bss_end_addr touched");
        assertEquals(0x245, memory.read32(entry.rbx()), "flags: mem, cmdline, mmap, loader name; no modules");
    }

    @Test
    void multibootAoutKludgeBeyondFileIsRefused() {
        byte[] header = TestImages.multibootHeader(0x10000, 0x200000, 0x200000, 0x300000, 0, 0x200000);
        byte[] image = Arrays.copyOf(header, 0x100);
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> new X86Loader(memory).load(request(image, "", null)));
        assertTrue(e.getMessage().startsWith("Multiboot image: Multiboot load_end_addr at offset 0x14"), e.getMessage());
    }

    @Test
    void multibootAoutKludgeWithNothingToLoadIsRefused() {
        byte[] image = Arrays.copyOf(TestImages.multibootHeader(0x10000, 0xa0000, 0xa0000, 0xa0000, 0, 0xa0000), 64);
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> new X86Loader(memory).load(request(image, "", null)));
        assertEquals("Multiboot image: Multiboot load_addr at offset 0x10 (0xa0000) equals the end of text and bss:"
                + " there is nothing to load", e.getMessage());
    }

    @Test
    void multibootUnknownRequirementIsRefused() {
        byte[] image = TestImages.elf(false, ElfImage.EM_386, 0x100000, TestImages.multibootHeader(0x9),
                List.of(Load.at(0x100000, TEXT, 0x1000)));
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> new X86Loader(memory).load(request(image, "", null)));
        assertTrue(e.getMessage().contains("require features jqvm does not provide: bits 0x8"), e.getMessage());
    }

    @Test
    void plainElf64EntersLongModeThroughIdentityTables() {
        byte[] image = TestImages.elf(true, ElfImage.EM_X86_64, 0xffffffff80100020L, new byte[0],
                List.of(new Load(0xffffffff80100000L, 0x100000, TEXT, 0x1000)));

        X86Entry entry = new X86Loader(memory).load(X86Loader.Request.of(image));

        assertEquals(X86Entry.Mode.LONG64, entry.mode());
        assertEquals(0x100020, entry.rip(), "entry translated to its physical address");
        long pml4 = entry.cr3();
        assertEquals(0, pml4 % 4096);
        long pdpt = memory.read64(pml4) & ~0xfffL;
        assertEquals(0x3, memory.read64(pml4) & 0xfff);
        long pd3 = memory.read64(pdpt + 3 * 8) & ~0xfffL;
        assertEquals(0xfec00000L | 0x83, memory.read64(pd3 + 8 * ((0xfec00000L - 0xc0000000L) >> 21)));
        long pd0 = memory.read64(pdpt) & ~0xfffL;
        assertEquals(0x83, memory.read64(pd0));
        assertEquals(0x00af9b000000ffffL, memory.read64(entry.gdtBase() + LongModeTables.CODE64_SELECTOR));
        assertEquals(0x00cf93000000ffffL, memory.read64(entry.gdtBase() + LongModeTables.DATA_SELECTOR));
        assertEquals(31, entry.gdtLimit());
        assertTrue(entry.gdtBase() + 32 <= 0x100000, "tables below the image");
    }

    @Test
    void plainElf32EntersProtectedMode() {
        byte[] image = TestImages.elf(false, ElfImage.EM_386, 0x100004, new byte[0], List.of(Load.at(0x100000, TEXT, 0x1000)));
        X86Entry entry = new X86Loader(memory).load(X86Loader.Request.of(image));
        assertEquals(new X86Entry(X86Entry.Mode.PROTECTED32, 0x100004, 0, 0, 0, 0, 0, 0, 0), entry);
    }

    @Test
    void elfForAnotherMachineIsRefused() {
        byte[] image = TestImages.elf(true, ElfImage.EM_AARCH64, 0x100000, new byte[0], List.of(Load.at(0x100000, TEXT, 0x1000)));
        assertEquals("ELF image: e_machine at offset 0x12 is 183, not EM_386 (3) or EM_X86_64 (62): the image is not"
                + " for x86 (it is for aarch64)", assertThrows(ImageFormatException.class,
                        () -> new X86Loader(memory).load(X86Loader.Request.of(image))).getMessage());
    }

    @Test
    void elfSegmentOutsideRamIsRefused() {
        byte[] image = TestImages.elf(false, ElfImage.EM_386, 0xa0000, new byte[0], List.of(Load.at(0xa0000, TEXT, 0x1000)));
        ImageLoadException e = assertThrows(ImageLoadException.class,
                () -> new X86Loader(memory).load(X86Loader.Request.of(image)));
        assertEquals("ELF segment 0 at 0xa0000-0xa0fff is not inside one guest RAM region "
                + "(RAM: 0x0-0x9ffff 0x100000-0x10fffff)", e.getMessage());
    }

    @Test
    void reservedRangesShapeTheMapAndPlacement() {
        List<MemoryMap.Entry> reserved = List.of(new MemoryMap.Entry(0x1000, 0x7000, MemoryMap.TYPE_RESERVED));
        X86Loader loader = new X86Loader(memory, reserved);
        assertEquals(List.of(new MemoryMap.Entry(0, 0x1000, 1), new MemoryMap.Entry(0x1000, 0x7000, 2),
                new MemoryMap.Entry(0x8000, 0x98000, 1), new MemoryMap.Entry(0xc0000, 0x40000, 2),
                new MemoryMap.Entry(0x100000, 16 * MIB, 1)), loader.memoryMap());
        byte[] image = TestImages.elf(true, ElfImage.EM_X86_64, 0x100000, new byte[0], List.of(Load.at(0x100000, TEXT, 0x1000)));
        assertEquals(0x8000, loader.load(X86Loader.Request.of(image)).cr3());
    }

    private static byte[] bzImage(int version, int kernelBytes) {
        byte[] image = new byte[2 * 512 + kernelBytes];
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) 1);
        b.putShort(0x1fe, (short) 0xaa55);
        b.put(0x201, (byte) 0x66);
        b.putInt(0x202, 0x53726448);
        b.putShort(0x206, (short) version);
        b.put(0x211, (byte) 0x01);
        b.putInt(0x214, 0x100000);
        b.putInt(0x22c, 0x37ffffff);
        b.putShort(0x236, (short) 0x1);
        b.putInt(0x238, 64);
        b.putInt(0x260, 0x10000);
        System.arraycopy(TestImages.pattern(kernelBytes), 0, image, 1024, kernelBytes);
        return image;
    }

    @Test
    void bzImageFillsBootParams() {
        byte[] image = bzImage(0x020f, 4096);
        byte[] initrd = TestImages.pattern(10000);

        X86Entry entry = new X86Loader(memory).load(request(image, "console=ttyS0 root=/dev/ram", initrd));

        assertEquals(X86Entry.Mode.LONG64, entry.mode());
        assertEquals(0x100200, entry.rip());
        long bp = entry.rsi();
        assertTrue(entry.cr3() != 0);
        assertArrayEquals(Arrays.copyOfRange(image, 1024, 1024 + 4096), memory.read(0x100000, 4096));
        assertEquals(0x53726448, memory.read32(bp + 0x202), "setup header copied");
        assertEquals(0x020f, memory.read16(bp + 0x206));
        assertEquals(0x100000, memory.read32(bp + 0x214), "code32_start");
        assertEquals(0xff, memory.read8(bp + 0x210), "type_of_loader");
        assertEquals("console=ttyS0 root=/dev/ram", cString(memory.read32(bp + 0x228)));
        long rd = Integer.toUnsignedLong(memory.read32(bp + 0x218));
        assertEquals(initrd.length, memory.read32(bp + 0x21c));
        assertEquals(0, rd % 4096);
        assertTrue(rd + initrd.length <= 0x100000 + 16 * MIB && rd >= 0x110000, "high, above init_size");
        assertArrayEquals(initrd, memory.read(rd, initrd.length));
        assertEquals(3, memory.read8(bp + 0x1e8), "e820_entries");
        long[][] e820 = {{0, 0xa0000, 1}, {0xc0000, 0x40000, 2}, {0x100000, 16 * MIB, 1}};
        for (int i = 0; i < e820.length; i++) {
            long at = bp + 0x2d0 + 20L * i;
            assertEquals(e820[i][0], memory.read64(at));
            assertEquals(e820[i][1], memory.read64(at + 8));
            assertEquals(e820[i][2], memory.read32(at + 16));
        }
        assertEquals(0, memory.read8(bp + 0x268), "nothing past the setup header copied");
    }

    @Test
    void bzImageInitrdStaysBelowInitrdAddrMax() {
        byte[] image = bzImage(0x020f, 4096);
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(0x22c, 0x7fffff);
        X86Entry entry = new X86Loader(memory).load(request(image, "", TestImages.pattern(8192)));
        assertEquals(0x7fe000, memory.read32(entry.rsi() + 0x218));
    }

    @Test
    void bzImageErrorsAreSpecific() {
        ImageFormatException old = assertThrows(ImageFormatException.class,
                () -> new X86Loader(memory).load(request(bzImage(0x0205, 64), "", null)));
        assertEquals("bzImage: version at offset 0x206 is 0x205: boot protocol 2.06 or later is required", old.getMessage());
        byte[] no64 = bzImage(0x020c, 64);
        no64[0x236] = 0;
        assertTrue(assertThrows(ImageFormatException.class, () -> new X86Loader(memory).load(request(no64, "", null)))
                .getMessage().contains("XLF_KERNEL_64"));
        ImageLoadException tooLong = assertThrows(ImageLoadException.class,
                () -> new X86Loader(memory).load(request(bzImage(0x020f, 64), "x".repeat(65), null)));
        assertEquals("the command line is 65 bytes; this kernel's cmdline_size is 64", tooLong.getMessage());
        ImageLoadException bigInitrd = assertThrows(ImageLoadException.class,
                () -> new X86Loader(memory).load(request(bzImage(0x020f, 64), "", new byte[(int) (17 * MIB)])));
        assertTrue(bigInitrd.getMessage().startsWith("no room for the initrd (17M)"), bigInitrd.getMessage());
    }

    @Test
    void rawImageBelowOneMibStartsInRealMode() {
        byte[] image = TestImages.pattern(512);
        X86Loader.Request r = new X86Loader.Request(image, OptionalLong.of(0x7c00), "", Optional.empty());
        assertEquals(new X86Entry(X86Entry.Mode.REAL, 0x7c00, 0, 0, 0, 0, 0, 0, 0), new X86Loader(memory).load(r));
        assertArrayEquals(image, memory.read(0x7c00, 512));
        assertEquals(X86Entry.Mode.REAL, new X86Loader(memory).load(X86Loader.Request.of(image)).mode());
    }

    @Test
    void rawImageAboveOneMibStartsInProtectedMode() {
        X86Loader.Request r = new X86Loader.Request(TestImages.pattern(64), OptionalLong.of(0x200000), "",
                Optional.empty());
        assertEquals(new X86Entry(X86Entry.Mode.PROTECTED32, 0x200000, 0, 0, 0, 0, 0, 0, 0), new X86Loader(memory).load(r));
    }

    @Test
    void rawImageThatDoesNotFitIsRefused() {
        X86Loader.Request r = new X86Loader.Request(new byte[0x1000], OptionalLong.of(0x9f800), "", Optional.empty());
        assertTrue(assertThrows(ImageLoadException.class, () -> new X86Loader(memory).load(r)).getMessage()
                .startsWith("raw image at 0x9f800-0xa07ff is not inside one guest RAM region"));
    }

    @Test
    void mutatedImagesOnlyFailWithImageErrors() {
        Random random = new Random(42);
        byte[][] seeds = {
            TestImages.elf(false, ElfImage.EM_386, 0x100000, TestImages.multibootHeader(0x3),
                    List.of(Load.at(0x100000, TEXT, 0x3000))),
            TestImages.multibootHeader(0x10003, 0x200000, 0x200000, 0x200100, 0x201000, 0x200000),
            TestImages.elf(true, ElfImage.EM_X86_64, 0x100000, new byte[0], List.of(Load.at(0x100000, TEXT, 0x1000))),
            bzImage(0x020f, 256),
        };
        GuestMemory small = TestImages.pcMemory(2 * MIB);
        for (int i = 0; i < 4000; i++) {
            byte[] image = seeds[i % seeds.length].clone();
            for (int m = 1 + random.nextInt(6); m > 0; m--) {
                int at = random.nextInt(image.length);
                image[at] = (byte) (random.nextBoolean() ? random.nextInt() : image[at] ^ 0x80);
            }
            // Mutations break the header checksum; restore it half the time so Multiboot parsing is reached.
            if (i % seeds.length == 1 && random.nextBoolean()) {
                ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(0, 0x1BADB002).putInt(8, -(0x1BADB002 + b.getInt(4)));
            }
            byte[] initrd = random.nextBoolean() ? new byte[random.nextInt(4096)] : null;
            try {
                new X86Loader(small).load(request(image, "cmd", initrd));
            } catch (ImageFormatException | ImageLoadException expected) {
                assertTrue(!expected.getMessage().isEmpty());
            }
        }
    }

    @Test
    void randomHeaderFieldsOnlyFailWithImageErrors() {
        Random random = new Random(99);
        GuestMemory small = TestImages.pcMemory(2 * MIB);
        long[] interesting = {0, 1, 0xfff, 0x1000, 0x9ffff, 0xa0000, 0xfffff, 0x100000, 0x2fffff, 0x300000,
            0xffffffffL, 0x80000000L};
        for (int i = 0; i < 5000; i++) {
            long[] fields = new long[5];
            for (int f = 0; f < 5; f++) {
                fields[f] = random.nextBoolean() ? interesting[random.nextInt(interesting.length)]
                        : random.nextLong() & 0xffffffffL;
            }
            int flags = 0x10000 | random.nextInt(8);
            byte[] image = Arrays.copyOf(TestImages.multibootHeader(flags, fields), 32 + random.nextInt(8192));
            byte[] bz = bzImage(0x0206 + random.nextInt(12), random.nextInt(4096));
            ByteBuffer.wrap(bz).order(ByteOrder.LITTLE_ENDIAN).putInt(0x214, (int) fields[0]).putInt(0x22c, (int) fields[1])
                    .putInt(0x260, (int) fields[2]).put(0x1f1, (byte) random.nextInt()).put(0x201, (byte) random.nextInt());
            for (byte[] candidate : new byte[][] {image, bz}) {
                try {
                    new X86Loader(small).load(request(candidate, "x".repeat(random.nextInt(80)),
                            random.nextBoolean() ? new byte[random.nextInt(0x300000)] : null));
                } catch (ImageFormatException | ImageLoadException expected) {
                    assertTrue(!expected.getMessage().isEmpty());
                }
            }
        }
    }

    @Test
    void cmdlineBytesAreUtf8() {
        byte[] image = TestImages.elf(false, ElfImage.EM_386, 0x100000, TestImages.multibootHeader(0),
                List.of(Load.at(0x100000, TEXT, 0x1000)));
        X86Entry entry = new X86Loader(memory).load(request(image, "é", null));
        long cmd = memory.read32(entry.rbx() + 16);
        assertArrayEquals("é\0".getBytes(StandardCharsets.UTF_8), memory.read(cmd, 3));
    }
}
