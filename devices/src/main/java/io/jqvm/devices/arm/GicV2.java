package io.jqvm.devices.arm;

import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;

/**
 * A GICv2 without the Security Extensions (the view a guest at non-secure EL1 gets on QEMU's virt
 * board): a 4 KiB distributor window and an 8 KiB CPU interface window. Both groups signal IRQ; Linux
 * keeps everything in group 0.
 *
 * <p>The banked registers (SGI/PPI state, the CPU interface) belong to the CPU making the access, which
 * the bus passes with every access.
 */
public final class GicV2 extends GicCore {
    /** Size of the distributor window. */
    public static final long DISTRIBUTOR_SIZE = 0x1000;
    /** Size of the CPU interface window (GICC_DIR sits at 0x1000). */
    public static final long CPU_INTERFACE_SIZE = 0x2000;
    static final int MAX_CPUS = 8;
    /** Implementer Arm (JEP106 0x43B), product 0: matches no erratum workaround. */
    static final int IIDR = 0x0000_043B;
    private static final int CPU_IIDR = 0x0002_043B;

    private final int[] targets;
    private final BusDevice distributor = new Distributor();
    private final BusDevice cpuInterface = new CpuInterfaceWindow();

    /**
     * @param spis number of shared peripheral interrupts (INTIDs from 32), rounded up to a multiple of 32
     * @param irqPins each CPU's IRQ input, index = CPU number (at most 8 CPUs)
     */
    public GicV2(int spis, IrqLine[] irqPins) {
        super("gic", checkCpus(irqPins.length), spis, irqPins);
        this.targets = new int[lines - BANKED];
    }

    private static int checkCpus(int cpus) {
        if (cpus > MAX_CPUS) {
            throw new IllegalArgumentException("GICv2 serves at most " + MAX_CPUS + " CPUs, not " + cpus);
        }
        return cpus;
    }

    public BusDevice distributor() {
        return distributor;
    }

    public BusDevice cpuInterface() {
        return cpuInterface;
    }

    @Override
    boolean targets(int intid, int cpu) {
        // With one CPU the target registers are read-as-zero and every SPI goes to it.
        return cpus == 1 || (targets[intid - BANKED] & (1 << cpu)) != 0;
    }

    @Override
    boolean signalsGroup0() {
        return true;
    }

    @Override
    boolean reportsSgiSource() {
        return true;
    }

    /** The accessing vCPU's bank; an index outside this GIC's CPUs (a device thread's) uses CPU 0's. */
    private int cpu(int vcpu) {
        return vcpu >= 0 && vcpu < cpus ? vcpu : 0;
    }

    private final class Distributor implements BusDevice {
        @Override
        public long read(int vcpu, long offset, int size) {
            int cpu = cpu(vcpu);
            if (offset >= 0x400 && offset < 0xC00) {
                return readBytes(offset, size, cpu);
            }
            if (size != 4 || (offset & 3) != 0) {
                log.report("distributor: " + size + "-byte read at " + Hex.of(offset) + " is not a word access");
                return 0;
            }
            int o = (int) offset;
            if (o >= 0x080 && o < 0x400) {
                return Integer.toUnsignedLong(readBitRegister(o, cpu));
            }
            if (o >= 0xC00 && o < 0xD00) {
                return Integer.toUnsignedLong(readConfig(cpu, (o - 0xC00) * 4));
            }
            if (o >= 0xF10 && o < 0xF30) {
                int first = o & 0xF;
                int value = 0;
                for (int i = 0; i < 4; i++) {
                    value |= readSgiSources(cpu, first + i) << (8 * i);
                }
                return Integer.toUnsignedLong(value);
            }
            return switch (o) {
                case 0x000 -> readControl();
                case 0x004 -> ((lines / 32) - 1) | ((cpus - 1) << 5);
                case 0x008 -> IIDR;
                default -> GicIdRegisters.read(o - 0xFD0, 2);
            };
        }

        private long readControl() {
            synchronized (GicV2.this) {
                return (distributorGroup0 ? 1 : 0) | (distributorGroup1 ? 2 : 0);
            }
        }

        private int readBitRegister(int o, int cpu) {
            int first = (o & 0x7F) * 8;
            return switch (o >> 7) {
                case 1 -> readBits(BitField.GROUP, cpu, first);
                case 2, 3 -> readBits(BitField.ENABLE, cpu, first);
                case 4, 5 -> readBits(BitField.PENDING, cpu, first);
                default -> readBits(BitField.ACTIVE, cpu, first);
            };
        }

        @Override
        public void write(int vcpu, long offset, int size, long value) {
            int cpu = cpu(vcpu);
            if (offset >= 0x400 && offset < 0xC00) {
                writeBytes(offset, size, value, cpu);
                return;
            }
            if (size != 4 || (offset & 3) != 0) {
                log.report("distributor: " + size + "-byte write at " + Hex.of(offset) + " is not a word access");
                return;
            }
            int o = (int) offset;
            int v = (int) value;
            if (o >= 0x080 && o < 0x400) {
                int first = (o & 0x7F) * 8;
                switch (o >> 7) {
                    case 1 -> writeBits(BitField.GROUP, true, cpu, first, v);
                    case 2 -> writeBits(BitField.ENABLE, true, cpu, first, v);
                    case 3 -> writeBits(BitField.ENABLE, false, cpu, first, v);
                    case 4 -> writeBits(BitField.PENDING, true, cpu, first, v);
                    case 5 -> writeBits(BitField.PENDING, false, cpu, first, v);
                    case 6 -> writeBits(BitField.ACTIVE, true, cpu, first, v);
                    default -> writeBits(BitField.ACTIVE, false, cpu, first, v);
                }
                return;
            }
            if (o >= 0xC00 && o < 0xD00) {
                writeConfig(cpu, (o - 0xC00) * 4, v);
                return;
            }
            if (o >= 0xF10 && o < 0xF30) {
                for (int i = 0; i < 4; i++) {
                    changeSgiSources(cpu, (o & 0xF) + i, (v >>> (8 * i)) & 0xFF, o >= 0xF20);
                }
                return;
            }
            switch (o) {
                case 0x000 -> setDistributorEnables((v & 1) != 0, (v & 2) != 0);
                case 0xF00 -> softwareInterrupt(cpu, v);
                default -> log.report("distributor: write of " + Hex.of(value) + " to read-only or reserved "
                        + Hex.of(offset) + " ignored");
            }
        }

