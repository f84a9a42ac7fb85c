package io.jqvm.device.pci;

import io.jqvm.common.Ranges;
import io.jqvm.device.BusDevice;
import io.jqvm.device.GuestAccessLog;
import java.util.ArrayList;
import java.util.List;

/**
 * PCI bus 0 behind a host bridge: up to 32 devices of 8 functions, their configuration spaces reached through
 * ECAM ({@link #ecam}, PCIe 5.0 §7.2.2) or configuration mechanism #1 ({@link #configPorts}, ports 0xCF8-0xCFF),
 * and the windows in which the BARs the guest placed answer ({@link #memoryWindow}, {@link #ioWindow}).
 *
 * <p>A BAR decodes only while its function's command register enables its space, as on hardware. The decode
 * table is rebuilt after each configuration write and published as one array, so an access in a window looks
 * it up without a lock. Functions on other buses do not exist: their reads return all ones.
 */
public final class PciBus {
    public static final int DEVICES = 32;
    public static final int FUNCTIONS = 8;
    /** ECAM decodes 4 KiB per function: bus << 20 | device << 15 | function << 12 | register. */
    public static final long ECAM_BYTES_PER_BUS = 1L << 20;

    /** One BAR as the guest placed it. */
    private record Decode(long base, long size, PciFunction function, int bar) {
    }

    private static final Decode[] NONE = new Decode[0];

    private final PciFunction[] functions = new PciFunction[DEVICES * FUNCTIONS];
    private final GuestAccessLog accessLog = new GuestAccessLog("PCI host bridge");
    private volatile Decode[] memoryDecode = NONE;
    private volatile Decode[] ioDecode = NONE;
    private int configAddress; // mechanism #1's 0xCF8 latch

    /** Puts {@code function} at {@code 0:device.fn}; the slot must be free. */
    public synchronized void add(int device, int fn, PciFunction function) {
        int devfn = devfn(device, fn);
        if (functions[devfn] != null) {
            throw new IllegalArgumentException("pci:0:" + device + "." + fn + " is taken");
        }
        functions[devfn] = function;
        // Function 0 says whether its device has others (header type bit 7), as Linux probes functions 1-7 only then.
        PciFunction first = functions[devfn(device, 0)];
        if (first != null && hasOtherFunctions(device)) {
            PciConfigSpace c = first.config();
            c.set(PciConfigSpace.HEADER_TYPE, 1, c.get(PciConfigSpace.HEADER_TYPE, 1) | 0x80);
        }
    }

    private boolean hasOtherFunctions(int device) {
        for (int f = 1; f < FUNCTIONS; f++) {
            if (functions[devfn(device, f)] != null) {
                return true;
            }
        }
        return false;
    }

    public synchronized boolean occupied(int device, int fn) {
        return functions[devfn(device, fn)] != null;
    }

    /** The function at {@code 0:device.fn}, or null. */
    public synchronized PciFunction function(int device, int fn) {
        return functions[devfn(device, fn)];
    }

    private static int devfn(int device, int fn) {
        if (device < 0 || device >= DEVICES || fn < 0 || fn >= FUNCTIONS) {
            throw new IllegalArgumentException("no PCI slot " + device + "." + fn);
        }
        return device * FUNCTIONS + fn;
    }

    /** A configuration read; an absent function or another bus reads as all ones (a master abort). */
    public long readConfig(int bus, int devfn, int offset, int size) {
        PciFunction f = bus == 0 ? lookup(devfn) : null;
        if (f == null) {
            return size >= 8 ? -1L : (1L << (8 * size)) - 1;
        }
        synchronized (f) {
            return f.config().read(offset, size);
        }
    }

    /** A configuration write; to an absent function it is dropped. */
    public void writeConfig(int bus, int devfn, int offset, int size, long value) {
        PciFunction f = bus == 0 ? lookup(devfn) : null;
        if (f == null) {
            return;
        }
        synchronized (f) {
            if (!f.config().write(offset, size, value)) {
                return;
            }
            f.configWritten(offset, size);
        }
        rebuildDecode();
    }

    private synchronized PciFunction lookup(int devfn) {
        return devfn >= 0 && devfn < functions.length ? functions[devfn] : null;
    }

