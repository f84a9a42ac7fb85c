package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.RandomCases.general;
import static io.jqvm.cpu.a64.simd.RandomCases.pick;
import static io.jqvm.cpu.a64.simd.RandomCases.reg;

import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/** Random Advanced SIMD instruction text (integer, permute, moves, shifts and floating point). */
final class VectorCases {
    private VectorCases() {
    }

    private static final String[] ALL = {"8b", "16b", "4h", "8h", "2s", "4s", "2d"};
    private static final String[] NO_D = {"8b", "16b", "4h", "8h", "2s", "4s"};
    private static final String[] BYTES = {"8b", "16b"};
    private static final String[] FP = {"2s", "4s", "2d"};
    private static final String[] NARROW = {"8b", "4h", "2s"};
    private static final String[] NARROW_UPPER = {"16b", "8h", "4s"};
    private static final String[] WIDE = {"8h", "4s", "2d"};
    private static final String[] SCALAR = {"b", "h", "s", "d"};

    static int elementBits(String arrangement) {
        return switch (arrangement.charAt(arrangement.length() - 1)) {
            case 'b' -> 8;
            case 'h' -> 16;
            case 's' -> 32;
            default -> 64;
        };
    }

    static int lanes(String arrangement) {
        return Integer.parseInt(arrangement.substring(0, arrangement.length() - 1));
    }

    private static String same(Random r, String op, String t) {
        return "%s v%d.%s, v%d.%s, v%d.%s".formatted(op, reg(r), t, reg(r), t, reg(r), t);
    }

    private static String unary(Random r, String op, String t) {
        return "%s v%d.%s, v%d.%s".formatted(op, reg(r), t, reg(r), t);
    }

    /** A narrow arrangement and its wide counterpart, for the plain or the "2" (upper half) form. */
    private static String[] narrowWide(Random r, boolean upper) {
        int i = r.nextInt(3);
        return new String[] {upper ? NARROW_UPPER[i] : NARROW[i], WIDE[i]};
    }

