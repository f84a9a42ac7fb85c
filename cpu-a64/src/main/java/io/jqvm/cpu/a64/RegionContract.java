package io.jqvm.cpu.a64;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import java.lang.constant.ClassDesc;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.MethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.util.List;
import java.util.stream.Stream;

/**
 * The contract between the CPU and the code {@link RegionCompiler} generates: the members a compiled region
 * calls, and nothing else of the CPU. Each is named once, here, as a method handle descriptor next to the
 * method it describes; the compiler emits its calls from these descriptors and, when it is made, resolves
 * all of {@link #ENTRY_POINTS} ({@link #verify}), so a renamed member or a changed signature stops the
 * compiler at once with its name rather than fail in generated code at run time ({@code
 * RegionContractTest} also checks that generated code uses nothing else).
 *
 * <p>A region keeps the guest registers, pc, SP and the flags in JVM locals: it loads them on entry
 * ({@link #regionRegisters} and the getters), stores them on exit ({@link #regionExit}) and when a guest
 * exception unwinds through it ({@link #regionUnwind}). Its loads and stores take the TLB fast path inline;
 * a miss first stores pc, SP and the flags, so a fault is taken exactly as from the interpreter. They
 * repeat the fast path of {@code read8..write64} instead of calling them: one access method through
 * {@code readSized}/{@code writeSized} measured about 20 % slower on bench/cpu (alternating runs), C2
 * inlining less of it.
 */
abstract sealed class RegionContract extends SoftTlb permits LoadStore {
    static final ClassDesc CD_CONTRACT = RegionContract.class.describeConstable().orElseThrow();
    private static final ClassDesc CD_REGION = CompiledRegion.class.describeConstable().orElseThrow();

    /** The method a generated region implements: {@link CompiledRegion#run}. */
    static final DirectMethodHandleDesc RUN = MethodHandleDesc.ofMethod(DirectMethodHandleDesc.Kind.VIRTUAL, CD_REGION,
            "run", MethodTypeDesc.of(CD_long, CD_CONTRACT));

    static final DirectMethodHandleDesc REGISTERS = virtual("regionRegisters", CD_long.arrayType());
    static final DirectMethodHandleDesc SP = virtual("regionSp", CD_long);
    static final DirectMethodHandleDesc NZCV = virtual("regionNzcv", CD_int);
    static final DirectMethodHandleDesc BUDGET = virtual("regionBudget", CD_int);
    static final DirectMethodHandleDesc EL = virtual("regionEl", CD_int);
    static final DirectMethodHandleDesc EXIT = virtual("regionExit", CD_void, CD_long, CD_int, CD_long, CD_long, CD_int);
    static final DirectMethodHandleDesc UNWIND = virtual("regionUnwind", CD_void, CD_int);
    static final DirectMethodHandleDesc CHECK_SP = virtual("regionCheckSp", CD_void, CD_long, CD_long, CD_int, CD_long, CD_long);
    static final DirectMethodHandleDesc BRANCH_TO = virtual("regionBranchTo", CD_long, CD_long);
    /** regionRead8..regionRead64, indexed by log2 of the size. */
    static final List<DirectMethodHandleDesc> LOADS = Stream.of(8, 16, 32, 64)
            .map(bits -> virtual("regionRead" + bits, CD_long, CD_long, CD_int, CD_long, CD_long, CD_int, CD_long, CD_long))
            .toList();
    /** regionWrite8..regionWrite64, indexed by log2 of the size. */
    static final List<DirectMethodHandleDesc> STORES = Stream.of(8, 16, 32, 64)
            .map(bits -> virtual("regionWrite" + bits, CD_void, CD_long, CD_long, CD_int, CD_long, CD_long, CD_int, CD_long, CD_long))
            .toList();

