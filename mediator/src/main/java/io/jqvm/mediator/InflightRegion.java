package io.jqvm.mediator;

import io.jqvm.host.HostException;
import io.jqvm.host.HostMemory;
import io.jqvm.host.Libc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * vhost-user's inflight tracking (protocol feature INFLIGHT_SHMFD, the split-ring layout of QEMU's
 * docs/interop/vhost-user.rst) for the mediator's one queue: a memfd the mediator creates at GET_INFLIGHT_FD and
 * the front end keeps across back-end restarts, recording which descriptor heads were taken from the ring and not
 * yet returned. A mediator that starts a ring over a region handed back with SET_INFLIGHT_FD resubmits those
 * requests (in the order they were taken) before it pops new ones, so a request in flight when the previous
 * mediator died is served, not lost.
 *
 * <p>Layout: {@code u64 features; u16 version; u16 desc_num; u16 last_batch_head; u16 used_idx}, then
 * {@code desc_num} × {@code {u8 inflight; u8 padding[5]; u16 next; u64 counter}}. A region of zeros is fresh.
 * {@code last_batch_head}/{@code used_idx} close the window between writing the used ring and clearing the flag:
 * a used index in the ring past the recorded one means the last returned head did complete.
 */
final class InflightRegion implements AutoCloseable {
    private static final int HEADER = 16;
    private static final int DESC = 16;
    private static final short VERSION = 1;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment whole;
    private final MemorySegment region;
    private long counter;

    private InflightRegion(MemorySegment whole, MemorySegment region) {
        this.whole = whole;
        this.region = region;
    }

    /** The bytes one queue of {@code queueSize} needs, rounded up to 64 as QEMU's back ends round. */
    static long sizeFor(int queueSize) {
        return (HEADER + (long) DESC * queueSize + 63) & ~63L;
    }

    /** A fresh region (GET_INFLIGHT_FD); {@code fd} in the result is the caller's to send and close. */
    static Created create(int queueSize) {
        HostMemory.SharedMapping m = HostMemory.mapSharedMemfd("jqvm-mediator-inflight", sizeFor(queueSize));
        return new Created(new InflightRegion(m.segment(), m.segment()), m.fd());
    }

    record Created(InflightRegion region, int fd) {
    }

    /**
     * Maps a region a front end hands back (SET_INFLIGHT_FD) after checking that its file holds it (a mapping past
     * the end of the file would fault). The descriptor stays the caller's to close.
     */
    static InflightRegion map(int fd, long size, long offset, int queueSize) {
        if (size < sizeFor(queueSize) || offset < 0 || offset % HostMemory.PAGE_SIZE != 0 || offset > Long.MAX_VALUE - size) {
            throw new IllegalArgumentException("inflight region of " + size + " bytes at offset " + offset
                    + " for a queue of " + queueSize + " (at least " + sizeFor(queueSize) + " bytes, page-aligned offset)");
        }
        long fileSize = FrontEndMemory.fileSize(fd, "inflight region");
        if (fileSize < offset + size) {
            throw new IllegalArgumentException("inflight region runs past the end of its " + fileSize + "-byte file");
        }
        try {
            MemorySegment whole = Libc.mmap(offset + size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
            return new InflightRegion(whole, whole.asSlice(offset, size));
        } catch (HostException e) {
            throw new IllegalArgumentException("inflight region cannot be mapped: " + e.getMessage());
        }
    }

    /**
     * The ring starts with {@code ringSize} entries and {@code usedIndex} in its used ring: returns the heads to
     * resubmit, in the order they were first taken (an empty list for a fresh region, which is initialised).
     */
    List<Integer> recover(int ringSize, int usedIndex) {
        int descNum = Short.toUnsignedInt(region.get(U16, 10));
        if (region.get(U16, 8) == 0) {
            region.fill((byte) 0);
            region.set(U16, 8, VERSION);
            region.set(U16, 10, (short) ringSize);
            region.set(U16, 14, (short) usedIndex);
            counter = 0;
            return List.of();
        }
        if (region.get(U16, 8) != VERSION || descNum < ringSize || HEADER + (long) DESC * descNum > region.byteSize()) {
            throw new IllegalArgumentException("inflight region of version " + region.get(U16, 8) + " for " + descNum
                    + " descriptors does not fit a ring of " + ringSize);
        }
        if (Short.toUnsignedInt(region.get(U16, 14)) != usedIndex) {
            // The previous back end wrote the used ring but died before it cleared the head it returned.
            int last = Short.toUnsignedInt(region.get(U16, 12));
            if (last < descNum) {
                region.set(ValueLayout.JAVA_BYTE, HEADER + (long) DESC * last, (byte) 0);
            }
            region.set(U16, 14, (short) usedIndex);
        }
        List<long[]> taken = new ArrayList<>();
        counter = 0;
        for (int head = 0; head < descNum; head++) {
            long at = HEADER + (long) DESC * head;
            if (region.get(ValueLayout.JAVA_BYTE, at) != 0) {
                if (head >= ringSize) {
                    throw new IllegalArgumentException("inflight head " + head + " is outside a ring of " + ringSize);
                }
                long order = region.get(U64, at + 8);
                taken.add(new long[] {order, head});
                counter = Math.max(counter, order);
            }
        }
        taken.sort(Comparator.comparingLong(t -> t[0]));
        return taken.stream().map(t -> (int) t[1]).toList();
    }

    /** {@code head} was taken from the ring. */
    void taken(int head) {
        long at = HEADER + (long) DESC * head;
        region.set(U64, at + 8, ++counter);
        region.set(ValueLayout.JAVA_BYTE, at, (byte) 1);
    }

    /** {@code head} is about to be put in the used ring. */
    void returning(int head) {
        region.set(U16, 12, (short) head);
    }

    /** {@code head} is in the used ring, whose index is now {@code usedIndex}. */
    void returned(int head, int usedIndex) {
        region.set(ValueLayout.JAVA_BYTE, HEADER + (long) DESC * head, (byte) 0);
        region.set(U16, 14, (short) usedIndex);
    }

    /** A chain refused without being taken into service still moves the used index. */
    void usedIndex(int usedIndex) {
        region.set(U16, 14, (short) usedIndex);
    }

    long size() {
        return region.byteSize();
    }

    @Override
    public void close() {
        HostMemory.unmap(whole);
    }
}
