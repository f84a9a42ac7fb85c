package io.jqvm.cpu.a64;

import io.jqvm.common.Log;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The second execution tier of the software CPU: translates hot regions of a code page into JVM bytecode.
 *
 * <p>The interpreter counts how often each instruction of a page is reached by a jump; at
 * {@code threshold} it asks for a region starting there. A region is the part of the page reachable from
 * its entry through translatable instructions (integer data processing, branches, general-register loads
 * and stores), at most {@link #MAX_INSTRUCTIONS}; branches within it become JVM jumps, so a guest loop is a
 * JVM loop that C2 compiles with the guest registers in host registers. Everything else (system
 * instructions, SIMD&amp;FP, exclusives, exception generation) ends the region and is interpreted.
 *
 * <p>Inside a region the guest registers, SP and the flags live in JVM locals. The flags are kept lazily,
 * as the last flag-setting operation and its operands ({@link Nzcv#lazy}), and a conditional branch right
 * after a compare tests the operands directly. Memory accesses take the soft TLB's fast path inline; on a
 * miss the access first stores pc, SP and NZCV into the CPU, so a fault is taken with the same state as
 * in the interpreter. The registers are written back when the region exits and when a guest exception
 * unwinds through it. Backward branches check the batch budget, so interrupts, timers and stop requests
 * are seen as often as in the interpreter.
 *
 * <p>A store into the page being run does not stop the region at once: like a core that advertises
 * CTR_EL0.DIC, the CPU only guarantees new instructions after a context synchronization (ISB, exception
 * entry or return), and those are never part of a region. The page's regions die with its
 * {@link CodePage}.
 *
 * <p>This class decides when and where regions are compiled and keeps them; {@link RegionScan} finds a
 * region's instructions, {@link RegionEmitter} and {@link RegionTranslation} write its bytecode, which calls
 * the CPU through {@link RegionContract} only.
 */
final class RegionCompiler {
    /** Most instructions in one region; fewer when its method would pass {@link #HUGE_METHOD_LIMIT} bytes. */
    static final int MAX_INSTRUCTIONS = 240;
    /**
     * How many times hotter than a loop a straight-line region must be: compiling one costs the same and
     * gains less, and an OS boot runs thousands of such blocks a few thousand times each.
     */
    static final int STRAIGHT_LINE_FACTOR = 8;
    /** The jump counters are chars. */
    static final int MAX_THRESHOLD = Character.MAX_VALUE;
    /** HotSpot does not compile methods over 8000 bytes of bytecode (-XX:+DontCompileHugeMethods). */
    private static final int HUGE_METHOD_LIMIT = 7900;
    private static final int FAILURE_LOG_LIMIT = 8;

    private final MethodHandles.Lookup lookup;
    private final int threshold;
    private final int straightLineThreshold;
    /**
     * The compiler thread, shared by the machines of the process (a reboot makes a new one). Low priority
     * and a bounded queue: it uses idle host CPU and never holds up a vCPU.
     */
    private static final ThreadPoolExecutor BACKGROUND = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(256), runnable -> {
                Thread thread = new Thread(runnable, "jqvm-region-compiler");
                thread.setDaemon(true);
                thread.setPriority(Thread.MIN_PRIORITY);
                return thread;
            }, new ThreadPoolExecutor.DiscardPolicy());

    private final ClassFile classFile;
    private final LongAdder compiled = new LongAdder();
    private final LongAdder failed = new LongAdder();

    /**
     * @param lookup    {@link RegionContract#regionLookup}: regions are defined in the CPU's package
     * @param threshold jumps to an instruction before a region with a loop is compiled from it; a region
     *                  without one waits {@link #STRAIGHT_LINE_FACTOR} times longer (1: every region at its
     *                  first jump, for tests)
     */
    RegionCompiler(MethodHandles.Lookup lookup, int threshold) {
        if (lookup.lookupClass() != RegionContract.class || !lookup.hasFullPrivilegeAccess()) {
            throw new IllegalArgumentException("regions need a full-privilege lookup of RegionContract");
        }
        RegionContract.verify(lookup);
        if (threshold < 1 || threshold > MAX_THRESHOLD) {
            throw new IllegalArgumentException("the compile threshold must be 1 to " + MAX_THRESHOLD + ", not " + threshold);
        }
        this.lookup = lookup;
        this.threshold = threshold;
        this.straightLineThreshold = threshold == 1 ? 1 : Math.min(threshold * STRAIGHT_LINE_FACTOR, MAX_THRESHOLD);
        this.classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                ClassHierarchyResolver.ofClassLoading(lookup).orElse(ClassHierarchyResolver.defaultResolver()).cached()));
    }

    /**
     * The region to run for the instruction {@code index} of {@code page} at virtual address {@code pc}, reached
     * by a jump; null to interpret it. Counts the jump; at the threshold it asks for the region, which the
     * background compiler thread makes while the vCPU goes on interpreting (with threshold 1 the region is
     * made at once, so tests run every region compiled). Regions are shared by the vCPUs running the page.
     */
    CompiledRegion regionAt(CodePage page, int index, long pc) {
        CodePage.Regions table = page.regions;
        if (table == null) {
            table = new CodePage.Regions();
            page.regions = table;
        }
        CompiledRegion[] compiled = table.compiled;
        CompiledRegion region = compiled == null ? null : compiled[index];
        if (region == null) {
            int heat = ++table.heat[index];
            if (heat != threshold && heat != straightLineThreshold) {
                return null;
            }
            boolean evenWithoutLoop = heat == straightLineThreshold;
            if (threshold > 1) {
                CodePage.Regions requested = table;
                // a full queue drops the request: the entry is asked for again at the straight-line threshold
                // the shared thread logs in the scope of the VM that asked (several VMs may share a JVM)
                Log.Scope scope = Log.currentScope();
                BACKGROUND.execute(() -> Log.runIn(scope,
                        () -> publish(requested, index, compile(page, index, pc, evenWithoutLoop))));
                return null;
            }
            region = compile(page, index, pc, evenWithoutLoop);
            publish(table, index, region);
            if (region == null) {
                return null;
            }
        }
        return region.virtualPage == pc >>> 12 ? region : null;
    }

    /** Stores a region in its page's table (no-op for null: no loop yet); any thread. */
    private static void publish(CodePage.Regions table, int index, CompiledRegion region) {
        if (region == null) {
            return;
        }
        CompiledRegion[] compiled = table.compiled;
        if (compiled == null) {
            compiled = new CompiledRegion[CodePage.INSTRUCTIONS];
        }
        compiled[index] = region;
        table.compiled = compiled; // volatile: the vCPUs see the element once they see this write
    }

    /**
     * Translates the region entered at {@code index}: {@link CompiledRegion#NONE} if it cannot start there,
     * null if it has no loop and {@code evenWithoutLoop} is false.
     */
    CompiledRegion compile(CodePage page, int index, long pc, boolean evenWithoutLoop) {
        int limit = MAX_INSTRUCTIONS;
        try {
            while (true) {
                RegionTranslation translation = new RegionTranslation(page, index, pc & ~0xFFFL, limit);
                if (translation.instructions == 0) {
                    return CompiledRegion.NONE;
                }
                if (!evenWithoutLoop && !translation.hasLoop) {
                    return null;
                }
                byte[] bytes = translation.build(classFile);
                if (codeLength(bytes) <= HUGE_METHOD_LIMIT || limit <= 8) {
                    MethodHandles.Lookup hidden = lookup.defineHiddenClass(bytes, true);
                    CompiledRegion region = (CompiledRegion) hidden
                            .findConstructor(hidden.lookupClass(), MethodType.methodType(void.class, long.class))
                            .invoke(pc >>> 12);
                    compiled.increment();
                    return region;
                }
                limit = limit * 2 / 3;
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            // a translator bug must not stop the guest: the interpreter runs the code instead
            failed.increment();
            if (failed.sum() <= FAILURE_LOG_LIMIT) {
                Log.warn(String.format("soft cpu: cannot compile the region at %016x, interpreting it: %s", pc, e));
            }
            return CompiledRegion.NONE;
        }
    }

    /** The class file of the region entered at {@code index}, at most {@link #MAX_INSTRUCTIONS} long; null if none. */
    byte[] classBytes(CodePage page, int index, long pc) {
        RegionTranslation translation = new RegionTranslation(page, index, pc & ~0xFFFL, MAX_INSTRUCTIONS);
        return translation.instructions == 0 ? null : translation.build(classFile);
    }

    long compiled() {
        return compiled.sum();
    }

    long failed() {
        return failed.sum();
    }

    private int codeLength(byte[] bytes) {
        return classFile.parse(bytes).methods().stream()
                .filter(m -> m.methodName().equalsString("run"))
                .flatMap(m -> m.findAttribute(Attributes.code()).stream())
                .mapToInt(CodeAttribute::codeLength).max().orElse(0);
    }
}