    static final List<Function<Random, String>> INTEGER = List.of(
        r -> same(r, pick(r, "add", "sub", "cmeq", "cmge", "cmgt", "cmhi", "cmhs", "cmtst", "sqadd", "uqadd",
                "sqsub", "uqsub", "sshl", "ushl", "srshl", "urshl"), pick(r, ALL)),
        r -> same(r, pick(r, "mul", "mla", "mls", "shadd", "uhadd", "srhadd", "urhadd", "shsub", "uhsub", "smax",
                "umax", "smin", "umin", "sabd", "uabd", "saba", "uaba", "smaxp", "umaxp", "sminp", "uminp"), pick(r, NO_D)),
        r -> same(r, "addp", pick(r, ALL)),
        r -> same(r, "pmul", pick(r, BYTES)),
        r -> same(r, pick(r, "and", "orr", "orn", "eor", "bic", "bsl", "bit", "bif"), pick(r, BYTES)),
        r -> {
            String op = pick(r, "add", "sub", "cmeq", "cmge", "cmgt", "cmhi", "cmhs", "cmtst", "sshl", "ushl", "srshl",
                    "urshl");
            return "%s d%d, d%d, d%d".formatted(op, reg(r), reg(r), reg(r));
        },
        r -> {
            String p = pick(r, SCALAR);
            return "%s %s%d, %s%d, %s%d".formatted(pick(r, "sqadd", "uqadd", "sqsub", "uqsub"), p, reg(r), p, reg(r),
                    p, reg(r));
        },
        r -> unary(r, pick(r, "rev64", "cls", "clz"), pick(r, NO_D)),
        r -> unary(r, "rev32", pick(r, "8b", "16b", "4h", "8h")),
        r -> unary(r, pick(r, "rev16", "cnt", "not", "rbit"), pick(r, BYTES)),
        r -> unary(r, pick(r, "abs", "neg", "sqabs", "sqneg"), pick(r, ALL)),
        r -> "%s v%d.%s, v%d.%3$s, #0".formatted(pick(r, "cmeq", "cmge", "cmgt", "cmle", "cmlt"), reg(r),
                pick(r, ALL), reg(r)),
        r -> "%s d%d, d%d, #0".formatted(pick(r, "cmeq", "cmge", "cmgt", "cmle", "cmlt"), reg(r), reg(r)),
        r -> "%s d%d, d%d".formatted(pick(r, "abs", "neg"), reg(r), reg(r)),
        r -> {
            String p = pick(r, SCALAR);
            return "%s %s%d, %s%d".formatted(pick(r, "sqabs", "sqneg"), p, reg(r), p, reg(r));
        },
        r -> {
            int i = r.nextInt(6);
            String[] from = {"8b", "16b", "4h", "8h", "2s", "4s"};
            String[] to = {"4h", "8h", "2s", "4s", "1d", "2d"};
            return "%s v%d.%s, v%d.%s".formatted(pick(r, "saddlp", "uaddlp", "sadalp", "uadalp"), reg(r), to[i], reg(r),
                    from[i]);
        },
        r -> {
            boolean upper = r.nextBoolean();
            String[] t = narrowWide(r, upper);
            return "%s%s v%d.%s, v%d.%s".formatted(pick(r, "xtn", "sqxtn", "uqxtn", "sqxtun"), upper ? "2" : "",
                    reg(r), t[0], reg(r), t[1]);
        },
        r -> {
            int i = r.nextInt(3);
            String[] narrow = {"b", "h", "s"};
            String[] wide = {"h", "s", "d"};
            return "%s %s%d, %s%d".formatted(pick(r, "sqxtn", "uqxtn", "sqxtun"), narrow[i], reg(r), wide[i], reg(r));
        },
        r -> {
            boolean upper = r.nextBoolean();
            String[] t = narrowWide(r, upper);
            return "shll%s v%d.%s, v%d.%s, #%d".formatted(upper ? "2" : "", reg(r), t[1], reg(r), t[0],
                    elementBits(t[0]));
        },
        r -> {
            String t = pick(r, "8b", "16b", "4h", "8h", "4s");
            String p = t.endsWith("b") ? "b" : t.endsWith("h") ? "h" : "s";
            String op = pick(r, "addv", "umaxv", "uminv", "smaxv", "sminv", "saddlv", "uaddlv");
            if (op.endsWith("lv")) {
                p = p.equals("b") ? "h" : p.equals("h") ? "s" : "d";
            }
            return "%s %s%d, v%d.%s".formatted(op, p, reg(r), reg(r), t);
        },
        r -> {
            boolean upper = r.nextBoolean();
            String[] t = narrowWide(r, upper);
            String s2 = upper ? "2" : "";
            return switch (r.nextInt(3)) {
                case 0 -> "%s%s v%d.%s, v%d.%s, v%d.%s".formatted(pick(r, "saddl", "uaddl", "ssubl", "usubl", "sabal",
                        "uabal", "sabdl", "uabdl", "smlal", "umlal", "smlsl", "umlsl", "smull", "umull"), s2, reg(r),
                        t[1], reg(r), t[0], reg(r), t[0]);
                case 1 -> "%s%s v%d.%s, v%d.%s, v%d.%s".formatted(pick(r, "saddw", "uaddw", "ssubw", "usubw"), s2,
                        reg(r), t[1], reg(r), t[1], reg(r), t[0]);
                default -> "%s%s v%d.%s, v%d.%s, v%d.%s".formatted(pick(r, "addhn", "raddhn", "subhn", "rsubhn"), s2,
                        reg(r), t[0], reg(r), t[1], reg(r), t[1]);
            };
        },
        r -> r.nextBoolean() ? "pmull v%d.8h, v%d.8b, v%d.8b".formatted(reg(r), reg(r), reg(r))
                : "pmull2 v%d.8h, v%d.16b, v%d.16b".formatted(reg(r), reg(r), reg(r)),
        r -> {
            boolean halves = r.nextBoolean();
            String t = halves ? pick(r, "4h", "8h") : pick(r, "2s", "4s");
            int lanes = halves ? 8 : 4;
            int m = halves ? r.nextInt(16) : reg(r);
            return "%s v%d.%s, v%d.%s, v%d.%s[%d]".formatted(pick(r, "mul", "mla", "mls"), reg(r), t, reg(r), t, m,
                    halves ? "h" : "s", r.nextInt(lanes));
        },
        r -> {
            boolean upper = r.nextBoolean();
            boolean halves = r.nextBoolean();
            String narrow = halves ? (upper ? "8h" : "4h") : (upper ? "4s" : "2s");
            String wide = halves ? "4s" : "2d";
            int m = halves ? r.nextInt(16) : reg(r);
            return "%s%s v%d.%s, v%d.%s, v%d.%s[%d]".formatted(pick(r, "smull", "umull", "smlal", "umlal", "smlsl",
                    "umlsl"), upper ? "2" : "", reg(r), wide, reg(r), narrow, m, halves ? "h" : "s",
                    r.nextInt(halves ? 8 : 4));
        });

