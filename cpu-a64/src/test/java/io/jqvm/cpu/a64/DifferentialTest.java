package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jqvm.accel.VcpuExit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Random integer data-processing sequences run on this CPU and on QEMU's user-mode emulator (the reference
 * implementation the notes recommend); x1-x15 and NZCV must agree afterwards.
 */
class DifferentialTest {
    private static final String[] CONDITIONS = {"eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"};
    private static final String[] SHIFTS = {"lsl", "lsr", "asr"};
    private static final String[] EXTENDS = {"uxtb", "uxth", "uxtw", "sxtb", "sxth", "sxtw"};
    private static final String[] LOGICAL_IMMEDIATES = {"0xff", "0xffff0000", "0x5555555555555555", "0x3ffc", "0x8000000000000001",
        "0xf0f0f0f0f0f0f0f0", "0x7fffffffffffffff", "0x1"};
    private static final String[] LOGICAL_IMMEDIATES_32 = {"0xff", "0xffff0000", "0x55555555", "0x3ffc", "0x80000001", "0x7fffffff", "0x1"};

    private final Random random = new Random(0x5eed);

    private String x() {
        return "x" + (1 + random.nextInt(15));
    }

    private String w() {
        return "w" + (1 + random.nextInt(15));
    }

    private String r(boolean wide) {
        return wide ? x() : w();
    }

    private String instruction() {
        boolean wide = random.nextBoolean();
        int bits = wide ? 64 : 32;
        String d = r(wide);
        String n = r(wide);
        String m = r(wide);
        String c = CONDITIONS[random.nextInt(CONDITIONS.length)];
        return switch (random.nextInt(22)) {
            case 0 -> pick("add", "adds", "sub", "subs") + " " + d + ", " + n + ", #" + random.nextInt(4096)
                    + (random.nextBoolean() ? ", lsl #12" : "");
            case 1 -> pick("add", "adds", "sub", "subs") + " " + d + ", " + n + ", " + m + ", "
                    + SHIFTS[random.nextInt(3)] + " #" + random.nextInt(bits);
            case 2 -> pick("add", "adds", "sub", "subs") + " " + d + ", " + n + ", " + (wide ? "w" + (1 + random.nextInt(15)) : m)
                    + ", " + EXTENDS[random.nextInt(EXTENDS.length)] + " #" + random.nextInt(5);
            case 3 -> pick("and", "orr", "eor", "ands", "bic", "orn", "eon", "bics") + " " + d + ", " + n + ", " + m + ", "
                    + pick("lsl", "lsr", "asr", "ror") + " #" + random.nextInt(bits);
            case 4 -> pick("and", "orr", "eor", "ands") + " " + d + ", " + n + ", #"
                    + (wide ? LOGICAL_IMMEDIATES[random.nextInt(LOGICAL_IMMEDIATES.length)]
                    : LOGICAL_IMMEDIATES_32[random.nextInt(LOGICAL_IMMEDIATES_32.length)]);
            case 5 -> pick("movz", "movn", "movk") + " " + d + ", #" + random.nextInt(65536) + ", lsl #" + 16 * random.nextInt(wide ? 4 : 2);
            case 6 -> pick("adc", "adcs", "sbc", "sbcs") + " " + d + ", " + n + ", " + m;
            case 7 -> pick("ccmp", "ccmn") + " " + n + ", #" + random.nextInt(32) + ", #" + random.nextInt(16) + ", " + c;
            case 8 -> pick("ccmp", "ccmn") + " " + n + ", " + m + ", #" + random.nextInt(16) + ", " + c;
            case 9 -> pick("csel", "csinc", "csinv", "csneg") + " " + d + ", " + n + ", " + m + ", " + c;
            case 10 -> {
                int lsb = random.nextInt(bits);
                int width = 1 + random.nextInt(bits - lsb);
                yield pick("ubfx", "sbfx", "bfxil", "ubfiz", "sbfiz", "bfi") + " " + d + ", " + n + ", #" + lsb + ", #" + width;
            }
            case 11 -> pick("lsl", "lsr", "asr", "ror") + " " + d + ", " + n + ", #" + random.nextInt(bits);
            case 12 -> "extr " + d + ", " + n + ", " + m + ", #" + random.nextInt(bits);
            case 13 -> (wide ? pick("rbit", "rev", "rev16", "rev32", "clz", "cls") : pick("rbit", "rev", "rev16", "clz", "cls"))
                    + " " + d + ", " + n;
            case 14 -> pick("udiv", "sdiv", "lslv", "lsrv", "asrv", "rorv") + " " + d + ", " + n + ", " + m;
            case 15 -> pick("madd", "msub") + " " + d + ", " + n + ", " + m + ", " + r(wide);
            case 16 -> pick("smaddl", "umaddl", "smsubl", "umsubl") + " " + x() + ", " + w() + ", " + w() + ", " + x();
            case 17 -> pick("smulh", "umulh") + " " + x() + ", " + x() + ", " + x();
            case 18 -> pick("crc32b", "crc32h", "crc32w", "crc32cb", "crc32ch", "crc32cw") + " " + w() + ", " + w() + ", " + w();
            case 19 -> pick("crc32x", "crc32cx") + " " + w() + ", " + w() + ", " + x();
            case 20 -> pick("cset", "csetm") + " " + d + ", " + c;
            default -> pick("negs", "ngcs", "mvn", "cmp", "cmn", "tst") + " " + d + ", " + n;
        };
    }

