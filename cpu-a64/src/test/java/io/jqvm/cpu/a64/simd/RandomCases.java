package io.jqvm.cpu.a64.simd;

import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/** Random initial states and random instruction text for the differential test against QEMU. */
final class RandomCases {
    private RandomCases() {
    }

    private static final String[] CONDITIONS = {
        "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"};

    static MachineState randomState(Random r) {
        long[] q = new long[MachineState.QUADS];
        for (int i = 0; i < 64; i++) {
            q[i] = randomHalfRegister(r);
        }
        int rounding = r.nextInt(10) < 4 ? 0 : r.nextInt(4);
        long fpcr = (long) rounding << 22;
        if (r.nextInt(10) < 3) {
            fpcr |= SoftFloat.FPCR_FZ;
        }
        if (r.nextInt(10) < 3) {
            fpcr |= SoftFloat.FPCR_DN;
        }
        if (r.nextInt(10) < 2) {
            fpcr |= SoftFloat.FPCR_AHP;
        }
        q[MachineState.FP_CONTROL] = fpcr;
        q[MachineState.NZCV] = (long) r.nextInt(16) << 28;
        for (int i = 0; i < MachineState.X_COUNT; i++) {
            q[MachineState.FIRST_X + i] = randomInteger(r);
        }
        return new MachineState(q);
    }

    private static long randomHalfRegister(Random r) {
        return switch (r.nextInt(5)) {
            case 0, 1 -> randomDouble(r);
            case 2 -> (randomFloat(r) & 0xffffffffL) | randomFloat(r) << 32;
            case 3 -> randomInteger(r);
            default -> {
                long v = 0;
                for (int i = 0; i < 8; i++) {
                    long b = switch (r.nextInt(6)) {
                        case 0 -> 0;
                        case 1 -> 0xff;
                        case 2 -> 0x7f + r.nextInt(3);
                        default -> r.nextInt(256);
                    };
                    v |= b << (8 * i);
                }
                yield v;
            }
        };
    }

