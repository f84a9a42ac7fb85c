package io.jqvm.boot;

import io.jqvm.boot.elf.ElfImage;
import io.jqvm.boot.x86.LinuxBzImage;
import io.jqvm.boot.x86.MultibootHeader;
import io.jqvm.common.Arch;
import java.util.Optional;

/**
 * Guesses a kernel image's architecture from its headers alone, without validating the rest, so that a
 * configuration that forgot to name the architecture can still pick the right accelerator.
 */
public final class ImageProbe {
    /** "ARM\x64" at offset 56 of an arm64 Linux Image (Documentation/arch/arm64/booting.rst). */
    private static final long ARM64_IMAGE_MAGIC = 0x644d5241L;
    private static final int ARM64_MAGIC_OFFSET = 56;
    private static final int ELF_MACHINE_OFFSET = 18;

    private ImageProbe() {
    }

    /**
     * The architecture the image is built for: the ELF machine, an arm64 Image header, or a Multiboot v1
     * header or Linux bzImage header (both x86). Empty when nothing is recognised.
     */
    public static Optional<Arch> detect(byte[] image) {
        if (ElfImage.hasMagic(image)) {
            if (image.length < ELF_MACHINE_OFFSET + 2) {
                return Optional.empty();
            }
            int machine = (image[ELF_MACHINE_OFFSET] & 0xff) | (image[ELF_MACHINE_OFFSET + 1] & 0xff) << 8;
            return switch (machine) {
                case ElfImage.EM_386, ElfImage.EM_X86_64 -> Optional.of(Arch.X86_64);
                case ElfImage.EM_AARCH64 -> Optional.of(Arch.AARCH64);
                default -> Optional.empty();
            };
        }
        if (image.length >= ARM64_MAGIC_OFFSET + 4 && ImageBytes.u32At(image, ARM64_MAGIC_OFFSET) == ARM64_IMAGE_MAGIC) {
            return Optional.of(Arch.AARCH64);
        }
        if (LinuxBzImage.hasHeader(image) || MultibootHeader.find(image).isPresent()) {
            return Optional.of(Arch.X86_64);
        }
        return Optional.empty();
    }
}
