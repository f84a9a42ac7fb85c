package io.jqvm.devices.arm;

import io.jqvm.common.Mpidr;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import io.jqvm.device.SystemRegisterDevice;

/**
 * A GICv3 in its single-security-state configuration (GICD_CTLR.DS = 1) with affinity routing always on
 * and no LPIs/ITS: a 64 KiB distributor, one redistributor per CPU (RD_base and SGI_base frames, 128 KiB,
 * laid out back to back in one window) and the CPU interface as the ICC_*_EL1 system registers.
 *
 * <p>Group 1 interrupts signal IRQ; group 0 interrupts (FIQ on real hardware) are accepted and kept but
 * never signalled: Linux puts every interrupt in group 1. ICC_SRE_EL1 reads 7: the system-register
 * interface is the only one.
 */
public final class GicV3 extends GicCore {
    public static final long DISTRIBUTOR_SIZE = 0x1_0000;
    /** Size of one CPU's redistributor (RD_base + SGI_base). */
    public static final long REDISTRIBUTOR_STRIDE = 0x2_0000;
    static final int IIDR = 0x0000_043B;
    private static final long SGI_BASE = 0x1_0000;
    private static final int CTLR_ARE = 1 << 4;
    private static final int CTLR_DS = 1 << 6;
    private static final int WAKER_PROCESSOR_SLEEP = 1 << 1;
    private static final int WAKER_CHILDREN_ASLEEP = 1 << 2;
    /** IROUTER.Interrupt_Routing_Mode: deliver to any one participating CPU. */
    private static final long ROUTE_ANY = 1L << 31;

    static final int ICC_PMR = SystemRegisterDevice.encoding(3, 0, 4, 6, 0);
    static final int ICC_IAR0 = SystemRegisterDevice.encoding(3, 0, 12, 8, 0);
    static final int ICC_EOIR0 = SystemRegisterDevice.encoding(3, 0, 12, 8, 1);
    static final int ICC_HPPIR0 = SystemRegisterDevice.encoding(3, 0, 12, 8, 2);
    static final int ICC_BPR0 = SystemRegisterDevice.encoding(3, 0, 12, 8, 3);
    static final int ICC_AP0R0 = SystemRegisterDevice.encoding(3, 0, 12, 8, 4);
    static final int ICC_AP1R0 = SystemRegisterDevice.encoding(3, 0, 12, 9, 0);
    static final int ICC_DIR = SystemRegisterDevice.encoding(3, 0, 12, 11, 1);
    static final int ICC_RPR = SystemRegisterDevice.encoding(3, 0, 12, 11, 3);
    static final int ICC_SGI1R = SystemRegisterDevice.encoding(3, 0, 12, 11, 5);
    static final int ICC_ASGI1R = SystemRegisterDevice.encoding(3, 0, 12, 11, 6);
    static final int ICC_SGI0R = SystemRegisterDevice.encoding(3, 0, 12, 11, 7);
    static final int ICC_IAR1 = SystemRegisterDevice.encoding(3, 0, 12, 12, 0);
    static final int ICC_EOIR1 = SystemRegisterDevice.encoding(3, 0, 12, 12, 1);
    static final int ICC_HPPIR1 = SystemRegisterDevice.encoding(3, 0, 12, 12, 2);
    static final int ICC_BPR1 = SystemRegisterDevice.encoding(3, 0, 12, 12, 3);
    static final int ICC_CTLR = SystemRegisterDevice.encoding(3, 0, 12, 12, 4);
    static final int ICC_SRE = SystemRegisterDevice.encoding(3, 0, 12, 12, 5);
    static final int ICC_IGRPEN0 = SystemRegisterDevice.encoding(3, 0, 12, 12, 6);
    static final int ICC_IGRPEN1 = SystemRegisterDevice.encoding(3, 0, 12, 12, 7);
    private static final java.util.Set<Integer> CLAIMED = java.util.Set.of(ICC_PMR, ICC_IAR0, ICC_EOIR0, ICC_HPPIR0,
            ICC_BPR0, ICC_AP0R0, ICC_AP1R0, ICC_DIR, ICC_RPR, ICC_SGI1R, ICC_ASGI1R, ICC_SGI0R, ICC_IAR1, ICC_EOIR1,
            ICC_HPPIR1, ICC_BPR1, ICC_CTLR, ICC_SRE, ICC_IGRPEN0, ICC_IGRPEN1);
    /** ICC_CTLR_EL1.PRIbits: 5 priority bits, encoded as bits - 1. */
    private static final int CTLR_PRIBITS = 4 << 8;
    private static final int CTLR_EOIMODE = 1 << 1;