    static final List<Function<Random, String>> SATURATING = List.of(
        r -> same(r, pick(r, "sqdmulh", "sqrdmulh"), pick(r, "4h", "8h", "2s", "4s")),
        r -> {
            String p = pick(r, "h", "s");
            return "%s %s%d, %s%d, %s%d".formatted(pick(r, "sqdmulh", "sqrdmulh"), p, reg(r), p, reg(r), p, reg(r));
        },
        r -> same(r, pick(r, "sqshl", "uqshl", "sqrshl", "uqrshl"), pick(r, ALL)),
        r -> {
            String p = pick(r, SCALAR);
            return "%s %s%d, %s%d, %s%d".formatted(pick(r, "sqshl", "uqshl", "sqrshl", "uqrshl"), p, reg(r), p,
                    reg(r), p, reg(r));
        },
        r -> unary(r, pick(r, "suqadd", "usqadd"), pick(r, ALL)),
        r -> {
            String p = pick(r, SCALAR);
            return "%s %s%d, %s%d".formatted(pick(r, "suqadd", "usqadd"), p, reg(r), p, reg(r));
        },
        r -> {
            boolean upper = r.nextBoolean();
            boolean halves = r.nextBoolean();
            String narrow = halves ? (upper ? "8h" : "4h") : (upper ? "4s" : "2s");
            return "%s%s v%d.%s, v%d.%s, v%d.%s".formatted(pick(r, "sqdmull", "sqdmlal", "sqdmlsl"), upper ? "2" : "",
                    reg(r), halves ? "4s" : "2d", reg(r), narrow, reg(r), narrow);
        },
        r -> {
            boolean halves = r.nextBoolean();
            String narrow = halves ? "h" : "s";
            return "%s %s%d, %s%d, %s%d".formatted(pick(r, "sqdmull", "sqdmlal", "sqdmlsl"), halves ? "s" : "d",
                    reg(r), narrow, reg(r), narrow, reg(r));
        },
        r -> {
            boolean halves = r.nextBoolean();
            String t = halves ? pick(r, "4h", "8h") : pick(r, "2s", "4s");
            return "%s v%d.%s, v%d.%s, v%d.%s[%d]".formatted(pick(r, "sqdmulh", "sqrdmulh"), reg(r), t, reg(r), t,
                    halves ? r.nextInt(16) : reg(r), halves ? "h" : "s", r.nextInt(halves ? 8 : 4));
        },
        r -> {
            boolean upper = r.nextBoolean();
            boolean halves = r.nextBoolean();
            String narrow = halves ? (upper ? "8h" : "4h") : (upper ? "4s" : "2s");
            return "%s%s v%d.%s, v%d.%s, v%d.%s[%d]".formatted(pick(r, "sqdmull", "sqdmlal", "sqdmlsl"),
                    upper ? "2" : "", reg(r), halves ? "4s" : "2d", reg(r), narrow, halves ? r.nextInt(16) : reg(r),
                    halves ? "h" : "s", r.nextInt(halves ? 8 : 4));
        },
        r -> {
            boolean halves = r.nextBoolean();
            String p = halves ? "h" : "s";
            return r.nextBoolean()
                    ? "%s %s%d, %s%d, v%d.%s[%d]".formatted(pick(r, "sqdmulh", "sqrdmulh"), p, reg(r), p, reg(r),
                    halves ? r.nextInt(16) : reg(r), p, r.nextInt(halves ? 8 : 4))
                    : "%s %s%d, %s%d, v%d.%s[%d]".formatted(pick(r, "sqdmull", "sqdmlal", "sqdmlsl"),
                    halves ? "s" : "d", reg(r), p, reg(r), halves ? r.nextInt(16) : reg(r), p,
                    r.nextInt(halves ? 8 : 4));
        },
        r -> same(r, pick(r, "frecps", "frsqrts"), pick(r, FP)),
        r -> unary(r, pick(r, "frecpe", "frsqrte"), pick(r, FP)),
        r -> unary(r, pick(r, "urecpe", "ursqrte"), pick(r, "2s", "4s")),
        r -> {
            char p = pick(r, 's', 'd');
            return switch (r.nextInt(3)) {
                case 0 -> "%s %c%d, %c%d, %c%d".formatted(pick(r, "frecps", "frsqrts"), p, reg(r), p, reg(r), p, reg(r));
                case 1 -> "%s %c%d, %c%d".formatted(pick(r, "frecpe", "frsqrte"), p, reg(r), p, reg(r));
                default -> "frecpx %c%d, %c%d".formatted(p, reg(r), p, reg(r));
            };
        });

