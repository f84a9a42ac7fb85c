package io.jqvm.cpu.a64;

import io.jqvm.cpu.a64.simd.FpSimdState;
import io.jqvm.cpu.a64.simd.GeneralRegisters;

/**
 * The SIMD&amp;FP data-processing unit the CPU hands the {@code op0 = x111} group to (loads and stores of
 * V registers are the CPU's own). The board wires {@code FpSimdExecutor::execute} in; a CPU without one
 * treats the whole group as UNDEFINED.
 */
@FunctionalInterface
public interface SimdUnit {
    /** Executes {@code insn}; false when it is UNDEFINED. */
    boolean execute(int insn, FpSimdState state, GeneralRegisters registers);

    SimdUnit NONE = (insn, state, registers) -> false;
}
