package io.jqvm.cpu.a64;

import static io.jqvm.cpu.a64.A64State.M32;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.function.Consumer;

/**
 * The bytecode of a compiled region around its instructions: the {@code run} method's prologue (guest
 * registers, SP, flags and budget into locals), its exits and exception handler (written back), and the
 * helpers the instructions are emitted with: registers, lazy flags and conditions, jumps within the region,
 * and loads and stores through {@link RegionContract}. Instruction by instruction it is
 * {@link RegionTranslation}.
 */
abstract sealed class RegionEmitter extends RegionScan permits RegionTranslation {
    static final ClassDesc CD_CPU = RegionContract.CD_CONTRACT;
    static final ClassDesc CD_REGION = CompiledRegion.class.describeConstable().orElseThrow();
    static final ClassDesc CD_TAKEN = ExceptionTaken.class.describeConstable().orElseThrow();

    // Local slots of the generated run(RegionContract) method: the fixed ones, then two per guest register it uses
    static final int CPU = 1;
    static final int SP = 2;
    static final int FLAG_A = 4;
    static final int FLAG_B = 6;
    static final int FLAG_KIND = 8;
    static final int BUDGET = 9;
    static final int EL = 10;
    static final int NEXT = 11;
    static final int REGISTERS = 13;
    static final int T1 = 14;
    static final int T2 = 16;
    static final int T3 = 18;
    static final int CAUGHT = 20;
    static final int FIRST_REGISTER = 21;

    static final int UNKNOWN_FLAGS = -1;

    /** Which guest registers the region writes: those are stored back on every way out. */
    private final boolean[] written = new boolean[31];
    CodeBuilder cb;
    Label[] labels;
    Label exit;
    long pc;
    int knownFlags;
    /** While an LDTR/STTR is emitted: its accesses are checked as EL0's. */
    boolean unprivileged;

    RegionEmitter(CodePage page, int entry, long pageBase, int limit) {
        super(page, entry, pageBase, limit);
    }

    byte[] build(ClassFile classFile) {
        ClassDesc name = ClassDesc.of("io.jqvm.cpu.a64", "Region_" + Long.toHexString(pageBase + 4L * entry));
        return classFile.build(name, clb -> clb
                .withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER)
                .withSuperclass(CD_REGION)
                .withMethodBody(ConstantDescs.INIT_NAME, MethodTypeDesc.of(CD_void, CD_long), 0, c -> c
                        .aload(0).lload(1).invokespecial(CD_REGION, ConstantDescs.INIT_NAME, MethodTypeDesc.of(CD_void, CD_long))
                        .return_())
                .withMethodBody(RegionContract.RUN.methodName(), RegionContract.RUN.invocationType().dropParameterTypes(0, 1),
                        ClassFile.ACC_FINAL, this::emitRun));
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
        cb.aload(CPU).lload(SP).iload(FLAG_KIND).lload(FLAG_A).lload(FLAG_B).iload(BUDGET);
        call(RegionContract.EXIT);
        cb.lload(NEXT).lreturn();

        // A guest exception: pc, SP and NZCV were stored before the access that raised it and the
        // exception entry has changed them since; the registers are still only here.
        cb.labelBinding(handler);
        cb.astore(CAUGHT);
        writeBack();
        cb.aload(CPU).iload(BUDGET);
        call(RegionContract.UNWIND);
        cb.aload(CAUGHT).athrow();
        cb.exceptionCatch(tryStart, tryEnd, handler, CD_TAKEN);

        cb.labelBinding(prologue);
        cb.aload(CPU);
        call(RegionContract.REGISTERS);
        cb.astore(REGISTERS);
        for (int r = 0; r < 31; r++) {
            if (slots[r] != 0) {
                cb.aload(REGISTERS).loadConstant(r).laload().lstore(slots[r]);
            }
        }
        cb.aload(CPU);
        call(RegionContract.SP);
        cb.lstore(SP);
        cb.aload(CPU);
        call(RegionContract.NZCV);
        cb.i2l().lstore(FLAG_A);
        cb.lconst_0().lstore(FLAG_B);
        cb.loadConstant(Nzcv.LITERAL).istore(FLAG_KIND);
        cb.aload(CPU);
        call(RegionContract.BUDGET);
        cb.istore(BUDGET);
        cb.aload(CPU);
        call(RegionContract.EL);
        cb.istore(EL);
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

    int register(int r) {
        if (slots[r] == 0) {
            throw new IllegalStateException("x" + r + " has no local slot at pc " + Long.toHexString(pc));
        }
        return slots[r];
    }

    // ------------------------------------------------------------ registers and values

    /** Pushes Xr, or 0 for register 31 (XZR). */
    void loadX(int r) {
        if (r == 31) {
            cb.lconst_0();
        } else {
            cb.lload(register(r));
        }
    }

    /** Pushes Xr, or SP for register 31. */
    void loadXsp(int r) {
        if (r == 31) {
            cb.lload(SP);
        } else {
            loadX(r);
        }
    }

