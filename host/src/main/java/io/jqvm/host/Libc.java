package io.jqvm.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls into the host C library. Every call that can fail captures errno (through the linker's
 * call-state option, because the JVM may clobber errno between the call and a later read) and turns a
 * failure into a {@link HostException} naming the call and the error.
 *
 * <p>These are restricted methods: this module and accel-kvm are the only ones that make them.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = errnoOffset();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** Per-thread buffer for the captured errno, so concurrent vCPU threads never share one. */
    private static final ThreadLocal<MemorySegment> CALL_STATE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CALL_STATE));

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final long MAP_FAILED = -1L;
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EPERM = 1;
    public static final int SCHED_OTHER = 0;
    public static final int SCHED_FIFO = 1;
    public static final int SCHED_RR = 2;
    public static final int SCHED_DEADLINE = 6;
    // x86-64 system call numbers.
    private static final long SYS_READ = 0;
    private static final long SYS_POLL = 7;
    private static final long SYS_MMAP = 9;
    private static final long SYS_MUNMAP = 11;
    private static final long SYS_IOCTL = 16;
    private static final long SYS_GETTID = 186;
    private static final long SYS_TGKILL = 234;
    private static final long SYS_SCHED_SETATTR = 314;
    private static final long SYS_FUTEX = 202;
    /** Shared (not FUTEX_PRIVATE_FLAG) operations: the word may sit in memory other processes map. */
    private static final long FUTEX_WAIT = 0;
    private static final long FUTEX_WAKE = 1;
    public static final int ETIMEDOUT = 110;

    // One holder class per call, so a call is linked on its first use: linking a downcall spins a stub class
    // and a few dozen lambda forms (10-30 ms each at start-up), and most runs need few of these calls. A static
    // final field in a holder stays a constant that C2 inlines.
    /**
     * The C library's syscall() with six arguments, the one handle behind the calls every VM's start makes (mmap of
     * guest RAM, the console's terminal check and input, KVM's ioctls, munmap at the end): linking each call's own
     * shape cost the start 10-30 ms apiece, one shared shape costs it once. Every argument is an address, so that a
     * buffer's segment is kept alive through the call (and a heap segment refused) as by a typed downcall; a number
     * travels as {@link #word}.
     */
    private static final class Syscall6 {
        static final MethodHandle HANDLE = errnoCall("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS),
                Linker.Option.firstVariadicArg(1));
    }
    private static final class Mprotect {
        static final MethodHandle HANDLE = errnoCall("mprotect",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class Open {
        static final MethodHandle HANDLE = errnoCall("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }
    private static final class Close {
        static final MethodHandle HANDLE = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Write {
        static final MethodHandle HANDLE = errnoCall("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Pread {
        static final MethodHandle HANDLE = errnoCall("pread",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }
    private static final class Pwrite {
        static final MethodHandle HANDLE = errnoCall("pwrite",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }
    private static final class Eventfd {
        static final MethodHandle HANDLE = errnoCall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Syscall3 {
        static final MethodHandle HANDLE = errnoCall("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
    }
    private static final class Syscall4 {
        static final MethodHandle HANDLE = errnoCall("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS),
                Linker.Option.firstVariadicArg(1));
    }
    private static final class SchedSetaffinity {
        static final MethodHandle HANDLE = errnoCall("sched_setaffinity",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    }
    private static final class SchedSetscheduler {
        static final MethodHandle HANDLE = errnoCall("sched_setscheduler",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Strerror {
        static final MethodHandle HANDLE = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private Libc() {
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd, options);
    }

    /** A number as a {@link Syscall6} argument. */
    private static MemorySegment word(long value) {
        return MemorySegment.ofAddress(value);
    }

    /**
     * Links the handle that a VM's system calls share, now rather than at the first call: the jqvm command does it
     * on a thread of its own while its main thread reads the configuration, so that the link's ~35 ms of class
     * spinning overlaps that work instead of following it.
     */
    public static void linkSystemCalls() {
        try {
            MethodHandles.lookup().ensureInitialized(Syscall6.class);
        } catch (IllegalAccessException e) {
            throw new AssertionError("Libc reaches its own nested class", e);
        }
    }

    private static long syscall(MemorySegment state, long number, MemorySegment a, MemorySegment b, MemorySegment c)
            throws Throwable {
        return (long) Syscall6.HANDLE.invokeExact(state, number, a, b, c, MemorySegment.NULL, MemorySegment.NULL,
                MemorySegment.NULL);
    }

    /**
     * Where the captured errno sits, summed over the members before it: a layout path (byteOffset, or a VarHandle)
     * would initialise the JDK's LayoutPath, whose method handles cost every start ~10 ms.
     */
    private static long errnoOffset() {
        long offset = 0;
        for (MemoryLayout member : CALL_STATE.memberLayouts()) {
            if (member.name().orElse("").equals("errno")) {
                return offset;
            }
            offset += member.byteSize();
        }
        throw new IllegalStateException("the linker's call state has no errno: " + CALL_STATE);
    }

    private static int errno(MemorySegment state) {
        return state.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** The C library's text for an errno value. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.HANDLE.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static HostException fail(String call, MemorySegment state) {
        return new HostException(call, errno(state));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** mmap; returns the mapping as a segment of exactly {@code length} bytes. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            long p = (long) Syscall6.HANDLE.invokeExact(st, SYS_MMAP, MemorySegment.NULL, word(length), word(prot),
                    word(flags), word(fd), word(offset));
            if (p == MAP_FAILED) {
                throw fail("mmap(" + length + " bytes)", st);
            }
            return MemorySegment.ofAddress(p).reinterpret(length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void munmap(MemorySegment mapping) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if (syscall(st, SYS_MUNMAP, mapping, word(mapping.byteSize()), MemorySegment.NULL) != 0) {
                throw fail("munmap", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void mprotect(MemorySegment mapping, int prot) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if ((int) Mprotect.HANDLE.invokeExact(st, mapping, mapping.byteSize(), prot) != 0) {
                throw fail("mprotect", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int open(String path, int flags) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) Open.HANDLE.invokeExact(st, a.allocateFrom(path), flags | O_CLOEXEC, 0);
            if (fd < 0) {
                throw fail("open(" + path + ")", st);
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(int fd) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if ((int) Close.HANDLE.invokeExact(st, fd) != 0) {
                throw fail("close", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2); returns the byte count, or -errno for EINTR/EAGAIN so callers can retry without exceptions. */
    public static long read(int fd, MemorySegment buf, long count) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            long n = syscall(st, SYS_READ, word(fd), buf, word(count));
            if (n < 0) {
                int e = errno(st);
                if (e == EINTR || e == EAGAIN) {
                    return -e;
                }
                throw new HostException("read", e);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2); same conventions as {@link #read}. */
    public static long write(int fd, MemorySegment buf, long count) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            long n = (long) Write.HANDLE.invokeExact(st, fd, buf, count);
            if (n < 0) {
                int e = errno(st);
                if (e == EINTR || e == EAGAIN) {
                    return -e;
                }
                throw new HostException("write", e);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pread(2) at {@code offset} (a VFIO device region, say); throws on any failure but EINTR, returned as -EINTR. */
    public static long pread(int fd, MemorySegment buf, long count, long offset) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            long n = (long) Pread.HANDLE.invokeExact(st, fd, buf, count, offset);
            if (n < 0) {
                int e = errno(st);
                if (e == EINTR) {
                    return -e;
                }
                throw new HostException("pread", e);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pwrite(2) at {@code offset}; same conventions as {@link #pread}. */
    public static long pwrite(int fd, MemorySegment buf, long count, long offset) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            long n = (long) Pwrite.HANDLE.invokeExact(st, fd, buf, count, offset);
            if (n < 0) {
                int e = errno(st);
                if (e == EINTR) {
                    return -e;
                }
                throw new HostException("pwrite", e);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ioctl with a pointer argument. Returns the non-negative result, or -errno when the errno is one of
     * {@code tolerated} (EINTR for KVM_RUN, for instance); any other failure throws.
     */
    public static int ioctl(int fd, long request, MemorySegment arg, String what, int... tolerated) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            int r = (int) syscall(st, SYS_IOCTL, word(fd), word(request), arg);
            return r >= 0 ? r : ioctlFailure(st, what, tolerated);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl with an integer argument; see {@link #ioctl(int, long, MemorySegment, String, int...)}. */
    public static int ioctl(int fd, long request, long arg, String what, int... tolerated) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            int r = (int) syscall(st, SYS_IOCTL, word(fd), word(request), word(arg));
            return r >= 0 ? r : ioctlFailure(st, what, tolerated);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int ioctlFailure(MemorySegment st, String what, int[] tolerated) {
        int e = errno(st);
        for (int t : tolerated) {
            if (t == e) {
                return -e;
            }
        }
        throw new HostException(what, e);
    }

    /**
     * poll(2) over {@code count} {@code struct pollfd}s (8 bytes each: fd, events, revents) in {@code fds}, waiting
     * at most {@code timeoutMs} (-1: forever). Returns the number of ready descriptors, 0 on timeout, -EINTR.
     */
    public static int poll(MemorySegment fds, int count, int timeoutMs) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            int n = (int) syscall(st, SYS_POLL, fds, word(count), word(timeoutMs));
            if (n < 0) {
                int e = errno(st);
                if (e == EINTR) {
                    return -e;
                }
                throw new HostException("poll", e);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int eventfd(int initval, int flags) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            int fd = (int) Eventfd.HANDLE.invokeExact(st, initval, flags);
            if (fd < 0) {
                throw fail("eventfd", st);
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The calling thread's kernel thread id. */
    public static int gettid() {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            return (int) (long) Syscall3.HANDLE.invokeExact(st, SYS_GETTID, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * FUTEX_WAIT on a 32-bit word that may be shared with other processes: sleeps while the word holds
     * {@code expected}, at most {@code timeoutNs}. Returns on a wake, a changed word, a signal or the timeout
     * alike: the caller re-reads the word.
     */
    public static void futexWait(MemorySegment word, int expected, long timeoutNs) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment timeout = a.allocateFrom(JAVA_LONG, timeoutNs / 1_000_000_000L, timeoutNs % 1_000_000_000L);
            long r = (long) Syscall4.HANDLE.invokeExact(st, SYS_FUTEX, word.address(), FUTEX_WAIT, (long) expected, timeout);
            if (r != 0 && errno(st) != EAGAIN && errno(st) != EINTR && errno(st) != ETIMEDOUT) {
                throw fail("futex(FUTEX_WAIT)", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** FUTEX_WAKE: wakes every thread of any process waiting on {@code word}. */
    public static void futexWakeAll(MemorySegment word) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if ((long) Syscall4.HANDLE.invokeExact(st, SYS_FUTEX, word.address(), FUTEX_WAKE, (long) Integer.MAX_VALUE,
                    MemorySegment.NULL) < 0) {
                throw fail("futex(FUTEX_WAKE)", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sends {@code signal} to one thread of this process. */
    public static void tgkill(int pid, int tid, int signal) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if ((long) Syscall3.HANDLE.invokeExact(st, SYS_TGKILL, (long) pid, (long) tid, (long) signal) != 0) {
                throw fail("tgkill", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Pins thread {@code tid} (0 = caller) to the host CPUs whose bits are set in {@code mask}. */
    public static void schedSetAffinity(int tid, long[] mask) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocateFrom(JAVA_LONG, mask);
            if ((int) SchedSetaffinity.HANDLE.invokeExact(st, tid, set.byteSize(), set) != 0) {
                throw fail("sched_setaffinity", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sched_setscheduler for thread {@code tid} (0 = caller) with a static priority. */
    public static void schedSetScheduler(int tid, int policy, int priority) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment param = a.allocateFrom(JAVA_INT, priority);
            if ((int) SchedSetscheduler.HANDLE.invokeExact(st, tid, policy, param) != 0) {
                throw fail("sched_setscheduler", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** SCHED_DEADLINE for thread {@code tid} through sched_setattr(2): runtime and period in nanoseconds. */
    public static void schedSetDeadline(int tid, long runtimeNs, long periodNs) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            // struct sched_attr (SCHED_ATTR_SIZE_VER0 = 48 bytes)
            MemorySegment attr = a.allocate(48);
            attr.set(JAVA_INT, 0, 48);
            attr.set(JAVA_INT, 4, SCHED_DEADLINE);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 24, runtimeNs);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 32, periodNs);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 40, periodNs);
            if ((long) Syscall3.HANDLE.invokeExact(st, SYS_SCHED_SETATTR, (long) tid, attr.address(), 0L) != 0) {
                throw fail("sched_setattr", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // Signals: used by accel-kvm to kick a vCPU thread out of KVM_RUN.

    public static final int ESRCH = 3;
    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    public static final int SIG_SETMASK = 2;
    public static final int SA_RESTART = 0x10000000;
    /** glibc's {@code sigset_t}: 1024 bits. */
    public static final long SIGSET_BYTES = 128;
    private static final long SIGACTION_BYTES = 152;
    private static final long SIGACTION_MASK_OFFSET = 8;
    private static final long SIGACTION_FLAGS_OFFSET = 136;
    private static final long SYS_GETPID = 39;

    private static final class PthreadSigmask {
        static final MethodHandle HANDLE = LINKER.downcallHandle(LIBC.find("pthread_sigmask").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }
    private static final class Sigtimedwait {
        static final MethodHandle HANDLE = errnoCall("sigtimedwait",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }
    private static final class Sigaction {
        static final MethodHandle HANDLE = errnoCall("sigaction",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    /** The process id (the thread-group id {@link #tgkill} needs). */
    public static int getpid() {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            return (int) (long) Syscall3.HANDLE.invokeExact(st, SYS_GETPID, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * pthread_sigmask for the calling thread; {@code set} and {@code oldSet} are {@link #SIGSET_BYTES}
     * segments or NULL.
     */
    public static void pthreadSigmask(int how, MemorySegment set, MemorySegment oldSet) {
        try {
            int error = (int) PthreadSigmask.HANDLE.invokeExact(how, set, oldSet);
            if (error != 0) {
                throw new HostException("pthread_sigmask", error); // returns the error number, not errno
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * sigtimedwait for one of the blocked signals in {@code set}, waiting at most {@code timeout} (a struct
     * timespec). Returns the signal taken, or -errno for EAGAIN (none pending in time) and EINTR.
     */
    public static int sigtimedwait(MemorySegment set, MemorySegment timeout) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            int signal = (int) Sigtimedwait.HANDLE.invokeExact(st, set, MemorySegment.NULL, timeout);
            if (signal < 0) {
                int e = errno(st);
                if (e == EAGAIN || e == EINTR) {
                    return -e;
                }
                throw new HostException("sigtimedwait", e);
            }
            return signal;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets the process-wide handler of {@code signal} (an empty handler mask, {@code flags} as given) and
     * returns the previous handler's address (0 = SIG_DFL, 1 = SIG_IGN).
     */
    public static long sigaction(int signal, MemorySegment handler, int flags) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment action = a.allocate(SIGACTION_BYTES, 8);
            MemorySegment previous = a.allocate(SIGACTION_BYTES, 8);
            action.set(JAVA_LONG, 0, handler.address());
            action.asSlice(SIGACTION_MASK_OFFSET, SIGSET_BYTES).fill((byte) 0);
            action.set(JAVA_INT, SIGACTION_FLAGS_OFFSET, flags);
            if ((int) Sigaction.HANDLE.invokeExact(st, signal, action, previous) != 0) {
                throw fail("sigaction(" + signal + ")", st);
            }
            return previous.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The current handler address of {@code signal} (0 = SIG_DFL, 1 = SIG_IGN), without changing it. */
    public static long currentSignalHandler(int signal) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment previous = a.allocate(SIGACTION_BYTES, 8);
            if ((int) Sigaction.HANDLE.invokeExact(st, signal, MemorySegment.NULL, previous) != 0) {
                throw fail("sigaction(" + signal + ")", st);
            }
            return previous.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // Files: virtio-blk deallocates discarded ranges.

    public static final int EOPNOTSUPP = 95;
    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;

    private static final class Fallocate {
        static final MethodHandle HANDLE = errnoCall("fallocate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    /**
     * fallocate(2) on [offset, offset+length) of {@code fd}. Returns 0, or -EOPNOTSUPP when the file system
     * does not support {@code mode} (punching holes, say), so callers can fall back; any other failure throws.
     */
    public static int fallocate(int fd, int mode, long offset, long length) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if ((int) Fallocate.HANDLE.invokeExact(st, fd, mode, offset, length) == 0) {
                return 0;
            }
            int e = errno(st);
            if (e == EOPNOTSUPP) {
                return -e;
            }
            throw new HostException("fallocate", e);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // Shared guest RAM and vhost-user: memfds, Unix sockets and file descriptors passed over them (SCM_RIGHTS).

    public static final int MFD_CLOEXEC = 1;
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int SHUT_RDWR = 2;
    public static final int ECONNABORTED = 103;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;

    private static final class MemfdCreate {
        static final MethodHandle HANDLE = errnoCall("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Ftruncate {
        static final MethodHandle HANDLE = errnoCall("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    }
    private static final class Socket {
        static final MethodHandle HANDLE = errnoCall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Socketpair {
        static final MethodHandle HANDLE = errnoCall("socketpair",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Connect {
        static final MethodHandle HANDLE = errnoCall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Fcntl {
        static final MethodHandle HANDLE = errnoCall("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }
    private static final class Bind {
        static final MethodHandle HANDLE = errnoCall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Listen {
        static final MethodHandle HANDLE = errnoCall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Accept4 {
        static final MethodHandle HANDLE = errnoCall("accept4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }
    private static final class Shutdown {
        static final MethodHandle HANDLE = errnoCall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Sendmsg {
        static final MethodHandle HANDLE = errnoCall("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Recvmsg {
        static final MethodHandle HANDLE = errnoCall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }

    /** memfd_create(2) with MFD_CLOEXEC: an anonymous file whose descriptor can be passed to another process. */
    public static int memfdCreate(String name) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) MemfdCreate.HANDLE.invokeExact(st, a.allocateFrom(name), MFD_CLOEXEC);
            if (fd < 0) {
                throw fail("memfd_create(" + name + ")", st);
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void ftruncate(int fd, long length) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if ((int) Ftruncate.HANDLE.invokeExact(st, fd, length) != 0) {
                throw fail("ftruncate(" + length + ")", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** socket(2): a close-on-exec Unix stream socket. */
    public static int unixStreamSocket() {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            int fd = (int) Socket.HANDLE.invokeExact(st, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw fail("socket(AF_UNIX)", st);
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** socketpair(2): two connected close-on-exec Unix stream sockets. */
    public static int[] unixStreamSocketPair() {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            if ((int) Socketpair.HANDLE.invokeExact(st, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
                throw fail("socketpair(AF_UNIX)", st);
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** connect(2) with a {@code struct sockaddr_un} the caller built. */
    public static void connect(int fd, MemorySegment address, String what) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if ((int) Connect.HANDLE.invokeExact(st, fd, address, (int) address.byteSize()) != 0) {
                throw fail("connect(" + what + ")", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets O_NONBLOCK on {@code fd}'s open file description (shared with every process holding it): a descriptor a
     * peer handed over can then never block the thread that writes it.
     */
    public static void setNonBlocking(int fd) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            int flags = (int) Fcntl.HANDLE.invokeExact(st, fd, F_GETFL, 0);
            if (flags < 0 || (int) Fcntl.HANDLE.invokeExact(st, fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                throw fail("fcntl(O_NONBLOCK)", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** bind(2) then listen(2) with a {@code struct sockaddr_un} the caller built. */
    public static void bindAndListen(int fd, MemorySegment address, String what, int backlog) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            if ((int) Bind.HANDLE.invokeExact(st, fd, address, (int) address.byteSize()) != 0) {
                throw fail("bind(" + what + ")", st);
            }
            if ((int) Listen.HANDLE.invokeExact(st, fd, backlog) != 0) {
                throw fail("listen(" + what + ")", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** accept4(2) with SOCK_CLOEXEC; returns the connection's descriptor, or -EAGAIN/-EINTR. */
    public static int accept(int fd) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            int c = (int) Accept4.HANDLE.invokeExact(st, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
            if (c < 0) {
                int e = errno(st);
                if (e == EINTR || e == EAGAIN || e == ECONNABORTED) {
                    return -e;
                }
                throw new HostException("accept", e);
            }
            return c;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** shutdown(2); wakes a thread polling the socket. Errors (not connected any more) are of no interest. */
    public static void shutdown(int fd) {
        try {
            int ignored = (int) Shutdown.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), fd, SHUT_RDWR);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sendmsg(2) of a {@code struct msghdr}; returns the byte count, or -EAGAIN/-EINTR. */
    public static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        return messageCall(Sendmsg.HANDLE, "sendmsg", fd, msghdr, flags);
    }

    /** recvmsg(2) into a {@code struct msghdr}; returns the byte count (0 at end of stream), or -EAGAIN/-EINTR. */
    public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        return messageCall(Recvmsg.HANDLE, "recvmsg", fd, msghdr, flags);
    }

    private static long messageCall(MethodHandle call, String name, int fd, MemorySegment msghdr, int flags) {
        MemorySegment st = CALL_STATE_BUFFER.get();
        try {
            long n = (long) call.invokeExact(st, fd, msghdr, flags);
            if (n < 0) {
                int e = errno(st);
                if (e == EINTR || e == EAGAIN) {
                    return -e;
                }
                throw new HostException(name, e);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
