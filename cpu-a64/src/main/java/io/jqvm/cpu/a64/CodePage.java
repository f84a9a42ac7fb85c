package io.jqvm.cpu.a64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The decoded instructions of one 4 KiB guest-physical page: for each word as it was when the page was
 * first executed, its {@link Op} id (decoded on first execution) packed with the word into one long, and
 * its precomputed immediate. A write to the page marks it invalid; the CPU then builds a fresh one.
 */
final class CodePage {
    static final int INSTRUCTIONS = 1024;
    private static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code op << 32 | word}; op {@link Op#UNDECODED} until first executed. */
    final long[] entries = new long[INSTRUCTIONS];
    final long[] imm = new long[INSTRUCTIONS];
    /** Cleared when the page is written; read by other vCPUs' threads at their next fetch from it. */
    volatile boolean valid = true;
    /** The page's compiled regions and jump counts, made when the page is first entered by a jump. */
    Regions regions;

    /** Per instruction: how often it was jumped to and the region entered there ({@link RegionCompiler}). */
    static final class Regions {
        final char[] heat = new char[INSTRUCTIONS];
        /** Made at the page's first compiled region (most pages never have one); written by the compiler thread. */
        volatile CompiledRegion[] compiled;
    }

    CodePage(MemorySegment host, long offset) {
        for (int i = 0; i < INSTRUCTIONS; i++) {
            entries[i] = host.get(WORD, offset + 4L * i) & 0xFFFFFFFFL;
        }
    }

    long decode(int index) {
        long word = entries[index] & 0xFFFFFFFFL;
        long entry = (long) Decoder.decode((int) word, imm, index) << 32 | word;
        entries[index] = entry;
        return entry;
    }
}
