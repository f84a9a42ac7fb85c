package io.jqvm.device.pci;

import java.util.Arrays;

/**
 * One PCI function's 256-byte configuration space with a type-0 header (PCI Local Bus 3.0 §6): the bytes, and
 * for each byte which bits the guest may write. BARs follow the sizing
 * protocol by their write masks alone (the address bits below the size and the type bits are read-only, so
 * writing all ones reads back the negated size); capabilities form the list from offset 0x34.
 *
 * <p>Every access is bounds-checked here: offsets outside the space read as zero and are not written, so
 * nothing a guest writes reaches beyond these arrays. Not thread-safe: {@link PciBus} serialises accesses.
 */
public final class PciConfigSpace {
    public static final int SIZE = 256;

    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_CODE = 0x09; // programming interface, subclass, class: three bytes
    public static final int HEADER_TYPE = 0x0e;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2c;
    public static final int SUBSYSTEM_ID = 0x2e;
    public static final int CAPABILITIES_POINTER = 0x34;
    public static final int INTERRUPT_LINE = 0x3c;
    public static final int INTERRUPT_PIN = 0x3d;
    private static final int HEADER_END = 0x40;

    public static final int COMMAND_IO = 1;
    public static final int COMMAND_MEMORY = 2;
    public static final int COMMAND_BUS_MASTER = 4;
    public static final int COMMAND_INTX_DISABLE = 1 << 10;
    private static final int COMMAND_WRITABLE = COMMAND_IO | COMMAND_MEMORY | COMMAND_BUS_MASTER | 0x40 | 0x100 | COMMAND_INTX_DISABLE;
    private static final int STATUS_INTERRUPT = 1 << 3;
    private static final int STATUS_CAPABILITIES = 1 << 4;

    public static final int BARS = 6;

    /** What a BAR decodes. */
    public enum BarKind {
        IO, MEMORY32, MEMORY64
    }

    /** A BAR's fixed properties; {@code size} is a power of two (at least 16 bytes of memory or 4 ports). */
    public record Bar(BarKind kind, long size, boolean prefetchable) {
        public Bar {
            long minimum = kind == BarKind.IO ? 4 : 16;
            if (Long.bitCount(size) != 1 || size < minimum || kind != BarKind.MEMORY64 && size > 1L << 31) {
                throw new IllegalArgumentException("BAR size " + size + " is not a power of two of at least " + minimum
                        + (kind != BarKind.MEMORY64 ? " and at most 2 GiB" : ""));
            }
            if (kind == BarKind.IO && prefetchable) {
                throw new IllegalArgumentException("an I/O BAR is never prefetchable");
            }
        }

        /** The read-only type bits in the BAR's low dword. */
        int typeBits() {
            return switch (kind) {
                case IO -> 1;
                case MEMORY32 -> prefetchable ? 8 : 0;
                case MEMORY64 -> 4 | (prefetchable ? 8 : 0);
            };
        }
    }