        private void softwareInterrupt(int source, int value) {
            int sgi = value & 0xF;
            int list = (value >>> 16) & 0xFF;
            int filter = (value >>> 24) & 3;
            int mask = switch (filter) {
                case 0 -> list;
                case 1 -> ((1 << cpus) - 1) & ~(1 << source);
                case 2 -> 1 << source;
                default -> 0;
            };
            if (filter == 3) {
                log.report("GICD_SGIR with reserved target filter 3 ignored");
            }
            for (int t = 0; t < cpus; t++) {
                if ((mask & (1 << t)) != 0) {
                    sendSgi(source, t, sgi);
                }
            }
        }

        /** IPRIORITYR and ITARGETSR: byte-accessible, so any access is a run of byte registers. */
        private long readBytes(long offset, int size, int cpu) {
            long value = 0;
            for (int i = 0; i < size; i++) {
                long o = offset + i;
                int intid = (int) (o & 0x3FF);
                int b = o < 0x800 ? readPriority(cpu, intid) : readTarget(cpu, intid);
                value |= (long) b << (8 * i);
            }
            return value;
        }

        private void writeBytes(long offset, int size, long value, int cpu) {
            for (int i = 0; i < size; i++) {
                long o = offset + i;
                int intid = (int) (o & 0x3FF);
                int b = (int) (value >>> (8 * i)) & 0xFF;
                if (o < 0x800) {
                    writePriority(cpu, intid, b);
                } else {
                    writeTarget(intid, b);
                }
            }
        }
    }

    private synchronized int readTarget(int cpu, int intid) {
        if (intid < BANKED) {
            return cpus == 1 ? 0 : 1 << cpu; // the banked targets name the reading CPU
        }
        return intid < lines && cpus > 1 ? targets[intid - BANKED] : 0;
    }

    private synchronized void writeTarget(int intid, int value) {
        if (intid >= BANKED && intid < lines && cpus > 1) {
            targets[intid - BANKED] = value & ((1 << cpus) - 1);
            updatePins();
        }
    }

    private final class CpuInterfaceWindow implements BusDevice {
        @Override
        public long read(int vcpu, long offset, int size) {
            if (size != 4 || (offset & 3) != 0) {
                log.report("CPU interface: " + size + "-byte read at " + Hex.of(offset) + " is not a word access");
                return 0;
            }
            int cpu = cpu(vcpu);
            int value = switch ((int) offset) {
                case 0x00 -> readCpuInterface(cpu, ci -> (ci.group0Enabled ? 1 : 0) | (ci.group1Enabled ? 2 : 0)
                        | (ci.splitEoi ? 1 << 9 : 0));
                case 0x04 -> readCpuInterface(cpu, ci -> ci.priorityMask);
                case 0x08 -> readCpuInterface(cpu, ci -> ci.binaryPoint0);
                case 0x0C -> acknowledge(cpu);
                case 0x14 -> runningPriority(cpu);
                case 0x18 -> highestPendingId(cpu);
                case 0x1C -> readCpuInterface(cpu, ci -> ci.binaryPoint1);
                case 0xD0 -> activePriorities(cpu);
                case 0xFC -> CPU_IIDR;
                default -> 0;
            };
            return Integer.toUnsignedLong(value);
        }

        @Override
        public void write(int vcpu, long offset, int size, long value) {
            if (size != 4 || (offset & 3) != 0) {
                log.report("CPU interface: " + size + "-byte write at " + Hex.of(offset) + " is not a word access");
                return;
            }
            int cpu = cpu(vcpu);
            int v = (int) value;
            switch ((int) offset) {
                case 0x00 -> updateCpuInterface(cpu, ci -> {
                    ci.group0Enabled = (v & 1) != 0;
                    ci.group1Enabled = (v & 2) != 0;
                    ci.splitEoi = (v & (1 << 9)) != 0;
                });
                case 0x04 -> updateCpuInterface(cpu, ci -> ci.priorityMask = v & PRIORITY_MASK);
                case 0x08 -> updateCpuInterface(cpu, ci -> ci.binaryPoint0 = Math.max(2, v & 7));
                case 0x10 -> endOfInterrupt(cpu, v & 0x3FF);
                case 0x1C -> updateCpuInterface(cpu, ci -> ci.binaryPoint1 = Math.max(3, v & 7));
                case 0xD0 -> setActivePriorities(cpu, v);
                // GICC_APR1-3 exist only for more than 32 priority levels: RAZ/WI here, as Linux writes all four
                case 0xD4, 0xD8, 0xDC -> { }
                case 0x1000 -> deactivate(cpu, v & 0x3FF);
                default -> log.report("CPU interface: write of " + Hex.of(value) + " to read-only or reserved "
                        + Hex.of(offset) + " ignored");
            }
        }
    }
}
