package io.jqvm.embed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tiny arm64 Linux Images for the arm64-virt board (its PL011 at 0x09000000, PSCI through HVC), written here so
 * the tests can have guests the guest kit has no program for: one that never stops, one that echoes its input.
 */
final class A64Images {
    private static final int HEADER_SIZE = 64;
    private static final int[] SYSTEM_OFF = {
        0xd280_0100, // movz x0, #0x0008
        0xf2b0_8000, // movk x0, #0x8400, lsl #16: x0 = PSCI SYSTEM_OFF
        0xd400_0002, // hvc #0
        0x1400_0000, // b .
    };

    private A64Images() {
    }

    /** Prints {@code message}, then spins for ever. */
    static Path printThenSpin(Path dir, String name, String message) throws IOException {
        int[] code = {
            0xd2a1_2001, // movz x1, #0x0900, lsl #16: the PL011's data register
            0x1000_00c2, // adr x2, message (6 words on)
            0x3840_1443, // 1: ldrb w3, [x2], #1
            0x3400_0063, //    cbz w3, 2f
            0x3900_0023, //    strb w3, [x1]
            0x17ff_fffd, //    b 1b
            0x1400_0000, // 2: b .
        };
        // adr's offset: from the adr (word 1) to the message after the 7 code words: 6 words.
        return write(dir, name, code, (message + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    /** Echoes every byte the console receives; powers off after echoing a 'q'. */
    static Path echoUntilQ(Path dir, String name) throws IOException {
        int[] echo = {
            0xd2a1_2001, // movz x1, #0x0900, lsl #16
            0xb940_1823, // 1: ldr w3, [x1, #0x18]: the flag register
            0x3727_ffe3, //    tbnz w3, #4, 1b: RXFE, nothing received
            0xb940_0023, //    ldr w3, [x1]
            0x3900_0023, //    strb w3, [x1]
            0x7101_c47f, //    cmp w3, #'q'
            0x54ff_ff61, //    b.ne 1b
        };
        int[] code = new int[echo.length + SYSTEM_OFF.length];
        System.arraycopy(echo, 0, code, 0, echo.length);
        System.arraycopy(SYSTEM_OFF, 0, code, echo.length, SYSTEM_OFF.length);
        return write(dir, name, code, new byte[0]);
    }

    private static Path write(Path dir, String name, int[] code, byte[] data) throws IOException {
        ByteBuffer image = ByteBuffer.allocate(HEADER_SIZE + 4 * code.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        image.putInt(0, 0x1400_0000 | HEADER_SIZE / 4); // code0: b past the header
        image.putLong(16, image.capacity());             // image_size
        image.putLong(24, 0b1010);                       // flags: little-endian, 4 KiB pages, anywhere in RAM
        image.putInt(56, 0x644d_5241);                   // magic "ARM\x64"
        for (int i = 0; i < code.length; i++) {
            image.putInt(HEADER_SIZE + 4 * i, code[i]);
        }
        image.put(HEADER_SIZE + 4 * code.length, data);
        return Files.write(dir.resolve(name), image.array());
    }
}
