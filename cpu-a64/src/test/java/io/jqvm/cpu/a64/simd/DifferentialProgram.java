package io.jqvm.cpu.a64.simd;

import java.util.ArrayList;
import java.util.List;

/**
 * A freestanding AArch64 program that, for each test case, loads an initial {@link MachineState}, runs the case's
 * instructions and writes the resulting state to stdout as one 16-digit hex line per quadword (Linux syscalls).
 */
final class DifferentialProgram {
    private DifferentialProgram() {
    }

    static String source(List<MachineState> initial, List<List<String>> cases) {
        StringBuilder sb = new StringBuilder();
        sb.append("\t.text\n\t.global _start\n_start:\n");
        for (int i = 0; i < cases.size(); i++) {
            sb.append("\tadrp x0, state").append(i).append("\n\tadd x0, x0, :lo12:state").append(i).append('\n');
            sb.append("\tbl load_state\n");
            for (String line : cases.get(i)) {
                sb.append('\t').append(line).append('\n');
            }
            sb.append("\tbl dump_state\n");
        }
        sb.append("\tmov x0, #0\n\tmov x8, #93\n\tsvc #0\n");
        sb.append("load_state:\n");
        for (int q = 0; q < 32; q += 2) {
            sb.append(String.format("\tldp q%d, q%d, [x0, #%d]%n", q, q + 1, q * 16));
        }
        sb.append("\tldr x1, [x0, #512]\n\tmsr fpcr, x1\n\tmsr fpsr, xzr\n");
        sb.append("\tldr x1, [x0, #520]\n\tmsr nzcv, x1\n");
        sb.append("\tadd x4, x0, #").append(8 * MachineState.FIRST_X).append('\n');
        for (int x = 0; x < MachineState.X_COUNT; x += 2) {
            sb.append(String.format("\tldp x%d, x%d, [x4, #%d]%n", MachineState.FIRST_X_REGISTER + x,
                    MachineState.FIRST_X_REGISTER + x + 1, 8 * x));
        }
        sb.append("\tret\n");
        sb.append("dump_state:\n\tadrp x0, dump\n\tadd x0, x0, :lo12:dump\n");
        for (int q = 0; q < 32; q += 2) {
            sb.append(String.format("\tstp q%d, q%d, [x0, #%d]%n", q, q + 1, q * 16));
        }
        sb.append("\tmrs x1, fpsr\n\tstr x1, [x0, #512]\n\tmrs x1, nzcv\n\tstr x1, [x0, #520]\n");
        sb.append("\tadd x4, x0, #").append(8 * MachineState.FIRST_X).append('\n');
        for (int x = 0; x < MachineState.X_COUNT; x += 2) {
            sb.append(String.format("\tstp x%d, x%d, [x4, #%d]%n", MachineState.FIRST_X_REGISTER + x,
                    MachineState.FIRST_X_REGISTER + x + 1, 8 * x));
        }
        sb.append("""
                \tadrp x3, text
                \tadd x3, x3, :lo12:text
                \tmov x2, #%d
                1:\tldr x5, [x0], #8
                \tmov x6, #60
                2:\tlsr x7, x5, x6
                \tand x7, x7, #15
                \tadd x9, x7, #'0'
                \tadd x10, x7, #('a' - 10)
                \tcmp x7, #10
                \tcsel x7, x10, x9, hs
                \tstrb w7, [x3], #1
                \tsubs x6, x6, #4
                \tb.ge 2b
                \tmov w7, #10
                \tstrb w7, [x3], #1
                \tsubs x2, x2, #1
                \tb.ne 1b
                \tmov x0, #1
                \tadrp x1, text
                \tadd x1, x1, :lo12:text
                \tmov x2, #%d
                \tmov x8, #64
                \tsvc #0
                \tret
                """.formatted(MachineState.QUADS, MachineState.QUADS * 17));
        sb.append("\t.data\n\t.balign 16\n");
        for (int i = 0; i < initial.size(); i++) {
            sb.append("state").append(i).append(":\n");
            long[] q = initial.get(i).quads;
            for (int j = 0; j < q.length; j += 4) {
                sb.append(String.format("\t.quad 0x%x, 0x%x, 0x%x, 0x%x%n", q[j], q[j + 1], q[j + 2], q[j + 3]));
            }
        }
        sb.append("\t.bss\n\t.balign 16\ndump:\t.skip ").append(8 * MachineState.QUADS)
                .append("\ntext:\t.skip ").append(17 * MachineState.QUADS).append('\n');
        return sb.toString();
    }

    static List<MachineState> parseOutput(String output, int cases) {
        String[] lines = output.split("\n");
        if (lines.length != cases * MachineState.QUADS) {
            throw new IllegalStateException("expected " + cases * MachineState.QUADS + " lines, got " + lines.length
                    + ":\n" + output.substring(0, Math.min(2000, output.length())));
        }
        List<MachineState> states = new ArrayList<>();
        for (int c = 0; c < cases; c++) {
            long[] q = new long[MachineState.QUADS];
            for (int i = 0; i < q.length; i++) {
                q[i] = Long.parseUnsignedLong(lines[c * MachineState.QUADS + i], 16);
            }
            states.add(new MachineState(q));
        }
        return states;
    }
}
