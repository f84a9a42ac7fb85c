package io.jqvm.cpu.a64.simd;

/** Element access to the V registers (pairs of longs, little-endian lanes). */
final class Vregs {
    private Vregs() {
    }

    /** All-ones in the low {@code bits} bits (bits 1..64). */
    static long mask(int bits) {
        return bits == 64 ? -1L : (1L << bits) - 1;
    }

    /** Element {@code index} of {@code bits} width from the 128-bit value {@code hi:lo}, zero-extended. */
    static long element(long lo, long hi, int index, int bits) {
        int bit = index * bits;
        long word = bit < 64 ? lo : hi;
        return (word >>> (bit & 63)) & mask(bits);
    }

    static long signExtend(long value, int bits) {
        return bits == 64 ? value : (value << (64 - bits)) >> (64 - bits);
    }

    /** {@code word} with element {@code index} (of a 64-bit half) replaced. */
    static long withElement(long word, int index, int bits, long value) {
        int shift = (index * bits) & 63;
        long m = mask(bits) << shift;
        return (word & ~m) | ((value << shift) & m);
    }

    static long read(FpSimdState s, int reg, int index, int bits) {
        return element(s.v[2 * reg], s.v[2 * reg + 1], index, bits);
    }

    /** Writes one element leaving the rest of the register unchanged (INS). */
    static void write(FpSimdState s, int reg, int index, int bits, long value) {
        int word = 2 * reg + ((index * bits) >>> 6);
        s.v[word] = withElement(s.v[word], index, bits, value);
    }

    /** A scalar write: the B/H/S/D destination gets the value and the rest of the V register is zeroed. */
    static void writeScalar(FpSimdState s, int reg, long value, int bits) {
        s.v[2 * reg] = value & mask(bits);
        s.v[2 * reg + 1] = 0;
    }

    static long readScalar(FpSimdState s, int reg, int bits) {
        return s.v[2 * reg] & mask(bits);
    }
}
