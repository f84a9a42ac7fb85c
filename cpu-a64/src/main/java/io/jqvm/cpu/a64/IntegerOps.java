package io.jqvm.cpu.a64;

import static io.jqvm.cpu.a64.A64State.M32;

/**
 * The integer data-processing instructions that need no CPU state, as pure functions of the instruction
 * word and operand values: the interpreter ({@link Interpreter}) and the compiled regions
 * ({@link RegionCompiler}, through {@link RegionContract}) both call them, so the two tiers compute alike.
 */
final class IntegerOps {
    private static final int[] CRC32_TABLE = crcTable(0xEDB88320);
    private static final int[] CRC32C_TABLE = crcTable(0x82F63B78);

    private IntegerOps() {
    }

    static long shift(long value, int type, int amount, boolean sf) {
        if (sf) {
            return switch (type) {
                case 0 -> value << amount;
                case 1 -> value >>> amount;
                case 2 -> value >> amount;
                default -> Long.rotateRight(value, amount);
            };
        }
        int w = (int) value;
        return (switch (type) {
            case 0 -> w << amount;
            case 1 -> w >>> amount;
            case 2 -> w >> amount;
            default -> Integer.rotateRight(w, amount);
        }) & M32;
    }

    static long extend(long value, int option) {
        return switch (option) {
            case 0 -> value & 0xFF;
            case 1 -> value & 0xFFFF;
            case 2 -> value & M32;
            case 4 -> (byte) value;
            case 5 -> (short) value;
            case 6 -> (int) value;
            default -> value;
        };
    }

    /** AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS (shifted register) on n and m, truncated to the width. */
    static long logicRegister(int insn, long n, long m) {
        boolean sf = insn < 0;
        long operand = shift(m, (insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
        if ((insn & (1 << 21)) != 0) {
            operand = ~operand;
        }
        long r = switch ((insn >>> 29) & 3) {
            case 0, 3 -> n & operand;
            case 1 -> n | operand;
            default -> n ^ operand;
        };
        return sf ? r : r & M32;
    }

    /** The second operand of ADD/SUB (extended register): Rm extended and shifted left by imm3. */
    static long extendedOperand(int insn, long m) {
        return extend(m, (insn >>> 13) & 7) << ((insn >>> 10) & 7);
    }

    /** CSEL, CSINC, CSINV, CSNEG once the condition is known, truncated to the width. */
    static long conditionalSelect(int insn, boolean holds, long n, long m) {
        long r;
        if (holds) {
            r = n;
        } else {
            int variant = ((insn >>> 29) & 2) | ((insn >>> 10) & 1);
            r = switch (variant) {
                case 0 -> m;
                case 1 -> m + 1;
                case 2 -> ~m;
                default -> -m;
            };
        }
        return insn < 0 ? r : r & M32;
    }

    /** RBIT, REV16, REV32, REV, CLZ, CLS of v. */
    static long dataProcessing1(int insn, long v) {
        boolean sf = insn < 0;
        long r;
        if (sf) {
            r = switch ((insn >>> 10) & 0x3F) {
                case 0 -> Long.reverse(v);
                case 1 -> ((v & 0x00FF00FF00FF00FFL) << 8) | ((v >>> 8) & 0x00FF00FF00FF00FFL);
                case 2 -> Long.rotateLeft(Long.reverseBytes(v), 32);
                case 3 -> Long.reverseBytes(v);
                case 4 -> Long.numberOfLeadingZeros(v);
                default -> Long.numberOfLeadingZeros((v ^ (v << 1)) | 1);
            };
        } else {
            int w = (int) v;
            r = (switch ((insn >>> 10) & 0x3F) {
                case 0 -> Integer.reverse(w);
                case 1 -> ((w & 0x00FF00FF) << 8) | ((w >>> 8) & 0x00FF00FF);
                case 2 -> Integer.reverseBytes(w);
                case 4 -> Integer.numberOfLeadingZeros(w);
                default -> Integer.numberOfLeadingZeros((w ^ (w << 1)) | 1);
            }) & M32;
        }
        return r;
    }

    static long udiv64(long n, long d) {
        return d == 0 ? 0 : Long.divideUnsigned(n, d);
    }

    static long udiv32(int n, int d) {
        return d == 0 ? 0 : Integer.divideUnsigned(n, d) & M32;
    }

    static long sdiv64(long n, long d) {
        return d == 0 ? 0 : n / d;
    }

    static long sdiv32(int n, int d) {
        return d == 0 ? 0 : (n / d) & M32;
    }

    /** LSLV, LSRV, ASRV, RORV. */
    static long shiftVariable(int insn, long n, long m) {
        boolean sf = insn < 0;
        return shift(n, (insn >>> 10) & 3, (int) (m & (sf ? 63 : 31)), sf);
    }

    /** CRC32{B,H,W,X} and CRC32C{B,H,W,X} of the accumulator n and the value m. */
    static long crc32(int insn, long n, long m) {
        int[] table = (insn & (1 << 12)) != 0 ? CRC32C_TABLE : CRC32_TABLE;
        int bytes = 1 << ((insn >>> 10) & 3);
        int crc = (int) n;
        long value = m;
        for (int i = 0; i < bytes; i++) {
            crc = table[(crc ^ (int) (value >>> (8 * i))) & 0xFF] ^ (crc >>> 8);
        }
        return crc & M32;
    }

    private static int[] crcTable(int reflectedPolynomial) {
        int[] table = new int[256];
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ reflectedPolynomial : c >>> 1;
            }
            table[i] = c;
        }
        return table;
    }