    private final long[] routes;
    private final boolean[] processorSleep;
    private final BusDevice distributor = new Distributor();
    private final BusDevice redistributors = new Redistributors();
    private final SystemRegisterDevice cpuInterface = new CpuInterfaceRegisters();

    /**
     * @param spis number of shared peripheral interrupts (INTIDs from 32), rounded up to a multiple of 32
     * @param irqPins each CPU's IRQ input, index = CPU number; CPU n has the affinity {@link Mpidr#affinity}
     */
    public GicV3(int spis, IrqLine[] irqPins) {
        super("gic", irqPins.length, spis, irqPins);
        routes = new long[lines - BANKED];
        processorSleep = new boolean[cpus];
        java.util.Arrays.fill(processorSleep, true);
    }

    public BusDevice distributor() {
        return distributor;
    }

    /** All CPUs' redistributors, CPU n at offset n * {@link #REDISTRIBUTOR_STRIDE}. */
    public BusDevice redistributors() {
        return redistributors;
    }

    public long redistributorsSize() {
        return cpus * REDISTRIBUTOR_STRIDE;
    }

    /** The ICC_*_EL1 registers, to attach to every vCPU. */
    public SystemRegisterDevice cpuInterface() {
        return cpuInterface;
    }

    @Override
    boolean targets(int intid, int cpu) {
        long route = routes[intid - BANKED];
        return (route & ROUTE_ANY) != 0 || Mpidr.cpuOf(route, cpus) == cpu;
    }

    @Override
    boolean signalsGroup0() {
        return false;
    }

    @Override
    boolean reportsSgiSource() {
        return false;
    }

    private static boolean wordAccess(long offset, int size) {
        return size == 4 && (offset & 3) == 0;
    }

    private final class Distributor implements BusDevice {
        @Override
        public long read(int vcpu, long offset, int size) {
            if (offset >= 0x6100 && offset < 0x6000 + 8L * lines) {
                return readRoute(offset, size);
            }
            if (offset >= 0x420 && offset < 0x400 + lines) {
                return readPriorityBytes(0, offset - 0x400, size);
            }
            if (!wordAccess(offset, size)) {
                return badAccess("distributor read", offset, size);
            }
            int o = (int) offset;
            if (o >= 0x080 && o < 0x400) {
                // Word 0 of each bit array covers SGIs and PPIs, which live in the redistributors: RAZ/WI.
                return (o & 0x7F) == 0 ? 0 : Integer.toUnsignedLong(readBitRegister(0, o, (o & 0x7F) * 8));
            }
            if (o >= 0xC08 && o < 0xD00) {
                return Integer.toUnsignedLong(readConfig(0, (o - 0xC00) * 4));
            }
            return switch (o) {
                case 0x0000 -> readControl();
                case 0x0004 -> ((lines / 32) - 1) | ((Math.min(cpus, 8) - 1) << 5) | (9 << 19);
                case 0x0008 -> IIDR;
                default -> o >= 0xFFD0 ? GicIdRegisters.read(o - 0xFFD0, 3) : 0;
            };
        }

        private long readControl() {
            synchronized (GicV3.this) {
                return (distributorGroup0 ? 1 : 0) | (distributorGroup1 ? 2 : 0) | CTLR_ARE | CTLR_DS;
            }
        }