    // The pure functions the regions share with the interpreter
    static final DirectMethodHandleDesc NZCV_LAZY = function(Nzcv.class, "lazy", CD_int, CD_int, CD_long, CD_long);
    static final DirectMethodHandleDesc NZCV_HOLDS = function(Nzcv.class, "holds", CD_boolean, CD_int, CD_int);
    static final DirectMethodHandleDesc BITFIELD = integerOp("bitfield", CD_int, CD_int, CD_long, CD_long);
    static final DirectMethodHandleDesc EXTRACT = integerOp("extract", CD_int, CD_long, CD_long);
    static final DirectMethodHandleDesc EXTENDED_OPERAND = integerOp("extendedOperand", CD_int, CD_long);
    static final DirectMethodHandleDesc DATA_PROCESSING_1 = integerOp("dataProcessing1", CD_int, CD_long);
    static final DirectMethodHandleDesc UDIV64 = integerOp("udiv64", CD_long, CD_long);
    static final DirectMethodHandleDesc UDIV32 = integerOp("udiv32", CD_int, CD_int);
    static final DirectMethodHandleDesc SDIV64 = integerOp("sdiv64", CD_long, CD_long);
    static final DirectMethodHandleDesc SDIV32 = integerOp("sdiv32", CD_int, CD_int);
    static final DirectMethodHandleDesc SHIFT_VARIABLE = integerOp("shiftVariable", CD_int, CD_long, CD_long);
    static final DirectMethodHandleDesc CRC32 = integerOp("crc32", CD_int, CD_long, CD_long);
    static final DirectMethodHandleDesc MULTIPLY_ADD_LONG = integerOp("multiplyAddLong", CD_int, CD_long, CD_long, CD_long);

    /** Everything generated code may call (besides the JDK). */
    static final List<DirectMethodHandleDesc> ENTRY_POINTS = Stream.concat(Stream.concat(
            Stream.of(RUN, REGISTERS, SP, NZCV, BUDGET, EL, EXIT, UNWIND, CHECK_SP, BRANCH_TO), LOADS.stream()),
            Stream.concat(STORES.stream(), Stream.of(NZCV_LAZY, NZCV_HOLDS, BITFIELD, EXTRACT, EXTENDED_OPERAND,
                    DATA_PROCESSING_1, UDIV64, UDIV32, SDIV64, SDIV32, SHIFT_VARIABLE, CRC32, MULTIPLY_ADD_LONG))).toList();

    RegionContract(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos) {
        super(index, phys, monitor, io, counters, epochNanos);
    }

    private static DirectMethodHandleDesc virtual(String name, ClassDesc returns, ClassDesc... parameters) {
        return MethodHandleDesc.ofMethod(DirectMethodHandleDesc.Kind.VIRTUAL, CD_CONTRACT, name, MethodTypeDesc.of(returns, parameters));
    }

    private static DirectMethodHandleDesc integerOp(String name, ClassDesc... parameters) {
        return function(IntegerOps.class, name, CD_long, parameters);
    }

    private static DirectMethodHandleDesc function(Class<?> owner, String name, ClassDesc returns, ClassDesc... parameters) {
        return MethodHandleDesc.ofMethod(DirectMethodHandleDesc.Kind.STATIC, owner.describeConstable().orElseThrow(), name,
                MethodTypeDesc.of(returns, parameters));
    }

    /** A full-privilege lookup in the CPU's package, in which {@link RegionCompiler} defines the regions. */
    static MethodHandles.Lookup regionLookup() {
        return MethodHandles.lookup();
    }

