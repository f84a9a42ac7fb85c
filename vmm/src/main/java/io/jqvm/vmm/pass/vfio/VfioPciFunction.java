package io.jqvm.vmm.pass.vfio;

import io.jqvm.common.Log;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.GuestMappings;
import io.jqvm.device.MsiController;
import io.jqvm.device.pci.MsixCapability;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.device.pci.PciFunction;
import io.jqvm.host.HostException;
import io.jqvm.vmm.pass.HostInterrupt;
import io.jqvm.vmm.pass.PassThroughException;
import java.util.ArrayList;
import java.util.List;

/**
 * A VFIO device as a function on jqvm's PCI bus, its configuration space virtualised: the identity and INTx pin
 * are the device's (no pin when VFIO offers no INTx); the BARs are declared with the device's sizes and types but hold the guest's addresses (the
 * device keeps the host's); the command register's decode, bus-master and INTx-disable bits reach the device,
 * nothing else of the guest's writes does; of the capabilities only MSI-X is shown (emulated, its table in the
 * BAR the device names), the others (power management, PCIe, vendor-specific) are hidden, as their registers would
 * let a guest put the host's device in states the host does not expect. BARs the kernel lets a process mmap are
 * mapped into guest-physical space where the guest places them ({@link VfioBarMaps}); other BAR accesses, but for
 * the emulated MSI-X table and pending bits, go to the device's region through the device file. The device's
 * interrupts reach the guest through eventfds ({@link VfioInterrupts}).
 */
public final class VfioPciFunction implements PciFunction, AutoCloseable {
    /** The command bits a guest controls on the real device. */
    static final int PASSED_COMMAND_BITS = PciConfigSpace.COMMAND_IO | PciConfigSpace.COMMAND_MEMORY
            | PciConfigSpace.COMMAND_BUS_MASTER | PciConfigSpace.COMMAND_INTX_DISABLE;
    /** A capability list longer than this is a loop (48 = 192 bytes of 4-byte capabilities). */
    private static final int MAX_CAPABILITIES = 48;
    private static final int STATUS_CAPABILITIES = 1 << 4;
    private static final int CAP_MSIX = MsixCapability.CAPABILITY_ID;

    private final VfioPciDevice device;
    private final VfioKernel kernel;
    private final long configBase;
    private final PciConfigSpace config;
    private final MsixCapability msix;
    private final int msixTableBar;
    private final long msixTableOffset;
    private final int msixPbaBar;
    private final long msixPbaOffset;
    private final int msixControl; // offset of the emulated capability's control word, or -1
    private final VfioBarMaps bars;
    private final VfioInterrupts interrupts;
    /** The host refusing a forwarded access (a device gone, say): the guest reads all ones, the log says why. */
    private final GuestAccessLog hostErrors;
    private boolean closed;

