package io.jqvm.cpu.a64;

/**
 * The condition flags: how instructions compute them and how conditions test them. The interpreter keeps
 * NZCV as one eagerly computed int; compiled regions keep the flag-setting operation and its operands
 * ({@link #lazy}) and compute the bits only where something needs them.
 */
final class Nzcv {
    private Nzcv() {
    }

    private static final long M32 = 0xFFFFFFFFL;

    // Kinds of the lazily kept flag state: (kind, a, b) stands for the NZCV the operation would set.
    static final int LITERAL = 0; // a holds NZCV itself
    static final int ADD64 = 1;
    static final int ADD32 = 2;
    static final int SUB64 = 3;
    static final int SUB32 = 4;
    static final int LOGIC64 = 5; // a holds the result
    static final int LOGIC32 = 6;

    /** The NZCV of AddWithCarry(a, b, carry) on 64 bits ({@code sf}) or on the low 32 bits. */
    static int add(long a, long b, int carry, boolean sf) {
        if (sf) {
            long r = a + b + carry;
            boolean c = carry == 0 ? Long.compareUnsigned(r, a) < 0 : Long.compareUnsigned(r, a) <= 0;
            int v = (int) ((((a ^ r) & (b ^ r)) >>> 63));
            return (int) (r >>> 63) << 3 | (r == 0 ? 4 : 0) | (c ? 2 : 0) | v;
        }
        long sum = (a & M32) + (b & M32) + carry;
        int r = (int) sum;
        int v = (((int) a ^ r) & ((int) b ^ r)) >>> 31;
        return (r >>> 31) << 3 | (r == 0 ? 4 : 0) | ((int) (sum >>> 32) & 1) << 1 | v;
    }

    /** The NZCV of a logical operation's result (C and V clear). */
    static int logic(long result, boolean sf) {
        boolean negative = sf ? result < 0 : (int) result < 0;
        boolean zero = sf ? result == 0 : (int) result == 0;
        return (negative ? 8 : 0) | (zero ? 4 : 0);
    }

    /** The NZCV a lazily kept flag state stands for. */
    static int lazy(int kind, long a, long b) {
        return switch (kind) {
            case LITERAL -> (int) a;
            case ADD64 -> add(a, b, 0, true);
            case ADD32 -> add(a, b, 0, false);
            case SUB64 -> add(a, ~b, 1, true);
            case SUB32 -> add(a, ~b, 1, false);
            case LOGIC64 -> logic(a, true);
            default -> logic(a, false);
        };
    }

    /** ConditionHolds(cond) for the flags {@code nzcv}. */
    static boolean holds(int nzcv, int cond) {
        boolean result = switch (cond >>> 1) {
            case 0 -> (nzcv & 4) != 0;
            case 1 -> (nzcv & 2) != 0;
            case 2 -> (nzcv & 8) != 0;
            case 3 -> (nzcv & 1) != 0;
            case 4 -> (nzcv & 6) == 2;
            case 5 -> ((nzcv >>> 3) & 1) == (nzcv & 1);
            case 6 -> (nzcv & 4) == 0 && ((nzcv >>> 3) & 1) == (nzcv & 1);
            default -> true;
        };
        return (cond & 1) != 0 && cond != 15 ? !result : result;
    }
}
