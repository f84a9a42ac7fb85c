package io.jqvm.accel.kvm;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The real-time signal that kicks a vCPU thread out of KVM_RUN. The signal stays blocked in the vCPU thread
 * and KVM unblocks it only inside KVM_RUN (KVM_SET_SIGNAL_MASK), so a kick sent while the thread is in
 * Java stays pending and ends the next KVM_RUN at once: no kick is lost and no handler ever runs there.
 * After KVM_RUN returns EINTR the pending signal is taken with sigtimedwait.
 */
final class KickSignal {
    /** SIGRTMIN+6 with glibc: free in the JVM (which uses 33 and, with NIO, 62). */
    static final int SIGNAL = 40;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;
    private static final long TIMESPEC_BYTES = 16;
    private static final long KERNEL_SIGSET_BYTES = 8;

    private static final int PID = Libc.getpid();
    private static boolean handlerChecked;

    private final Arena arena = Arena.ofShared();
    /** A sigset holding only {@link #SIGNAL}. */
    private final MemorySegment kickSet = arena.allocate(Libc.SIGSET_BYTES, 8);
    private final MemorySegment noWait = arena.allocate(TIMESPEC_BYTES, 8);
    private final MemorySegment threadMask = arena.allocate(Libc.SIGSET_BYTES, 8);

    KickSignal() {
        kickSet.set(JAVA_LONG, 0, bit(SIGNAL));
        installSafetyNetHandler();
    }

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    /**
     * A handler only runs if the signal reaches a thread that does not block it (a kick racing with a vCPU
     * thread's exit and a reused tid). SIG_DFL would kill the JVM and SIG_IGN would discard kicks during
     * KVM_RUN, so both are replaced by a native function that does nothing harmful: libc's {@code abs}.
     * An upcall stub must never be the handler: the JVM aborts when a signal lands on Java code.
     */
    private static synchronized void installSafetyNetHandler() {
        if (handlerChecked) {
            return;
        }
        long current = Libc.currentSignalHandler(SIGNAL);
        if (current == SIG_DFL || current == SIG_IGN) {
            MemorySegment noOp = Linker.nativeLinker().defaultLookup().find("abs").orElseThrow();
            Libc.sigaction(SIGNAL, noOp, Libc.SA_RESTART);
        }
        handlerChecked = true;
    }

    /**
     * Blocks the kick in the calling thread and returns the mask KVM_RUN must use: the thread's own mask
     * without the kick (the kernel's 64-bit sigset).
     */
    long blockInCurrentThread() {
        Libc.pthreadSigmask(Libc.SIG_BLOCK, kickSet, threadMask);
        return threadMask.get(JAVA_LONG, 0) & ~bit(SIGNAL);
    }

    static long kernelSigsetBytes() {
        return KERNEL_SIGSET_BYTES;
    }

    /** Takes every pending kick of the calling thread without waiting. */
    void consumePending() {
        while (Libc.sigtimedwait(kickSet, noWait) == SIGNAL) {
            // another kick may have arrived while the first was taken; both ask for the same thing
        }
    }

    /** Kicks thread {@code tid}; a thread that has already ended needs no kick. */
    static void send(int tid) {
        try {
            Libc.tgkill(PID, tid, SIGNAL);
        } catch (HostException e) {
            if (e.errno() != Libc.ESRCH) {
                throw e;
            }
        }
    }

    void close() {
        arena.close();
    }
}