    static final List<Function<Random, String>> MOVES_AND_SHIFTS = List.of(
        r -> same(r, pick(r, "zip1", "zip2", "uzp1", "uzp2", "trn1", "trn2"), pick(r, ALL)),
        r -> {
            boolean q = r.nextBoolean();
            String t = q ? "16b" : "8b";
            return "ext v%d.%s, v%d.%s, v%d.%s, #%d".formatted(reg(r), t, reg(r), t, reg(r), t, r.nextInt(q ? 16 : 8));
        },
        r -> {
            int count = 1 + r.nextInt(4);
            int first = reg(r);
            StringBuilder list = new StringBuilder();
            for (int i = 0; i < count; i++) {
                list.append(i == 0 ? "" : ", ").append('v').append((first + i) % 32).append(".16b");
            }
            String t = pick(r, BYTES);
            return "%s v%d.%s, {%s}, v%d.%s".formatted(pick(r, "tbl", "tbx"), reg(r), t, list, reg(r), t);
        },
        r -> {
            String t = pick(r, ALL);
            char e = t.charAt(t.length() - 1);
            int lanes = 128 / elementBits(t);
            return switch (r.nextInt(3)) {
                case 0 -> "dup v%d.%s, v%d.%c[%d]".formatted(reg(r), t, reg(r), e, r.nextInt(lanes));
                case 1 -> "dup v%d.%s, %s".formatted(reg(r), t, general(r, e == 'd'));
                default -> "dup %c%d, v%d.%c[%d]".formatted(e, reg(r), reg(r), e, r.nextInt(lanes));
            };
        },
        r -> {
            String e = pick(r, "b", "h", "s", "d");
            int lanes = 128 / elementBits(e);
            return switch (r.nextInt(5)) {
                case 0 -> "ins v%d.%s[%d], v%d.%s[%d]".formatted(reg(r), e, r.nextInt(lanes), reg(r), e,
                        r.nextInt(lanes));
                case 1 -> "ins v%d.%s[%d], %s".formatted(reg(r), e, r.nextInt(lanes), general(r, e.equals("d")));
                case 2 -> "umov %s, v%d.%s[%d]".formatted(general(r, e.equals("d")), reg(r), e, r.nextInt(lanes));
                case 3 -> e.equals("d") ? "umov %s, v%d.d[%d]".formatted(general(r, true), reg(r), r.nextInt(2))
                        : "smov %s, v%d.%s[%d]".formatted(general(r, true), reg(r), e, r.nextInt(lanes));
                default -> "smov %s, v%d.%s[%d]".formatted(general(r, false), reg(r), e.equals("b") ? "b" : "h",
                        r.nextInt(e.equals("b") ? 16 : 8));
            };
        },
        r -> {
            int imm = r.nextInt(256);
            String t = pick(r, "8b", "16b", "4h", "8h", "2s", "4s");
            int bits = elementBits(t);
            return switch (r.nextInt(6)) {
                case 0 -> bits == 8 ? "movi v%d.%s, #%d".formatted(reg(r), t, imm)
                        : "%s v%d.%s, #%d, lsl #%d".formatted(pick(r, "movi", "mvni", "orr", "bic"), reg(r), t, imm,
                        8 * r.nextInt(bits / 8));
                case 1 -> "%s v%d.%s, #%d, msl #%d".formatted(pick(r, "movi", "mvni"), reg(r), pick(r, "2s", "4s"), imm,
                        pick(r, 8, 16));
                case 2 -> "movi d%d, #0x%016x".formatted(reg(r), byteMask(imm));
                case 3 -> "movi v%d.2d, #0x%016x".formatted(reg(r), byteMask(imm));
                default -> "fmov v%d.%s, #%s".formatted(reg(r), pick(r, FP), new BigDecimal(
                        Double.longBitsToDouble(SoftFloat.expandImmediate(imm, 64))).toPlainString());
            };
        },
        r -> {
            String t = pick(r, ALL);
            int bits = elementBits(t);
            return switch (r.nextInt(3)) {
                case 0 -> "%s v%d.%s, v%d.%s, #%d".formatted(pick(r, "sshr", "ushr", "ssra", "usra", "srshr", "urshr",
                        "srsra", "ursra", "sri"), reg(r), t, reg(r), t, 1 + r.nextInt(bits));
                case 1 -> "%s v%d.%s, v%d.%s, #%d".formatted(pick(r, "shl", "sli", "sqshl", "uqshl", "sqshlu"), reg(r),
                        t, reg(r), t, r.nextInt(bits));
                default -> r.nextBoolean()
                        ? "%s d%d, d%d, #%d".formatted(pick(r, "sshr", "ushr", "ssra", "usra", "srshr", "urshr",
                        "srsra", "ursra", "sri"), reg(r), reg(r), 1 + r.nextInt(64))
                        : "%s d%d, d%d, #%d".formatted(pick(r, "shl", "sli", "sqshl", "uqshl", "sqshlu"), reg(r),
                        reg(r), r.nextInt(64));
            };
        },
        r -> {
            String p = pick(r, "b", "h", "s");
            int bits = elementBits(p);
            return "%s %s%d, %s%d, #%d".formatted(pick(r, "sqshl", "uqshl", "sqshlu"), p, reg(r), p, reg(r),
                    r.nextInt(bits));
        },
        r -> {
            boolean upper = r.nextBoolean();
            String[] t = narrowWide(r, upper);
            return "%s%s v%d.%s, v%d.%s, #%d".formatted(pick(r, "shrn", "rshrn", "sqshrn", "uqshrn", "sqrshrn",
                    "uqrshrn", "sqshrun", "sqrshrun"), upper ? "2" : "", reg(r), t[0], reg(r), t[1],
                    1 + r.nextInt(elementBits(t[0])));
        },
        r -> {
            int i = r.nextInt(3);
            String[] narrow = {"b", "h", "s"};
            String[] wide = {"h", "s", "d"};
            return "%s %s%d, %s%d, #%d".formatted(pick(r, "sqshrn", "uqshrn", "sqrshrn", "uqrshrn", "sqshrun",
                    "sqrshrun"), narrow[i], reg(r), wide[i], reg(r), 1 + r.nextInt(8 << i));
        },
        r -> {
            boolean upper = r.nextBoolean();
            String[] t = narrowWide(r, upper);
            return r.nextBoolean()
                    ? "%s%s v%d.%s, v%d.%s, #%d".formatted(pick(r, "sshll", "ushll"), upper ? "2" : "", reg(r), t[1],
                    reg(r), t[0], r.nextInt(elementBits(t[0])))
                    : "%s%s v%d.%s, v%d.%s".formatted(pick(r, "sxtl", "uxtl"), upper ? "2" : "", reg(r), t[1], reg(r),
                    t[0]);
        });

