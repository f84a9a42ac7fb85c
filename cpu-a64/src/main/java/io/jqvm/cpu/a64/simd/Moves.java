package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.Vregs.element;
import static io.jqvm.cpu.a64.simd.Vregs.mask;
import static io.jqvm.cpu.a64.simd.Vregs.withElement;

/** Advanced SIMD copy (DUP, INS, UMOV, SMOV), modified immediate, permute, EXT and table lookup. */
final class Moves {
    private Moves() {
    }

    /** Replicates an esize-bit value across 64 bits. */
    static long replicate(long value, int esize) {
        long r = value & mask(esize);
        for (int width = esize; width < 64; width *= 2) {
            r |= r << width;
        }
        return r;
    }

    static boolean copy(int insn, FpSimdState s, GeneralRegisters g, boolean scalar) {
        boolean q = (insn & (1 << 30)) != 0;
        boolean op = (insn & (1 << 29)) != 0;
        int imm5 = (insn >>> 16) & 31;
        int imm4 = (insn >>> 11) & 15;
        int size = Integer.numberOfTrailingZeros(imm5);
        if (size > 3) {
            return false;
        }
        int esize = 8 << size;
        int index = imm5 >>> (size + 1);
        int rn = (insn >>> 5) & 31;
        int rd = insn & 31;
        if (scalar) {
            if (op || imm4 != 0) {
                return false;
            }
            Vregs.writeScalar(s, rd, Vregs.read(s, rn, index, esize), esize);
            return true;
        }
        if (op) {
            if (!q) {
                return false;
            }
            Vregs.write(s, rd, index, esize, Vregs.read(s, rn, imm4 >>> size, esize));
            return true;
        }
        switch (imm4) {
            case 0b0000, 0b0001 -> {
                if (size == 3 && !q) {
                    return false;
                }
                long value = imm4 == 0 ? Vregs.read(s, rn, index, esize) : g.x(rn);
                long r = replicate(value, esize);
                IntegerLanes.writeVector(s, rd, r, r, q ? 128 : 64);
                return true;
            }
            case 0b0011 -> {
                if (!q) {
                    return false;
                }
                Vregs.write(s, rd, index, esize, g.x(rn));
                return true;
            }
            case 0b0101 -> {
                if (size > (q ? 2 : 1)) {
                    return false;
                }
                long value = Vregs.signExtend(Vregs.read(s, rn, index, esize), esize);
                g.setX(rd, q ? value : value & 0xffffffffL);
                return true;
            }
            case 0b0111 -> {
                if (q ? size != 3 : size == 3) {
                    return false;
                }
                g.setX(rd, Vregs.read(s, rn, index, esize));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** MOVI, MVNI, ORR and BIC (immediate), FMOV (vector, immediate). */
    static boolean modifiedImmediate(int insn, FpSimdState s) {
        boolean q = (insn & (1 << 30)) != 0;
        boolean op = (insn & (1 << 29)) != 0;
        int cmode = (insn >>> 12) & 15;
        if ((insn & (1 << 11)) != 0 || (op && cmode == 15 && !q)) {
            return false;
        }
        int imm8 = ((insn >>> 11) & 0xe0) | ((insn >>> 5) & 31);
        int rd = insn & 31;
        long imm = expandImmediate(op, cmode, imm8);
        boolean orrBic = (cmode & 1) == 1 && cmode < 12;
        boolean inverted = op && cmode < 14;
        long lo = s.v[2 * rd];
        long hi = s.v[2 * rd + 1];
        int datasize = q ? 128 : 64;
        if (orrBic) {
            long bits = op ? ~imm : imm;
            IntegerLanes.writeVector(s, rd, op ? lo & bits : lo | bits, op ? hi & bits : hi | bits, datasize);
        } else {
            long value = inverted ? ~imm : imm;
            IntegerLanes.writeVector(s, rd, value, value, datasize);
        }
        return true;
    }

    /** AdvSIMDExpandImm. */
    static long expandImmediate(boolean op, int cmode, int imm8) {
        long b = imm8 & 0xffL;
        return switch (cmode >>> 1) {
            case 0 -> replicate(b, 32);
            case 1 -> replicate(b << 8, 32);
            case 2 -> replicate(b << 16, 32);
            case 3 -> replicate(b << 24, 32);
            case 4 -> replicate(b, 16);
            case 5 -> replicate(b << 8, 16);
            case 6 -> replicate((cmode & 1) == 0 ? (b << 8) | 0xff : (b << 16) | 0xffff, 32);
            default -> {
                if ((cmode & 1) == 0) {
                    if (!op) {
                        yield replicate(b, 8);
                    }
                    long r = 0;
                    for (int i = 0; i < 8; i++) {
                        if ((imm8 & (1 << i)) != 0) {
                            r |= 0xffL << (8 * i);
                        }
                    }
                    yield r;
                }
                yield op ? SoftFloat.expandImmediate(imm8, 64) : replicate(SoftFloat.expandImmediate(imm8, 32), 32);
            }
        };
    }

    /** UZP1/2, TRN1/2, ZIP1/2. */
    static boolean permute(int insn, FpSimdState s) {
        boolean q = (insn & (1 << 30)) != 0;
        int size = (insn >>> 22) & 3;
        int opcode = (insn >>> 12) & 7;
        if ((size == 3 && !q) || (opcode & 3) == 0) {
            return false;
        }
        int esize = 8 << size;
        int datasize = q ? 128 : 64;
        int elements = datasize / esize;
        int part = opcode >>> 2;
        int rn = (insn >>> 5) & 31;
        int rm = (insn >>> 16) & 31;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        long m0 = s.v[2 * rm];
        long m1 = s.v[2 * rm + 1];
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            boolean fromM;
            int index;
            switch (opcode & 3) {
                case 1 -> {
                    int source = 2 * e + part;
                    fromM = source >= elements;
                    index = fromM ? source - elements : source;
                }
                case 2 -> {
                    fromM = (e & 1) != 0;
                    index = (e & ~1) + part;
                }
                default -> {
                    fromM = (e & 1) != 0;
                    index = part * elements / 2 + e / 2;
                }
            }
            long r = fromM ? element(m0, m1, index, esize) : element(n0, n1, index, esize);
            if (e * esize < 64) {
                r0 = withElement(r0, e, esize, r);
            } else {
                r1 = withElement(r1, e, esize, r);
            }
        }
        IntegerLanes.writeVector(s, insn & 31, r0, r1, datasize);
        return true;
    }

    static boolean extract(int insn, FpSimdState s) {
        boolean q = (insn & (1 << 30)) != 0;
        int position = (insn >>> 11) & 15;
        if ((insn & 0x00c00000) != 0 || (!q && position >= 8)) {
            return false;
        }
        int bytes = q ? 16 : 8;
        int rn = (insn >>> 5) & 31;
        int rm = (insn >>> 16) & 31;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        long m0 = s.v[2 * rm];
        long m1 = s.v[2 * rm + 1];
        long r0 = 0;
        long r1 = 0;
        for (int i = 0; i < bytes; i++) {
            int source = i + position;
            long b = source < bytes ? element(n0, n1, source, 8) : element(m0, m1, source - bytes, 8);
            if (i < 8) {
                r0 = withElement(r0, i, 8, b);
            } else {
                r1 = withElement(r1, i, 8, b);
            }
        }
        IntegerLanes.writeVector(s, insn & 31, r0, r1, bytes * 8);
        return true;
    }

    /** TBL and TBX with one to four table registers (wrapping from V31 to V0). */
    static boolean tableLookup(int insn, FpSimdState s) {
        if ((insn & 0x00c00000) != 0) {
            return false;
        }
        boolean q = (insn & (1 << 30)) != 0;
        int registers = ((insn >>> 13) & 3) + 1;
        boolean extension = (insn & (1 << 12)) != 0;
        int rn = (insn >>> 5) & 31;
        int rm = (insn >>> 16) & 31;
        int rd = insn & 31;
        int bytes = q ? 16 : 8;
        long m0 = s.v[2 * rm];
        long m1 = s.v[2 * rm + 1];
        long d0 = s.v[2 * rd];
        long d1 = s.v[2 * rd + 1];
        long r0 = 0;
        long r1 = 0;
        for (int i = 0; i < bytes; i++) {
            int index = (int) element(m0, m1, i, 8);
            long b;
            if (index < 16 * registers) {
                b = Vregs.read(s, (rn + index / 16) & 31, index % 16, 8);
            } else {
                b = extension ? element(d0, d1, i, 8) : 0;
            }
            if (i < 8) {
                r0 = withElement(r0, i, 8, b);
            } else {
                r1 = withElement(r1, i, 8, b);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, bytes * 8);
        return true;
    }
}
