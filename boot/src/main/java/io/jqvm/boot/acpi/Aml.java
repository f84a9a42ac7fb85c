package io.jqvm.boot.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few ACPI Machine Language encodings the DSDT needs (ACPI 6.5, section 20.2 "AML Grammar
 * Definition"). Each method returns the encoded term.
 */
final class Aml {
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0a;
    static final int DWORD_PREFIX = 0x0c;
    static final int SCOPE_OP = 0x10;
    static final int PACKAGE_OP = 0x12;
    static final int EXT_OP_PREFIX = 0x5b;
    static final int DEVICE_OP = 0x82;
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int ROOT_CHAR = '\\';

    private Aml() {
    }

    /** Name(name, value). */
    static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameSeg(name), value);
    }

    /** Package(){elements} of integer constants. */
    static byte[] packageOf(int... elements) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(elements.length);
        for (int e : elements) {
            body.writeBytes(integer(e));
        }
        return concat(new byte[] {PACKAGE_OP}, withPkgLength(body.toByteArray()));
    }

    /** Package(){elements} of encoded terms (packages, integers). */
    static byte[] packageOfTerms(java.util.List<byte[]> elements) {
        if (elements.size() > 0xff) {
            throw new IllegalArgumentException("a Package holds at most 255 elements, not " + elements.size());
        }
        byte[] body = concat(new byte[] {(byte) elements.size()}, concat(elements.toArray(byte[][]::new)));
        return concat(new byte[] {PACKAGE_OP}, withPkgLength(body));
    }

    /** Scope(\name){terms}. */
    static byte[] rootScope(String name, byte[]... terms) {
        byte[] body = concat(new byte[] {ROOT_CHAR}, nameSeg(name), concat(terms));
        return concat(new byte[] {SCOPE_OP}, withPkgLength(body));
    }

    /** Device(name){terms}. */
    static byte[] device(String name, byte[]... terms) {
        byte[] body = concat(nameSeg(name), concat(terms));
        return concat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, withPkgLength(body));
    }

    /** An integer constant in its shortest encoding (ZeroOp, OneOp, BytePrefix or DWordPrefix). */
    static byte[] integer(long value) {
        if (value == 0) {
            return new byte[] {ZERO_OP};
        }
        if (value == 1) {
            return new byte[] {ONE_OP};
        }
        if (value >= 0 && value <= 0xff) {
            return new byte[] {BYTE_PREFIX, (byte) value};
        }
        return new byte[] {DWORD_PREFIX, (byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)};
    }

    /**
     * EisaId("PNPxxxx"): three letters packed in 5 bits each, then four hex digits, as a big-endian
     * 32-bit value encoded as a DWord constant.
     */
    static byte[] eisaId(String id) {
        if (id.length() != 7) {
            throw new IllegalArgumentException("an EISA id has 3 letters and 4 hex digits: " + id);
        }
        int letters = (id.charAt(0) - 0x40) << 10 | (id.charAt(1) - 0x40) << 5 | (id.charAt(2) - 0x40);
        int product = Integer.parseInt(id.substring(3), 16);
        int bigEndian = letters << 16 | product;
        return new byte[] {DWORD_PREFIX, (byte) (bigEndian >> 24), (byte) (bigEndian >> 16), (byte) (bigEndian >> 8),
            (byte) bigEndian};
    }

    /** A 4-character name segment, padded with '_' as ASL does. */
    static byte[] nameSeg(String name) {
        if (name.isEmpty() || name.length() > 4) {
            throw new IllegalArgumentException("an AML name segment has 1 to 4 characters: " + name);
        }
        return (name + "___".substring(0, 4 - name.length())).getBytes(StandardCharsets.US_ASCII);
    }

    /** Prefixes {@code body} with its PkgLength, which counts its own bytes too (section 20.2.4). */
    static byte[] withPkgLength(byte[] body) {
        int length = body.length + 1;
        if (length <= 0x3f) {
            return concat(new byte[] {(byte) length}, body);
        }
        for (int extra = 1; extra <= 3; extra++) {
            int total = body.length + 1 + extra;
            if (total < 1 << (4 + 8 * extra)) {
                byte[] lead = new byte[1 + extra];
                lead[0] = (byte) (extra << 6 | total & 0xf);
                for (int i = 1; i <= extra; i++) {
                    lead[i] = (byte) (total >> (4 + 8 * (i - 1)));
                }
                return concat(lead, body);
            }
        }
        throw new IllegalArgumentException("AML package of " + body.length + " bytes is too long");
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
