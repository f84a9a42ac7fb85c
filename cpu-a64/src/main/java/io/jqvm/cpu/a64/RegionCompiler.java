package io.jqvm.cpu.a64;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import io.jqvm.common.Log;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

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
    private static final long M32 = 0xFFFFFFFFL;
    private static final int FAILURE_LOG_LIMIT = 8;

    private static final ClassDesc CD_CPU = A64Cpu.class.describeConstable().orElseThrow();
    private static final ClassDesc CD_REGION = CompiledRegion.class.describeConstable().orElseThrow();
    private static final ClassDesc CD_NZCV = Nzcv.class.describeConstable().orElseThrow();
    private static final ClassDesc CD_TAKEN = ExceptionTaken.class.describeConstable().orElseThrow();
    private static final ClassDesc CD_LONG_ARRAY = CD_long.arrayType();
    private static final MethodTypeDesc READ = MethodTypeDesc.of(CD_long, CD_long, CD_int, CD_long, CD_long, CD_int, CD_long, CD_long);
    private static final MethodTypeDesc WRITE = MethodTypeDesc.of(CD_void, CD_long, CD_long, CD_int, CD_long, CD_long, CD_int, CD_long, CD_long);
    private static final MethodTypeDesc CHECK_SP = MethodTypeDesc.of(CD_void, CD_long, CD_long, CD_int, CD_long, CD_long);
    private static final MethodTypeDesc LAZY = MethodTypeDesc.of(CD_int, CD_int, CD_long, CD_long);
    private static final MethodTypeDesc HOLDS = MethodTypeDesc.of(CD_boolean, CD_int, CD_int);
    private static final MethodTypeDesc LONG_OF_LONG = MethodTypeDesc.of(CD_long, CD_long);
    private static final MethodTypeDesc RUN = MethodTypeDesc.of(CD_long, CD_CPU);

    // Local slots of the generated run(A64Cpu) method: the fixed ones, then two per guest register it uses
    private static final int CPU = 1;
    private static final int SP = 2;
    private static final int FLAG_A = 4;
    private static final int FLAG_B = 6;
    private static final int FLAG_KIND = 8;
    private static final int BUDGET = 9;
    private static final int EL = 10;
    private static final int NEXT = 11;
    private static final int REGISTERS = 13;
    private static final int T1 = 14;
    private static final int T2 = 16;
    private static final int T3 = 18;
    private static final int CAUGHT = 20;
    private static final int FIRST_REGISTER = 21;

    private static final int UNKNOWN_FLAGS = -1;

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
     * @param lookup    a full-privilege lookup of {@link A64Cpu}: regions are defined as its nestmates
     * @param threshold jumps to an instruction before a region with a loop is compiled from it; a region
     *                  without one waits {@link #STRAIGHT_LINE_FACTOR} times longer (1: every region at its
     *                  first jump, for tests)
     */
    RegionCompiler(MethodHandles.Lookup lookup, int threshold) {
        if (lookup.lookupClass() != A64Cpu.class || !lookup.hasFullPrivilegeAccess()) {
            throw new IllegalArgumentException("regions need a full-privilege lookup of A64Cpu");
        }
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
                BACKGROUND.execute(() -> publish(requested, index, compile(page, index, pc, evenWithoutLoop)));
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
                Translation translation = new Translation(page, index, pc & ~0xFFFL, limit);
                if (translation.instructions == 0) {
                    return CompiledRegion.NONE;
                }
                if (!evenWithoutLoop && !translation.hasLoop) {
                    return null;
                }
                byte[] bytes = translation.build(classFile);
                if (codeLength(bytes) <= HUGE_METHOD_LIMIT || limit <= 8) {
                    MethodHandles.Lookup hidden = lookup.defineHiddenClass(bytes, true, MethodHandles.Lookup.ClassOption.NESTMATE);
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

    /** Whether the region translator handles the instruction (else the region ends before it). */
    static boolean translatable(int op, int insn) {
        return switch (op) {
            case Op.ADR, Op.ADRP, Op.ADD_IMM, Op.ADDS_IMM, Op.SUB_IMM, Op.SUBS_IMM, Op.AND_IMM, Op.ORR_IMM, Op.EOR_IMM,
                 Op.ANDS_IMM, Op.MOVN, Op.MOVZ, Op.MOVK, Op.SBFM, Op.BFM, Op.UBFM, Op.EXTR,
                 Op.B, Op.BL, Op.B_COND, Op.CBZ, Op.CBNZ, Op.TBZ, Op.TBNZ, Op.BR, Op.BLR, Op.RET, Op.NOP, Op.BARRIER,
                 Op.ORR_REG, Op.LOGIC_REG, Op.ADD_REG, Op.ADDS_REG, Op.SUB_REG, Op.SUBS_REG, Op.ADDSUB_EXT, Op.CCMP,
                 Op.CSEL, Op.DP1, Op.UDIV, Op.SDIV, Op.SHIFTV, Op.CRC32, Op.MADD, Op.MADDL, Op.SMULH, Op.UMULH,
                 Op.LDR_X_UIMM, Op.STR_X_UIMM, Op.LDR_W_UIMM, Op.STR_W_UIMM, Op.LDRB_UIMM, Op.STRB_UIMM,
                 Op.LDP_X_OFFSET, Op.STP_X_OFFSET, Op.LDP_X_POST, Op.STP_X_PRE -> true;
            case Op.LDST_UIMM, Op.LDST_UNSCALED, Op.LDST_UNPRIV, Op.LDST_PRE, Op.LDST_POST, Op.LDST_REG ->
                    (Decoder.loadStoreKind(insn) & 4) == 0;
            case Op.LDR_LITERAL, Op.LDSTP_OFFSET, Op.LDSTP_PRE, Op.LDSTP_POST -> (insn & (1 << 26)) == 0;
            default -> false;
        };
    }

    /** One region being translated: the explored instructions and the bytecode emitter's state. */
    private static final class Translation {
        private final CodePage page;
        private final int entry;
        private final long pageBase;
        private final long[] decoded = new long[CodePage.INSTRUCTIONS];
        private final long[] imm = new long[CodePage.INSTRUCTIONS];
        private final boolean[] member = new boolean[CodePage.INSTRUCTIONS];
        private final boolean[] target = new boolean[CodePage.INSTRUCTIONS];
        /** The local slot of each guest register the region reads or writes, 0 for the others. */
        private final int[] slots = new int[31];
        private int nextSlot = FIRST_REGISTER;
        private final boolean[] written = new boolean[31];
        final int instructions;
        /** Whether a branch in the region jumps back to an instruction of it. */
        boolean hasLoop;

        private CodeBuilder cb;
        private Label[] labels;
        private Label exit;
        private long pc;
        private int knownFlags;
        /** While an LDTR/STTR is emitted: its accesses are checked as EL0's. */
        private boolean unprivileged;

        Translation(CodePage page, int entry, long pageBase, int limit) {
            this.page = page;
            this.entry = entry;
            this.pageBase = pageBase;
            this.instructions = explore(limit);
        }

        /**
         * The instruction's op and word, decoded here into the region's own arrays: the page's are filled by
         * the vCPUs as they interpret, and this may run on the compiler thread.
         */
        private long entryAt(int i) {
            if (decoded[i] == 0) {
                long word = page.entries[i] & 0xFFFFFFFFL;
                decoded[i] = (long) Decoder.decode((int) word, imm, i) << 32 | word;
            }
            return decoded[i];
        }

        /** Marks the region's instructions: everything reachable from the entry through translatable ones. */
        private int explore(int limit) {
            int[] work = new int[2 * limit + 1]; // each member pushes at most two successors
            int top = 0;
            int count = 0;
            work[top++] = entry;
            target[entry] = true;
            while (top > 0) {
                int i = work[--top];
                if (member[i] || count >= limit) {
                    continue;
                }
                long e = entryAt(i);
                int op = (int) (e >>> 32);
                int insn = (int) e;
                if (!translatable(op, insn)) {
                    continue;
                }
                member[i] = true;
                count++;
                allocateRegisters(op, insn);
                if (fallsThrough(op) && i + 1 < CodePage.INSTRUCTIONS) {
                    work[top++] = i + 1;
                }
                int t = branchTargetIndex(op, i);
                if (t >= 0) {
                    target[t] = true;
                    work[top++] = t;
                    hasLoop |= t <= i;
                }
            }
            return count;
        }

        /** Gives a local slot to each general register the instruction names (XZR/SP are handled apart). */
        private void allocateRegisters(int op, int insn) {
            int d = insn & 31;
            int n = (insn >>> 5) & 31;
            int m = (insn >>> 16) & 31;
            int a = (insn >>> 10) & 31;
            switch (op) {
                case Op.B, Op.B_COND, Op.NOP, Op.BARRIER -> {
                }
                case Op.BL -> allocate(30);
                case Op.BR, Op.RET -> allocate(n);
                case Op.BLR -> {
                    allocate(n);
                    allocate(30);
                }
                case Op.ADR, Op.ADRP, Op.MOVN, Op.MOVZ, Op.MOVK, Op.CBZ, Op.CBNZ, Op.TBZ, Op.TBNZ, Op.LDR_LITERAL -> allocate(d);
                case Op.ORR_REG, Op.LOGIC_REG, Op.ADD_REG, Op.ADDS_REG, Op.SUB_REG, Op.SUBS_REG, Op.ADDSUB_EXT, Op.CSEL,
                     Op.UDIV, Op.SDIV, Op.SHIFTV, Op.CRC32, Op.SMULH, Op.UMULH, Op.EXTR, Op.LDST_REG -> {
                    allocate(d);
                    allocate(n);
                    allocate(m);
                }
                case Op.CCMP -> {
                    allocate(n);
                    if ((insn & (1 << 11)) == 0) {
                        allocate(m);
                    }
                }
                case Op.MADD, Op.MADDL -> {
                    allocate(d);
                    allocate(n);
                    allocate(m);
                    allocate(a);
                }
                case Op.LDP_X_OFFSET, Op.STP_X_OFFSET, Op.LDP_X_POST, Op.STP_X_PRE, Op.LDSTP_OFFSET, Op.LDSTP_PRE,
                     Op.LDSTP_POST -> {
                    allocate(d);
                    allocate(n);
                    allocate(a);
                }
                default -> { // immediate data processing, bitfields, single loads and stores
                    allocate(d);
                    allocate(n);
                }
            }
        }

        private void allocate(int r) {
            if (r != 31 && slots[r] == 0) {
                slots[r] = nextSlot;
                nextSlot += 2;
            }
        }

        private static boolean fallsThrough(int op) {
            return switch (op) {
                case Op.B, Op.BL, Op.BR, Op.BLR, Op.RET -> false;
                default -> true;
            };
        }

        /** The in-page index a direct branch (not BL: calls leave the region) may jump to, or -1. */
        private int branchTargetIndex(int op, int i) {
            if (op != Op.B && op != Op.B_COND && op != Op.CBZ && op != Op.CBNZ && op != Op.TBZ && op != Op.TBNZ) {
                return -1;
            }
            long offset = 4L * i + imm[i];
            return offset >= 0 && offset < 4096 ? (int) (offset >>> 2) : -1;
        }

        byte[] build(ClassFile classFile) {
            ClassDesc name = ClassDesc.of("io.jqvm.cpu.a64", "Region_" + Long.toHexString(pageBase + 4L * entry));
            return classFile.build(name, clb -> clb
                    .withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER)
                    .withSuperclass(CD_REGION)
                    .withMethodBody(ConstantDescs.INIT_NAME, MethodTypeDesc.of(CD_void, CD_long), 0, c -> c
                            .aload(0).lload(1).invokespecial(CD_REGION, ConstantDescs.INIT_NAME, MethodTypeDesc.of(CD_void, CD_long))
                            .return_())
                    .withMethodBody("run", RUN, ClassFile.ACC_FINAL, this::emitRun));
        }

        private void emitRun(CodeBuilder code) {
            cb = code;
            labels = new Label[CodePage.INSTRUCTIONS];
            for (int i = 0; i < labels.length; i++) {
                if (member[i]) {
                    labels[i] = cb.newLabel();
                }
            }
            exit = cb.newLabel();
            Label prologue = cb.newLabel();
            Label tryStart = cb.newLabel();
            Label tryEnd = cb.newLabel();
            Label handler = cb.newLabel();
            cb.goto_(prologue);
            cb.labelBinding(tryStart);
            boolean fallsInto = false;
            for (int i = 0; i < CodePage.INSTRUCTIONS; i++) {
                if (!member[i]) {
                    fallsInto = false;
                    continue;
                }
                cb.labelBinding(labels[i]);
                if (target[i] || !fallsInto) {
                    knownFlags = UNKNOWN_FLAGS;
                }
                pc = pageBase + 4L * i;
                long e = decoded[i];
                int op = (int) (e >>> 32);
                cb.iinc(BUDGET, -1);
                emitInstruction(op, (int) e, imm[i], i);
                fallsInto = fallsThrough(op);
                if (fallsInto && (i + 1 == CodePage.INSTRUCTIONS || !member[i + 1])) {
                    exitTo(pc + 4);
                }
            }
            cb.labelBinding(tryEnd);

            cb.labelBinding(exit);
            writeBack();
            cb.aload(CPU).lload(SP).putfield(CD_CPU, "sp", CD_long);
            cb.aload(CPU).iload(FLAG_KIND).lload(FLAG_A).lload(FLAG_B).invokestatic(CD_NZCV, "lazy", LAZY)
                    .putfield(CD_CPU, "nzcv", CD_int);
            cb.aload(CPU).iload(BUDGET).putfield(CD_CPU, "batchLeft", CD_int);
            cb.lload(NEXT).lreturn();

            // A guest exception: pc, SP and NZCV were stored before the access that raised it and the
            // exception entry has changed them since; the registers are still only here.
            cb.labelBinding(handler);
            cb.astore(CAUGHT);
            writeBack();
            cb.aload(CPU).iload(BUDGET).putfield(CD_CPU, "batchLeft", CD_int);
            cb.aload(CAUGHT).athrow();
            cb.exceptionCatch(tryStart, tryEnd, handler, CD_TAKEN);

            cb.labelBinding(prologue);
            cb.aload(CPU).getfield(CD_CPU, "x", CD_LONG_ARRAY).astore(REGISTERS);
            for (int r = 0; r < 31; r++) {
                if (slots[r] != 0) {
                    cb.aload(REGISTERS).loadConstant(r).laload().lstore(slots[r]);
                }
            }
            cb.aload(CPU).getfield(CD_CPU, "sp", CD_long).lstore(SP);
            cb.aload(CPU).getfield(CD_CPU, "nzcv", CD_int).i2l().lstore(FLAG_A);
            cb.lconst_0().lstore(FLAG_B);
            cb.loadConstant(Nzcv.LITERAL).istore(FLAG_KIND);
            cb.aload(CPU).getfield(CD_CPU, "batchLeft", CD_int).istore(BUDGET);
            cb.aload(CPU).getfield(CD_CPU, "el", CD_int).istore(EL);
            cb.lconst_0().lstore(NEXT);
            cb.goto_(labels[entry]);
        }

        private void writeBack() {
            for (int r = 0; r < 31; r++) {
                if (written[r]) {
                    cb.aload(REGISTERS).loadConstant(r).lload(register(r)).lastore();
                }
            }
        }

        private int register(int r) {
            if (slots[r] == 0) {
                throw new IllegalStateException("x" + r + " has no local slot at pc " + Long.toHexString(pc));
            }
            return slots[r];
        }

        // ------------------------------------------------------------ registers and values

        /** Pushes Xr, or 0 for register 31 (XZR). */
        private void loadX(int r) {
            if (r == 31) {
                cb.lconst_0();
            } else {
                cb.lload(register(r));
            }
        }

        /** Pushes Xr, or SP for register 31. */
        private void loadXsp(int r) {
            if (r == 31) {
                cb.lload(SP);
            } else {
                loadX(r);
            }
        }

        /** Pops into Xr; register 31 (XZR) discards. */
        private void storeX(int r) {
            if (r == 31) {
                cb.pop2();
            } else {
                written[r] = true;
                cb.lstore(register(r));
            }
        }

        /** Pops into Xr, or into SP for register 31. */
        private void storeXsp(int r) {
            if (r == 31) {
                cb.lstore(SP);
            } else {
                storeX(r);
            }
        }

        private void truncate(boolean sf) {
            if (!sf) {
                cb.loadConstant(M32).land();
            }
        }

        private void signExtend(int bytes) {
            switch (bytes) {
                case 1 -> cb.l2i().i2b().i2l();
                case 2 -> cb.l2i().i2s().i2l();
                case 4 -> cb.l2i().i2l();
                default -> {
                }
            }
        }

        /** shift(value, type, amount, sf) on the long on the stack, as {@code A64Cpu.shift}. */
        private void shift(int type, int amount, boolean sf) {
            if (sf) {
                if (amount == 0) {
                    return;
                }
                cb.loadConstant(amount);
                switch (type) {
                    case 0 -> cb.lshl();
                    case 1 -> cb.lushr();
                    case 2 -> cb.lshr();
                    default -> cb.invokestatic(ClassDesc.of("java.lang.Long"), "rotateRight", MethodTypeDesc.of(CD_long, CD_long, CD_int));
                }
                return;
            }
            cb.l2i();
            if (amount != 0) {
                cb.loadConstant(amount);
                switch (type) {
                    case 0 -> cb.ishl();
                    case 1 -> cb.iushr();
                    case 2 -> cb.ishr();
                    default -> cb.invokestatic(ClassDesc.of("java.lang.Integer"), "rotateRight", MethodTypeDesc.of(CD_int, CD_int, CD_int));
                }
            }
            cb.i2l();
            truncate(false);
        }

        private void callCpuStatic(String name, MethodTypeDesc type) {
            cb.invokestatic(CD_CPU, name, type);
        }

        // ------------------------------------------------------------ flags

        /** Pops b then a: the flags become those of the operation {@code kind} on (a, b). */
        private void setFlags(int kind) {
            cb.lstore(FLAG_B).lstore(FLAG_A).loadConstant(kind).istore(FLAG_KIND);
            knownFlags = kind;
        }

        /** Pops a logical result: the flags become N and Z of it. */
        private void setLogicFlags(boolean sf) {
            int kind = sf ? Nzcv.LOGIC64 : Nzcv.LOGIC32;
            cb.lstore(FLAG_A).loadConstant(kind).istore(FLAG_KIND);
            knownFlags = kind;
        }

        /** Jumps to {@code ifTrue} when the condition holds; falls through otherwise. */
        private void branchIfCondition(int cond, Label ifTrue) {
            if ((cond >>> 1) == 7) {
                cb.goto_(ifTrue);
                return;
            }
            if (knownFlags == Nzcv.SUB64 || knownFlags == Nzcv.SUB32) {
                boolean wide = knownFlags == Nzcv.SUB64;
                switch (cond) {
                    case 0, 1, 10, 11, 12, 13 -> { // EQ NE GE LT GT LE: a signed comparison of a and b
                        compareOperands(wide, false);
                        compareJump(cond, ifTrue);
                        return;
                    }
                    case 2, 3, 8, 9 -> { // HS LO HI LS: unsigned
                        compareOperands(wide, true);
                        compareJump(cond, ifTrue);
                        return;
                    }
                    case 4, 5 -> { // MI PL: the sign of a - b
                        cb.lload(FLAG_A).lload(FLAG_B).lsub();
                        if (wide) {
                            cb.lconst_0().lcmp();
                        } else {
                            cb.l2i();
                        }
                        if (cond == 4) {
                            cb.iflt(ifTrue);
                        } else {
                            cb.ifge(ifTrue);
                        }
                        return;
                    }
                    default -> {
                    }
                }
            } else if (knownFlags == Nzcv.LOGIC64 || knownFlags == Nzcv.LOGIC32) {
                switch (cond) {
                    case 0, 1, 4, 5, 10, 11, 12, 13 -> {
                        cb.lload(FLAG_A);
                        if (knownFlags == Nzcv.LOGIC64) {
                            cb.lconst_0().lcmp();
                        } else {
                            cb.l2i();
                        }
                        switch (cond) {
                            case 0 -> cb.ifeq(ifTrue);
                            case 1 -> cb.ifne(ifTrue);
                            case 4, 11 -> cb.iflt(ifTrue);
                            case 5, 10 -> cb.ifge(ifTrue);
                            case 12 -> cb.ifgt(ifTrue);
                            default -> cb.ifle(ifTrue);
                        }
                        return;
                    }
                    default -> {
                    }
                }
            }
            cb.iload(FLAG_KIND).lload(FLAG_A).lload(FLAG_B).invokestatic(CD_NZCV, "lazy", LAZY);
            cb.loadConstant(cond).invokestatic(CD_NZCV, "holds", HOLDS).ifne(ifTrue);
        }

        /** Pushes the int comparison (-1, 0, 1) of the pending subtraction's operands. */
        private void compareOperands(boolean wide, boolean unsigned) {
            cb.lload(FLAG_A);
            if (!wide) {
                cb.l2i();
            }
            cb.lload(FLAG_B);
            if (!wide) {
                cb.l2i();
            }
            if (wide) {
                if (unsigned) {
                    cb.invokestatic(ClassDesc.of("java.lang.Long"), "compareUnsigned", MethodTypeDesc.of(CD_int, CD_long, CD_long));
                } else {
                    cb.lcmp();
                }
            } else if (unsigned) {
                cb.invokestatic(ClassDesc.of("java.lang.Integer"), "compareUnsigned", MethodTypeDesc.of(CD_int, CD_int, CD_int));
            } else {
                cb.invokestatic(ClassDesc.of("java.lang.Integer"), "compare", MethodTypeDesc.of(CD_int, CD_int, CD_int));
            }
        }

        private void compareJump(int cond, Label ifTrue) {
            switch (cond) {
                case 0 -> cb.ifeq(ifTrue);
                case 1 -> cb.ifne(ifTrue);
                case 2, 10 -> cb.ifge(ifTrue);
                case 3, 11 -> cb.iflt(ifTrue);
                case 8, 12 -> cb.ifgt(ifTrue);
                default -> cb.ifle(ifTrue);
            }
        }

        // ------------------------------------------------------------ control flow

        private void exitTo(long next) {
            cb.loadConstant(next).lstore(NEXT).goto_(exit);
        }

        /** Continues at {@code next}: a jump within the region (checking the budget when backward) or an exit. */
        private void jumpTo(long next) {
            long offset = next - pageBase;
            int t = offset >= 0 && offset < 4096 ? (int) (offset >>> 2) : -1;
            if (t >= 0 && member[t]) {
                if (next <= pc) {
                    cb.iload(BUDGET).ifgt(labels[t]);
                    exitTo(next);
                } else {
                    cb.goto_(labels[t]);
                }
            } else {
                exitTo(next);
            }
        }

        /** A conditional branch whose test {@code test} jumps to the label it is given when taken. */
        private void conditionalBranch(long targetPc, Consumer<Label> test, int index) {
            long offset = targetPc - pageBase;
            int t = offset >= 0 && offset < 4096 ? (int) (offset >>> 2) : -1;
            if (t >= 0 && member[t] && targetPc > pc) {
                test.accept(labels[t]);
                return; // not taken: falls through
            }
            Label taken = cb.newLabel();
            test.accept(taken);
            if (index + 1 < CodePage.INSTRUCTIONS && member[index + 1]) {
                cb.goto_(labels[index + 1]);
            } else {
                exitTo(pc + 4);
            }
            cb.labelBinding(taken);
            jumpTo(targetPc);
        }

        // ------------------------------------------------------------ memory

        /** Pushes the base register of a load/store; SP is checked for alignment as the interpreter does. */
        private void loadBase(int n) {
            if (n != 31) {
                loadX(n);
                return;
            }
            Label aligned = cb.newLabel();
            cb.lload(SP).loadConstant(15L).land().lconst_0().lcmp().ifeq(aligned);
            cb.aload(CPU).loadConstant(pc).lload(SP).iload(FLAG_KIND).lload(FLAG_A).lload(FLAG_B)
                    .invokevirtual(CD_CPU, "regionCheckSp", CHECK_SP);
            cb.labelBinding(aligned);
            cb.lload(SP);
        }

        private void pushSyncState() {
            if (unprivileged) {
                cb.iconst_0(); // LDTR/STTR: checked as EL0's access, as A64Cpu's interpreter does
            } else {
                cb.iload(EL);
            }
            cb.loadConstant(pc).lload(SP).iload(FLAG_KIND).lload(FLAG_A).lload(FLAG_B);
        }

        /** Pushes the zero-extended value of {@code bytes} at T1 + offset. */
        private void read(int bytes, long offset) {
            cb.aload(CPU).lload(T1);
            if (offset != 0) {
                cb.loadConstant(offset).ladd();
            }
            pushSyncState();
            cb.invokevirtual(CD_CPU, "regionRead" + bytes * 8, READ);
        }

        /** Writes Xt's low {@code bytes} to T1 + offset. */
        private void write(int bytes, long offset, int t) {
            cb.aload(CPU).lload(T1);
            if (offset != 0) {
                cb.loadConstant(offset).ladd();
            }
            loadX(t);
            pushSyncState();
            cb.invokevirtual(CD_CPU, "regionWrite" + bytes * 8, WRITE);
        }

        /** One general-register load or store of kind size:V:opc at T1, as {@code A64Cpu.transfer}. */
        private void transfer(int kind, int t) {
            int bytes = 1 << (kind >>> 3);
            int opc = kind & 3;
            if (kind == 0b11010) {
                return; // PRFM
            }
            if (opc == 0) {
                write(bytes, 0, t);
                return;
            }
            read(bytes, 0);
            if (opc >= 2) {
                signExtend(bytes);
                truncate(opc == 2);
            }
            storeX(t);
        }

        // ------------------------------------------------------------ instructions

        private void emitInstruction(int op, int insn, long imm, int index) {
            boolean sf = insn < 0;
            int d = insn & 31;
            int n = (insn >>> 5) & 31;
            int m = (insn >>> 16) & 31;
            switch (op) {
                case Op.ADR -> {
                    cb.loadConstant(pc + imm);
                    storeX(d);
                }
                case Op.ADRP -> {
                    cb.loadConstant((pc & ~0xFFFL) + imm);
                    storeX(d);
                }
                case Op.ADD_IMM, Op.SUB_IMM -> {
                    loadXsp(n);
                    cb.loadConstant(imm);
                    if (op == Op.ADD_IMM) {
                        cb.ladd();
                    } else {
                        cb.lsub();
                    }
                    truncate(sf);
                    storeXsp(d);
                }
                case Op.ADDS_IMM, Op.SUBS_IMM -> {
                    loadXsp(n);
                    cb.loadConstant(imm);
                    flagSettingAddSub(op == Op.SUBS_IMM, sf, d);
                }
                case Op.AND_IMM, Op.ORR_IMM, Op.EOR_IMM, Op.ANDS_IMM -> {
                    loadX(n);
                    cb.loadConstant(imm);
                    switch (op) {
                        case Op.ORR_IMM -> cb.lor();
                        case Op.EOR_IMM -> cb.lxor();
                        default -> cb.land();
                    }
                    truncate(sf);
                    if (op == Op.ANDS_IMM) {
                        logicWithFlags(sf, d);
                    } else {
                        storeXsp(d);
                    }
                }
                case Op.MOVN -> {
                    cb.loadConstant(sf ? ~imm : ~imm & M32);
                    storeX(d);
                }
                case Op.MOVZ -> {
                    cb.loadConstant(imm);
                    storeX(d);
                }
                case Op.MOVK -> {
                    loadX(d);
                    cb.loadConstant(~(0xFFFFL << (((insn >>> 21) & 3) * 16))).land().loadConstant(imm).lor();
                    truncate(sf);
                    storeX(d);
                }
                case Op.SBFM, Op.UBFM -> signedOrUnsignedBitfield(op == Op.SBFM, insn, n, d);
                case Op.BFM -> {
                    cb.loadConstant(op).loadConstant(insn);
                    loadX(n);
                    loadX(d);
                    callCpuStatic("bitfield", MethodTypeDesc.of(CD_long, CD_int, CD_int, CD_long, CD_long));
                    storeX(d);
                }
                case Op.EXTR -> {
                    cb.loadConstant(insn);
                    loadX(n);
                    loadX(m);
                    callCpuStatic("extract", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_long));
                    storeX(d);
                }
                case Op.B -> jumpTo(pc + imm);
                case Op.BL -> {
                    cb.loadConstant(pc + 4);
                    storeX(30);
                    exitTo(pc + imm);
                }
                case Op.B_COND -> conditionalBranch(pc + imm, l -> branchIfCondition(insn & 15, l), index);
                case Op.CBZ, Op.CBNZ -> conditionalBranch(pc + imm, l -> {
                    loadX(d);
                    if (sf) {
                        cb.lconst_0().lcmp();
                    } else {
                        cb.l2i();
                    }
                    if (op == Op.CBZ) {
                        cb.ifeq(l);
                    } else {
                        cb.ifne(l);
                    }
                }, index);
                case Op.TBZ, Op.TBNZ -> conditionalBranch(pc + imm, l -> {
                    int bit = ((insn >>> 26) & 0x20) | ((insn >>> 19) & 0x1F);
                    loadX(d);
                    cb.loadConstant(1L << bit).land().lconst_0().lcmp();
                    if (op == Op.TBZ) {
                        cb.ifeq(l);
                    } else {
                        cb.ifne(l);
                    }
                }, index);
                case Op.BR, Op.RET, Op.BLR -> {
                    loadX(n);
                    cb.lstore(T1);
                    if (op == Op.BLR) {
                        cb.loadConstant(pc + 4);
                        storeX(30);
                    }
                    cb.aload(CPU).lload(T1).invokevirtual(CD_CPU, "branchTo", LONG_OF_LONG).lstore(NEXT).goto_(exit);
                }
                case Op.NOP -> {
                }
                case Op.BARRIER -> cb.invokestatic(VarHandle.class.describeConstable().orElseThrow(), "fullFence",
                        MethodTypeDesc.of(CD_void));
                case Op.ORR_REG, Op.LOGIC_REG -> {
                    loadX(n);
                    loadX(m);
                    shift((insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
                    if ((insn & (1 << 21)) != 0) {
                        cb.loadConstant(-1L).lxor();
                    }
                    int opc = (insn >>> 29) & 3;
                    switch (opc) {
                        case 1 -> cb.lor();
                        case 2 -> cb.lxor();
                        default -> cb.land();
                    }
                    truncate(sf);
                    if (opc == 3) {
                        logicWithFlags(sf, d);
                    } else {
                        storeX(d);
                    }
                }
                case Op.ADD_REG, Op.SUB_REG, Op.ADDS_REG, Op.SUBS_REG -> {
                    loadX(n);
                    loadX(m);
                    shift((insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
                    boolean subtract = op == Op.SUB_REG || op == Op.SUBS_REG;
                    if (op == Op.ADDS_REG || op == Op.SUBS_REG) {
                        flagSettingAddSub(subtract, sf, d);
                    } else {
                        if (subtract) {
                            cb.lsub();
                        } else {
                            cb.ladd();
                        }
                        truncate(sf);
                        storeX(d);
                    }
                }
                case Op.ADDSUB_EXT -> {
                    boolean subtract = (insn & (1 << 30)) != 0;
                    loadXsp(n);
                    cb.loadConstant(insn);
                    loadX(m);
                    callCpuStatic("extendedOperand", MethodTypeDesc.of(CD_long, CD_int, CD_long));
                    if ((insn & (1 << 29)) != 0) {
                        flagSettingAddSub(subtract, sf, d);
                    } else {
                        if (subtract) {
                            cb.lsub();
                        } else {
                            cb.ladd();
                        }
                        truncate(sf);
                        storeXsp(d);
                    }
                }
                case Op.CCMP -> conditionalCompare(insn, sf, n, m);
                case Op.CSEL -> {
                    Label holds = cb.newLabel();
                    Label done = cb.newLabel();
                    branchIfCondition((insn >>> 12) & 15, holds);
                    loadX(m);
                    switch (((insn >>> 29) & 2) | ((insn >>> 10) & 1)) {
                        case 1 -> cb.lconst_1().ladd();
                        case 2 -> cb.loadConstant(-1L).lxor();
                        case 3 -> cb.lneg();
                        default -> {
                        }
                    }
                    cb.goto_(done);
                    cb.labelBinding(holds);
                    loadX(n);
                    cb.labelBinding(done);
                    truncate(sf);
                    storeX(d);
                }
                case Op.DP1 -> {
                    cb.loadConstant(insn);
                    loadX(n);
                    callCpuStatic("dataProcessing1", MethodTypeDesc.of(CD_long, CD_int, CD_long));
                    storeX(d);
                }
                case Op.UDIV, Op.SDIV -> {
                    String name = (op == Op.UDIV ? "udiv" : "sdiv") + (sf ? "64" : "32");
                    loadX(n);
                    if (!sf) {
                        cb.l2i();
                    }
                    loadX(m);
                    if (!sf) {
                        cb.l2i();
                    }
                    ClassDesc operand = sf ? CD_long : CD_int;
                    callCpuStatic(name, MethodTypeDesc.of(CD_long, operand, operand));
                    storeX(d);
                }
                case Op.SHIFTV, Op.CRC32 -> {
                    cb.loadConstant(insn);
                    loadX(n);
                    loadX(m);
                    callCpuStatic(op == Op.SHIFTV ? "shiftVariable" : "crc32", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_long));
                    storeX(d);
                }
                case Op.MADD -> {
                    loadX((insn >>> 10) & 31);
                    loadX(n);
                    loadX(m);
                    cb.lmul();
                    if ((insn & (1 << 15)) != 0) {
                        cb.lsub();
                    } else {
                        cb.ladd();
                    }
                    truncate(sf);
                    storeX(d);
                }
                case Op.MADDL -> {
                    cb.loadConstant(insn);
                    loadX(n);
                    loadX(m);
                    loadX((insn >>> 10) & 31);
                    callCpuStatic("multiplyAddLong", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_long, CD_long));
                    storeX(d);
                }
                case Op.SMULH, Op.UMULH -> {
                    loadX(n);
                    loadX(m);
                    cb.invokestatic(ClassDesc.of("java.lang.Math"), op == Op.SMULH ? "multiplyHigh" : "unsignedMultiplyHigh",
                            MethodTypeDesc.of(CD_long, CD_long, CD_long));
                    storeX(d);
                }
                case Op.LDR_X_UIMM, Op.STR_X_UIMM, Op.LDR_W_UIMM, Op.STR_W_UIMM, Op.LDRB_UIMM, Op.STRB_UIMM,
                     Op.LDST_UIMM, Op.LDST_UNSCALED, Op.LDST_REG -> {
                    loadBase(n);
                    if (op == Op.LDST_REG) {
                        registerOffset(insn, m);
                    } else {
                        cb.loadConstant(imm);
                    }
                    cb.ladd().lstore(T1);
                    transfer(Decoder.loadStoreKind(insn), d);
                }
                case Op.LDST_UNPRIV -> { // the kernel's uaccess loops (clear_user, copy_to_user) are made of these
                    loadBase(n);
                    cb.loadConstant(imm).ladd().lstore(T1);
                    unprivileged = true;
                    transfer(Decoder.loadStoreKind(insn), d);
                    unprivileged = false;
                }
                case Op.LDST_PRE, Op.LDST_POST -> {
                    loadBase(n);
                    if (op == Op.LDST_PRE) {
                        cb.loadConstant(imm).ladd();
                    }
                    cb.lstore(T1);
                    transfer(Decoder.loadStoreKind(insn), d);
                    cb.lload(T1);
                    if (op == Op.LDST_POST) {
                        cb.loadConstant(imm).ladd();
                    }
                    storeXsp(n);
                }
                case Op.LDR_LITERAL -> {
                    int opc = (insn >>> 30) & 3;
                    if (opc != 3) {
                        cb.loadConstant(pc + imm).lstore(T1);
                        read(opc == 1 ? 8 : 4, 0);
                        if (opc == 2) {
                            signExtend(4);
                        }
                        storeX(d);
                    }
                }
                case Op.LDP_X_OFFSET, Op.STP_X_OFFSET, Op.LDP_X_POST, Op.STP_X_PRE, Op.LDSTP_OFFSET, Op.LDSTP_PRE,
                     Op.LDSTP_POST -> pair(op, insn, imm, n, d, (insn >>> 10) & 31);
                default -> throw new IllegalStateException("no translation for op " + op);
            }
        }

        /** Stack: a, b. ADDS/SUBS: sets the flags and Xd (not SP) to the truncated result. */
        private void flagSettingAddSub(boolean subtract, boolean sf, int d) {
            setFlags(subtract ? (sf ? Nzcv.SUB64 : Nzcv.SUB32) : (sf ? Nzcv.ADD64 : Nzcv.ADD32));
            cb.lload(FLAG_A).lload(FLAG_B);
            if (subtract) {
                cb.lsub();
            } else {
                cb.ladd();
            }
            truncate(sf);
            storeX(d);
        }

        /** Stack: a truncated logical result. Sets N, Z (C, V clear) and Xd. */
        private void logicWithFlags(boolean sf, int d) {
            setLogicFlags(sf);
            cb.lload(FLAG_A);
            storeX(d);
        }

        /** Pushes the register offset of LDR/STR (register): Rm extended, scaled when S is set. */
        private void registerOffset(int insn, int m) {
            loadX(m);
            switch ((insn >>> 13) & 7) {
                case 0 -> cb.loadConstant(0xFFL).land();
                case 1 -> cb.loadConstant(0xFFFFL).land();
                case 2 -> truncate(false);
                case 4 -> signExtend(1);
                case 5 -> signExtend(2);
                case 6 -> signExtend(4);
                default -> {
                }
            }
            if ((insn & (1 << 12)) != 0) {
                int scale = Decoder.kindScale(Decoder.loadStoreKind(insn));
                if (scale != 0) {
                    cb.loadConstant(scale).lshl();
                }
            }
        }

        /** SBFM/UBFM (ASR, LSL, LSR, SXTB, UBFX, ...) with the constant fields folded, as {@code A64Cpu.bitfield}. */
        private void signedOrUnsignedBitfield(boolean signed, int insn, int n, int d) {
            boolean sf = insn < 0;
            int width = sf ? 64 : 32;
            int immr = (insn >>> 16) & 0x3F;
            int imms = (insn >>> 10) & 0x3F;
            loadX(n);
            if (imms >= immr) {
                int len = imms - immr + 1;
                if (signed) {
                    shiftLeft(64 - immr - len);
                    shiftRight(64 - len, true);
                } else {
                    shiftRight(immr, false);
                    andMask(len);
                }
            } else {
                int len = imms + 1;
                int position = width - immr;
                if (signed) {
                    shiftLeft(64 - len);
                    shiftRight(64 - len, true);
                } else {
                    andMask(len);
                }
                shiftLeft(position);
            }
            truncate(sf);
            storeX(d);
        }

        private void shiftLeft(int amount) {
            if (amount != 0) {
                cb.loadConstant(amount).lshl();
            }
        }

        private void shiftRight(int amount, boolean arithmetic) {
            if (amount != 0) {
                cb.loadConstant(amount);
                if (arithmetic) {
                    cb.lshr();
                } else {
                    cb.lushr();
                }
            }
        }

        private void andMask(int bits) {
            if (bits < 64) {
                cb.loadConstant((1L << bits) - 1).land();
            }
        }

        /** CCMP/CCMN: the compare's flags when the condition holds, else the literal nzcv field. */
        private void conditionalCompare(int insn, boolean sf, int n, int m) {
            Label holds = cb.newLabel();
            Label done = cb.newLabel();
            branchIfCondition((insn >>> 12) & 15, holds);
            cb.loadConstant((long) (insn & 15)).lstore(FLAG_A).loadConstant(Nzcv.LITERAL).istore(FLAG_KIND);
            cb.goto_(done);
            cb.labelBinding(holds);
            loadX(n);
            if ((insn & (1 << 11)) != 0) {
                cb.loadConstant((long) m);
            } else {
                loadX(m);
            }
            boolean subtract = (insn & (1 << 30)) != 0;
            setFlags(subtract ? (sf ? Nzcv.SUB64 : Nzcv.SUB32) : (sf ? Nzcv.ADD64 : Nzcv.ADD32));
            cb.labelBinding(done);
            knownFlags = UNKNOWN_FLAGS;
        }

        /** The pair loads and stores of general registers, as {@code A64Cpu.pair}/{@code loadPair}/{@code storePair}. */
        private void pair(int op, int insn, long imm, int n, int t, int t2) {
            int opc = (insn >>> 30) & 3;
            boolean load = (insn & (1 << 22)) != 0;
            boolean post = op == Op.LDP_X_POST || op == Op.LDSTP_POST;
            boolean writeback = post || op == Op.STP_X_PRE || op == Op.LDSTP_PRE;
            int bytes = opc == 2 ? 8 : 4;
            loadBase(n);
            cb.lstore(T3);
            cb.lload(T3);
            if (!post) {
                cb.loadConstant(imm).ladd();
            }
            cb.lstore(T1);
            if (load) {
                read(bytes, 0);
                if (opc == 1) {
                    signExtend(4);
                }
                cb.lstore(T2);
                read(bytes, bytes);
                if (opc == 1) {
                    signExtend(4);
                }
                cb.lload(T2);
                storeX(t);
                storeX(t2);
            } else {
                write(bytes, 0, t);
                write(bytes, bytes, t2);
            }
            if (writeback) {
                cb.lload(T3).loadConstant(imm).ladd();
                storeXsp(n);
            }
        }
    }
}