    /** MADD, MSUB: a +/- n * m, truncated to the width. */
    static long multiplyAdd(int insn, long n, long m, long a) {
        long product = n * m;
        long r = (insn & (1 << 15)) != 0 ? a - product : a + product;
        return insn < 0 ? r : r & M32;
    }

    /** SMADDL, SMSUBL, UMADDL, UMSUBL. */
    static long multiplyAddLong(int insn, long n, long m, long a) {
        long product = (insn & (1 << 23)) != 0 ? (n & M32) * (m & M32) : (long) (int) n * (int) m;
        return (insn & (1 << 15)) != 0 ? a - product : a + product;
    }

    /** SBFM, BFM, UBFM ({@code op}) of src into dst, truncated to the width. */
    static long bitfield(int op, int insn, long src, long dst) {
        boolean sf = insn < 0;
        int width = sf ? 64 : 32;
        int immr = (insn >>> 16) & 0x3F;
        int imms = (insn >>> 10) & 0x3F;
        long r;
        if (imms >= immr) {
            int len = imms - immr + 1;
            long field = (src >>> immr) & mask(len);
            r = switch (op) {
                case Op.SBFM -> (field << (64 - len)) >> (64 - len);
                case Op.UBFM -> field;
                default -> (dst & ~mask(len)) | field;
            };
        } else {
            int len = imms + 1;
            int position = width - immr;
            long field = src & mask(len);
            r = switch (op) {
                case Op.SBFM -> ((field << (64 - len)) >> (64 - len)) << position;
                case Op.UBFM -> field << position;
                default -> (dst & ~(mask(len) << position)) | (field << position);
            };
        }
        return sf ? r : r & M32;
    }

    static long mask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }

    /** EXTR of the pair high:low. */
    static long extract(int insn, long high, long low) {
        int lsb = (insn >>> 10) & 0x3F;
        long r;
        if (insn < 0) {
            r = lsb == 0 ? low : (low >>> lsb) | (high << (64 - lsb));
        } else {
            r = lsb == 0 ? low & M32 : (((low & M32) >>> lsb) | (high << (32 - lsb))) & M32;
        }
        return r;
    }
}
