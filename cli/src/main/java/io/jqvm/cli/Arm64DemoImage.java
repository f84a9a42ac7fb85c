package io.jqvm.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Tiny arm64 Linux Images (the boot protocol's 64-byte header, so the loader takes them as a kernel) for the
 * example board, built here so that no cross compiler is needed: the demo where KVM is missing, and the AOT
 * training run. PSCI goes through HVC, as the board's conduit is.
 */
final class Arm64DemoImage {
    private static final int HEADER_SIZE = 64;
    private static final int[] SYSTEM_OFF = {
        0xd280_0100, // movz x0, #0x0008
        0xf2b0_8000, // movk x0, #0x8400, lsl #16: x0 = PSCI SYSTEM_OFF (0x84000008)
        0xd400_0002, // hvc #0
        0x1400_0000, // b . (SYSTEM_OFF does not return)
    };

    private Arm64DemoImage() {
    }

    /** Asks for SYSTEM_OFF at once. */
    static byte[] powerOff() {
        return image(SYSTEM_OFF, new byte[0]);
    }

    /** Writes {@code message} to the PL011 at 0x09000000 (QEMU virt's UART), then asks for SYSTEM_OFF. */
    static byte[] hello(String message) {
        int[] print = {
            0xd2a1_2001, // movz x1, #0x0900, lsl #16: x1 = the PL011's data register
            0x1000_0122, // adr x2, message (the word after this code: 4 + 5 + 4 - 1 = 9 words on)
            0x3840_1443, // 1: ldrb w3, [x2], #1
            0x3400_0063, //    cbz w3, 2f
            0x3900_0023, //    strb w3, [x1]
            0x17ff_fffd, //    b 1b
        };
        int[] code = new int[print.length + SYSTEM_OFF.length];
        System.arraycopy(print, 0, code, 0, print.length);
        System.arraycopy(SYSTEM_OFF, 0, code, print.length, SYSTEM_OFF.length); // 2: power off
        byte[] text = message.getBytes(StandardCharsets.US_ASCII);
        byte[] terminated = new byte[text.length + 1];
        System.arraycopy(text, 0, terminated, 0, text.length);
        return image(code, terminated);
    }

    private static byte[] image(int[] code, byte[] data) {
        ByteBuffer image = ByteBuffer.allocate(HEADER_SIZE + 4 * code.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        image.putInt(0, 0x1400_0000 | HEADER_SIZE / 4); // code0: b past the header
        image.putLong(8, 0);                             // text_offset
        image.putLong(16, image.capacity());             // image_size
        image.putLong(24, 0b1010);                       // flags: little-endian, 4 KiB pages, anywhere in RAM
        image.putInt(56, 0x644d_5241);                   // magic "ARM\x64"
        for (int i = 0; i < code.length; i++) {
            image.putInt(HEADER_SIZE + 4 * i, code[i]);
        }
        image.put(HEADER_SIZE + 4 * code.length, data);
        return image.array();
    }
}
