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
        if (scalarGroup && (insn & (1 << 30)) == 0) {
            return ScalarFp.execute(insn, s, g);
        }
        if (insn < 0) {
            return false;
        }
        boolean bit24 = (insn & (1 << 24)) != 0;
        boolean bit21 = (insn & (1 << 21)) != 0;
        boolean bit10 = (insn & (1 << 10)) != 0;
        int bits11to10 = (insn >>> 10) & 3;
        if (bit24) {
            if (!bit10) {
                return ByElement.execute(insn, s, scalarGroup);
            }
            if ((insn & (1 << 23)) != 0) {
                return false;
            }
            if (!scalarGroup && ((insn >>> 19) & 15) == 0) {
                return Moves.modifiedImmediate(insn, s);
            }
            return ShiftImmediate.execute(insn, s, scalarGroup);
        }
        if (bit21) {
            if (bit10) {
                return ThreeSame.execute(insn, s, scalarGroup);
            }
            if (bits11to10 == 0) {
                return ThreeDifferent.execute(insn, s, scalarGroup);
            }
            if (bits11to10 == 2) {
                int selector = (insn >>> 17) & 15;
                if (selector == 0) {
                    return TwoRegisterMisc.execute(insn, s, scalarGroup);
                }
                if (selector == 8) {
                    return scalarGroup ? FpVector.scalarPairwise(insn, s) : TwoRegisterMisc.acrossLanes(insn, s);
                }
            }
            return false;
        }
        if ((insn & (1 << 15)) != 0) {
            return false;
        }
        if (bit10) {
            return ((insn >>> 21) & 7) == 0 && Moves.copy(insn, s, g, scalarGroup);
        }
        if (scalarGroup) {
            return false;
        }
        if ((insn & (1 << 29)) != 0) {
            return Moves.extract(insn, s);
        }
        if (bits11to10 == 2) {
            return Moves.permute(insn, s);
        }
        return bits11to10 == 0 && Moves.tableLookup(insn, s);
    }
}
