package io.jqvm.config.model;

/** The letters of a pass-through location's attribute string, e.g. {@code rw} in {@code loc 0x1000,0x1000,rw}. */
public enum PassAttribute {
    READ('r'), WRITE('w'), EXECUTE('x'), CACHEABLE('c'), REPORT_EXCEPTION('e'),
    /** Usable as system RAM; implies r, w, x, c, s, t and n. */
    SYSTEM_RAM('m'),
    /** The device does DMA. */
    DMA('d'),
    /** The device does no DMA. */
    NO_DMA('n'),
    /** Documented by letter only; meaning not public. */
    S('s'),
    /** Documented by letter only; meaning not public. */
    T('t');

    private final char letter;

    PassAttribute(char letter) {
        this.letter = letter;
    }

    public char letter() {
        return letter;
    }

    /** The attribute with this letter, or null. */
    public static PassAttribute of(char letter) {
        for (PassAttribute a : values()) {
            if (a.letter == letter) {
                return a;
            }
        }
        return null;
    }
}
