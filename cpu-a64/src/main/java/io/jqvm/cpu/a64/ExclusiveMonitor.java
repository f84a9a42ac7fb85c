package io.jqvm.cpu.a64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The global exclusive monitor and event broadcast shared by the vCPUs of one VM. A store-exclusive
 * succeeds when the granule still holds the value its load-exclusive read, checked and written
 * atomically with a compare-and-set on the host memory (as QEMU does for multi-threaded TCG); a 128-bit
 * pair, which has no host CAS, is compared and written under one VM-wide lock.
 */
final class ExclusiveMonitor {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final Object pairLock = new Object();
    private final List<A64Cpu> cpus = new CopyOnWriteArrayList<>();
    private final AtomicInteger eventWaiters = new AtomicInteger();

    void register(A64Cpu cpu) {
        cpus.add(cpu);
    }

    /** Atomically replaces the {@code size}-byte value at an aligned {@code offset} if it is still {@code expected}. */
    boolean compareAndSet(MemorySegment host, long offset, int size, long expected, long value) {
        if (size == 8) {
            return LONG.compareAndSet(host, offset, expected, value);
        }
        if (size == 4) {
            return INT.compareAndSet(host, offset, (int) expected, (int) value);
        }
        long wordOffset = offset & ~3L;
        int shift = (int) (offset & 3) * 8;
        int mask = (size == 1 ? 0xFF : 0xFFFF) << shift;
        while (true) {
            int current = (int) INT.getVolatile(host, wordOffset);
            if (((current & mask) >>> shift) != (int) (expected & (mask >>> shift))) {
                return false;
            }
            int replaced = (current & ~mask) | (((int) value << shift) & mask);
            if (INT.compareAndSet(host, wordOffset, current, replaced)) {
                return true;
            }
        }
    }

    /** STXP of two 64-bit registers at a 16-byte aligned {@code offset}. */
    boolean compareAndSetPair(MemorySegment host, long offset, long expectedLow, long expectedHigh, long low, long high) {
        synchronized (pairLock) {
            if ((long) LONG.getVolatile(host, offset) != expectedLow || (long) LONG.getVolatile(host, offset + 8) != expectedHigh) {
                return false;
            }
            LONG.setVolatile(host, offset, low);
            LONG.setVolatile(host, offset + 8, high);
            return true;
        }
    }

    /** SEV: sets every vCPU's event register and wakes those waiting in WFE. */
    void sendEvent() {
        for (A64Cpu cpu : cpus) {
            cpu.signalEvent();
        }
    }

    /**
     * A store that may release a lock another vCPU waits on in WFE (the hardware event from its monitor
     * being cleared): broadcast an event, but only when somebody waits, to keep releases cheap.
     */
    void storeReleased() {
        if (eventWaiters.get() != 0) {
            sendEvent();
        }
    }

    void waitingForEvent(boolean waiting) {
        if (waiting) {
            eventWaiters.incrementAndGet();
        } else {
            eventWaiters.decrementAndGet();
        }
    }
}
