package io.jqvm.cpu.a64;

import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Guest-physical memory as the CPUs of one VM see it: the RAM/ROM regions and, per 4 KiB page, the
 * decoded code built from it. Pages holding decoded code are never entered in a write TLB, so every
 * guest store to them takes the slow path, which discards the decoded page (self-modifying code and
 * code loading need no cache maintenance by the guest, matching CTR_EL0.DIC = 1) - unless another process
 * can write the RAM ({@link #writableByOthers}), when the guest's IC IVAU / IC IALLU do the discarding.
 */
final class PhysicalMemory {
    static final int PAGE_SHIFT = 12;
    static final long PAGE_MASK = (1L << PAGE_SHIFT) - 1;

    /** One region with its code-page slots. */
    static final class Region {
        final long base;
        final long size;
        final boolean readOnly;
        final MemorySegment host;
        final CodePage[] code;

        Region(GuestRegion region) {
            this.base = region.base();
            this.size = region.size();
            this.readOnly = region.readOnly();
            this.host = region.host();
            this.code = new CodePage[(int) (size >>> PAGE_SHIFT)];
        }

        boolean contains(long gpa) {
            return Long.compareUnsigned(gpa - base, size) < 0;
        }
    }

    /** Replaced as a whole when a region is mapped or unmapped while the guest runs (shared memory). */
    private volatile Region[] regions;
    /**
     * Another process can write guest memory and no listener reports it: the RAM is shared with a device back end,
     * or regions peers write are {@link #map mapped} while the guest runs.
     */
    final boolean writableByOthers;
    /** Bumped whenever a page gains decoded code: every vCPU then drops its write-TLB entries. */
    private final AtomicLong codeGeneration = new AtomicLong();
    /** Bumped by broadcast TLB maintenance (TLBI ...IS): every vCPU then flushes its TLB. */
    private final AtomicLong tlbGeneration = new AtomicLong();

    /** @param peerMappedMemory regions other processes write will be {@link #map mapped} while the guest runs */
    PhysicalMemory(GuestMemory memory, boolean peerMappedMemory) {
        List<GuestRegion> list = memory.regions();
        writableByOthers = peerMappedMemory || !memory.sharedRegions().isEmpty();
        regions = new Region[list.size()];
        for (int i = 0; i < regions.length; i++) {
            regions[i] = new Region(list.get(i));
        }
    }

    /**
     * Adds guest memory (RAM, or ROM when {@code readOnly}) while the guest runs; every vCPU flushes its TLB at its next batch boundary, so a vCPU
     * that cached nothing for these addresses finds the region at once.
     */
    synchronized void map(long gpa, MemorySegment host, boolean readOnly, String owner) {
        for (Region r : regions) {
            if (Long.compareUnsigned(gpa, r.base + r.size) < 0 && Long.compareUnsigned(r.base, gpa + host.byteSize()) < 0) {
                throw new IllegalArgumentException("guest-physical " + Long.toHexString(gpa) + " overlaps a mapped region");
            }
        }
        Region[] next = java.util.Arrays.copyOf(regions, regions.length + 1);
        next[regions.length] = new Region(new GuestRegion(gpa, host.byteSize(), readOnly, host, owner));
        regions = next;
        tlbGeneration.incrementAndGet();
    }

    /** Removes a region added by {@link #map}: its decoded code is dropped and every vCPU flushes its TLB. */
    synchronized void unmap(long gpa) {
        Region[] next = java.util.Arrays.stream(regions).filter(r -> r.base != gpa).toArray(Region[]::new);
        for (Region r : regions) {
            if (r.base == gpa) {
                invalidateCode(r.base, r.size);
            }
        }
        regions = next;
        tlbGeneration.incrementAndGet();
    }

    /** The region holding {@code gpa}, or null for MMIO space. */
    Region regionAt(long gpa) {
        for (Region r : regions) {
            if (r.contains(gpa)) {
                return r;
            }
        }
        return null;
    }

    /** The decoded page for a page of {@code region}, made when first needed. */
    CodePage codePage(Region region, long gpa) {
        int slot = (int) ((gpa - region.base) >>> PAGE_SHIFT);
        CodePage page = region.code[slot];
        if (page != null && page.valid) {
            return page;
        }
        synchronized (region) {
            page = region.code[slot];
            if (page == null || !page.valid) {
                long pageBase = gpa & ~PAGE_MASK;
                page = new CodePage(region.host, pageBase - region.base);
                region.code[slot] = page;
                codeGeneration.incrementAndGet();
            }
        }
        return page;
    }

    boolean hasCode(Region region, long gpa) {
        CodePage page = region.code[(int) ((gpa - region.base) >>> PAGE_SHIFT)];
        return page != null && page.valid;
    }

    /**
     * Discards the decoded code of the page holding {@code gpa}, if any (a store hit it). Under the region's
     * lock, as {@link #codePage} builds pages: a device thread's write (DMA) must not miss a page a vCPU is
     * decoding at that moment.
     */
    void invalidateCode(Region region, long gpa) {
        int slot = (int) ((gpa - region.base) >>> PAGE_SHIFT);
        synchronized (region) {
            CodePage page = region.code[slot];
            if (page != null) {
                page.valid = false;
                region.code[slot] = null;
            }
        }
    }

    /** Discards the decoded code of every page in [gpa, gpa + length): memory written behind the CPUs' backs. */
    void invalidateCode(long gpa, long length) {
        long end = gpa + length;
        for (long page = gpa & ~PAGE_MASK; Long.compareUnsigned(page, end) < 0; page += 1L << PAGE_SHIFT) {
            Region region = regionAt(page);
            if (region != null) {
                invalidateCode(region, page);
            }
        }
    }

    /** IC IALLU: forget every decoded page. */
    void invalidateAllCode() {
        for (Region r : regions) {
            synchronized (r) {
                for (int i = 0; i < r.code.length; i++) {
                    if (r.code[i] != null) {
                        r.code[i].valid = false;
                        r.code[i] = null;
                    }
                }
            }
        }
    }

    long codeGeneration() {
        return codeGeneration.get();
    }

    long tlbGeneration() {
        return tlbGeneration.get();
    }

    void broadcastTlbFlush() {
        tlbGeneration.incrementAndGet();
    }
}
