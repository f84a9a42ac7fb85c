package io.jqvm.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.boot.elf.ElfImage;
import io.jqvm.common.Arch;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageProbeTest {
    @Test
    void recognisesElfMachines() {
        assertEquals(Optional.of(Arch.X86_64), ImageProbe.detect(elfFor(ElfImage.EM_X86_64)));
        assertEquals(Optional.of(Arch.X86_64), ImageProbe.detect(elfFor(ElfImage.EM_386)));
        assertEquals(Optional.of(Arch.AARCH64), ImageProbe.detect(elfFor(ElfImage.EM_AARCH64)));
        assertEquals(Optional.empty(), ImageProbe.detect(elfFor(40)));
    }

    @Test
    void recognisesArm64ImageHeader() {
        byte[] image = new byte[64];
        image[56] = 'A';
        image[57] = 'R';
        image[58] = 'M';
        image[59] = 0x64;
        assertEquals(Optional.of(Arch.AARCH64), ImageProbe.detect(image));
    }

    @Test
    void recognisesBzImage() {
        byte[] image = new byte[0x300];
        image[0x202] = 'H';
        image[0x203] = 'd';
        image[0x204] = 'r';
        image[0x205] = 'S';
        assertEquals(Optional.of(Arch.X86_64), ImageProbe.detect(image));
    }

    @Test
    void recognisesMultibootOnlyAligned_WithValidChecksum_InFirst8KiB() {
        byte[] header = TestImages.multibootHeader(0x3);
        assertEquals(Optional.of(Arch.X86_64), ImageProbe.detect(placed(header, 8192 - 12, 9000)));
        assertEquals(Optional.empty(), ImageProbe.detect(placed(header, 8192, 9000)));
        assertEquals(Optional.empty(), ImageProbe.detect(placed(header, 0x102, 0x200)));
        header[8]++;
        assertEquals(Optional.empty(), ImageProbe.detect(placed(header, 0x100, 0x200)));
    }

    @Test
    void unknownAndTinyImagesAreEmpty() {
        assertEquals(Optional.empty(), ImageProbe.detect(new byte[0]));
        assertEquals(Optional.empty(), ImageProbe.detect(new byte[] {0x7f, 'E', 'L', 'F'}));
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        assertEquals(Optional.empty(), ImageProbe.detect(noise));
    }

    private static byte[] elfFor(int machine) {
        return TestImages.elf(true, machine, 0, new byte[0], List.of(TestImages.Load.at(0x1000, new byte[4], 4)));
    }

    private static byte[] placed(byte[] header, int at, int size) {
        byte[] image = new byte[size];
        System.arraycopy(header, 0, image, at, header.length);
        return image;
    }
}
