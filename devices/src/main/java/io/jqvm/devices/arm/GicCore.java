package io.jqvm.devices.arm;

import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.EndOfInterruptNotifier;
import io.jqvm.device.InterruptController;
import io.jqvm.device.IrqLine;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Interrupt state and arbitration common to {@link GicV2} and {@link GicV3}: per-interrupt enable,
 * pending, active, group, priority and trigger mode (banked per CPU for SGIs and PPIs, INTIDs 0-31), the
 * per-CPU interface state (priority mask, binary points, active priorities) and the computation of each
 * CPU's IRQ pin.
 *
 * <p>Priorities keep 5 bits (0x00-0xF8 in steps of 8, as QEMU's GICv3 does): 32 preemption levels, so one
 * 32-bit active-priorities register holds them all and is the sole record of the running priority.
 *
 * <p>Every method that reads or changes state holds this object's monitor and recomputes the pins before
 * returning; a CPU pin must therefore never call back into the GIC.
 */
abstract class GicCore implements InterruptController, EndOfInterruptNotifier {
    static final int SPURIOUS = 1023;
    static final int PRIORITY_MASK = 0xF8;
    static final int IDLE_PRIORITY = 0xFF;
    static final int SGI_COUNT = 16;
    static final int BANKED = 32;
    private static final int MAX_LINES = 1020;

    /** The one-bit-per-interrupt state registers of the distributor. */
    enum BitField { GROUP, ENABLE, PENDING, ACTIVE }

    final int cpus;
    final int lines;
    final GuestAccessLog log;

    private final IrqLine[] irqPins;
    private final boolean[] pinLevels;
    private final IrqLine[] spiInputs;
    private final IrqLine[][] bankedInputs;

    // Indexed by slot(): SGIs/PPIs of CPU c at c*32+intid, SPIs after all CPUs' banked interrupts.
    private final boolean[] enabled;
    private final boolean[] latched;
    private final boolean[] lineHigh;
    private final boolean[] active;
    private final boolean[] edgeTriggered;
    private final boolean[] group1;
    private final int[] priority;
    /** Pending SGIs: per (target CPU, SGI) the mask of source CPUs (GICv3 records every source as bit 0). */
    private final int[] sgiSources;

    boolean distributorGroup0;
    boolean distributorGroup1;
    final CpuInterface[] cpuInterfaces;

    /** One CPU interface's registers. */
    static final class CpuInterface {
        boolean group0Enabled;
        boolean group1Enabled;
        /** EOI only drops priority; deactivation needs a separate DIR write. */
        boolean splitEoi;
        int priorityMask;
        int binaryPoint0 = 2;
        int binaryPoint1 = 3;
        /** Bit n set: an interrupt of group priority n*8 is active and not yet priority-dropped. */
        int activePriorities;
    }

    GicCore(String name, int cpus, int spis, IrqLine[] irqPins) {
        if (cpus < 1 || irqPins.length != cpus) {
            throw new IllegalArgumentException(name + ": need one IRQ pin per CPU, got " + irqPins.length + " for " + cpus);
        }
        if (spis < 0 || spis > MAX_LINES - BANKED) {
            throw new IllegalArgumentException(name + ": " + spis + " SPIs, the GIC allows 0 to " + (MAX_LINES - BANKED));
        }
        this.cpus = cpus;
        this.lines = Math.min(MAX_LINES, BANKED + (spis + 31) / 32 * 32);
        this.log = new GuestAccessLog(name);
        this.irqPins = irqPins.clone();
        this.pinLevels = new boolean[cpus];
        int slots = cpus * BANKED + lines - BANKED;
        enabled = new boolean[slots];
        latched = new boolean[slots];
        lineHigh = new boolean[slots];
        active = new boolean[slots];
        edgeTriggered = new boolean[slots];
        group1 = new boolean[slots];
        priority = new int[slots];
        sgiSources = new int[cpus * SGI_COUNT];
        for (int c = 0; c < cpus; c++) {
            for (int sgi = 0; sgi < SGI_COUNT; sgi++) {
                edgeTriggered[slot(c, sgi)] = true;
            }
        }
        cpuInterfaces = new CpuInterface[cpus];
        for (int c = 0; c < cpus; c++) {
            cpuInterfaces[c] = new CpuInterface();
        }
        spiInputs = new IrqLine[lines - BANKED];
        endOfInterrupt = new java.util.concurrent.atomic.AtomicReferenceArray<>(lines - BANKED);
        for (int intid = BANKED; intid < lines; intid++) {
            int slot = slot(0, intid);
            spiInputs[intid - BANKED] = asserted -> drive(slot, asserted);
        }
        bankedInputs = new IrqLine[cpus][BANKED];
        for (int c = 0; c < cpus; c++) {
            for (int intid = SGI_COUNT; intid < BANKED; intid++) {
                int slot = slot(c, intid);
                bankedInputs[c][intid] = asserted -> drive(slot, asserted);
            }
        }
    }

    /** True when SPI {@code intid} is delivered to {@code cpu} (GICv2 target list, GICv3 routing). */
    abstract boolean targets(int intid, int cpu);

    /** True when group 0 interrupts are signalled on the IRQ pin (GICv2); GICv3 signals group 1 only. */
    abstract boolean signalsGroup0();

    /** True when the acknowledge of an SGI reports its source CPU in bits [12:10] (GICv2). */
    abstract boolean reportsSgiSource();

    @Override
    public int lineCount() {
        return lines;
    }

    /**
     * Input line {@code n}: an SPI for n &gt;= 32; below 32, CPU 0's banked interrupt (a configuration
     * naming {@code gic:N} with a small N means the boot CPU's). A wire on an SGI number (0-15) makes that
     * SGI pending on CPU 0, as if CPU 0 had sent it, on each rising edge.
     */
    @Override
    public IrqLine line(int n) {
        if (n < 0 || n >= lines) {
            throw new IllegalArgumentException("no interrupt input " + n + ": lines are 0 to " + (lines - 1));
        }
        if (n < SGI_COUNT) {
            return asserted -> {
                if (asserted) {
                    sendSgi(0, 0, n);
                }
            };
        }
        return n < BANKED ? bankedInputs[0][n] : spiInputs[n - BANKED];
    }

    /** CPU {@code cpu}'s private peripheral interrupt {@code intid} (16-31), e.g. its timer's PPI 27. */
    public IrqLine ppi(int cpu, int intid) {
        if (cpu < 0 || cpu >= cpus || intid < SGI_COUNT || intid >= BANKED) {
            throw new IllegalArgumentException("no PPI " + intid + " on CPU " + cpu);
        }
        return bankedInputs[cpu][intid];
    }

    final int slot(int cpu, int intid) {
        return intid < BANKED ? cpu * BANKED + intid : cpus * BANKED + intid - BANKED;
    }

    private synchronized void drive(int slot, boolean asserted) {
        if (asserted && !lineHigh[slot] && edgeTriggered[slot]) {
            latched[slot] = true;
        }
        lineHigh[slot] = asserted;
        updatePins();
    }

    private boolean pending(int cpu, int intid, int slot) {
        if (intid < SGI_COUNT) {
            return sgiSources[cpu * SGI_COUNT + intid] != 0;
        }
        return latched[slot] || (!edgeTriggered[slot] && lineHigh[slot]);
    }

    // ---- distributor / redistributor register views -------------------------------------------------

    /** Bits for INTIDs first..first+31 as seen by {@code cpu} (the banked copies are that CPU's). */
    synchronized int readBits(BitField field, int cpu, int first) {
        int value = 0;
        for (int i = 0; i < 32; i++) {
            int intid = first + i;
            if (intid >= lines) {
                break;
            }
            int slot = slot(cpu, intid);
            boolean bit = switch (field) {
                case GROUP -> group1[slot];
                case ENABLE -> enabled[slot];
                case PENDING -> pending(cpu, intid, slot);
                case ACTIVE -> active[slot];
            };
            if (bit) {
                value |= 1 << i;
            }
        }
        return value;
    }

    /** A write to a set-enable/clear-enable style register: {@code set} chooses the set or clear register. */
    synchronized void writeBits(BitField field, boolean set, int cpu, int first, int value) {
        for (int i = 0; i < 32; i++) {
            int intid = first + i;
            if (intid >= lines) {
                break;
            }
            if ((value & (1 << i)) == 0 && field != BitField.GROUP) {
                continue;
            }
            int slot = slot(cpu, intid);
            switch (field) {
                case GROUP -> group1[slot] = (value & (1 << i)) != 0;
                case ENABLE -> enabled[slot] = set;
                case PENDING -> setPending(cpu, intid, slot, set);
                case ACTIVE -> active[slot] = set;
            }
        }
        updatePins();
    }

    private void setPending(int cpu, int intid, int slot, boolean set) {
        if (intid >= SGI_COUNT) {
            latched[slot] = set;
        } else if (reportsSgiSource()) {
            // GICv2 SGIs are made pending through GICD_SPENDSGIR/CPENDSGIR only.
            log.report("write to the pending state of SGI " + intid + " through I[SC]PENDR0 ignored");
        } else {
            sgiSources[cpu * SGI_COUNT + intid] = set ? 1 : 0;
        }
    }

    synchronized int readPriority(int cpu, int intid) {
        return intid < lines ? priority[slot(cpu, intid)] : 0;
    }

    synchronized void writePriority(int cpu, int intid, int value) {
        if (intid < lines) {
            priority[slot(cpu, intid)] = value & PRIORITY_MASK;
            updatePins();
        }
    }

    /** The 2-bit trigger fields of INTIDs first..first+15: bit 1 of each is set for edge-triggered. */
    synchronized int readConfig(int cpu, int first) {
        int value = 0;
        for (int i = 0; i < 16 && first + i < lines; i++) {
            if (edgeTriggered[slot(cpu, first + i)]) {
                value |= 2 << (2 * i);
            }
        }
        return value;
    }

    /** SGIs stay edge-triggered; PPIs and SPIs take the guest's choice. */
    synchronized void writeConfig(int cpu, int first, int value) {
        for (int i = 0; i < 16 && first + i < lines; i++) {
            int intid = first + i;
            if (intid >= SGI_COUNT) {
                edgeTriggered[slot(cpu, intid)] = (value & (2 << (2 * i))) != 0;
            }
        }
        updatePins();
    }

    /** Makes SGI {@code sgi} pending on {@code target}, sent by {@code source}. */
    synchronized void sendSgi(int source, int target, int sgi) {
        sgiSources[target * SGI_COUNT + sgi] |= reportsSgiSource() ? 1 << source : 1;
        updatePins();
    }

    /** GICD_SPENDSGIR/CPENDSGIR byte for {@code sgi} on {@code cpu}: the pending source CPUs. */
    synchronized int readSgiSources(int cpu, int sgi) {
        return sgiSources[cpu * SGI_COUNT + sgi];
    }

    synchronized void changeSgiSources(int cpu, int sgi, int sources, boolean set) {
        int index = cpu * SGI_COUNT + sgi;
        int mask = sources & ((1 << cpus) - 1);
        sgiSources[index] = set ? sgiSources[index] | mask : sgiSources[index] & ~mask;
        updatePins();
    }

    synchronized void setDistributorEnables(boolean group0, boolean group1) {
        distributorGroup0 = group0;
        distributorGroup1 = group1;
        updatePins();
    }

    // ---- CPU interface -------------------------------------------------------------------------------

    private boolean groupEnabled(int cpu, boolean isGroup1) {
        CpuInterface ci = cpuInterfaces[cpu];
        if (isGroup1) {
            return distributorGroup1 && ci.group1Enabled;
        }
        return signalsGroup0() && distributorGroup0 && ci.group0Enabled;
    }

    /** The pending, enabled, inactive interrupt of highest priority for {@code cpu}, or SPURIOUS. */
    private int highestPending(int cpu) {
        int best = SPURIOUS;
        int bestPriority = Integer.MAX_VALUE;
        for (int intid = 0; intid < lines; intid++) {
            if (intid >= BANKED && !targets(intid, cpu)) {
                continue;
            }
            int slot = slot(cpu, intid);
            if (enabled[slot] && !active[slot] && priority[slot] < bestPriority
                    && pending(cpu, intid, slot) && groupEnabled(cpu, group1[slot])) {
                best = intid;
                bestPriority = priority[slot];
            }
        }
        return best;
    }

    int groupPriority(int cpu, int prio, boolean isGroup1) {
        CpuInterface ci = cpuInterfaces[cpu];
        int shift = isGroup1 ? ci.binaryPoint1 : ci.binaryPoint0 + 1;
        return prio & (0xFF << shift) & 0xFF;
    }

    /** The priority of the highest-priority active interrupt not yet priority-dropped, or idle. */
    synchronized int runningPriority(int cpu) {
        int apr = cpuInterfaces[cpu].activePriorities;
        return apr == 0 ? IDLE_PRIORITY : Integer.numberOfTrailingZeros(apr) << 3;
    }

    /** The interrupt {@code cpu} would take now (passes the priority mask and preempts), or SPURIOUS. */
    private int signalled(int cpu) {
        int intid = highestPending(cpu);
        if (intid == SPURIOUS) {
            return SPURIOUS;
        }
        int slot = slot(cpu, intid);
        int prio = priority[slot];
        boolean preempts = groupPriority(cpu, prio, group1[slot]) < runningPriority(cpu);
        return prio < cpuInterfaces[cpu].priorityMask && preempts ? intid : SPURIOUS;
    }

    /** HPPIR: the highest-priority pending interrupt (for a GICv2 SGI, with its first source CPU). */
    synchronized int highestPendingId(int cpu) {
        int intid = highestPending(cpu);
        if (intid < SGI_COUNT && reportsSgiSource()) {
            return intid | Integer.numberOfTrailingZeros(sgiSources[cpu * SGI_COUNT + intid]) << 10;
        }
        return intid;
    }

    /** IAR: takes the signalled interrupt, making it active; SPURIOUS when none. */
    synchronized int acknowledge(int cpu) {
        int intid = signalled(cpu);
        if (intid == SPURIOUS) {
            return SPURIOUS;
        }
        int slot = slot(cpu, intid);
        int value = intid;
        if (intid < SGI_COUNT) {
            int index = cpu * SGI_COUNT + intid;
            int source = Integer.numberOfTrailingZeros(sgiSources[index]);
            sgiSources[index] &= sgiSources[index] - 1;
            if (reportsSgiSource()) {
                value |= source << 10;
            }
        } else {
            latched[slot] = false;
        }
        active[slot] = true;
        cpuInterfaces[cpu].activePriorities |= 1 << (groupPriority(cpu, priority[slot], group1[slot]) >> 3);
        updatePins();
        return value;
    }

    /** EOIR: drops the running priority and, unless EOI is split, deactivates {@code intid}. */
    synchronized void endOfInterrupt(int cpu, int intid) {
        if (intid >= lines) {
            return; // spurious or out-of-range IDs are ignored, as the architecture says
        }
        CpuInterface ci = cpuInterfaces[cpu];
        if (ci.activePriorities == 0) {
            log.report("CPU " + cpu + " wrote EOI for INTID " + intid + " with no active interrupt");
        } else {
            ci.activePriorities &= ci.activePriorities - 1;
        }
        if (!ci.splitEoi) {
            deactivateLocked(cpu, intid);
        }
        updatePins();
    }

    /** DIR: deactivates {@code intid} (meaningful when EOI is split). */
    synchronized void deactivate(int cpu, int intid) {
        if (intid < lines) {
            deactivateLocked(cpu, intid);
            updatePins();
        }
    }

    private void deactivateLocked(int cpu, int intid) {
        int slot = slot(cpu, intid);
        if (!active[slot]) {
            log.report("CPU " + cpu + " deactivated INTID " + intid + ", which is not active");
        }
        active[slot] = false;
        Runnable listener = intid >= BANKED ? endOfInterrupt.get(intid - BANKED) : null;
        if (listener != null) {
            listener.run();
        }
    }

    /** What runs when the guest deactivates an SPI (pass-through lines re-arm their host source); by SPI index. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Runnable> endOfInterrupt;

    /** SPIs only: the banked interrupts belong to one CPU each and no pass-through source drives them. */
    @Override
    public void onEndOfInterrupt(int line, Runnable action) {
        if (line < BANKED || line >= lines) {
            throw new IllegalArgumentException("INTID " + line + " is not a shared peripheral interrupt (SPIs are "
                    + BANKED + "-" + (lines - 1) + ")");
        }
        if (!endOfInterrupt.compareAndSet(line - BANKED, null, action)) {
            throw new IllegalArgumentException("INTID " + line + " already reports its end of interrupt to another source");
        }
    }

    synchronized int activePriorities(int cpu) {
        return cpuInterfaces[cpu].activePriorities;
    }

    synchronized void setActivePriorities(int cpu, int value) {
        cpuInterfaces[cpu].activePriorities = value;
        updatePins();
    }

    /** Applies a change to a CPU interface's registers and recomputes the pins. */
    synchronized void updateCpuInterface(int cpu, Consumer<CpuInterface> change) {
        change.accept(cpuInterfaces[cpu]);
        updatePins();
    }

    synchronized <T> T readCpuInterface(int cpu, Function<CpuInterface, T> reader) {
        return reader.apply(cpuInterfaces[cpu]);
    }

    /** Recomputes every CPU's IRQ pin; called after each state change, with the monitor held. */
    final void updatePins() {
        for (int c = 0; c < cpus; c++) {
            boolean level = signalled(c) != SPURIOUS;
            if (level != pinLevels[c]) {
                pinLevels[c] = level;
                irqPins[c].set(level);
            }
        }
    }
}
