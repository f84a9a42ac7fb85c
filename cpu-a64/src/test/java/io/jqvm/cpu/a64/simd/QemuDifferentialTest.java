package io.jqvm.cpu.a64.simd;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Differential test against QEMU user mode: random straight-line sequences of SIMD&amp;FP instructions from random
 * initial states (all rounding modes, FZ, DN, AHP) run under qemu-aarch64 and on {@link FpSimdExecutor}; the
 * V registers, FPSR, NZCV and the general registers the instructions may write must agree.
 */
class QemuDifferentialTest {
    private static final int CASES = 300;
    private static final int INSTRUCTIONS_PER_CASE = 12;

    @Test
    void scalarFloatingPointMatchesQemu() throws Exception {
        compareWithQemu(0x5ca1a4L, RandomCases.SCALAR_FP);
    }

    @Test
    void vectorIntegerMatchesQemu() throws Exception {
        compareWithQemu(0x1e9e7L, VectorCases.INTEGER);
    }

    @Test
    void saturatingAndEstimateInstructionsMatchQemu() throws Exception {
        compareWithQemu(0x5a7e5L, VectorCases.SATURATING);
    }

    @Test
    void randomEncodingsMatchQemu() throws Exception {
        compareWithQemu(0xe4c0dL, List.of(RandomCases::randomImplementedEncoding));
    }

    @Test
    void movesAndShiftsMatchQemu() throws Exception {
        compareWithQemu(0x5d1f7L, VectorCases.MOVES_AND_SHIFTS);
    }

    @Test
    void vectorFloatingPointMatchesQemu() throws Exception {
        compareWithQemu(0xf7ec7L, VectorCases.FLOATING_POINT);
    }

    private static void compareWithQemu(long seed, List<Function<Random, String>> templates) throws Exception {
        Random random = new Random(seed);
        List<MachineState> initial = new ArrayList<>();
        List<List<String>> cases = new ArrayList<>();
        List<String> allLines = new ArrayList<>();
        for (int c = 0; c < CASES; c++) {
            initial.add(RandomCases.randomState(random));
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < INSTRUCTIONS_PER_CASE; i++) {
                lines.add(RandomCases.pick(random, templates).apply(random));
            }
            cases.add(lines);
            allLines.addAll(lines);
        }
        int[] words = CrossTools.assemble(allLines);
        List<MachineState> expected = DifferentialProgram.parseOutput(
                CrossTools.runUnderQemu(DifferentialProgram.source(initial, cases)), CASES);
        StringBuilder report = new StringBuilder();
        int mismatches = 0;
        for (int c = 0; c < CASES; c++) {
            int[] caseWords = new int[INSTRUCTIONS_PER_CASE];
            System.arraycopy(words, c * INSTRUCTIONS_PER_CASE, caseWords, 0, INSTRUCTIONS_PER_CASE);
            StringBuilder rejected = new StringBuilder();
            MachineState actual = initial.get(c).executeOnUnit(caseWords, rejected);
            String differences = actual.describeDifferences(expected.get(c));
            if (differences.isEmpty() && rejected.isEmpty()) {
                continue;
            }
            if (++mismatches <= 3) {
                report.append("case ").append(c).append(":\n").append(rejected);
                report.append(locateFirstDivergence(initial.get(c), cases.get(c), caseWords));
                report.append("differences at the end of the case:\n").append(differences);
            }
        }
        if (mismatches > 0) {
            fail(mismatches + " of " + CASES + " cases differ from QEMU\n" + report);
        }
    }

    /** Re-runs the prefixes of a failing case under QEMU to name the first instruction whose result differs. */
    private static String locateFirstDivergence(MachineState initial, List<String> lines, int[] words)
            throws Exception {
        List<MachineState> starts = new ArrayList<>();
        List<List<String>> prefixes = new ArrayList<>();
        for (int n = 1; n <= lines.size(); n++) {
            starts.add(initial);
            prefixes.add(lines.subList(0, n));
        }
        List<MachineState> expected = DifferentialProgram.parseOutput(
                CrossTools.runUnderQemu(DifferentialProgram.source(starts, prefixes)), lines.size());
        for (int n = 1; n <= lines.size(); n++) {
            int[] prefix = new int[n];
            System.arraycopy(words, 0, prefix, 0, n);
            MachineState actual = initial.executeOnUnit(prefix, new StringBuilder());
            String differences = actual.describeDifferences(expected.get(n - 1));
            if (!differences.isEmpty()) {
                MachineState before = n == 1 ? initial : initial.executeOnUnit(
                        java.util.Arrays.copyOf(words, n - 1), new StringBuilder());
                return "first divergence at instruction " + n + ": " + lines.get(n - 1)
                        + String.format(" (%08x)%n", words[n - 1]) + "state before it (fpcr in the fpsr slot of the "
                        + "initial state):\n" + initial.dump() + "after the prefix:\n" + before.dump()
                        + "differences after it:\n" + differences;
            }
        }
        return "no single-prefix divergence found\n";
    }
}
