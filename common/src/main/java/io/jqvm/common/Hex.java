package io.jqvm.common;

/** Formatting of guest addresses and sizes the way the logs and the dryrun map print them. */
public final class Hex {
    private Hex() {
    }

    /** {@code 0x} followed by the unsigned value in lower-case hex, zero-padded to {@code digits}. */
    public static String of(long value, int digits) {
        String s = Long.toHexString(value);
        return s.length() >= digits ? "0x" + s : "0x" + "0".repeat(digits - s.length()) + s;
    }

    public static String of(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** A byte count in the largest binary unit that divides it exactly: {@code 128M}, {@code 4K}, {@code 1000}. */
    public static String size(long bytes) {
        final String[] units = {"", "K", "M", "G", "T"};
        int u = 0;
        while (u < units.length - 1 && bytes != 0 && (bytes & 1023) == 0) {
            bytes >>>= 10;
            u++;
        }
        return Long.toUnsignedString(bytes) + units[u];
    }
}