        @Override
        public void write(int vcpu, long offset, int size, long value) {
            if (offset >= 0x6100 && offset < 0x6000 + 8L * lines) {
                writeRoute(offset, size, value);
                return;
            }
            if (offset >= 0x420 && offset < 0x400 + lines) {
                writePriorityBytes(0, offset - 0x400, size, value);
                return;
            }
            if (!wordAccess(offset, size)) {
                badAccess("distributor write", offset, size);
                return;
            }
            int o = (int) offset;
            if (o >= 0x080 && o < 0x400) {
                if ((o & 0x7F) != 0) {
                    writeBitRegister(0, o, (o & 0x7F) * 8, (int) value);
                }
            } else if (o >= 0xC08 && o < 0xD00) {
                writeConfig(0, (o - 0xC00) * 4, (int) value);
            } else if (o == 0) {
                setDistributorEnables((value & 1) != 0, (value & 2) != 0);
            } else if (o >= 0x0D00 && o < 0x0E00 || o >= 0x400 && o < 0x420 || o >= 0xC00 && o < 0xC08) {
                // GICD_IGRPMODR (single security state: RES0) and the SGI/PPI words, which live in the
                // redistributors under affinity routing: write-ignored.
                return;
            } else {
                log.report("distributor: write of " + Hex.of(value) + " to read-only or reserved " + Hex.of(offset) + " ignored");
            }
        }

        private long readRoute(long offset, int size) {
            int intid = (int) ((offset - 0x6000) >> 3);
            long route;
            synchronized (GicV3.this) {
                route = routes[intid - BANKED];
            }
            int shift = (int) (offset & 7) * 8;
            if (size == 8 && shift == 0) {
                return route;
            }
            if (size == 4 && (shift == 0 || shift == 32)) {
                return (route >>> shift) & 0xFFFF_FFFFL;
            }
            return badAccess("GICD_IROUTER read", offset, size);
        }

        private void writeRoute(long offset, int size, long value) {
            int intid = (int) ((offset - 0x6000) >> 3);
            int shift = (int) (offset & 7) * 8;
            long mask;
            if (size == 8 && shift == 0) {
                mask = -1L;
            } else if (size == 4 && (shift == 0 || shift == 32)) {
                mask = 0xFFFF_FFFFL << shift;
            } else {
                badAccess("GICD_IROUTER write", offset, size);
                return;
            }
            synchronized (GicV3.this) {
                long old = routes[intid - BANKED];
                long updated = (old & ~mask) | ((value << shift) & mask);
                routes[intid - BANKED] = updated & (Mpidr.AFFINITY_MASK | ROUTE_ANY);
                updatePins();
            }
        }
    }

    private long badAccess(String what, long offset, int size) {
        log.report(what + ": " + size + "-byte access at " + Hex.of(offset) + " is not a valid register access");
        return 0;
    }

    private int readBitRegister(int cpu, int o, int first) {
        return switch (o >> 7) {
            case 1 -> readBits(BitField.GROUP, cpu, first);
            case 2, 3 -> readBits(BitField.ENABLE, cpu, first);
            case 4, 5 -> readBits(BitField.PENDING, cpu, first);
            default -> readBits(BitField.ACTIVE, cpu, first);
        };
    }

    private void writeBitRegister(int cpu, int o, int first, int v) {
        switch (o >> 7) {
            case 1 -> writeBits(BitField.GROUP, true, cpu, first, v);
            case 2 -> writeBits(BitField.ENABLE, true, cpu, first, v);
            case 3 -> writeBits(BitField.ENABLE, false, cpu, first, v);
            case 4 -> writeBits(BitField.PENDING, true, cpu, first, v);
            case 5 -> writeBits(BitField.PENDING, false, cpu, first, v);
            case 6 -> writeBits(BitField.ACTIVE, true, cpu, first, v);
            default -> writeBits(BitField.ACTIVE, false, cpu, first, v);
        }
    }

