package io.jqvm.boot.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.boot.ImageFormatException;
import io.jqvm.boot.TestImages;
import io.jqvm.boot.TestImages.Load;
import io.jqvm.common.Arch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ElfImageTest {
    private static final byte[] TEXT = TestImages.pattern(100);

    private static byte[] simple(boolean is64, int machine) {
        return TestImages.elf(is64, machine, 0x100010, new byte[0], List.of(Load.at(0x100000, TEXT, 0x2000)));
    }

    @Test
    void parsesElf64Segments() {
        byte[] image = simple(true, ElfImage.EM_X86_64);
        ElfImage elf = ElfImage.parse(image);
        assertTrue(elf.is64());
        assertEquals(ElfImage.EM_X86_64, elf.machine());
        assertEquals(Optional.of(Arch.X86_64), elf.arch());
        assertEquals(0x100010, elf.entry());
        ElfImage.Segment s = elf.segments().getFirst();
        assertEquals(0x100000, s.physicalAddress());
        assertEquals(100, s.fileSize());
        assertEquals(0x2000, s.memorySize());
        assertArrayEquals(TEXT, ElfImage.fileBytes(image, s));
    }

    @Test
    void parsesElf32AndMachines() {
        ElfImage elf = ElfImage.parse(simple(false, ElfImage.EM_386));
        assertFalse(elf.is64());
        assertEquals(Optional.of(Arch.X86_64), elf.arch());
        assertEquals(Optional.of(Arch.AARCH64), ElfImage.parse(simple(true, ElfImage.EM_AARCH64)).arch());
        assertEquals(Optional.empty(), ElfImage.parse(simple(true, 8)).arch());
    }

    @Test
    void translatesVirtualEntryThroughItsSegment() {
        byte[] image = TestImages.elf(true, ElfImage.EM_X86_64, 0xffffffff81000040L, new byte[0],
                List.of(new Load(0xffffffff81000000L, 0x1000000, TEXT, 0x1000)));
        ElfImage elf = ElfImage.parse(image);
        assertEquals(0x1000040, elf.physicalOf(elf.entry()));
        assertEquals(0x5000, elf.physicalOf(0x5000));
    }

    @Test
    void refusesBadIdentWithOffsetAndField() {
        byte[] image = simple(true, ElfImage.EM_X86_64);
        image[4] = 3;
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ElfImage.parse(image));
        assertEquals("ELF image: e_ident[EI_CLASS] at offset 0x4 is 3, expected 1 (ELF32) or 2 (ELF64)", e.getMessage());
        byte[] bigEndian = simple(true, ElfImage.EM_X86_64);
        bigEndian[5] = 2;
        assertTrue(assertThrows(ImageFormatException.class, () -> ElfImage.parse(bigEndian)).getMessage()
                .contains("EI_DATA"));
    }

    @Test
    void refusesTruncatedHeader() {
        byte[] image = new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0};
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ElfImage.parse(image));
        assertEquals("ELF image: e_type at offset 0x10 lies beyond the end of the image (10 bytes)", e.getMessage());
    }

    @Test
    void refusesProgramHeadersBeyondTheFile() {
        byte[] image = simple(true, ElfImage.EM_X86_64);
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putLong(32, image.length - 10);
        assertTrue(assertThrows(ImageFormatException.class, () -> ElfImage.parse(image)).getMessage()
                .startsWith("ELF image: e_phoff at offset 0x20"));
    }

    @Test
    void refusesFileSizeAboveMemorySize() {
        byte[] image = TestImages.elf(false, ElfImage.EM_386, 0, new byte[0], List.of(Load.at(0x100000, TEXT, 10)));
        assertTrue(assertThrows(ImageFormatException.class, () -> ElfImage.parse(image)).getMessage()
                .contains("ELF image: program header 0 at offset 0x34 has p_filesz 0x64 larger than p_memsz 0xa"));
    }

    @Test
    void refusesSegmentDataBeyondTheFile() {
        byte[] image = simple(false, ElfImage.EM_386);
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(52 + 4, 0x7fff0000);
        assertTrue(assertThrows(ImageFormatException.class, () -> ElfImage.parse(image)).getMessage()
                .contains("has file data 0x7fff0000+0x64 beyond the end of the image"));
    }

    @Test
    void refusesOverlappingSegments() {
        byte[] image = TestImages.elf(true, ElfImage.EM_X86_64, 0, new byte[0],
                List.of(Load.at(0x100000, TEXT, 0x1000), Load.at(0x100800, TEXT, 0x1000)));
        assertTrue(assertThrows(ImageFormatException.class, () -> ElfImage.parse(image)).getMessage()
                .contains("overlapping PT_LOAD segments at physical 0x100000+0x1000 and 0x100800+0x1000"));
    }

    @Test
    void refusesWrappingSegment() {
        byte[] image = TestImages.elf(true, ElfImage.EM_X86_64, 0, new byte[0],
                List.of(Load.at(0xfffffffffffff000L, TEXT, 0x2000)));
        assertTrue(assertThrows(ImageFormatException.class, () -> ElfImage.parse(image)).getMessage()
                .contains("wrapping the address space"));
    }

    @Test
    void refusesImageWithoutLoadableSegments() {
        byte[] image = TestImages.elf(true, ElfImage.EM_X86_64, 0, new byte[0], List.of(Load.at(0x1000, new byte[0], 0)));
        assertTrue(assertThrows(ImageFormatException.class, () -> ElfImage.parse(image)).getMessage()
                .contains("no PT_LOAD segment"));
    }

    @Test
    void randomAndMutatedImagesOnlyEverFailWithImageFormatException() {
        Random random = new Random(0x5eed);
        byte[] valid64 = simple(true, ElfImage.EM_X86_64);
        byte[] valid32 = simple(false, ElfImage.EM_386);
        for (int i = 0; i < 20_000; i++) {
            byte[] image;
            if (i % 3 == 0) {
                image = new byte[random.nextInt(200)];
                random.nextBytes(image);
                if (image.length >= 4) {
                    System.arraycopy(valid64, 0, image, 0, 4);
                }
            } else {
                image = (i % 2 == 0 ? valid64 : valid32).clone();
                for (int m = 1 + random.nextInt(4); m > 0; m--) {
                    image[random.nextInt(image.length)] = (byte) random.nextInt();
                }
                if (random.nextInt(4) == 0) {
                    image = java.util.Arrays.copyOf(image, random.nextInt(image.length));
                }
            }
            try {
                ElfImage.parse(image);
            } catch (ImageFormatException expected) {
                assertTrue(expected.getMessage().startsWith("ELF image: "), expected.getMessage());
            }
        }
    }
}
