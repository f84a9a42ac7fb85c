package io.jqvm.virtio.net;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A 48-bit Ethernet address, as the guest reads it from virtio-net's configuration space. */
public record MacAddress(byte[] bytes) {
    public static final int LENGTH = 6;

    public MacAddress {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
        }
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int byteAt(int index) {
        return bytes[index] & 0xff;
    }

    /**
     * The address whose 48 bits are the low bits of {@code value}, most significant byte first (the configuration
     * language's {@code mac} value). A multicast address (lowest bit of the first byte set) cannot name a NIC.
     */
    public static MacAddress of(long value) {
        if ((value >>> 48) != 0) {
            throw new IllegalArgumentException(Long.toHexString(value) + " has more than 48 bits");
        }
        byte[] b = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            b[i] = (byte) (value >>> (40 - 8 * i));
        }
        if ((b[0] & 1) != 0) {
            throw new IllegalArgumentException(HexFormat.ofDelimiter(":").formatHex(b)
                    + " is a multicast address; a network card needs a unicast one");
        }
        return new MacAddress(b);
    }

    /**
     * The address QEMU's convention gives a NIC without one, 52:54:00:xx:xx:xx (a locally administered prefix),
     * with the last three bytes derived from {@code seed} (the VM and device, say), so it is the same on every run.
     */
    public static MacAddress derived(String seed) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
            return new MacAddress(new byte[] {0x52, 0x54, 0x00, h[0], h[1], h[2]});
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && java.util.Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }
}
