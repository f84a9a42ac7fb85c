package io.jqvm.cpu.a64.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Java float/double fast paths must agree bit for bit, flags included, with the soft-float reference. */
class FastFloatTest {
    private static final int SAMPLES = 100_000;

    private interface Operation {
        long apply(long a, long b, int size, FpSimdState s);
    }

    @Test
    void addAndSubtractAgree() {
        check("add", (a, b, size, s) -> FastFloat.add(a, b, size, false, s),
                (a, b, size, s) -> SoftFloat.addSoft(a, b, size, false, s));
        check("sub", (a, b, size, s) -> FastFloat.add(a, b, size, true, s),
                (a, b, size, s) -> SoftFloat.addSoft(a, b, size, true, s));
    }

    @Test
    void multiplyAgrees() {
        check("mul", FastFloat::mul, SoftFloat::mulSoft);
    }

    @Test
    void divideAgrees() {
        check("div", FastFloat::div, SoftFloat::divSoft);
    }

    @Test
    void squareRootAgrees() {
        check("sqrt", (a, b, size, s) -> FastFloat.sqrt(a, size, s), (a, b, size, s) -> SoftFloat.sqrtSoft(a, size, s));
    }

    @Test
    void singlePrecisionFusedMultiplyAddAgrees() {
        Random random = new Random(0xf3a);
        int handled = 0;
        for (int i = 0; i < SAMPLES; i++) {
            long a = operand(random, 32);
            long b = operand(random, 32);
            long c = random.nextInt(3) == 0 ? nearbyProductNegated(a, b, random) : operand(random, 32);
            FpSimdState fastState = new FpSimdState();
            FpSimdState referenceState = new FpSimdState();
            long result = FastFloat.mulAdd(c, a, b, 32, fastState);
            if (result == FastFloat.UNHANDLED) {
                assertEquals(0, fastState.fpsr, "flags set on an unhandled fma");
                continue;
            }
            handled++;
            String where = String.format("fma32 %x + %x * %x", c, a, b);
            assertEquals(SoftFloat.mulAddSoft(c, a, b, 32, referenceState), result, where);
            assertEquals(referenceState.fpsr, fastState.fpsr, where + " flags");
        }
        assertTrue(handled > SAMPLES / 4, "fma fast path took only " + handled + " samples");
    }

    /** An addend close to -(a * b), to provoke cancellation. */
    private static long nearbyProductNegated(long a, long b, Random random) {
        float product = Float.intBitsToFloat((int) a) * Float.intBitsToFloat((int) b);
        return nearby(random, Float.floatToRawIntBits(-product) & 0xffffffffL, 32);
    }

    private static void check(String name, Operation fast, Operation reference) {
        Random random = new Random(name.hashCode());
        for (int size : new int[] {32, 64}) {
            int handled = 0;
            for (int i = 0; i < SAMPLES; i++) {
                long a = operand(random, size);
                long b = random.nextInt(4) == 0 ? nearby(random, a, size) : operand(random, size);
                FpSimdState fastState = new FpSimdState();
                FpSimdState referenceState = new FpSimdState();
                long result = fast.apply(a, b, size, fastState);
                if (result == FastFloat.UNHANDLED) {
                    assertEquals(0, fastState.fpsr, "flags set on an unhandled " + name);
                    continue;
                }
                handled++;
                long expected = reference.apply(a, b, size, referenceState);
                String where = String.format("%s%d %x, %x", name, size, a, b);
                assertEquals(expected, result, where);
                assertEquals(referenceState.fpsr, fastState.fpsr, where + " flags");
            }
            assertTrue(handled > SAMPLES / 4, name + size + " fast path took only " + handled + " samples");
        }
    }

    private static long operand(Random random, int size) {
        return switch (random.nextInt(3)) {
            case 0 -> size == 64 ? RandomCases.randomDouble(random) : RandomCases.randomFloat(random);
            case 1 -> size == 64 ? random.nextLong() : random.nextInt() & 0xffffffffL;
            default -> size == 64 ? Double.doubleToRawLongBits(random.nextInt(1000) / 8.0 - 60)
                    : Float.floatToRawIntBits(random.nextInt(1000) / 8.0f - 60) & 0xffffffffL;
        };
    }

    /** A value within a few units in the last place of {@code a}, to provoke cancellation and exact results. */
    private static long nearby(Random random, long a, int size) {
        long sign = random.nextBoolean() ? SoftFloat.signBit(size) : 0;
        return ((a + random.nextInt(5) - 2) ^ sign) & Vregs.mask(size);
    }
}