    /** Resolves every entry point; an {@link IllegalStateException} names one that the CPU no longer has. */
    static void verify(MethodHandles.Lookup lookup) {
        for (DirectMethodHandleDesc entry : ENTRY_POINTS) {
            try {
                entry.resolveConstantDesc(lookup);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the compiled-region contract names " + entry.owner().displayName() + "."
                        + entry.methodName() + entry.lookupDescriptor() + ", which does not resolve: " + e, e);
            }
        }
    }

    // ---------------------------------------------------------------- state in and out of a region

    final long[] regionRegisters() {
        return x;
    }

    final long regionSp() {
        return sp;
    }

    final int regionNzcv() {
        return nzcv;
    }

    final int regionBudget() {
        return batchLeft;
    }

    final int regionEl() {
        return el;
    }

    /** A region's normal exit: SP, the flags (from their lazy form, {@link Nzcv#lazy}) and the budget left. */
    final void regionExit(long sp, int flagKind, long flagA, long flagB, int budget) {
        this.sp = sp;
        this.nzcv = Nzcv.lazy(flagKind, flagA, flagB);
        this.batchLeft = budget;
    }

    /** A guest exception unwinds the region: pc, SP and the flags were stored before the faulting access. */
    final void regionUnwind(int budget) {
        this.batchLeft = budget;
    }

    /** BR, BLR, RET: the target with top-byte-ignore applied, as in the interpreter. */
    final long regionBranchTo(long target) {
        return branchTo(target);
    }

    // ---------------------------------------------------------------- memory access

    private void regionSync(long pc, long sp, int flagKind, long flagA, long flagB) {
        this.pc = pc;
        this.sp = sp;
        this.nzcv = Nzcv.lazy(flagKind, flagA, flagB);
    }

    final void regionCheckSp(long pc, long sp, int flagKind, long flagA, long flagB) {
        regionSync(pc, sp, flagKind, flagA, flagB);
        checkSpAlignment();
    }

    private int readHit(long va, int accessEl, int size) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        return readTag[i] == vpn && (va & 0xFFF) <= 4096 - size ? i : -1;
    }

    private int writeHit(long va, int accessEl, int size) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        return writeTag[i] == vpn && (va & 0xFFF) <= 4096 - size ? i : -1;
    }

    final long regionRead8(long va, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = readHit(va, accessEl, 1);
        if (i >= 0) {
            return readHost[i].get(U8, readOffset[i] + (va & 0xFFF)) & 0xFFL;
        }
        regionSync(pc, sp, flagKind, flagA, flagB);
        return slowRead(va, 1, accessEl);
    }

    final long regionRead16(long va, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = readHit(va, accessEl, 2);
        if (i >= 0) {
            return readHost[i].get(U16, readOffset[i] + (va & 0xFFF)) & 0xFFFFL;
        }
        regionSync(pc, sp, flagKind, flagA, flagB);
        return slowRead(va, 2, accessEl);
    }

    final long regionRead32(long va, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = readHit(va, accessEl, 4);
        if (i >= 0) {
            return readHost[i].get(U32, readOffset[i] + (va & 0xFFF)) & M32;
        }
        regionSync(pc, sp, flagKind, flagA, flagB);
        return slowRead(va, 4, accessEl);
    }

    final long regionRead64(long va, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = readHit(va, accessEl, 8);
        if (i >= 0) {
            return readHost[i].get(U64, readOffset[i] + (va & 0xFFF));
        }
        regionSync(pc, sp, flagKind, flagA, flagB);
        return slowRead(va, 8, accessEl);
    }

    final void regionWrite8(long va, long value, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = writeHit(va, accessEl, 1);
        if (i >= 0) {
            writeHost[i].set(U8, writeOffset[i] + (va & 0xFFF), (byte) value);
        } else {
            regionSync(pc, sp, flagKind, flagA, flagB);
            slowWrite(va, 1, value, accessEl);
        }
    }

    final void regionWrite16(long va, long value, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = writeHit(va, accessEl, 2);
        if (i >= 0) {
            writeHost[i].set(U16, writeOffset[i] + (va & 0xFFF), (short) value);
        } else {
            regionSync(pc, sp, flagKind, flagA, flagB);
            slowWrite(va, 2, value, accessEl);
        }
    }

    final void regionWrite32(long va, long value, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = writeHit(va, accessEl, 4);
        if (i >= 0) {
            writeHost[i].set(U32, writeOffset[i] + (va & 0xFFF), (int) value);
        } else {
            regionSync(pc, sp, flagKind, flagA, flagB);
            slowWrite(va, 4, value, accessEl);
        }
    }

    final void regionWrite64(long va, long value, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = writeHit(va, accessEl, 8);
        if (i >= 0) {
            writeHost[i].set(U64, writeOffset[i] + (va & 0xFFF), value);
        } else {
            regionSync(pc, sp, flagKind, flagA, flagB);
            slowWrite(va, 8, value, accessEl);
        }
    }
}
