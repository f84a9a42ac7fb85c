package io.jqvm.boot.x86;

import io.jqvm.memory.GuestMemory;

/**
 * What a 64-bit entry needs in guest RAM: identity-mapped page tables for the first 4 GiB and a GDT.
 *
 * <p>Layout, 7 pages placed by {@link GuestPlacer} at the lowest free 4 KiB-aligned spot at or above
 * 0x1000 (below the image in the usual layouts, whose kernels load at 1 MiB):
 * <pre>
 *   +0x0000  PML4     entry 0 -> PDPT
 *   +0x1000  PDPT     entries 0-3 -> the four page directories
 *   +0x2000  PD 0-3   512 x 2 MiB pages each, identity: 0-4 GiB
 *   +0x6000  GDT      0x00 null, 0x08 code32, 0x10 code64, 0x18 data (flat, 4 GiB)
 * </pre>
 * 2 MiB pages rather than 1 GiB ones because not every CPU model a guest is given has PDPE1GB. The
 * selectors match the Linux 64-bit boot protocol (__BOOT_CS 0x10, __BOOT_DS 0x18).
 *
 * @param cr3      guest-physical PML4
 * @param gdtBase  guest-physical GDT
 * @param gdtLimit GDTR limit
 */
public record LongModeTables(long cr3, long gdtBase, int gdtLimit) {
    public static final int CODE32_SELECTOR = 0x08;
    public static final int CODE64_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;
    static final int PAGES = 7;
    private static final long PAGE = 4096;
    private static final long PRESENT_WRITABLE = 0x3;
    private static final long LARGE_PAGE = 0x80;
    private static final long TWO_MIB = 2L << 20;
    /** Flat descriptors: base 0, limit 0xfffff with 4 KiB granularity; type execute/read or read/write, accessed. */
    private static final long[] GDT = {
        0,
        0x00cf9b000000ffffL, // code32: G, D/B, P, DPL0, S, execute/read, accessed
        0x00af9b000000ffffL, // code64: G, L, P, DPL0, S, execute/read, accessed
        0x00cf93000000ffffL, // data: G, D/B, P, DPL0, S, read/write, accessed
    };

    static LongModeTables write(GuestMemory memory, GuestPlacer placer) {
        long base = placer.allocateLow(PAGES * PAGE, PAGE, GuestPlacer.LOWEST_BOOT_DATA, GuestPlacer.FOUR_GIB,
                "page tables and GDT");
        memory.sliceForWrite(base, PAGES * PAGE).fill((byte) 0);
        long pml4 = base;
        long pdpt = base + PAGE;
        memory.write64(pml4, pdpt | PRESENT_WRITABLE);
        for (int i = 0; i < 4; i++) {
            long pd = base + (2 + i) * PAGE;
            memory.write64(pdpt + 8L * i, pd | PRESENT_WRITABLE);
            for (int j = 0; j < 512; j++) {
                long physical = (i * 512L + j) * TWO_MIB;
                memory.write64(pd + 8L * j, physical | PRESENT_WRITABLE | LARGE_PAGE);
            }
        }
        long gdt = base + 6 * PAGE;
        for (int i = 0; i < GDT.length; i++) {
            memory.write64(gdt + 8L * i, GDT[i]);
        }
        return new LongModeTables(pml4, gdt, GDT.length * 8 - 1);
    }
}
