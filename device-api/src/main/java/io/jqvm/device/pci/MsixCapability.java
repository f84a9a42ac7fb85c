package io.jqvm.device.pci;

import io.jqvm.device.MsiController;

/**
 * A function's MSI-X capability (PCI Local Bus 3.0 §6.8.2): the capability in configuration space, the vector
 * table (16 bytes per vector: address, data, vector control) and the pending-bit array, both in a BAR the
 * function names. A vector fires as an MSI through the board's {@link MsiController}; while it or the whole
 * function is masked it is held pending and fires when unmasked.
 *
 * <p>The owning function calls everything with its monitor held ({@link PciFunction}); device threads that
 * signal reach this object through the function's own signalling lock, so the methods synchronise here too.
 */
public final class MsixCapability {
    public static final int CAPABILITY_ID = 0x11;
    private static final int CONTROL_ENABLE = 1 << 15;
    private static final int CONTROL_FUNCTION_MASK = 1 << 14;
    private static final int ENTRY_BYTES = 16;
    private static final int VECTOR_MASKED = 1;

    private final PciConfigSpace config;
    private final int offset;
    private final int vectors;
    private final MsiController msi;
    private final int[] table; // four dwords per vector
    private final long[] pending;
    private boolean enabled;
    private boolean functionMasked;

    /**
     * Adds the capability to {@code config}: {@code vectors} entries at {@code tableOffset} in BAR
     * {@code tableBar}, the pending bits at {@code pbaOffset} in BAR {@code pbaBar} (offsets 8-byte aligned).
     */
    public MsixCapability(PciConfigSpace config, int vectors, int tableBar, int tableOffset, int pbaBar, int pbaOffset,
            MsiController msi) {
        if (vectors < 1 || vectors > 2048 || (tableOffset & 7) != 0 || (pbaOffset & 7) != 0) {
            throw new IllegalArgumentException("MSI-X: " + vectors + " vectors, table at " + tableOffset + ", PBA at " + pbaOffset);
        }
        this.config = config;
        this.vectors = vectors;
        this.msi = msi;
        this.table = new int[vectors * 4];
        this.pending = new long[(vectors + 63) / 64];
        for (int v = 0; v < vectors; v++) {
            table[4 * v + 3] = VECTOR_MASKED; // every vector starts masked
        }
        offset = config.addCapability(CAPABILITY_ID, 12);
        config.set(offset + 2, 2, vectors - 1);
        config.setWritable(offset + 2, 2, CONTROL_ENABLE | CONTROL_FUNCTION_MASK);
        config.set(offset + 4, 4, tableOffset | tableBar);
        config.set(offset + 8, 4, pbaOffset | pbaBar);
    }

    /** Bytes the table takes in its BAR. */
    public static int tableBytes(int vectors) {
        return vectors * ENTRY_BYTES;
    }

    /** Bytes the pending-bit array takes in its BAR (whole qwords). */
    public static int pbaBytes(int vectors) {
        return (vectors + 63) / 64 * 8;
    }

    public int vectorCount() {
        return vectors;
    }

    public synchronized boolean enabled() {
        return enabled;
    }

    /** Re-reads the control word after a configuration write, and fires what unmasking released. */
    public synchronized void configWritten() {
        int control = (int) config.get(offset + 2, 2);
        enabled = (control & CONTROL_ENABLE) != 0;
        functionMasked = (control & CONTROL_FUNCTION_MASK) != 0;
        deliverPending();
    }

    /** Signals vector {@code vector}; a vector out of range (the driver's NO_VECTOR, say) signals nothing. */
    public synchronized void signal(int vector) {
        if (vector < 0 || vector >= vectors || !enabled) {
            return;
        }
        if (functionMasked || (table[4 * vector + 3] & VECTOR_MASKED) != 0) {
            pending[vector >>> 6] |= 1L << vector;
            return;
        }
        fire(vector);
    }

    private void fire(int vector) {
        long address = Integer.toUnsignedLong(table[4 * vector]) | Integer.toUnsignedLong(table[4 * vector + 1]) << 32;
        msi.signal(address, table[4 * vector + 2]);
    }

    private void deliverPending() {
        if (!enabled || functionMasked) {
            return;
        }
        for (int v = 0; v < vectors; v++) {
            if ((pending[v >>> 6] & 1L << v) != 0 && (table[4 * v + 3] & VECTOR_MASKED) == 0) {
                pending[v >>> 6] &= ~(1L << v);
                fire(v);
            }
        }
    }

    /** A read in the table, {@code offset} from its start; 4- and 8-byte accesses, aligned, as the spec allows. */
    public synchronized long readTable(long offset, int size) {
        if (!tableAccess(offset, size)) {
            return 0;
        }
        int dword = (int) (offset >>> 2);
        long value = Integer.toUnsignedLong(table[dword]);
        return size == 8 ? value | Integer.toUnsignedLong(table[dword + 1]) << 32 : value;
    }

    public synchronized void writeTable(long offset, int size, long value) {
        if (!tableAccess(offset, size)) {
            return;
        }
        int dword = (int) (offset >>> 2);
        writeDword(dword, (int) value);
        if (size == 8) {
            writeDword(dword + 1, (int) (value >>> 32));
        }
        deliverPending();
    }

    private void writeDword(int dword, int value) {
        table[dword] = (dword & 3) == 3 ? value & VECTOR_MASKED : value; // vector control: only the mask bit exists
    }

    private boolean tableAccess(long offset, int size) {
        return (size == 4 || size == 8) && (offset & (size - 1)) == 0 && offset >= 0 && offset + size <= (long) table.length * 4;
    }

    /** A read of the pending-bit array (read-only), {@code offset} from its start. */
    public synchronized long readPba(long offset, int size) {
        if ((size != 4 && size != 8) || (offset & (size - 1)) != 0 || offset < 0 || offset + size > pending.length * 8L) {
            return 0;
        }
        long qword = pending[(int) (offset >>> 3)];
        return size == 8 ? qword : (qword >>> (8 * (offset & 4))) & 0xffff_ffffL;
    }
}
