package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.Vregs.element;
import static io.jqvm.cpu.a64.simd.Vregs.signExtend;
import static io.jqvm.cpu.a64.simd.Vregs.withElement;

/**
 * Advanced SIMD integer operations by element: MUL, MLA, MLS, the widening SMULL/UMULL/SMLAL/…, and the saturating
 * doubling SQDMULL/SQDMLAL/SQDMLSL/SQDMULH/SQRDMULH (also scalar). Floating point goes to {@link FpVector}.
 */
final class ByElement {
    private ByElement() {
    }

    static boolean execute(int insn, FpSimdState s, boolean scalar) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        int size = (insn >>> 22) & 3;
        int opcode = (insn >>> 12) & 15;
        boolean floatingPoint = opcode == 0b0001 || opcode == 0b0101 || opcode == 0b1001;
        if (floatingPoint) {
            return FpVector.byElement(insn, s, scalar);
        }
        boolean sameWidth = u ? opcode == 0b0000 || opcode == 0b0100 : opcode == 0b1000;
        boolean widening = opcode == 0b0010 || opcode == 0b0110 || opcode == 0b1010;
        boolean doublingLong = !u && (opcode == 0b0011 || opcode == 0b0111 || opcode == 0b1011);
        boolean doublingHigh = !u && (opcode == 0b1100 || opcode == 0b1101);
        boolean allowed = scalar ? doublingLong || doublingHigh : sameWidth || widening || doublingLong || doublingHigh;
        if (!allowed || (size != 1 && size != 2)) {
            return false;
        }
        int esize = 8 << size;
        int h = (insn >>> 11) & 1;
        int l = (insn >>> 21) & 1;
        int m = (insn >>> 20) & 1;
        int index = size == 1 ? (h << 2) | (l << 1) | m : (h << 1) | l;
        int rm = size == 1 ? (insn >>> 16) & 15 : (insn >>> 16) & 31;
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        long operand = Vregs.read(s, rm, index, esize);
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        long d0 = s.v[2 * rd];
        long d1 = s.v[2 * rd + 1];
        long r0 = 0;
        long r1 = 0;
        if (doublingHigh) {
            int datasize = scalar ? esize : q ? 128 : 64;
            long b = signExtend(operand, esize);
            for (int e = 0; e < datasize / esize; e++) {
                long r = IntegerLanes.doublingMultiplyHigh(signExtend(element(n0, n1, e, esize), esize), b, esize,
                        opcode == 0b1101, s);
                if (e * esize < 64) {
                    r0 = withElement(r0, e, esize, r);
                } else {
                    r1 = withElement(r1, e, esize, r);
                }
            }
            IntegerLanes.writeVector(s, rd, r0, r1, datasize);
            return true;
        }
        if (sameWidth) {
            int datasize = q ? 128 : 64;
            for (int e = 0; e < datasize / esize; e++) {
                long product = element(n0, n1, e, esize) * operand;
                long d = element(d0, d1, e, esize);
                long r = opcode == 0b1000 ? product : opcode == 0b0000 ? d + product : d - product;
                if (e * esize < 64) {
                    r0 = withElement(r0, e, esize, r);
                } else {
                    r1 = withElement(r1, e, esize, r);
                }
            }
            IntegerLanes.writeVector(s, rd, r0, r1, datasize);
            return true;
        }
        long source = q && !scalar ? n1 : n0;
        long b = u ? operand : signExtend(operand, esize);
        for (int e = 0; e < (scalar ? 1 : 64 / esize); e++) {
            long a = u ? element(source, 0, e, esize) : signExtend(element(source, 0, e, esize), esize);
            long d = element(d0, d1, e, 2 * esize);
            long r;
            if (doublingLong) {
                long product = IntegerLanes.doublingMultiplyLong(a, b, esize, s);
                long accumulator = signExtend(d, 2 * esize);
                r = opcode == 0b1011 ? product : opcode == 0b0011
                        ? IntegerLanes.signedAdd(accumulator, product, 2 * esize, s)
                        : IntegerLanes.signedSubtract(accumulator, product, 2 * esize, s);
            } else {
                long product = a * b;
                r = opcode == 0b1010 ? product : opcode == 0b0010 ? d + product : d - product;
            }
            if (e * 2 * esize < 64) {
                r0 = withElement(r0, e, 2 * esize, r);
            } else {
                r1 = withElement(r1, e, 2 * esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, scalar ? 2 * esize : 128);
        return true;
    }
}
