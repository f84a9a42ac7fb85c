package io.jqvm.cpu.a64;

/**
 * A hot region of one code page translated to JVM bytecode by {@link RegionCompiler}: a single-entry piece
 * of the page's control-flow graph whose guest loops are JVM loops, so HotSpot compiles them like Java
 * code. Generated subclasses are hidden classes that reach the CPU only through {@link RegionContract}.
 */
abstract class CompiledRegion {
    /** Marks an entry point that cannot start a region (its first instruction is not translatable). */
    static final CompiledRegion NONE = new CompiledRegion(-1) {
        @Override
        long run(RegionContract cpu) {
            throw new IllegalStateException("not a compiled region");
        }
    };

    /** The virtual page the region was translated for (its PC-relative values assume it). */
    final long virtualPage;

    CompiledRegion(long virtualPage) {
        this.virtualPage = virtualPage;
    }

    /**
     * Runs from the region's entry until it leaves the region, the batch budget ({@code batchLeft}) runs
     * out at a backward branch, or a guest exception unwinds; returns the next pc. Registers, SP, NZCV and
     * the budget are written back to the CPU on every way out.
     */
    abstract long run(RegionContract cpu);
}