    /** Pops into Xr; register 31 (XZR) discards. */
    void storeX(int r) {
        if (r == 31) {
            cb.pop2();
        } else {
            written[r] = true;
            cb.lstore(register(r));
        }
    }

    /** Pops into Xr, or into SP for register 31. */
    void storeXsp(int r) {
        if (r == 31) {
            cb.lstore(SP);
        } else {
            storeX(r);
        }
    }

    void truncate(boolean sf) {
        if (!sf) {
            cb.loadConstant(M32).land();
        }
    }

    void signExtend(int bytes) {
        switch (bytes) {
            case 1 -> cb.l2i().i2b().i2l();
            case 2 -> cb.l2i().i2s().i2l();
            case 4 -> cb.l2i().i2l();
            default -> {
            }
        }
    }

    /** shift(value, type, amount, sf) on the long on the stack, as {@code IntegerOps.shift}. */
    void shift(int type, int amount, boolean sf) {
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

    /** Invokes an entry point of {@link RegionContract} (its receiver, if any, and arguments are on the stack). */
    void call(DirectMethodHandleDesc entry) {
        MethodTypeDesc type = MethodTypeDesc.ofDescriptor(entry.lookupDescriptor());
        if (entry.kind() == DirectMethodHandleDesc.Kind.STATIC) {
            cb.invokestatic(entry.owner(), entry.methodName(), type);
        } else {
            cb.invokevirtual(entry.owner(), entry.methodName(), type);
        }
    }

    // ------------------------------------------------------------ flags

    /** Pops b then a: the flags become those of the operation {@code kind} on (a, b). */
    void setFlags(int kind) {
        cb.lstore(FLAG_B).lstore(FLAG_A).loadConstant(kind).istore(FLAG_KIND);
        knownFlags = kind;
    }

    /** Pops a logical result: the flags become N and Z of it. */
    void setLogicFlags(boolean sf) {
        int kind = sf ? Nzcv.LOGIC64 : Nzcv.LOGIC32;
        cb.lstore(FLAG_A).loadConstant(kind).istore(FLAG_KIND);
        knownFlags = kind;
    }

    /** Jumps to {@code ifTrue} when the condition holds; falls through otherwise. */
    void branchIfCondition(int cond, Label ifTrue) {
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
        cb.iload(FLAG_KIND).lload(FLAG_A).lload(FLAG_B);
        call(RegionContract.NZCV_LAZY);
        cb.loadConstant(cond);
        call(RegionContract.NZCV_HOLDS);
        cb.ifne(ifTrue);
    }

    /** Pushes the int comparison (-1, 0, 1) of the pending subtraction's operands. */
    void compareOperands(boolean wide, boolean unsigned) {
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

    void compareJump(int cond, Label ifTrue) {
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

    void exitTo(long next) {
        cb.loadConstant(next).lstore(NEXT).goto_(exit);
    }

    /** Continues at {@code next}: a jump within the region (checking the budget when backward) or an exit. */
    void jumpTo(long next) {
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
    void conditionalBranch(long targetPc, Consumer<Label> test, int index) {
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
    void loadBase(int n) {
        if (n != 31) {
            loadX(n);
            return;
        }
        Label aligned = cb.newLabel();
        cb.lload(SP).loadConstant(15L).land().lconst_0().lcmp().ifeq(aligned);
        cb.aload(CPU).loadConstant(pc).lload(SP).iload(FLAG_KIND).lload(FLAG_A).lload(FLAG_B)
                ;
        call(RegionContract.CHECK_SP);
        cb.labelBinding(aligned);
        cb.lload(SP);
    }

    void pushSyncState() {
        if (unprivileged) {
            cb.iconst_0(); // LDTR/STTR: checked as EL0's access, as the interpreter does
        } else {
            cb.iload(EL);
        }
        cb.loadConstant(pc).lload(SP).iload(FLAG_KIND).lload(FLAG_A).lload(FLAG_B);
    }

    /** Pushes the zero-extended value of {@code bytes} at T1 + offset. */
    void read(int bytes, long offset) {
        cb.aload(CPU).lload(T1);
        if (offset != 0) {
            cb.loadConstant(offset).ladd();
        }
        pushSyncState();
        call(RegionContract.LOADS.get(Integer.numberOfTrailingZeros(bytes)));
    }

    /** Writes Xt's low {@code bytes} to T1 + offset. */
    void write(int bytes, long offset, int t) {
        cb.aload(CPU).lload(T1);
        if (offset != 0) {
            cb.loadConstant(offset).ladd();
        }
        loadX(t);
        pushSyncState();
        call(RegionContract.STORES.get(Integer.numberOfTrailingZeros(bytes)));
    }

    /** One general-register load or store of kind size:V:opc at T1, as {@code LoadStore.transfer}. */
    void transfer(int kind, int t) {
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

    /** Emits one instruction of the region at {@link #pc}; index is its place in the page. */
    abstract void emitInstruction(int op, int insn, long imm, int index);
}