    private static long byteMask(int imm8) {
        long r = 0;
        for (int i = 0; i < 8; i++) {
            if ((imm8 & (1 << i)) != 0) {
                r |= 0xffL << (8 * i);
            }
        }
        return r;
    }

    static final List<Function<Random, String>> FLOATING_POINT = List.of(
        r -> same(r, pick(r, "fadd", "fsub", "fmul", "fdiv", "fmla", "fmls", "fmax", "fmin", "fmaxnm", "fminnm",
                "fabd", "fmulx", "faddp", "fmaxp", "fminp", "fmaxnmp", "fminnmp", "fcmeq", "fcmge", "fcmgt", "facge",
                "facgt"), pick(r, FP)),
        r -> unary(r, pick(r, "fabs", "fneg", "fsqrt", "frintn", "frintp", "frintm", "frintz", "frinta", "frintx",
                "frinti", "fcvtns", "fcvtnu", "fcvtps", "fcvtpu", "fcvtms", "fcvtmu", "fcvtas", "fcvtau", "fcvtzs",
                "fcvtzu", "scvtf", "ucvtf"), pick(r, FP)),
        r -> "%s v%d.%s, v%d.%3$s, #0.0".formatted(pick(r, "fcmeq", "fcmge", "fcmgt", "fcmle", "fcmlt"), reg(r),
                pick(r, FP), reg(r)),
        r -> {
            char p = pick(r, 's', 'd');
            return switch (r.nextInt(4)) {
                case 0 -> "%s %c%d, %c%d, %c%d".formatted(pick(r, "fcmeq", "fcmge", "fcmgt", "facge", "facgt", "fabd",
                        "fmulx"), p, reg(r), p, reg(r), p, reg(r));
                case 1 -> "%s %c%d, %c%d".formatted(pick(r, "fcvtns", "fcvtnu", "fcvtps", "fcvtpu", "fcvtms", "fcvtmu",
                        "fcvtas", "fcvtau", "fcvtzs", "fcvtzu", "scvtf", "ucvtf"), p, reg(r), p, reg(r));
                case 2 -> "%s %c%d, %c%d, #0.0".formatted(pick(r, "fcmeq", "fcmge", "fcmgt", "fcmle", "fcmlt"), p,
                        reg(r), p, reg(r));
                default -> "%s %c%d, v%d.%s".formatted(pick(r, "faddp", "fmaxp", "fminp", "fmaxnmp", "fminnmp"), p,
                        reg(r), reg(r), p == 's' ? "2s" : "2d");
            };
        },
        r -> "addp d%d, v%d.2d".formatted(reg(r), reg(r)),
        r -> switch (r.nextInt(7)) {
            case 0 -> "fcvtn v%d.2s, v%d.2d".formatted(reg(r), reg(r));
            case 1 -> "fcvtn2 v%d.4s, v%d.2d".formatted(reg(r), reg(r));
            case 2 -> r.nextBoolean() ? "fcvtn v%d.4h, v%d.4s".formatted(reg(r), reg(r))
                    : "fcvtn2 v%d.8h, v%d.4s".formatted(reg(r), reg(r));
            case 3 -> r.nextBoolean() ? "fcvtl v%d.2d, v%d.2s".formatted(reg(r), reg(r))
                    : "fcvtl2 v%d.2d, v%d.4s".formatted(reg(r), reg(r));
            case 4 -> r.nextBoolean() ? "fcvtl v%d.4s, v%d.4h".formatted(reg(r), reg(r))
                    : "fcvtl2 v%d.4s, v%d.8h".formatted(reg(r), reg(r));
            case 5 -> r.nextBoolean() ? "fcvtxn v%d.2s, v%d.2d".formatted(reg(r), reg(r))
                    : "fcvtxn2 v%d.4s, v%d.2d".formatted(reg(r), reg(r));
            default -> "fcvtxn s%d, d%d".formatted(reg(r), reg(r));
        },
        r -> "%s s%d, v%d.4s".formatted(pick(r, "fmaxnmv", "fminnmv", "fmaxv", "fminv"), reg(r), reg(r)),
        r -> {
            String t = pick(r, FP);
            return "%s v%d.%s, v%d.%s, #%d".formatted(pick(r, "scvtf", "ucvtf", "fcvtzs", "fcvtzu"), reg(r), t, reg(r),
                    t, 1 + r.nextInt(elementBits(t)));
        },
        r -> {
            char p = pick(r, 's', 'd');
            return "%s %c%d, %c%d, #%d".formatted(pick(r, "scvtf", "ucvtf", "fcvtzs", "fcvtzu"), p, reg(r), p, reg(r),
                    1 + r.nextInt(p == 's' ? 32 : 64));
        },
        r -> {
            String t = pick(r, FP);
            char e = t.charAt(1);
            return "%s v%d.%s, v%d.%s, v%d.%c[%d]".formatted(pick(r, "fmul", "fmla", "fmls", "fmulx"), reg(r), t,
                    reg(r), t, reg(r), e, r.nextInt(e == 's' ? 4 : 2));
        },
        r -> {
            char e = pick(r, 's', 'd');
            return "%s %c%d, %c%d, v%d.%c[%d]".formatted(pick(r, "fmul", "fmla", "fmls", "fmulx"), e, reg(r), e, reg(r),
                    reg(r), e, r.nextInt(e == 's' ? 4 : 2));
        });
}
