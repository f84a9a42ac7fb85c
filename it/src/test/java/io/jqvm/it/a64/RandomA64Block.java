package io.jqvm.it.a64;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A straight-line block of random A64 integer data-processing, NZCV-move, load/store, exclusive and
 * acquire/release instructions, with the random register state, flags and scratch memory it starts
 * from, emitted as the assembly source that guests/aarch64/random/driver.c runs and dumps.
 *
 * <p>Register roles keep every access inside the scratch buffer and every instruction's behaviour
 * defined: x28 holds the buffer's address and is never written; x26 is set to an address in the
 * buffer right before each writeback, unscaled or exclusive access; x27 is a masked index set right
 * before each register-offset access; all other registers but sp are data.
 */
final class RandomA64Block {
    static final int SCRATCH_BYTES = 256;
    private static final int SCRATCH_BASE = 28;
    private static final int WRITEBACK_BASE = 26;
    private static final int INDEX = 27;
    private static final int[] DATA_REGISTERS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
            19, 20, 21, 22, 23, 24, 25, 29, 30};
    private static final String[] CONDITIONS = {"eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge",
            "lt", "gt", "le"};
    private static final long[] INTERESTING = {0, 1, 2, -1, -2, 0x7fffffffffffffffL, 0x8000000000000000L,
            0x7fffffffL, 0x80000000L, 0xffffffffL, 0x100000000L, 0xffL, 0x8000L, 63, 64, 32};

    private final long seed;
    private final long[] initialRegisters = new long[31];
    private final int initialNzcv;
    private final byte[] initialScratch = new byte[SCRATCH_BYTES];
    private final List<String> instructions = new ArrayList<>();
    private final SplittableRandom random;

    private RandomA64Block(long seed, int length) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        for (int i = 0; i < initialRegisters.length; i++)
            initialRegisters[i] = randomValue();
        initialNzcv = random.nextInt(16);
        random.nextBytes(initialScratch);
        while (instructions.size() < length)
            emitOne();
    }

    static RandomA64Block generate(long seed, int length) {
        return new RandomA64Block(seed, length);
    }

    long seed() {
        return seed;
    }

    List<String> instructions() {
        return List.copyOf(instructions);
    }

    /** The numbered block, for failure messages. */
    String listing() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < instructions.size(); i++)
            text.append(String.format("%4d  %s%n", i, instructions.get(i)));
        return text.toString();
    }

    private long randomValue() {
        return switch (random.nextInt(4)) {
            case 0 -> INTERESTING[random.nextInt(INTERESTING.length)];
            case 1 -> random.nextLong(-1000, 1000);
            default -> random.nextLong();
        };
    }

    private int dataRegister() {
        return DATA_REGISTERS[random.nextInt(DATA_REGISTERS.length)];
    }

    private static String reg(boolean wide, int n) {
        return (wide ? "x" : "w") + n;
    }

    private String condition() {
        return CONDITIONS[random.nextInt(CONDITIONS.length)];
    }

    private <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    private void emitOne() {
        boolean wide = random.nextBoolean();
        int width = wide ? 64 : 32;
        String d = reg(wide, dataRegister()), n = reg(wide, dataRegister()), m = reg(wide, dataRegister());
        switch (random.nextInt(21)) {
            case 0 -> instructions.add(pick(List.of("add", "adds", "sub", "subs")) + " " + d + ", " + n + ", #"
                    + random.nextInt(4096) + (random.nextBoolean() ? ", lsl #12" : ""));
            case 1 -> instructions.add(pick(List.of("add", "adds", "sub", "subs")) + " " + d + ", " + n + ", " + m
                    + ", " + pick(List.of("lsl", "lsr", "asr")) + " #" + random.nextInt(width));
            case 2 -> emitExtendedRegister(wide, d, n);
            case 3 -> instructions.add(pick(List.of("and", "orr", "eor", "ands", "bic", "orn", "eon", "bics")) + " " + d
                    + ", " + n + ", " + m + ", " + pick(List.of("lsl", "lsr", "asr", "ror")) + " #" + random.nextInt(width));
            case 4 -> instructions.add(pick(List.of("and", "orr", "eor", "ands")) + " " + d + ", " + n + ", #0x"
                    + Long.toHexString(bitmaskImmediate(width)));
            case 5 -> instructions.add(pick(List.of("movz", "movn", "movk")) + " " + d + ", #" + random.nextInt(65536)
                    + ", lsl #" + 16 * random.nextInt(width / 16));
            case 6 -> {
                if (random.nextBoolean())
                    instructions.add(pick(List.of("adc", "adcs", "sbc", "sbcs")) + " " + d + ", " + n + ", " + m);
                else
                    instructions.add(pick(List.of("neg", "negs", "ngc", "ngcs")) + " " + d + ", " + m);
            }
            case 7 -> {
                if (random.nextBoolean())
                    instructions.add(pick(List.of("lslv", "lsrv", "asrv", "rorv")) + " " + d + ", " + n + ", " + m);
                else
                    instructions.add(pick(List.of("lsl", "lsr", "asr", "ror")) + " " + d + ", " + n + ", #" + random.nextInt(width));
            }
            case 8 -> instructions.add(pick(List.of("ubfm", "sbfm", "bfm")) + " " + d + ", " + n + ", #"
                    + random.nextInt(width) + ", #" + random.nextInt(width));
            case 9 -> instructions.add("extr " + d + ", " + n + ", " + m + ", #" + random.nextInt(width));
            case 10 -> emitMultiply(wide, d, n, m);
            case 11 -> instructions.add(pick(List.of("udiv", "sdiv")) + " " + d + ", " + n + ", " + m);
            case 12 -> instructions.add(wide && random.nextInt(6) == 0 ? "rev32 " + d + ", " + n
                    : pick(List.of("clz", "cls", "rbit", "rev", "rev16")) + " " + d + ", " + n);
            case 13 -> emitConditionalSelect(d, n, m);
            case 14 -> instructions.add(pick(List.of("ccmp", "ccmn")) + " " + n + ", "
                    + (random.nextBoolean() ? m : "#" + random.nextInt(32)) + ", #" + random.nextInt(16) + ", " + condition());
            case 15 -> instructions.add(pick(List.of("cmp", "cmn", "tst")) + " " + n + ", " + m);
            case 16 -> {
                String w = reg(false, dataRegister()), wn = reg(false, dataRegister());
                if (random.nextBoolean())
                    instructions.add(pick(List.of("crc32b", "crc32h", "crc32w", "crc32cb", "crc32ch", "crc32cw")) + " " + w
                            + ", " + wn + ", " + reg(false, dataRegister()));
                else
                    instructions.add(pick(List.of("crc32x", "crc32cx")) + " " + w + ", " + wn + ", " + reg(true, dataRegister()));
            }
            case 17 -> instructions.add(random.nextBoolean() ? "mrs " + reg(true, dataRegister()) + ", nzcv"
                    : "msr nzcv, " + reg(true, dataRegister()));
            case 18 -> emitExclusiveOrOrdered();
            default -> emitMemoryAccess();
        }
    }

    /**
     * An exclusive pair kept adjacent (no store in between, whose effect on the monitor the architecture
     * leaves to the implementation), a store-exclusive after CLREX (must fail), or a load-acquire /
     * store-release. The address is an aligned slot of the scratch buffer in x26.
     */
    private void emitExclusiveOrOrdered() {
        boolean wide = random.nextBoolean();
        int size = wide ? 8 : 4;
        instructions.add("add x" + WRITEBACK_BASE + ", x" + SCRATCH_BASE + ", #" + size * random.nextInt(SCRATCH_BYTES / size));
        String address = "[x" + WRITEBACK_BASE + "]";
        int loaded = dataRegister(), status, value;
        do {
            status = dataRegister();
        } while (status == loaded);
        do {
            value = dataRegister();
        } while (value == status);
        String store = pick(List.of("stxr", "stlxr"));
        switch (random.nextInt(3)) {
            case 0 -> {
                instructions.add(pick(List.of("ldxr", "ldaxr")) + " " + reg(wide, loaded) + ", " + address);
                instructions.add(store + " " + reg(false, status) + ", " + reg(wide, value) + ", " + address);
            }
            case 1 -> {
                instructions.add("clrex");
                instructions.add(store + " " + reg(false, status) + ", " + reg(wide, value) + ", " + address);
            }
            default -> instructions.add(random.nextBoolean() ? "ldar " + reg(wide, loaded) + ", " + address
                    : "stlr " + reg(wide, value) + ", " + address);
        }
    }

    private void emitExtendedRegister(boolean wide, String d, String n) {
        String op = pick(List.of("add", "adds", "sub", "subs"));
        int shift = random.nextInt(5);
        if (wide && random.nextInt(4) == 0) {
            instructions.add(op + " " + d + ", " + n + ", " + reg(true, dataRegister()) + ", "
                    + pick(List.of("uxtx", "sxtx")) + " #" + shift);
        } else {
            instructions.add(op + " " + d + ", " + n + ", " + reg(false, dataRegister()) + ", "
                    + pick(List.of("uxtb", "uxth", "uxtw", "sxtb", "sxth", "sxtw")) + " #" + shift);
        }
    }

    private void emitMultiply(boolean wide, String d, String n, String m) {
        switch (random.nextInt(4)) {
            case 0 -> instructions.add(pick(List.of("madd", "msub")) + " " + d + ", " + n + ", " + m + ", "
                    + reg(wide, dataRegister()));
            case 1 -> instructions.add(pick(List.of("mul", "mneg")) + " " + d + ", " + n + ", " + m);
            case 2 -> instructions.add(pick(List.of("smulh", "umulh")) + " " + reg(true, dataRegister()) + ", "
                    + reg(true, dataRegister()) + ", " + reg(true, dataRegister()));
            default -> instructions.add(pick(List.of("smaddl", "umaddl", "smsubl", "umsubl")) + " "
                    + reg(true, dataRegister()) + ", " + reg(false, dataRegister()) + ", " + reg(false, dataRegister())
                    + ", " + reg(true, dataRegister()));
        }
    }

    private void emitConditionalSelect(String d, String n, String m) {
        switch (random.nextInt(3)) {
            case 0 -> instructions.add(pick(List.of("csel", "csinc", "csinv", "csneg")) + " " + d + ", " + n + ", " + m
                    + ", " + condition());
            case 1 -> instructions.add(pick(List.of("cset", "csetm")) + " " + d + ", " + condition());
            default -> instructions.add(pick(List.of("cinc", "cinv", "cneg")) + " " + d + ", " + n + ", " + condition());
        }
    }

    /** A valid logical immediate: a run of ones, rotated, replicated over elements of 2..width bits. */
    private long bitmaskImmediate(int width) {
        int elementBits = 2 << random.nextInt(Integer.numberOfTrailingZeros(width));
        int ones = 1 + random.nextInt(elementBits - 1);
        int rotation = random.nextInt(elementBits);
        long elementMask = elementBits == 64 ? -1L : (1L << elementBits) - 1;
        long element = (1L << ones) - 1;
        element = ((element >>> rotation) | (element << (elementBits - rotation))) & elementMask;
        long value = 0;
        for (int at = 0; at < width; at += elementBits)
            value |= element << at;
        return width == 64 ? value : value & 0xffffffffL;
    }

    private record Access(String load, String store, int bytes, boolean wideRegister) {}

    private static final List<Access> ACCESSES = List.of(
            new Access("ldr", "str", 8, true), new Access("ldr", "str", 4, false),
            new Access("ldrh", "strh", 2, false), new Access("ldrb", "strb", 1, false),
            new Access("ldrsw", null, 4, true), new Access("ldrsh", null, 2, true), new Access("ldrsh", null, 2, false),
            new Access("ldrsb", null, 1, true), new Access("ldrsb", null, 1, false));

    private void emitMemoryAccess() {
        Access access = pick(ACCESSES);
        boolean store = access.store() != null && random.nextBoolean();
        int target = dataRegister();
        String t = store && random.nextInt(8) == 0 ? (access.wideRegister() ? "xzr" : "wzr") : reg(access.wideRegister(), target);
        String op = store ? access.store() : access.load();
        int size = access.bytes();
        switch (random.nextInt(5)) {
            case 0 -> instructions.add(op + " " + t + ", [x" + SCRATCH_BASE + ", #" + size * random.nextInt(SCRATCH_BYTES / size) + "]");
            case 1 -> {
                instructions.add("add x" + WRITEBACK_BASE + ", x" + SCRATCH_BASE + ", #128");
                String unscaled = op.replaceFirst("^(ld|st)r", "$1ur");
                instructions.add(unscaled + " " + t + ", [x" + WRITEBACK_BASE + ", #" + size * random.nextInt(-128 / size, 128 / size) + "]");
            }
            case 2 -> {
                instructions.add("add x" + WRITEBACK_BASE + ", x" + SCRATCH_BASE + ", #128");
                int offset = size * random.nextInt(-128 / size, 128 / size);
                instructions.add(op + " " + t + (random.nextBoolean() ? ", [x" + WRITEBACK_BASE + ", #" + offset + "]!"
                        : ", [x" + WRITEBACK_BASE + "], #" + offset));
            }
            case 3 -> {
                int log2 = Integer.numberOfTrailingZeros(size);
                boolean scaled = random.nextBoolean();
                int mask = scaled ? SCRATCH_BYTES / size - 1 : SCRATCH_BYTES - size;
                instructions.add("and x" + INDEX + ", " + reg(true, dataRegister()) + ", #0x" + Integer.toHexString(mask));
                String shift = scaled && log2 > 0 ? ", lsl #" + log2 : "";
                if (random.nextBoolean())
                    instructions.add(op + " " + t + ", [x" + SCRATCH_BASE + ", x" + INDEX + shift + "]");
                else
                    instructions.add(op + " " + t + ", [x" + SCRATCH_BASE + ", w" + INDEX + ", uxtw" + (shift.isEmpty() ? "" : " #" + log2) + "]");
            }
            default -> emitPair();
        }
    }

    private void emitPair() {
        boolean wide = random.nextBoolean();
        int size = wide ? 8 : 4;
        int first = dataRegister(), second;
        do {
            second = dataRegister();
        } while (second == first);
        String op = random.nextBoolean() ? "stp" : (!wide && random.nextInt(3) == 0 ? "ldpsw" : "ldp");
        boolean signExtending = op.equals("ldpsw");
        String t1 = reg(wide || signExtending, first), t2 = reg(wide || signExtending, second);
        if (random.nextBoolean()) {
            instructions.add(op + " " + t1 + ", " + t2 + ", [x" + SCRATCH_BASE + ", #" + size * random.nextInt(SCRATCH_BYTES / size - 1) + "]");
        } else {
            instructions.add("add x" + WRITEBACK_BASE + ", x" + SCRATCH_BASE + ", #128");
            int offset = size * random.nextInt(-16, 15);
            instructions.add(op + " " + t1 + ", " + t2 + (random.nextBoolean() ? ", [x" + WRITEBACK_BASE + ", #" + offset + "]!"
                    : ", [x" + WRITEBACK_BASE + "], #" + offset));
        }
    }

    /** The assembly source: the initial state and scratch data, and run_random_block(state). */
    String assemblySource() {
        StringBuilder s = new StringBuilder();
        s.append("// Generated by RandomA64Block, seed ").append(seed).append(".\n");
        s.append("    .data\n    .balign 16\n    .global random_block_state\nrandom_block_state:\n");
        for (int i = 0; i < initialRegisters.length; i++) {
            if (i == SCRATCH_BASE)
                s.append("    .quad random_block_scratch\n");
            else
                s.append(String.format("    .quad 0x%016x\n", initialRegisters[i]));
        }
        s.append(String.format("    .quad 0x%x\n", (long) initialNzcv << 28));
        s.append("    .balign 16\n    .global random_block_scratch\nrandom_block_scratch:\n");
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < SCRATCH_BYTES; i += 16) {
            s.append("    .byte ");
            for (int k = 0; k < 16; k++)
                s.append(k == 0 ? "" : ", ").append("0x").append(hex.toHexDigits(initialScratch[i + k]));
            s.append('\n');
        }
        s.append("""
                    .text
                    .balign 4
                    .global run_random_block
                // x0 = the state: x0..x30 at 0..240, NZCV at 248. Callee-saved registers and the state
                // pointer live on the stack, which the block never touches.
                run_random_block:
                    stp x29, x30, [sp, #-112]!
                    stp x19, x20, [sp, #16]
                    stp x21, x22, [sp, #32]
                    stp x23, x24, [sp, #48]
                    stp x25, x26, [sp, #64]
                    stp x27, x28, [sp, #80]
                    str x0, [sp, #96]
                    ldr x1, [x0, #248]
                    msr nzcv, x1
                """);
        for (int i = 2; i < 30; i += 2)
            s.append(String.format("    ldp x%d, x%d, [x0, #%d]%n", i, i + 1, 8 * i));
        s.append("    ldr x30, [x0, #240]\n    ldp x0, x1, [x0]\n// the block\n");
        for (String instruction : instructions)
            s.append("    ").append(instruction).append('\n');
        s.append("// dump\n    str x0, [sp, #104]\n    ldr x0, [sp, #96]\n    str x1, [x0, #8]\n");
        for (int i = 2; i < 30; i += 2)
            s.append(String.format("    stp x%d, x%d, [x0, #%d]%n", i, i + 1, 8 * i));
        s.append("""
                    str x30, [x0, #240]
                    mrs x1, nzcv
                    str x1, [x0, #248]
                    ldr x1, [sp, #104]
                    str x1, [x0]
                    ldp x19, x20, [sp, #16]
                    ldp x21, x22, [sp, #32]
                    ldp x23, x24, [sp, #48]
                    ldp x25, x26, [sp, #64]
                    ldp x27, x28, [sp, #80]
                    ldp x29, x30, [sp], #112
                    ret
                """);
        return s.toString();
    }
}