    /**
     * @param msi        the board's MSI controller, or null (then MSI-X is hidden and the device uses INTx)
     * @param threadName the name of the thread that relays MSI-X vectors
     */
    public VfioPciFunction(VfioPciDevice device, MsiController msi, String threadName) {
        this.device = device;
        this.kernel = device.kernel();
        this.configBase = device.region(VfioKernel.PCI_CONFIG_REGION).offset();
        this.hostErrors = new GuestAccessLog(device.name());
        int headerType = (int) real(PciConfigSpace.HEADER_TYPE, 1) & 0x7f;
        if (headerType != 0) {
            throw new PassThroughException(device.name() + " has configuration header type " + headerType
                    + " (a bridge): only endpoints can be passed through");
        }
        int pin = (int) real(PciConfigSpace.INTERRUPT_PIN, 1);
        config = new PciConfigSpace((int) real(PciConfigSpace.VENDOR_ID, 2), (int) real(PciConfigSpace.DEVICE_ID, 2),
                (int) real(PciConfigSpace.CLASS_CODE, 3), (int) real(PciConfigSpace.REVISION_ID, 1),
                (int) real(PciConfigSpace.SUBSYSTEM_VENDOR_ID, 2), (int) real(PciConfigSpace.SUBSYSTEM_ID, 2),
                pin <= 4 ? pin : 0);
        declareBars();
        int msixAt = findCapability(CAP_MSIX);
        MsixCapability made = null;
        int tableBar = -1;
        int pbaBar = -1;
        long tableOffset = 0;
        long pbaOffset = 0;
        VfioKernel.IrqInfo msixIrq = device.irq(VfioKernel.PCI_MSIX_IRQ);
        if (msixAt >= 0 && msi != null && msixIrq != null && msixIrq.count() > 0) {
            int vectors = ((int) real(msixAt + 2, 2) & 0x7ff) + 1;
            long table = real(msixAt + 4, 4);
            long pba = real(msixAt + 8, 4);
            tableBar = (int) (table & 7);
            pbaBar = (int) (pba & 7);
            tableOffset = table & ~7L;
            pbaOffset = pba & ~7L;
            if (inMemoryBar(tableBar, tableOffset, MsixCapability.tableBytes(vectors))
                    && inMemoryBar(pbaBar, pbaOffset, MsixCapability.pbaBytes(vectors))) {
                made = new MsixCapability(config, vectors, tableBar, (int) tableOffset, pbaBar, (int) pbaOffset, msi);
            } else {
                Log.warn(device.name() + ": its MSI-X table or pending bits lie outside its BARs; MSI-X hidden");
            }
        }
        msix = made;
        msixTableBar = tableBar;
        msixTableOffset = tableOffset;
        msixPbaBar = pbaBar;
        msixPbaOffset = pbaOffset;
        msixControl = made == null ? -1 : (int) config.get(PciConfigSpace.CAPABILITIES_POINTER, 1) + 2;
        bars = new VfioBarMaps(device, config, trappedRanges());
        try {
            interrupts = new VfioInterrupts(device, pin != 0 && pin <= 4, threadName);
        } catch (RuntimeException e) {
            bars.close();
            throw e;
        }
        if (interrupts.intx() == null) {
            config.set(PciConfigSpace.INTERRUPT_PIN, 1, 0); // VFIO offers no INTx: the guest must not wait for one
        }
    }

    /** Per BAR, the ranges jqvm emulates and so must trap: the MSI-X table and pending bits. */
    private List<List<long[]>> trappedRanges() {
        List<List<long[]>> trapped = new ArrayList<>();
        for (int i = 0; i < PciConfigSpace.BARS; i++) {
            trapped.add(new ArrayList<>());
        }
        if (msix != null) {
            trapped.get(msixTableBar).add(new long[] {msixTableOffset, MsixCapability.tableBytes(msix.vectorCount())});
            trapped.get(msixPbaBar).add(new long[] {msixPbaOffset, MsixCapability.pbaBytes(msix.vectorCount())});
        }
        return trapped;
    }

    /** The device's own configuration bytes (the host's BAR addresses included), through the VFIO region. */
    private long real(int offset, int size) {
        return kernel.read(device.fd(), configBase + offset, size);
    }

    private void declareBars() {
        for (int i = 0; i < PciConfigSpace.BARS; i++) {
            long size = device.region(i).size();
            if (size == 0) {
                continue;
            }
            int low = (int) real(PciConfigSpace.BAR0 + 4 * i, 4);
            PciConfigSpace.BarKind kind = (low & 1) != 0 ? PciConfigSpace.BarKind.IO
                    : ((low >>> 1) & 3) == 2 ? PciConfigSpace.BarKind.MEMORY64 : PciConfigSpace.BarKind.MEMORY32;
            boolean prefetchable = kind != PciConfigSpace.BarKind.IO && (low & 8) != 0;
            try {
                config.setBar(i, new PciConfigSpace.Bar(kind, size, prefetchable));
            } catch (IllegalArgumentException e) {
                throw new PassThroughException(device.name() + ": BAR " + i + " as VFIO reports it: " + e.getMessage());
            }
            if (kind == PciConfigSpace.BarKind.MEMORY64) {
                i++;
            }
        }
    }

    /** The offset of the device's capability {@code id}, or -1; a malformed list ends the search. */
    private int findCapability(int id) {
        if ((real(PciConfigSpace.STATUS, 2) & STATUS_CAPABILITIES) == 0) {
            return -1;
        }
        int at = (int) real(PciConfigSpace.CAPABILITIES_POINTER, 1) & 0xfc;
        for (int hops = 0; hops < MAX_CAPABILITIES && at >= 0x40 && at <= PciConfigSpace.SIZE - 4; hops++) {
            if (real(at, 1) == id) {
                return at;
            }
            at = (int) real(at + 1, 1) & 0xfc;
        }
        return -1;
    }

