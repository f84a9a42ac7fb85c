package io.jqvm.accel.kvm;

import io.jqvm.memory.GuestMemory;

/**
 * Minimal long-mode structures a test guest needs: identity page tables for the low 4 GiB with 2 MiB
 * pages, and a GDT with the boot-protocol selectors (code 0x10, data 0x18).
 */
final class LongModeTables {
    static final long PML4 = 0x10000;
    static final long GDT = 0x500;
    static final int GDT_LIMIT = 4 * 8 - 1;
    private static final long PDPT = PML4 + 0x1000;
    private static final long FIRST_PD = PML4 + 0x2000;
    private static final long PRESENT_WRITABLE = 0x3;
    private static final long LARGE_PAGE = 0x80;
    private static final long CODE64_DESCRIPTOR = 0x00af9a000000ffffL;
    private static final long DATA_DESCRIPTOR = 0x00cf92000000ffffL;

    private LongModeTables() {
    }

    /** Writes the tables and GDT; returns the CR3 value. */
    static long write(GuestMemory memory) {
        memory.write64(PML4, PDPT | PRESENT_WRITABLE);
        for (int gib = 0; gib < 4; gib++) {
            long pd = FIRST_PD + gib * 0x1000L;
            memory.write64(PDPT + gib * 8L, pd | PRESENT_WRITABLE);
            for (int i = 0; i < 512; i++) {
                long physical = ((long) gib << 30) + ((long) i << 21);
                memory.write64(pd + i * 8L, physical | PRESENT_WRITABLE | LARGE_PAGE);
            }
        }
        memory.write64(GDT + 0x10, CODE64_DESCRIPTOR);
        memory.write64(GDT + 0x18, DATA_DESCRIPTOR);
        return PML4;
    }
}
