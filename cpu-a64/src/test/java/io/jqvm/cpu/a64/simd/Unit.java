package io.jqvm.cpu.a64.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** A SIMD&amp;FP unit with its register files, driven by assembly text for the unit tests. */
final class Unit {
    final FpSimdState s = new FpSimdState();
    final TestRegisters g = new TestRegisters();

    /** Assembles the instructions with aarch64-linux-gnu-as and executes them in order. */
    Unit run(String... instructions) throws Exception {
        int[] words = CrossTools.assemble(List.of(instructions));
        for (int i = 0; i < words.length; i++) {
            assertTrue(FpSimdExecutor.execute(words[i], s, g), instructions[i] + " was rejected");
        }
        return this;
    }

    Unit fpcr(int value) {
        s.fpcr = value;
        return this;
    }

    Unit set(int reg, long lo, long hi) {
        s.v[2 * reg] = lo;
        s.v[2 * reg + 1] = hi;
        return this;
    }

    Unit single(int reg, long bits) {
        return set(reg, bits & 0xffffffffL, 0);
    }

    Unit single(int reg, float value) {
        return single(reg, Float.floatToRawIntBits(value));
    }

    Unit dbl(int reg, double value) {
        return set(reg, Double.doubleToRawLongBits(value), 0);
    }

    long lo(int reg) {
        return s.v[2 * reg];
    }

    long hi(int reg) {
        return s.v[2 * reg + 1];
    }

    int singleBits(int reg) {
        return (int) s.v[2 * reg];
    }

    float singleValue(int reg) {
        return Float.intBitsToFloat(singleBits(reg));
    }

    double doubleValue(int reg) {
        return Double.longBitsToDouble(s.v[2 * reg]);
    }

    /** The cumulative exception flags and QC, without the NZCV bits. */
    int flags() {
        return s.fpsr;
    }
}