    private long readPriorityBytes(int cpu, long first, int size) {
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (long) readPriority(cpu, (int) first + i) << (8 * i);
        }
        return value;
    }

    private void writePriorityBytes(int cpu, long first, int size, long value) {
        for (int i = 0; i < size; i++) {
            writePriority(cpu, (int) first + i, (int) (value >>> (8 * i)) & 0xFF);
        }
    }

    private final class Redistributors implements BusDevice {
        @Override
        public long read(int vcpu, long offset, int size) {
            int cpu = (int) (offset / REDISTRIBUTOR_STRIDE);
            long o = offset % REDISTRIBUTOR_STRIDE;
            if (cpu >= cpus) {
                return badAccess("redistributor read", offset, size);
            }
            if (o >= SGI_BASE + 0x400 && o < SGI_BASE + 0x420) {
                return readPriorityBytes(cpu, o - SGI_BASE - 0x400, size);
            }
            if (o == 0x0008 && size == 8) {
                return typer(cpu);
            }
            if (!wordAccess(o, size)) {
                return badAccess("redistributor read", offset, size);
            }
            if (o >= SGI_BASE) {
                int s = (int) (o - SGI_BASE);
                return switch (s) {
                    case 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380 ->
                            Integer.toUnsignedLong(readBitRegister(cpu, s, 0));
                    case 0xC00, 0xC04 -> Integer.toUnsignedLong(readConfig(cpu, (s - 0xC00) * 4));
                    default -> 0; // IGRPMODR0 and NSACR are RES0 in a single security state
                };
            }
            return switch ((int) o) {
                case 0x0004 -> IIDR;
                case 0x0008 -> typer(cpu) & 0xFFFF_FFFFL;
                case 0x000C -> typer(cpu) >>> 32;
                case 0x0014 -> waker(cpu);
                default -> o >= 0xFFD0 ? GicIdRegisters.read((int) o - 0xFFD0, 3) : 0;
            };
        }

        /** GICR_TYPER: affinity Aff3.Aff2.Aff1.Aff0 in bits [63:32], processor number, Last. */
        private long typer(int cpu) {
            long mpidr = Mpidr.affinity(cpu);
            long compact = ((mpidr >> 8) & 0xFF00_0000L) | (mpidr & 0xFF_FFFF);
            long last = cpu == cpus - 1 ? 1 << 4 : 0;
            return (compact << 32) | ((long) cpu << 8) | last;
        }

        private long waker(int cpu) {
            synchronized (GicV3.this) {
                return processorSleep[cpu] ? WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP : 0;
            }
        }

        @Override
        public void write(int vcpu, long offset, int size, long value) {
            int cpu = (int) (offset / REDISTRIBUTOR_STRIDE);
            long o = offset % REDISTRIBUTOR_STRIDE;
            if (cpu >= cpus) {
                badAccess("redistributor write", offset, size);
                return;
            }
            if (o >= SGI_BASE + 0x400 && o < SGI_BASE + 0x420) {
                writePriorityBytes(cpu, o - SGI_BASE - 0x400, size, value);
                return;
            }
            if (!wordAccess(o, size)) {
                badAccess("redistributor write", offset, size);
                return;
            }
            int v = (int) value;
            if (o >= SGI_BASE) {
                int s = (int) (o - SGI_BASE);
                switch (s) {
                    case 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380 -> writeBitRegister(cpu, s, 0, v);
                    case 0xC00, 0xC04 -> writeConfig(cpu, (s - 0xC00) * 4, v);
                    case 0xD00, 0xE00 -> { } // RES0 in a single security state
                    default -> log.report("redistributor " + cpu + ": write to reserved SGI_base offset " + Hex.of(s) + " ignored");
                }
                return;
            }
            switch ((int) o) {
                case 0x0000 -> { } // GICR_CTLR: no LPIs to enable
                case 0x0014 -> {
                    synchronized (GicV3.this) {
                        processorSleep[cpu] = (v & WAKER_PROCESSOR_SLEEP) != 0;
                    }
                }
                default -> log.report("redistributor " + cpu + ": write to read-only or reserved " + Hex.of(o) + " ignored");
            }
        }
    }

    private final class CpuInterfaceRegisters implements SystemRegisterDevice {
        @Override
        public boolean claims(int encoding) {
            return CLAIMED.contains(encoding);
        }

        @Override
        public long read(int cpu, int encoding) {
            if (encoding == ICC_PMR) {
                return readCpuInterface(cpu, ci -> ci.priorityMask);
            } else if (encoding == ICC_IAR1) {
                return acknowledge(cpu);
            } else if (encoding == ICC_HPPIR1) {
                return highestPendingId(cpu);
            } else if (encoding == ICC_IAR0 || encoding == ICC_HPPIR0) {
                return SPURIOUS; // group 0 is never signalled
            } else if (encoding == ICC_BPR0) {
                return readCpuInterface(cpu, ci -> ci.binaryPoint0);
            } else if (encoding == ICC_BPR1) {
                return readCpuInterface(cpu, ci -> ci.binaryPoint1);
            } else if (encoding == ICC_AP1R0) {
                return Integer.toUnsignedLong(activePriorities(cpu));
            } else if (encoding == ICC_RPR) {
                return runningPriority(cpu);
            } else if (encoding == ICC_CTLR) {
                return readCpuInterface(cpu, ci -> CTLR_PRIBITS | (ci.splitEoi ? CTLR_EOIMODE : 0));
            } else if (encoding == ICC_SRE) {
                return 7; // SRE, DFB, DIB: the system-register interface is always on
            } else if (encoding == ICC_IGRPEN0) {
                return readCpuInterface(cpu, ci -> ci.group0Enabled ? 1 : 0);
            } else if (encoding == ICC_IGRPEN1) {
                return readCpuInterface(cpu, ci -> ci.group1Enabled ? 1 : 0);
            }
            // AP0R0 (no group 0 is ever active) and the write-only registers read as zero.
            return 0;
        }

        @Override
        public void write(int cpu, int encoding, long value) {
            int v = (int) value;
            if (encoding == ICC_PMR) {
                updateCpuInterface(cpu, ci -> ci.priorityMask = v & PRIORITY_MASK);
            } else if (encoding == ICC_EOIR1) {
                endOfInterrupt(cpu, v & 0xFF_FFFF);
            } else if (encoding == ICC_DIR) {
                deactivate(cpu, v & 0xFF_FFFF);
            } else if (encoding == ICC_BPR0) {
                updateCpuInterface(cpu, ci -> ci.binaryPoint0 = Math.max(2, v & 7));
            } else if (encoding == ICC_BPR1) {
                updateCpuInterface(cpu, ci -> ci.binaryPoint1 = Math.max(3, v & 7));
            } else if (encoding == ICC_AP1R0) {
                setActivePriorities(cpu, v);
            } else if (encoding == ICC_CTLR) {
                updateCpuInterface(cpu, ci -> ci.splitEoi = (v & CTLR_EOIMODE) != 0);
            } else if (encoding == ICC_IGRPEN0) {
                updateCpuInterface(cpu, ci -> ci.group0Enabled = (v & 1) != 0);
            } else if (encoding == ICC_IGRPEN1) {
                updateCpuInterface(cpu, ci -> ci.group1Enabled = (v & 1) != 0);
            } else if (encoding == ICC_SGI1R || encoding == ICC_ASGI1R || encoding == ICC_SGI0R) {
                // The SGI's group comes from its GICR_IGROUPR0 bit, whichever register generated it.
                generateSgi(cpu, value);
            } else if (encoding == ICC_AP0R0 || encoding == ICC_EOIR0) {
                if (value != 0 && encoding == ICC_AP0R0) {
                    log.report("CPU " + cpu + ": ICC_AP0R0_EL1 write of " + Hex.of(value) + " ignored: group 0 is never active");
                }
            } else {
                log.report("CPU " + cpu + ": write to read-only ICC register " + Hex.of(encoding) + " ignored");
            }
        }

        private void generateSgi(int source, long value) {
            int sgi = (int) (value >>> 24) & 0xF;
            if ((value & (1L << 40)) != 0) {
                for (int t = 0; t < cpus; t++) {
                    if (t != source) {
                        sendSgi(source, t, sgi);
                    }
                }
                return;
            }
            long cluster = (((value >>> 48) & 0xFF) << 32) | (((value >>> 32) & 0xFF) << 16) | (((value >>> 16) & 0xFF) << 8);
            int rangeBase = (int) ((value >>> 44) & 0xF) * 16;
            for (int i = 0; i < 16; i++) {
                if ((value & (1L << i)) != 0) {
                    int target = Mpidr.cpuOf(cluster | (rangeBase + i), cpus);
                    if (target >= 0) {
                        sendSgi(source, target, sgi);
                    }
                }
            }
        }
    }
}
