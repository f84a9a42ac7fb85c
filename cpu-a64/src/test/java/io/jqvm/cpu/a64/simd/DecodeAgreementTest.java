package io.jqvm.cpu.a64.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random words of the SIMD&amp;FP data-processing group that objdump cannot decode must be rejected as UNDEFINED. */
class DecodeAgreementTest {
    private static final int WORDS = 40_000;

    @Test
    void unallocatedEncodingsAreRejected() throws Exception {
        Random random = new Random(0xdec0de);
        int[] words = new int[WORDS];
        for (int i = 0; i < WORDS; i++) {
            words[i] = random.nextInt() | 0x0e000000;
        }
        String[] texts = CrossTools.disassemble(words);
        StringBuilder accepted = new StringBuilder();
        int undefined = 0;
        int wrongly = 0;
        for (int i = 0; i < WORDS; i++) {
            if (texts[i] != null) {
                continue;
            }
            undefined++;
            FpSimdState s = new FpSimdState();
            if (FpSimdExecutor.execute(words[i], s, new TestRegisters())) {
                if (++wrongly <= 20) {
                    accepted.append(String.format("  %08x%n", words[i]));
                }
            }
        }
        assertTrue(undefined > WORDS / 2, "too few undefined samples: " + undefined);
        assertTrue(wrongly == 0, wrongly + " unallocated encodings were executed, e.g.:\n" + accepted);
    }
}
