package io.jqvm.accel;

/**
 * x86 entry state. Segments are flat (base 0, limit 4 GiB) in the given mode, as Multiboot and the Linux
 * 64-bit boot protocol define; the guest loads its own GDT before reloading a segment register.
 *
 * @param mode    REAL: CS base = {@code rip & ~0xffff}, IP = {@code rip & 0xffff};
 *                PROTECTED32: 32-bit flat, paging off; LONG64: 64-bit, paging on with {@code cr3}
 * @param cr3     page-table root for LONG64 (the loader built the tables in guest RAM), else 0
 * @param gdtBase guest-physical GDT the loader wrote (0 = none), with {@code gdtLimit}
 */
public record X86Entry(Mode mode, long rip, long rsp, long rax, long rbx, long rsi,
                       long cr3, long gdtBase, int gdtLimit) implements EntryState {
    public enum Mode {
        REAL, PROTECTED32, LONG64
    }
}
