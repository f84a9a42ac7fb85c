package io.jqvm.cpu.a64.simd;

/** Lane-parallel arithmetic on a 64-bit word of esize-bit lanes ("SIMD within a register") for the hottest ops. */
final class Swar {
    private Swar() {
    }

    /** The top bit of every lane. */
    static long highBits(int esize) {
        return Moves.replicate(1L << (esize - 1), esize);
    }

    static long add(long a, long b, int esize) {
        long high = highBits(esize);
        return ((a & ~high) + (b & ~high)) ^ ((a ^ b) & high);
    }

    static long subtract(long a, long b, int esize) {
        long high = highBits(esize);
        return ((a | high) - (b & ~high)) ^ ((a ^ ~b) & high);
    }

    /** All-ones in every lane where a and b are equal, zero elsewhere (CMEQ). */
    static long equal(long a, long b, int esize) {
        long high = highBits(esize);
        long x = a ^ b;
        long nonZero = (((x & ~high) + ~high) | x) & high;
        long equalTops = ~nonZero & high;
        return (equalTops >>> (esize - 1)) * Vregs.mask(esize);
    }
}
