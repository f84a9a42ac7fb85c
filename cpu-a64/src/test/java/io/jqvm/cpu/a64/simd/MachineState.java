package io.jqvm.cpu.a64.simd;

import java.util.Arrays;

/**
 * The state the differential test compares, as 76 quadwords in the layout the generated program uses: V0..V31
 * (low, high), FPCR on input / FPSR on output, NZCV (in its system register position, bits 31:28), X19..X28.
 */
final class MachineState {
    static final int QUADS = 76;
    static final int FP_CONTROL = 64;
    static final int NZCV = 65;
    static final int FIRST_X = 66;
    static final int FIRST_X_REGISTER = 19;
    static final int X_COUNT = 10;

    final long[] quads;

    MachineState(long[] quads) {
        this.quads = quads;
    }

    /** Runs the instructions on the Java unit from this state (as input) and returns the output state. */
    MachineState executeOnUnit(int[] words, StringBuilder failure) {
        FpSimdState s = new FpSimdState();
        System.arraycopy(quads, 0, s.v, 0, 64);
        s.fpcr = (int) quads[FP_CONTROL];
        TestRegisters g = new TestRegisters();
        g.nzcv = (int) (quads[NZCV] >>> 28);
        for (int i = 0; i < X_COUNT; i++) {
            g.x[FIRST_X_REGISTER + i] = quads[FIRST_X + i];
        }
        for (int word : words) {
            if (!FpSimdExecutor.execute(word, s, g)) {
                failure.append(String.format("instruction %08x was rejected as UNDEFINED%n", word));
            }
        }
        long[] out = Arrays.copyOf(s.v, QUADS);
        out[FP_CONTROL] = s.fpsr & 0xffffffffL;
        out[NZCV] = (long) g.nzcv << 28;
        for (int i = 0; i < X_COUNT; i++) {
            out[FIRST_X + i] = g.x[FIRST_X_REGISTER + i];
        }
        return new MachineState(out);
    }

    String describeDifferences(MachineState expected) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < QUADS; i++) {
            if (quads[i] != expected.quads[i]) {
                sb.append(String.format("  %-6s qemu %016x  jqvm %016x%n", name(i), expected.quads[i], quads[i]));
            }
        }
        return sb.toString();
    }

    static String name(int quad) {
        if (quad < 64) {
            return "v" + quad / 2 + (quad % 2 == 0 ? ".lo" : ".hi");
        }
        if (quad == FP_CONTROL) {
            return "fpsr";
        }
        if (quad == NZCV) {
            return "nzcv";
        }
        return "x" + (FIRST_X_REGISTER + quad - FIRST_X);
    }

    String dump() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < QUADS; i++) {
            sb.append(String.format("%s=%016x%s", name(i), quads[i], i % 4 == 3 ? "\n" : " "));
        }
        return sb.toString();
    }
}
