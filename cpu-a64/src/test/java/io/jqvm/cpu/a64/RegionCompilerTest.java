package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.VcpuExit;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Compiled regions against the interpreter: random loops of integer, flag, branch and load/store (unprivileged too)
 * instructions run on an interpret-only board and on boards that compile every region at once and after
 * a few iterations; the registers, NZCV, SP, the scratch memory and a fault taken inside a region must
 * be the same. (The interpreter itself is checked against QEMU by DifferentialTest and the corpus.)
 */
class RegionCompilerTest {
    private static final String[] CONDITIONS = {"eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"};
    private static final long SCRATCH = TestBoard.RAM + 0x10_0000;
    private static final int SCRATCH_BYTES = 8192;

    private final Random random = new Random(0x7e91);
    private int labels;

    private String pick(String... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private String x() {
        return "x" + random.nextInt(16);
    }

    private String w() {
        return "w" + random.nextInt(16);
    }

    private String r(boolean wide) {
        return wide ? x() : w();
    }

    private String cond() {
        return CONDITIONS[random.nextInt(CONDITIONS.length)];
    }

    /** One random instruction; x20 (scratch base), x21 (moving pointer), x19 (loop count) are kept intact. */
    private String instruction(StringBuilder pendingLabels) {
        boolean wide = random.nextBoolean();
        int bits = wide ? 64 : 32;
        String d = r(wide);
        String n = r(wide);
        String m = r(wide);
        return switch (random.nextInt(30)) {
            case 0 -> pick("add", "adds", "sub", "subs") + " " + d + ", " + n + ", #" + random.nextInt(4096);
            case 1 -> pick("add", "adds", "sub", "subs") + " " + d + ", " + n + ", " + m + ", " + pick("lsl", "lsr", "asr")
                    + " #" + random.nextInt(bits);
            case 2 -> pick("add", "adds", "sub", "subs") + " " + d + ", " + n + ", " + w() + ", "
                    + pick("uxtb", "uxth", "uxtw", "sxtb", "sxth", "sxtw") + " #" + random.nextInt(5);
            case 3 -> pick("and", "orr", "eor", "ands", "bic", "orn", "eon", "bics") + " " + d + ", " + n + ", " + m + ", "
                    + pick("lsl", "lsr", "asr", "ror") + " #" + random.nextInt(bits);
            case 4 -> pick("and", "orr", "eor", "ands") + " " + d + ", " + n + ", #" + pick("0xff", "0xffff0000", "0x3ffc", "0x1");
            case 5 -> pick("cmp", "cmn") + " " + n + ", " + (random.nextBoolean() ? "#" + random.nextInt(4096) : m);
            case 6 -> "tst " + n + ", " + m;
            case 7 -> pick("csel", "csinc", "csinv", "csneg") + " " + d + ", " + n + ", " + m + ", " + cond();
            case 8 -> pick("ccmp", "ccmn") + " " + n + ", " + (random.nextBoolean() ? "#" + random.nextInt(32) : m) + ", #"
                    + random.nextInt(16) + ", " + cond();
            case 9 -> pick("lsl", "lsr", "asr", "ror") + " " + d + ", " + n + ", #" + random.nextInt(bits);
            case 10 -> {
                int lsb = random.nextInt(bits);
                int width = 1 + random.nextInt(bits - lsb);
                yield pick("ubfx", "sbfx", "bfi", "bfxil", "ubfiz", "sbfiz") + " " + d + ", " + n + ", #" + lsb + ", #" + width;
            }
            case 11 -> pick("sxtb", "sxth") + " " + d + ", " + w() + "\n    " + pick("uxtb", "uxth") + " " + w() + ", " + w();
            case 12 -> "extr " + d + ", " + n + ", " + m + ", #" + random.nextInt(bits);
            case 13 -> pick("mul", "udiv", "sdiv", "lslv", "lsrv", "asrv", "rorv") + " " + d + ", " + n + ", " + m;
            case 14 -> pick("madd", "msub") + " " + d + ", " + n + ", " + m + ", " + r(wide);
            case 15 -> pick("smulh", "umulh") + " " + x() + ", " + x() + ", " + x();
            case 16 -> pick("smaddl", "umaddl", "smsubl", "umsubl") + " " + x() + ", " + w() + ", " + w() + ", " + x();
            case 17 -> pick("rbit", "rev", "clz", "cls") + " " + d + ", " + n;
            case 18 -> pick("movz", "movn", "movk") + " " + d + ", #" + random.nextInt(65536) + ", lsl #"
                    + 16 * random.nextInt(wide ? 4 : 2);
            case 19 -> pick("crc32b", "crc32h", "crc32w", "crc32cb", "crc32ch", "crc32cw") + " " + w() + ", " + w() + ", " + w();
            case 20, 21 -> {
                String label = "L" + labels++;
                pendingLabels.append(label).append(',');
                yield switch (random.nextInt(4)) {
                    case 0 -> "b." + cond() + " " + label;
                    case 1 -> pick("cbz", "cbnz") + " " + r(wide) + ", " + label;
                    case 2 -> pick("tbz", "tbnz") + " " + x() + ", #" + random.nextInt(64) + ", " + label;
                    default -> "b " + label;
                };
            }
            case 22 -> {
                String size = pick("", "b", "h", "sb", "sh", "sw");
                int scale = switch (size) {
                    case "b", "sb" -> 1;
                    case "h", "sh" -> 2;
                    case "sw" -> 4;
                    default -> wide ? 8 : 4;
                };
                String t = size.equals("sw") || (size.startsWith("s") && wide) ? x() : size.isEmpty() ? r(wide) : w();
                yield "ldr" + size + " " + t + ", [x20, #" + scale * random.nextInt(4096 / scale) + "]";
            }
            case 23 -> {
                String size = pick("", "b", "h");
                int scale = size.equals("b") ? 1 : size.equals("h") ? 2 : wide ? 8 : 4;
                yield "str" + size + " " + (size.isEmpty() ? r(wide) : w()) + ", [x20, #" + scale * random.nextInt(4096 / scale) + "]";
            }
            case 24 -> pick("ldur", "stur", "ldtr", "sttr") + " " + r(wide) + ", [x21, #" + (random.nextInt(511) - 255) + "]";
            case 25 -> pick("ldr", "str") + " " + r(wide) + ", [x21, #" + (8 * random.nextInt(8) - 32) + "]" + pick("!", "");
            case 26 -> pick("ldr", "str") + " " + r(wide) + ", [x21], #" + (8 * random.nextInt(8) - 32);
            case 27 -> {
                String index = x();
                yield "and x22, " + index + ", #0xf8\n    " + pick("ldr", "str") + " " + r(wide) + ", [x20, x22"
                        + pick("", ", lsl #" + (wide ? 3 : 2)) + "]";
            }
            case 28 -> {
                boolean load = random.nextBoolean();
                String first = r(wide);
                String second = r(wide);
                while (load && second.substring(1).equals(first.substring(1))) {
                    second = r(wide);
                }
                int scale = wide ? 8 : 4;
                yield (load ? "ldp" : "stp") + " " + first + ", " + second + ", [x20, #" + scale * random.nextInt(64) + "]";
            }
            default -> {
                String first = x();
                String second = x();
                while (second.equals(first)) {
                    second = x();
                }
                yield pick("ldp", "stp") + " " + first + ", " + second + ", [x21, #" + 16 * (random.nextInt(8) - 4) + "]"
                        + pick("!", "");
            }
        };
    }

    private String randomLoop(int length, int iterations) {
        StringBuilder source = new StringBuilder();
        source.append("    ldr x20, =").append(SCRATCH).append('\n');
        source.append("    mov x19, #").append(iterations).append('\n');
        for (int i = 0; i < 16; i++) {
            source.append("    ldr x").append(i).append(", =0x").append(Long.toHexString(random.nextLong())).append('\n');
        }
        source.append("    mov sp, x20\n");
        source.append("loop:\n    add x21, x20, #4096\n");
        StringBuilder pending = new StringBuilder();
        for (int i = 0; i < length; i++) {
            source.append("    ").append(instruction(pending)).append('\n');
            if (pending.length() > 0 && random.nextInt(3) == 0) {
                for (String label : pending.toString().split(",")) {
                    source.append(label).append(":\n");
                }
                pending.setLength(0);
            }
        }
        for (String label : pending.toString().split(",")) {
            if (!label.isEmpty()) {
                source.append(label).append(":\n");
            }
        }
        source.append("    stp x0, x1, [sp, #-16]!\n    ldp x0, x1, [sp], #16\n");
        source.append("    subs x19, x19, #1\n    b.ne loop\n");
        return source.toString();
    }

    private record Outcome(long[] registers, long sp, int nzcv, byte[] scratch, long compiled, long failed) {
    }

    private static Outcome run(String program, int jitThreshold) {
        TestBoard board = new TestBoard(1, jitThreshold);
        board.memory.load(TestBoard.RAM, GuestAssembler.assemble(program, TestBoard.RAM));
        VcpuExit exit = board.run(60);
        assertEquals(VcpuExit.POWERED_OFF, exit, () -> board.cpu().registerDump());
        A64Cpu cpu = board.cpu();
        long[] registers = new long[31];
        for (int i = 0; i < 31; i++) {
            registers[i] = cpu.x(i);
        }
        byte[] scratch = board.memory.read(SCRATCH, SCRATCH_BYTES);
        return new Outcome(registers, cpu.sp(), cpu.nzcv(), scratch, board.machine.compiledRegions(), board.machine.failedRegions());
    }

    private static void assertSame(Outcome expected, Outcome actual, String program) {
        assertEquals(0, actual.failed(), "regions failed to compile:\n" + program);
        for (int i = 0; i < 31; i++) {
            int r = i;
            assertEquals(expected.registers()[i], actual.registers()[i], () -> "x" + r + " differs:\n" + program);
        }
        assertEquals(expected.sp(), actual.sp(), () -> "sp differs:\n" + program);
        assertEquals(expected.nzcv(), actual.nzcv(), () -> "nzcv differs:\n" + program);
        assertArrayEquals(expected.scratch(), actual.scratch(), () -> "memory differs:\n" + program);
    }

    @Test
    void randomLoopsMatchTheInterpreter() {
        StringBuilder all = new StringBuilder();
        String[] programs = new String[40];
        for (int p = 0; p < programs.length; p++) {
            programs[p] = "p" + p + ":\n" + randomLoop(24 + random.nextInt(80), 20 + random.nextInt(40))
                    + IntegerInstructionsTest.OFF;
            all.append(programs[p]);
        }
        long compiled = 0;
        for (String program : programs) {
            Outcome interpreted = run(program, 0);
            Outcome eager = run(program, 1);
            Outcome warm = run(program, 5);
            assertSame(interpreted, eager, program);
            assertSame(interpreted, warm, program);
            compiled += eager.compiled();
        }
        assertTrue(compiled >= programs.length, "regions compiled: " + compiled);
    }

    @Test
    void aFaultInsideARegionSeesTheInstructionsStateAndFlags() {
        // The loop faults on its 30th iteration with flags set by the compare before the load; the handler
        // records ELR, ESR, FAR and SPSR (NZCV) and powers off.
        String program = """
                    adr x9, vectors
                    msr vbar_el1, x9
                    ldr x20, =0x40100000
                    ldr x23, =0x0A000000
                    mov x19, #40
                    mov x1, #0
                loop:
                    add x1, x1, #7
                    str x1, [x20, #8]
                    cmp x19, #11
                    b.ne 1f
                    ldr x2, [x23]
                1:  cmn x1, #5
                    subs x19, x19, #1
                    b.ne loop
                    b off
                    .balign 2048
                vectors:
                    .skip 0x200
                    mrs x25, elr_el1
                    mrs x26, esr_el1
                    mrs x27, far_el1
                    mrs x28, spsr_el1
                off:
                """ + IntegerInstructionsTest.OFF;
        Outcome interpreted = run(program, 0);
        Outcome compiled = run(program, 1);
        assertSame(interpreted, compiled, program);
        assertEquals(TestBoard.FAULTING, compiled.registers()[27]);
        assertEquals(0x6, compiled.registers()[28] >>> 28, "NZCV of cmp x19, #11 with x19 = 11: Z and C");
        assertTrue(compiled.compiled() > 0);
    }

    @Test
    void everyEntryOfRandomPagesTranslatesOrIsRefused() {
        // Random words reach encodings no compiler emits; each entry must give a region or NONE, never a
        // translator failure (a VerifyError, a register without a local, a method too large).
        RegionCompiler compiler = new RegionCompiler(RegionContract.regionLookup(), 1);
        MemorySegment words = Arena.ofAuto().allocate(4096);
        long regions = 0;
        for (int page = 0; page < 8; page++) {
            for (int i = 0; i < 1024; i++) {
                words.setAtIndex(ValueLayout.JAVA_INT, i, random.nextInt());
            }
            CodePage code = new CodePage(words, 0);
            for (int i = 0; i < CodePage.INSTRUCTIONS; i++) {
                CompiledRegion region = compiler.compile(code, i, 0x4000_0000L + 4L * i, true);
                assertTrue(region != null, "entry " + i);
                if (region != CompiledRegion.NONE) {
                    regions++;
                }
            }
        }
        assertEquals(0, compiler.failed());
        assertTrue(regions > 1000, "regions: " + regions);
    }

    @Test
    void aHotLoopIsCompiledInTheBackgroundAndThenRun() {
        // Threshold 100: the request goes to the compiler thread while the vCPU interprets on; the loop
        // runs long enough (about 20 M instructions) to pick the region up.
        String program = """
                    ldr x2, =5000000
                    mov x1, #0
                1:  add x1, x1, #3
                    subs x2, x2, #1
                    b.ne 1b
                """ + IntegerInstructionsTest.OFF;
        TestBoard board = new TestBoard(1, 100);
        board.memory.load(TestBoard.RAM, GuestAssembler.assemble(program, TestBoard.RAM));
        assertEquals(VcpuExit.POWERED_OFF, board.run(60), () -> board.cpu().registerDump());
        assertEquals(15_000_000L, board.cpu().x(1));
        // the loop's entry, and others where interpreted batches happened to start before it was ready
        assertTrue(board.machine.compiledRegions() >= 1, "regions: " + board.machine.compiledRegions());
        assertEquals(0, board.machine.failedRegions());
    }
}