    static long randomInteger(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> r.nextInt(200) - 100;
            case 1 -> (1L << 31) + r.nextInt(5) - 2;
            case 2 -> Long.MIN_VALUE + r.nextInt(5) - 2;
            case 3 -> (1L << (32 + r.nextInt(32))) + r.nextInt(5) - 2;
            case 4 -> r.nextLong() >> r.nextInt(64);
            default -> r.nextLong();
        };
    }

    static long randomDouble(Random r) {
        long sign = r.nextBoolean() ? Long.MIN_VALUE : 0;
        long frac = r.nextLong() & 0xfffffffffffffL;
        long narrow = frac & (0xfffL << 40);
        return sign | switch (r.nextInt(14)) {
            case 0 -> 0;
            case 1 -> 0x7ff0000000000000L;
            case 2 -> 0x7ff8000000000000L | (frac >>> 1) & 0xffL;
            case 3 -> 0x7ff0000000000000L | (frac & 0xffL) + 1;
            case 4 -> frac >>> r.nextInt(52);
            case 5 -> 0x0010000000000000L + (frac >>> r.nextInt(52));
            case 6 -> 0x7fefffffffffffffL - (frac >>> r.nextInt(52));
            case 7 -> (long) (1023 + r.nextInt(70) - 5) << 52 | narrow;
            case 8 -> Double.doubleToRawLongBits(r.nextInt(64) / 4.0);
            case 9 -> (long) (1023 + 30 + r.nextInt(36)) << 52 | (r.nextBoolean() ? 0 : frac);
            case 10 -> (long) (1023 - 1022 + r.nextInt(60)) << 52 | frac;
            case 11 -> (long) (1023 + 897 + r.nextInt(40)) << 52 | frac;
            case 12 -> (long) (1023 + r.nextInt(40) - 20) << 52 | frac;
            default -> r.nextLong() & Long.MAX_VALUE;
        };
    }

    static long randomFloat(Random r) {
        int sign = r.nextBoolean() ? Integer.MIN_VALUE : 0;
        int frac = r.nextInt() & 0x7fffff;
        int narrow = frac & (0xfff << 11);
        int bits = sign | switch (r.nextInt(14)) {
            case 0 -> 0;
            case 1 -> 0x7f800000;
            case 2 -> 0x7fc00000 | (frac & 0xff);
            case 3 -> 0x7f800000 | (frac & 0xff) + 1;
            case 4 -> frac >>> r.nextInt(23);
            case 5 -> 0x00800000 + (frac >>> r.nextInt(23));
            case 6 -> 0x7f7fffff - (frac >>> r.nextInt(23));
            case 7 -> (127 + r.nextInt(40) - 5) << 23 | narrow;
            case 8 -> Float.floatToRawIntBits(r.nextInt(64) / 4.0f);
            case 9 -> (127 + 30 + r.nextInt(36)) << 23 | (r.nextBoolean() ? 0 : frac);
            case 10 -> (127 - 126 + r.nextInt(30)) << 23 | frac;
            case 11 -> (127 + 100 + r.nextInt(28)) << 23 | frac;
            case 12 -> (127 + r.nextInt(40) - 20) << 23 | frac;
            default -> r.nextInt() & Integer.MAX_VALUE;
        };
        return bits & 0xffffffffL;
    }

    static int reg(Random r) {
        return r.nextInt(4) == 0 ? r.nextInt(32) : r.nextInt(8);
    }

    static String condition(Random r) {
        return CONDITIONS[r.nextInt(CONDITIONS.length)];
    }

    static String general(Random r, boolean x) {
        int n = r.nextInt(12) == 0 ? 31 : MachineState.FIRST_X_REGISTER + r.nextInt(MachineState.X_COUNT);
        return n == 31 ? (x ? "xzr" : "wzr") : (x ? "x" : "w") + n;
    }

    static <T> T pick(Random r, List<T> items) {
        return items.get(r.nextInt(items.size()));
    }

    @SafeVarargs
    static <T> T pick(Random r, T... items) {
        return items[r.nextInt(items.length)];
    }

    /** Scalar floating-point instructions: arithmetic, compares, selects, moves and conversions. */
    static final List<Function<Random, String>> SCALAR_FP = List.of(
        r -> {
            char p = pick(r, 's', 'd');
            return "%s %c%d, %c%d, %c%d".formatted(pick(r, "fadd", "fsub", "fmul", "fdiv", "fnmul", "fmax", "fmin",
                    "fmaxnm", "fminnm"), p, reg(r), p, reg(r), p, reg(r));
        },
        r -> {
            char p = pick(r, 's', 'd');
            return "%s %c%d, %c%d, %c%d, %c%d".formatted(pick(r, "fmadd", "fmsub", "fnmadd", "fnmsub"),
                    p, reg(r), p, reg(r), p, reg(r), p, reg(r));
        },
        r -> {
            char p = pick(r, 's', 'd');
            return "%s %c%d, %c%d".formatted(pick(r, "fabs", "fneg", "fsqrt", "fmov", "frintn", "frintp", "frintm",
                    "frintz", "frinta", "frintx", "frinti"), p, reg(r), p, reg(r));
        },
        r -> {
            char from = pick(r, 'h', 's', 'd');
            char to = from == 'h' ? pick(r, 's', 'd') : from == 's' ? pick(r, 'h', 'd') : pick(r, 'h', 's');
            return "fcvt %c%d, %c%d".formatted(to, reg(r), from, reg(r));
        },
        r -> {
            char p = pick(r, 's', 'd');
            String second = r.nextInt(4) == 0 ? "#0.0" : p + Integer.toString(reg(r));
            return "%s %c%d, %s".formatted(pick(r, "fcmp", "fcmpe"), p, reg(r), second);
        },
        r -> {
            char p = pick(r, 's', 'd');
            return "%s %c%d, %c%d, #%d, %s".formatted(pick(r, "fccmp", "fccmpe"), p, reg(r), p, reg(r),
                    r.nextInt(16), condition(r));
        },
        r -> {
            char p = pick(r, 's', 'd');
            return "fcsel %c%d, %c%d, %c%d, %s".formatted(p, reg(r), p, reg(r), p, reg(r), condition(r));
        },
        r -> {
            double value = Double.longBitsToDouble(SoftFloat.expandImmediate(r.nextInt(256), 64));
            return "fmov %c%d, #%s".formatted(pick(r, 's', 'd'), reg(r), new BigDecimal(value).toPlainString());
        },
        r -> switch (r.nextInt(6)) {
            case 0 -> "fmov %s, s%d".formatted(general(r, false), reg(r));
            case 1 -> "fmov %s, d%d".formatted(general(r, true), reg(r));
            case 2 -> "fmov s%d, %s".formatted(reg(r), general(r, false));
            case 3 -> "fmov d%d, %s".formatted(reg(r), general(r, true));
            case 4 -> "fmov %s, v%d.d[1]".formatted(general(r, true), reg(r));
            default -> "fmov v%d.d[1], %s".formatted(reg(r), general(r, true));
        },
        r -> {
            boolean x = r.nextBoolean();
            String fixed = r.nextBoolean() ? "" : ", #" + (1 + r.nextInt(x ? 64 : 32));
            return "%s %c%d, %s%s".formatted(pick(r, "scvtf", "ucvtf"), pick(r, 's', 'd'), reg(r), general(r, x),
                    fixed);
        },
        r -> {
            boolean x = r.nextBoolean();
            String fixed = r.nextBoolean() ? "" : ", #" + (1 + r.nextInt(x ? 64 : 32));
            return "%s %s, %c%d%s".formatted(pick(r, "fcvtzs", "fcvtzu"), general(r, x), pick(r, 's', 'd'), reg(r),
                    fixed);
        },
        r -> "%s %s, %c%d".formatted(pick(r, "fcvtns", "fcvtnu", "fcvtps", "fcvtpu", "fcvtms", "fcvtmu", "fcvtas",
                "fcvtau"), general(r, r.nextBoolean()), pick(r, 's', 'd'), reg(r)));

    /**
     * A random word of the SIMD&amp;FP data-processing group that the unit implements, as an {@code .inst}
     * directive. Words that move between general and SIMD&amp;FP registers get their Rn and Rd fields pointed at
     * X19..X28 (or V19..V28), the general registers the test controls.
     */
    static String randomImplementedEncoding(Random r) {
        while (true) {
            int word = r.nextInt() & 0x7fffffff | 0x0e000000;
            if (touchesGeneralRegisters(word)) {
                int rn = MachineState.FIRST_X_REGISTER + r.nextInt(MachineState.X_COUNT);
                int rd = MachineState.FIRST_X_REGISTER + r.nextInt(MachineState.X_COUNT);
                word = (word & ~0x3ff) | rn << 5 | rd;
            }
            if (FpSimdExecutor.execute(word, new FpSimdState(), new TestRegisters())) {
                return String.format(".inst 0x%08x", word);
            }
        }
    }

    private static boolean touchesGeneralRegisters(int word) {
        boolean scalarFpConversion = (word & 0x5f000000) == 0x1e000000 && ((word & (1 << 21)) == 0
                || ((word >>> 10) & 0x3f) == 0);
        boolean advancedSimdCopy = (word & 0x9fe08400) == 0x0e000400;
        return scalarFpConversion || advancedSimdCopy;
    }
}