    private final byte[] bytes = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];
    private final Bar[] bars = new Bar[BARS];
    private final boolean[] highHalf = new boolean[BARS];
    private int lastCapability; // offset of the last capability, 0 while the list is empty
    private int capabilityEnd = HEADER_END;
    private volatile boolean interruptStatus; // set by the function's signalling, outside the bus's lock

    /** A function of the given identity; a header type 0, single-function, with INTA# when {@code intxPin} is 1. */
    public PciConfigSpace(int vendor, int device, int classCode, int revision, int subsystemVendor, int subsystem, int intxPin) {
        if (intxPin < 0 || intxPin > 4) {
            throw new IllegalArgumentException("interrupt pin " + intxPin + " is not 0 (none) or 1-4 (INTA#-INTD#)");
        }
        set(VENDOR_ID, 2, vendor);
        set(DEVICE_ID, 2, device);
        set(REVISION_ID, 1, revision);
        set(CLASS_CODE, 3, classCode);
        set(SUBSYSTEM_VENDOR_ID, 2, subsystemVendor);
        set(SUBSYSTEM_ID, 2, subsystem);
        set(INTERRUPT_PIN, 1, intxPin);
        setWritable(COMMAND, 2, COMMAND_WRITABLE);
        setWritable(0x0c, 2, 0xffff); // cache line size, latency timer: storage only
        setWritable(INTERRUPT_LINE, 1, 0xff); // the firmware's note for the driver; it routes nothing
    }

    /** Declares BAR {@code index}; a 64-bit BAR also takes the next slot for its high half. */
    public void setBar(int index, Bar bar) {
        int slots = bar.kind() == BarKind.MEMORY64 ? 2 : 1;
        if (index < 0 || index + slots > BARS || taken(index) || slots == 2 && taken(index + 1)) {
            throw new IllegalArgumentException("BAR " + index + " is taken or out of range for a " + bar.kind() + " BAR");
        }
        bars[index] = bar;
        int offset = BAR0 + 4 * index;
        set(offset, 4, bar.typeBits());
        setWritable(offset, 4, (int) ~(bar.size() - 1) & ~(bar.kind() == BarKind.IO ? 3 : 0xf));
        if (slots == 2) {
            highHalf[index + 1] = true;
            setWritable(offset + 4, 4, (int) (~(bar.size() - 1) >>> 32));
        }
    }

    /** BAR {@code index}'s declaration, or null when it is unused or the high half of a 64-bit BAR. */
    public Bar bar(int index) {
        return index < 0 || index >= BARS ? null : bars[index];
    }

    private boolean taken(int index) {
        return bars[index] != null || highHalf[index];
    }

    /** The address the guest gave BAR {@code index} (type bits removed). */
    public long barAddress(int index) {
        Bar bar = bar(index);
        if (bar == null) {
            return 0;
        }
        int offset = BAR0 + 4 * index;
        long low = get(offset, 4) & (bar.kind() == BarKind.IO ? ~3L : ~0xfL) & 0xffff_ffffL;
        return bar.kind() == BarKind.MEMORY64 ? low | get(offset + 4, 4) << 32 : low;
    }

    /**
     * Appends a capability of {@code length} bytes (with its 2-byte header) to the list and returns its offset;
     * its body is read-only until {@link #setWritable} says otherwise.
     */
    public int addCapability(int id, int length) {
        int offset = (capabilityEnd + 3) & ~3;
        if (length < 2 || offset + length > SIZE) {
            throw new IllegalArgumentException("capability " + id + " of " + length + " bytes does not fit");
        }
        set(offset, 1, id);
        set(offset + 1, 1, 0);
        if (lastCapability == 0) {
            set(CAPABILITIES_POINTER, 1, offset);
            set(STATUS, 2, get(STATUS, 2) | STATUS_CAPABILITIES);
        } else {
            set(lastCapability + 1, 1, offset);
        }
        lastCapability = offset;
        capabilityEnd = offset + length;
        return offset;
    }

    /** Sets {@code size} bytes at {@code offset} as the device (not the guest) does, little-endian. */
    public void set(int offset, int size, long value) {
        check(offset, size);
        for (int i = 0; i < size; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /** Which bits of the {@code size} bytes at {@code offset} the guest may write. */
    public void setWritable(int offset, int size, long mask) {
        check(offset, size);
        for (int i = 0; i < size; i++) {
            writable[offset + i] = (byte) (mask >>> (8 * i));
        }
    }

    /** The {@code size} bytes at {@code offset} as they stand, little-endian. */
    public long get(int offset, int size) {
        check(offset, size);
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[offset + i] & 0xff);
        }
        return value;
    }

    private static void check(int offset, int size) {
        if (offset < 0 || size < 1 || size > 8 || offset + size > SIZE) {
            throw new IllegalArgumentException("configuration bytes " + offset + "+" + size + " are outside the space");
        }
    }

    /** The guest's read: outside the space (or a size other than 1, 2, 4) reads as zero. */
    public long read(int offset, int size) {
        if (offset < 0 || offset + size > SIZE || (size != 1 && size != 2 && size != 4)) {
            return 0;
        }
        long value = get(offset, size);
        // Status bit 3 reflects the INTx state (PCI 2.3), wherever the read starts.
        if (offset <= STATUS && offset + size > STATUS && interruptStatus) {
            value |= (long) STATUS_INTERRUPT << (8 * (STATUS - offset));
        }
        return value;
    }

    /** The guest's write, through the write masks; returns false when it was outside the space and ignored. */
    public boolean write(int offset, int size, long value) {
        if (offset < 0 || offset + size > SIZE || (size != 1 && size != 2 && size != 4)) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            int at = offset + i;
            int v = (int) (value >>> (8 * i)) & 0xff;
            int w = writable[at] & 0xff;
            bytes[at] = (byte) ((bytes[at] & ~w) | (v & w));
        }
        return true;
    }

    /** The command register as the guest left it. */
    public int command() {
        return (int) get(COMMAND, 2);
    }

    /** Whether INTx is asserted, for status bit 3. */
    public void setInterruptStatus(boolean asserted) {
        interruptStatus = asserted;
    }

    /** A copy of the bytes, for tests and reports. */
    public byte[] snapshot() {
        return Arrays.copyOf(bytes, SIZE);
    }
}
