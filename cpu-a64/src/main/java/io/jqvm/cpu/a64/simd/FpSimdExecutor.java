package io.jqvm.cpu.a64.simd;

/**
 * The SIMD&amp;FP data-processing unit: executes one instruction of the A64 encoding group "Data Processing --
 * Scalar Floating-Point and Advanced SIMD" (bits 27:25 = 111). Loads and stores belong to the core.
 * Returns false for encodings that are unallocated or not implemented; the core then raises UNDEFINED.
 */
public final class FpSimdExecutor {
    private FpSimdExecutor() {
    }

    public static boolean execute(int insn, FpSimdState s, GeneralRegisters g) {
        if ((insn & 0x0e000000) != 0x0e000000) {
            return false;
        }
        boolean scalarGroup = (insn & (1 << 28)) != 0;
        boolean bit30 = (insn & (1 << 30)) != 0;
        if (scalarGroup && !bit30) {
            return ScalarFp.execute(insn, s, g);
        }
        return false;
    }
}