    private synchronized void rebuildDecode() {
        List<Decode> memory = new ArrayList<>();
        List<Decode> io = new ArrayList<>();
        for (PciFunction f : functions) {
            if (f == null) {
                continue;
            }
            synchronized (f) {
                PciConfigSpace c = f.config();
                int command = c.command();
                for (int b = 0; b < PciConfigSpace.BARS; b++) {
                    PciConfigSpace.Bar bar = c.bar(b);
                    long base = c.barAddress(b);
                    if (bar == null || base == 0) {
                        continue;
                    }
                    boolean isIo = bar.kind() == PciConfigSpace.BarKind.IO;
                    if ((command & (isIo ? PciConfigSpace.COMMAND_IO : PciConfigSpace.COMMAND_MEMORY)) != 0) {
                        (isIo ? io : memory).add(new Decode(base, bar.size(), f, b));
                    }
                }
            }
        }
        memoryDecode = memory.toArray(NONE);
        ioDecode = io.toArray(NONE);
    }

    /** The ECAM region: its offset names bus, device, function and register. */
    public BusDevice ecam() {
        return new BusDevice() {
            @Override
            public long read(int vcpu, long offset, int size) {
                return readConfig((int) (offset >>> 20), (int) (offset >>> 12) & 0xff, (int) offset & 0xfff, size);
            }

            @Override
            public void write(int vcpu, long offset, int size, long value) {
                writeConfig((int) (offset >>> 20), (int) (offset >>> 12) & 0xff, (int) offset & 0xfff, size, value);
            }
        };
    }

    /**
     * Configuration mechanism #1 at ports 0xCF8-0xCFF: a 32-bit write to 0xCF8 latches enable (bit 31), bus,
     * device, function and dword register; 0xCFC-0xCFF then reach those bytes. Narrower accesses to 0xCF8 are
     * not the mechanism's (Linux probes with one and expects it ignored).
     */
    public BusDevice configPorts() {
        return new BusDevice() {
            @Override
            public long read(int vcpu, long offset, int size) {
                if (offset < 4) {
                    return offset == 0 && size == 4 ? Integer.toUnsignedLong(latchedAddress()) : (1L << (8 * size)) - 1;
                }
                int address = latchedAddress();
                if (address >= 0) {
                    return (1L << (8 * size)) - 1; // enable bit clear: no configuration cycle
                }
                return readConfig((address >>> 16) & 0xff, (address >>> 8) & 0xff, (address & 0xfc) + (int) offset - 4, size);
            }

            @Override
            public void write(int vcpu, long offset, int size, long value) {
                if (offset < 4) {
                    if (offset == 0 && size == 4) {
                        latch((int) value & 0x80ff_fffc);
                    }
                    return;
                }
                int address = latchedAddress();
                if (address < 0) {
                    writeConfig((address >>> 16) & 0xff, (address >>> 8) & 0xff, (address & 0xfc) + (int) offset - 4, size, value);
                }
            }
        };
    }

    private synchronized int latchedAddress() {
        return configAddress;
    }

    private synchronized void latch(int address) {
        configAddress = address;
    }

    /** The memory window starting at guest-physical {@code base}: BAR accesses inside it reach their functions. */
    public BusDevice memoryWindow(long base) {
        return window(base, true);
    }

    /** The I/O window starting at port (or, on arm64, the memory-mapped port space at) {@code base}. */
    public BusDevice ioWindow(long base) {
        return window(base, false);
    }

    private BusDevice window(long base, boolean memory) {
        return new BusDevice() {
            @Override
            public long read(int vcpu, long offset, int size) {
                long address = base + offset;
                Decode d = find(memory ? memoryDecode : ioDecode, address, size);
                if (d == null) {
                    return size >= 8 ? -1L : (1L << (8 * size)) - 1;
                }
                synchronized (d.function()) {
                    return d.function().readBar(vcpu, d.bar(), address - d.base(), size);
                }
            }

            @Override
            public void write(int vcpu, long offset, int size, long value) {
                long address = base + offset;
                Decode d = find(memory ? memoryDecode : ioDecode, address, size);
                if (d == null) {
                    accessLog.report((memory ? "memory" : "I/O") + " write at 0x" + Long.toHexString(address)
                            + ", which no BAR decodes");
                    return;
                }
                synchronized (d.function()) {
                    d.function().writeBar(vcpu, d.bar(), address - d.base(), size, value);
                }
            }
        };
    }

    private static Decode find(Decode[] decodes, long address, int size) {
        for (Decode d : decodes) {
            if (Ranges.contains(d.base(), d.size(), address, size)) {
                return d;
            }
        }
        return null;
    }
}