    private boolean inMemoryBar(int bar, long offset, long length) {
        PciConfigSpace.Bar b = bar < PciConfigSpace.BARS ? config.bar(bar) : null;
        return b != null && b.kind() != PciConfigSpace.BarKind.IO && offset + length <= b.size();
    }

    @Override
    public PciConfigSpace config() {
        return config;
    }

    /** The emulated MSI-X capability, or null. */
    public MsixCapability msix() {
        return msix;
    }

    /** The device's INTx as a host interrupt source for the guest's INTA# line, or null when it has none. */
    public HostInterrupt intx() {
        return interrupts.intx();
    }

    /** Once the VM runs: the mmap-able BARs go where the guest placed them, and follow it. */
    public synchronized void attach(GuestMappings mappings) {
        bars.attach(mappings, config);
    }

    /** Where BAR {@code bar} is mapped into guest-physical space, or -1 (unmapped, or trapped). */
    public synchronized long barMappedAt(int bar) {
        return bars.mappedAt(bar);
    }

    @Override
    public void configWritten(int offset, int size) {
        if (offset < PciConfigSpace.COMMAND + 2 && offset + size > PciConfigSpace.COMMAND) {
            int command = config.command() & PASSED_COMMAND_BITS;
            try {
                long host = real(PciConfigSpace.COMMAND, 2);
                kernel.write(device.fd(), configBase + PciConfigSpace.COMMAND, 2, (host & ~PASSED_COMMAND_BITS) | command);
            } catch (HostException e) {
                hostErrors.report("command register: " + e.getMessage());
            }
        }
        if (msix != null && offset < msixControl + 2 && offset + size > msixControl) {
            msix.configWritten();
            interrupts.msixEnabled(msix, msix.enabled());
        }
        bars.sync(config);
    }

    @Override
    public long readBar(int vcpu, int bar, long offset, int size) {
        if (msix != null && bar == msixTableBar && within(offset, size, msixTableOffset, MsixCapability.tableBytes(msix.vectorCount()))) {
            return msix.readTable(offset - msixTableOffset, size);
        }
        if (msix != null && bar == msixPbaBar && within(offset, size, msixPbaOffset, MsixCapability.pbaBytes(msix.vectorCount()))) {
            return msix.readPba(offset - msixPbaOffset, size);
        }
        VfioKernel.RegionInfo region = device.region(bar);
        if (offset < 0 || offset + size > region.size() || (region.flags() & VfioKernel.REGION_READ) == 0) {
            return size == 8 ? -1L : (1L << (8 * size)) - 1;
        }
        try {
            return kernel.read(device.fd(), region.offset() + offset, size);
        } catch (HostException e) {
            hostErrors.report("BAR " + bar + " read: " + e.getMessage());
            return size == 8 ? -1L : (1L << (8 * size)) - 1;
        }
    }

    @Override
    public void writeBar(int vcpu, int bar, long offset, int size, long value) {
        if (msix != null && bar == msixTableBar && within(offset, size, msixTableOffset, MsixCapability.tableBytes(msix.vectorCount()))) {
            msix.writeTable(offset - msixTableOffset, size, value);
            return;
        }
        if (msix != null && bar == msixPbaBar && within(offset, size, msixPbaOffset, MsixCapability.pbaBytes(msix.vectorCount()))) {
            return; // the pending bits are read-only
        }
        VfioKernel.RegionInfo region = device.region(bar);
        if (offset < 0 || offset + size > region.size() || (region.flags() & VfioKernel.REGION_WRITE) == 0) {
            return;
        }
        try {
            kernel.write(device.fd(), region.offset() + offset, size, value);
        } catch (HostException e) {
            hostErrors.report("BAR " + bar + " write: " + e.getMessage());
        }
    }

    private static boolean within(long offset, int size, long start, long length) {
        return offset >= start && offset + size <= start + length;
    }

    /** Turns the device's interrupts off and undoes the BAR mappings (once: closing again does nothing). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        interrupts.close();
        bars.close();
    }
}