    private String pick(String... options) {
        return options[random.nextInt(options.length)];
    }

    private String program(int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 15; i++) {
            long value = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(256) - 128;
                case 1 -> random.nextBoolean() ? Long.MIN_VALUE + random.nextInt(3) : Long.MAX_VALUE - random.nextInt(3);
                case 2 -> random.nextInt() & 0xFFFFFFFFL;
                default -> random.nextLong();
            };
            sb.append("    ldr x").append(i).append(", =").append(value).append('\n');
        }
        sb.append("    msr nzcv, xzr\n");
        for (int i = 0; i < length; i++) {
            sb.append("    ").append(instruction()).append('\n');
        }
        sb.append("""
                    adr x0, results
                    mov x16, x0                      // survives the power-off sequence
                    stp x1, x2, [x0]
                    stp x3, x4, [x0, #16]
                    stp x5, x6, [x0, #32]
                    stp x7, x8, [x0, #48]
                    stp x9, x10, [x0, #64]
                    stp x11, x12, [x0, #80]
                    stp x13, x14, [x0, #96]
                    mrs x1, nzcv
                    stp x15, x1, [x0, #112]
                    b finish
                    .ltorg
                    .align 4
                results: .fill 16, 8, 0
                finish:
                """);
        return sb.toString();
    }

    private static long[] onQemu(String body) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jqvm-diff-");
        try {
            Files.writeString(dir.resolve("t.s"), ".global _start\n_start:\n" + body + """
                        mov x0, #1
                        adr x1, results
                        mov x2, #128
                        mov x8, #64
                        svc #0
                        mov x0, #0
                        mov x8, #93
                        svc #0
                    """);
            exec(dir, "aarch64-linux-gnu-as", "-march=armv8-a+crc", "-o", "t.o", "t.s");
            exec(dir, "aarch64-linux-gnu-ld", "-static", "-N", "-o", "t", "t.o"); // -N: writable text for the results
            Process p = new ProcessBuilder("qemu-aarch64", "-cpu", "max", dir.resolve("t").toString()).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(60, TimeUnit.SECONDS);
            ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
            long[] values = new long[16];
            for (int i = 0; i < 16; i++) {
                values[i] = b.getLong();
            }
            return values;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    private static void exec(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
    }

    private static long[] onThisCpu(String body) {
        TestBoard board = TestBoard.withProgram(body + IntegerInstructionsTest.OFF);
        assertEquals(VcpuExit.POWERED_OFF, board.run(), () -> board.cpu().registerDump());
        long results = board.cpu().x(16);
        long[] values = new long[16];
        for (int i = 0; i < 16; i++) {
            values[i] = board.memory.read64(results + 8L * i);
        }
        return values;
    }

    @Test
    void randomIntegerSequencesMatchQemu() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-aarch64")), "qemu-aarch64 is not installed");
        List<String> mismatches = new ArrayList<>();
        for (int round = 0; round < 30; round++) {
            String body = program(250);
            long[] expected = onQemu(body);
            long[] actual = onThisCpu(body);
            for (int i = 0; i < 16; i++) {
                if (expected[i] != actual[i]) {
                    mismatches.add("round " + round + (i == 15 ? " nzcv" : " x" + (i + 1)) + ": qemu "
                            + Long.toHexString(expected[i]) + " cpu " + Long.toHexString(actual[i]));
                }
            }
            if (!mismatches.isEmpty()) {
                mismatches.add(body);
                break;
            }
        }
        assertEquals(List.of(), mismatches);
    }
}
