package io.jqvm.cpu.a64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The decoded instructions of one 4 KiB guest-physical page: the words as they were when the page was
 * first executed, and for each one its {@link Op} id (decoded on first execution) and precomputed
 * immediate. A write to the page marks it invalid; the CPU then builds a fresh one.
 */
final class CodePage {
    static final int INSTRUCTIONS = 1024;
    private static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final int[] words = new int[INSTRUCTIONS];
    final int[] ops = new int[INSTRUCTIONS];
    final long[] imm = new long[INSTRUCTIONS];
    /** Cleared when the page is written; read by other vCPUs' threads at their next fetch from it. */
    volatile boolean valid = true;

    CodePage(MemorySegment host, long offset) {
        for (int i = 0; i < INSTRUCTIONS; i++) {
            words[i] = host.get(WORD, offset + 4L * i);
        }
    }

    int decode(int index) {
        int op = Decoder.decode(words[index], imm, index);
        ops[index] = op;
        return op;
    }
}
