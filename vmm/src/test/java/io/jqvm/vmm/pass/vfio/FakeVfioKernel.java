package io.jqvm.vmm.pass.vfio;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The VFIO kernel interface faked after linux/vfio.h and the vfio-pci driver, so that what passes here is what the
 * kernel accepts: descriptors checked as the kernel does (a group joins a container before the IOMMU is set, a
 * device comes from a viable group of a container with an IOMMU, DMA needs the IOMMU and may not overlap a
 * mapping), VFIO_DEVICE_SET_IRQS checked as vfio-pci checks it (one interrupt type at a time; INTx one vector at
 * start 0; unmask only while INTx is the type; disabling a type that is not on is EINVAL; vectors within the
 * count), mmap only of a region that says it may be, and every call recorded in order.
 *
 * <p>One simulated PCI device: {@value #NAME} in group {@value #GROUP}, its configuration space at region 7
 * (offset 7 &lt;&lt; 40, as vfio-pci places regions), a 4 KiB register BAR 0, a 16 KiB 64-bit BAR 2 holding the
 * MSI-X table (4 vectors, offset 0) and pending bits (0x800), an I/O BAR 4 of 32 ports, capabilities power
 * management (0x40) -&gt; MSI (0x50) -&gt; PCIe (0x70) -&gt; MSI-X (0xb0) -&gt; vendor-specific (0xc0). Its memory BARs
 * are one piece of shared memory whether reached by pread/pwrite or by mmap, as a device's registers are. It
 * raises INTx as vfio-pci does (signal the trigger eventfd, then masked until the unmask eventfd is signalled) and
 * MSI-X vectors by signalling their eventfds.
 */
public final class FakeVfioKernel implements VfioKernel {
    public static final String NAME = "0000:01:00.0";
    public static final int GROUP = 7;
    public static final int VENDOR = 0x8086;
    public static final int DEVICE = 0x10d3;
    static final long HOST_BAR0 = 0xfeb0_0000L;
    static final long HOST_BAR2 = 0xf_e000_0000L;
    public static final int MSIX_VECTORS = 4;
    private static final int EINVAL = 22;
    private static final int EEXIST = 17;
    private static final int NO_IRQ = -1;

    public final List<String> calls = new ArrayList<>();
    /** Configuration writes that reached the device: offset, size, value. */
    final List<long[]> configWrites = new ArrayList<>();
    final byte[] config = new byte[256];
    public final MemorySegment bar0 = Arena.ofAuto().allocate(4096, 4096);
    public final MemorySegment bar2 = Arena.ofAuto().allocate(16384, 4096);
    final byte[] ports = new byte[32];
    /** DMA mappings: IOVA to size. */
    public final TreeMap<Long, Long> dma = new TreeMap<>();
    public boolean viable = true;
    /** The locked-memory limit VFIO_IOMMU_MAP_DMA pins guest memory against (RLIMIT_MEMLOCK). */
    long memlock = Long.MAX_VALUE;
    /** Whether VFIO offers the device's INTx (it does not when the host cannot mask the line, say). */
    boolean intx = true;
    boolean iommu = true;
    public int resets;

    private int nextFd = 100;
    private final Map<Integer, String> open = new HashMap<>();
    private final Set<Integer> groupsInContainer = new HashSet<>();
    private boolean iommuSet;
    // Set by the VMM's calls, read by the thread that plays the device.
    private volatile int irqType = NO_IRQ;
    private volatile int intxTrigger = -1;
    private volatile int intxUnmask = -1;
    private volatile boolean intxMasked;
    private volatile int[] msixFds = new int[0];
    private final List<MemorySegment> mapped = new ArrayList<>();
    private final int[] forwarded = new int[PCI_CONFIG_REGION + 1];

    public FakeVfioKernel() {
        put(0x00, 2, VENDOR);
        put(0x02, 2, DEVICE);
        put(0x04, 2, 0x0406); // memory decode, bus master... and SERR, as the host left it
        put(0x06, 2, 0x0010); // capability list
        put(0x08, 1, 3);
        put(0x09, 3, 0x020000); // Ethernet controller
        put(0x0e, 1, 0);
        put(0x10, 4, HOST_BAR0);
        put(0x18, 4, (HOST_BAR2 & 0xffff_fff0L) | 4 | 8); // 64-bit prefetchable
        put(0x1c, 4, HOST_BAR2 >>> 32);
        put(0x20, 4, 0xe000 | 1); // I/O
        put(0x2c, 2, 0x8086);
        put(0x2e, 2, 0xa01f);
        put(0x34, 1, 0x40);
        put(0x3c, 1, 11);
        put(0x3d, 1, 1);
        capability(0x40, 0x01, 0x50);
        capability(0x50, 0x05, 0x70);
        capability(0x70, 0x10, 0xb0);
        capability(0xb0, 0x11, 0xc0);
        put(0xb2, 2, MSIX_VECTORS - 1);
        put(0xb4, 4, 2); // table in BAR 2 at 0
        put(0xb8, 4, 0x800 | 2); // PBA in BAR 2 at 0x800
        capability(0xc0, 0x09, 0);
    }

    private void capability(int at, int id, int next) {
        put(at, 1, id);
        put(at + 1, 1, next);
    }

    void put(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            config[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    long get(byte[] bytes, int offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = v << 8 | bytes[offset + i] & 0xff;
        }
        return v;
    }

    static long regionOffset(int index) {
        return (long) index << 40;
    }

    private int fd(String what) {
        int fd = nextFd++;
        open.put(fd, what);
        return fd;
    }

    private void expect(int fd, String what) {
        if (!what.equals(open.get(fd))) {
            throw new HostException("fake VFIO: descriptor " + fd + " is not a " + what, 9 /* EBADF */);
        }
    }

    /** Descriptors still open (none after a clean close). */
    public Map<Integer, String> openDescriptors() {
        return open;
    }

    /** Mappings of the device file not yet unmapped. */
    public List<MemorySegment> mappings() {
        return mapped;
    }

    // The simulated device's interrupts.

    /**
     * The device raises INTx: vfio-pci signals the trigger eventfd and masks the line until unmasked.
     *
     * @return whether the interrupt was signalled (INTx on and not masked)
     */
    public boolean raiseIntx() {
        if (irqType != PCI_INTX_IRQ || intxMasked) {
            return false;
        }
        intxMasked = true;
        signal(intxTrigger);
        return true;
    }

    /** What vfio-pci's unmask virqfd does: a signal on the unmask eventfd unmasks INTx. */
    public boolean serviceUnmask() {
        if (irqType != PCI_INTX_IRQ || intxUnmask < 0 || read(intxUnmask) == 0) {
            return false;
        }
        intxMasked = false;
        return true;
    }

    /** The device signals MSI-X vector {@code vector}; false when MSI-X is off or the vector has no eventfd. */
    public boolean raiseMsix(int vector) {
        if (irqType != PCI_MSIX_IRQ || vector >= msixFds.length || msixFds[vector] < 0) {
            return false;
        }
        signal(msixFds[vector]);
        return true;
    }

    public int irqType() {
        return irqType;
    }

    private static void signal(int eventfd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            Libc.write(eventfd, one, 8);
        }
    }

    private static long read(int eventfd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(8);
            return Libc.read(eventfd, value, 8) == 8 ? value.get(ValueLayout.JAVA_LONG, 0) : 0;
        }
    }

    // The kernel interface.

    @Override
    public int openContainer() {
        calls.add("open /dev/vfio/vfio");
        return fd("container");
    }

    @Override
    public int apiVersion(int container) {
        expect(container, "container");
        calls.add("VFIO_GET_API_VERSION");
        return API_VERSION;
    }

    @Override
    public boolean checkExtension(int container, int extension) {
        expect(container, "container");
        calls.add("VFIO_CHECK_EXTENSION " + extension);
        return iommu && (extension == TYPE1_IOMMU || extension == TYPE1V2_IOMMU);
    }

    @Override
    public int openGroup(int group) {
        calls.add("open /dev/vfio/" + group);
        if (group != GROUP) {
            throw new HostException("open(/dev/vfio/" + group + ")", 2 /* ENOENT */);
        }
        return fd("group");
    }

    @Override
    public int groupFlags(int group) {
        expect(group, "group");
        calls.add("VFIO_GROUP_GET_STATUS");
        return viable ? GROUP_VIABLE : 0;
    }

    @Override
    public void setContainer(int group, int container) {
        expect(group, "group");
        expect(container, "container");
        calls.add("VFIO_GROUP_SET_CONTAINER");
        if (!viable) {
            throw new HostException("VFIO_GROUP_SET_CONTAINER", Libc.EPERM);
        }
        groupsInContainer.add(group);
    }

    @Override
    public void unsetContainer(int group) {
        expect(group, "group");
        calls.add("VFIO_GROUP_UNSET_CONTAINER");
        groupsInContainer.remove(group);
    }

    @Override
    public void setIommu(int container, int type) {
        expect(container, "container");
        calls.add("VFIO_SET_IOMMU " + type);
        if (groupsInContainer.isEmpty()) {
            throw new HostException("VFIO_SET_IOMMU (no group in the container)", EINVAL);
        }
        iommuSet = true;
    }

    @Override
    public int deviceFd(int group, String name) {
        expect(group, "group");
        calls.add("VFIO_GROUP_GET_DEVICE_FD " + name);
        if (!iommuSet || !groupsInContainer.contains(group) || !name.equals(NAME)) {
            throw new HostException("VFIO_GROUP_GET_DEVICE_FD(" + name + ")", EINVAL);
        }
        return fd("device");
    }

    @Override
    public DeviceInfo deviceInfo(int device) {
        expect(device, "device");
        calls.add("VFIO_DEVICE_GET_INFO");
        return new DeviceInfo(DEVICE_PCI | DEVICE_RESET, 9, 5);
    }

    @Override
    public RegionInfo regionInfo(int device, int index) {
        expect(device, "device");
        calls.add("VFIO_DEVICE_GET_REGION_INFO " + index);
        int rw = REGION_READ | REGION_WRITE;
        long size = switch (index) {
            case 0 -> bar0.byteSize();
            case 2 -> bar2.byteSize();
            case 4 -> ports.length;
            case 7 -> config.length;
            default -> 0;
        };
        int flags = size == 0 ? 0 : index == 0 || index == 2 ? rw | REGION_MMAP : rw;
        return new RegionInfo(index, flags, size, regionOffset(index));
    }

    @Override
    public IrqInfo irqInfo(int device, int index) {
        expect(device, "device");
        calls.add("VFIO_DEVICE_GET_IRQ_INFO " + index);
        return new IrqInfo(index, 1, irqCount(index));
    }

    private int irqCount(int index) {
        return switch (index) {
            case PCI_INTX_IRQ -> intx ? 1 : 0;
            case PCI_MSI_IRQ -> 1;
            case PCI_MSIX_IRQ -> MSIX_VECTORS;
            default -> 0;
        };
    }

    @Override
    public void setIrqEventfds(int device, int index, int start, int[] fds) {
        expect(device, "device");
        calls.add("VFIO_DEVICE_SET_IRQS " + index + " trigger " + start + "+" + fds.length);
        if (fds.length == 0 || start + fds.length > irqCount(index) || (irqType != NO_IRQ && irqType != index)
                || (index == PCI_INTX_IRQ && (start != 0 || fds.length != 1)) || index == PCI_MSI_IRQ) {
            throw new HostException("VFIO_DEVICE_SET_IRQS(" + index + ")", EINVAL);
        }
        irqType = index;
        if (index == PCI_INTX_IRQ) {
            intxTrigger = fds[0];
            intxMasked = false;
        } else {
            msixFds = fds.clone();
        }
    }

    @Override
    public void setIrqUnmaskEventfd(int device, int index, int fd) {
        expect(device, "device");
        calls.add("VFIO_DEVICE_SET_IRQS " + index + " unmask");
        if (index != PCI_INTX_IRQ || irqType != PCI_INTX_IRQ) {
            throw new HostException("VFIO_DEVICE_SET_IRQS(" + index + ", unmask)", EINVAL);
        }
        intxUnmask = fd;
    }

    @Override
    public void disableIrqs(int device, int index) {
        expect(device, "device");
        calls.add("VFIO_DEVICE_SET_IRQS " + index + " off");
        if (irqType != index) {
            throw new HostException("VFIO_DEVICE_SET_IRQS(" + index + ", off)", EINVAL);
        }
        irqType = NO_IRQ;
        intxTrigger = -1;
        intxUnmask = -1;
        msixFds = new int[0];
    }

    @Override
    public void reset(int device) {
        expect(device, "device");
        calls.add("VFIO_DEVICE_RESET");
        resets++;
    }

    @Override
    public void mapDma(int container, long iova, MemorySegment host, boolean writable) {
        expect(container, "container");
        calls.add("VFIO_IOMMU_MAP_DMA " + Long.toHexString(iova) + "+" + Long.toHexString(host.byteSize()) + (writable ? " rw" : " r"));
        if (!iommuSet) {
            throw new HostException("VFIO_IOMMU_MAP_DMA", EINVAL);
        }
        if (dma.values().stream().mapToLong(Long::longValue).sum() + host.byteSize() > memlock) {
            throw new HostException("VFIO_IOMMU_MAP_DMA", 12 /* ENOMEM: past RLIMIT_MEMLOCK */);
        }
        var below = dma.floorEntry(iova + host.byteSize() - 1);
        if (below != null && below.getKey() + below.getValue() > iova) {
            throw new HostException("VFIO_IOMMU_MAP_DMA", EEXIST);
        }
        dma.put(iova, host.byteSize());
    }

    @Override
    public void unmapDma(int container, long iova, long size) {
        expect(container, "container");
        calls.add("VFIO_IOMMU_UNMAP_DMA " + Long.toHexString(iova) + "+" + Long.toHexString(size));
        Long mappedSize = dma.get(iova);
        if (mappedSize == null || mappedSize != size) {
            throw new HostException("VFIO_IOMMU_UNMAP_DMA", EINVAL);
        }
        dma.remove(iova);
    }

    @Override
    public MemorySegment mmap(int device, long offset, long size, boolean writable) {
        expect(device, "device");
        calls.add("mmap " + (offset >>> 40) + "+" + Long.toHexString(offset & 0xff_ffff_ffffL) + " " + Long.toHexString(size));
        int index = (int) (offset >>> 40);
        long at = offset & 0xff_ffff_ffffL;
        MemorySegment bar = index == 0 ? bar0 : index == 2 ? bar2 : null;
        if (bar == null || at % 4096 != 0 || at + size > bar.byteSize()) {
            throw new HostException("mmap of region " + index, EINVAL);
        }
        MemorySegment m = bar.asSlice(at, size);
        mapped.add(m);
        return m;
    }

    @Override
    public void munmap(MemorySegment mapping) {
        calls.add("munmap " + Long.toHexString(mapping.byteSize()));
        if (!mapped.remove(mapping)) {
            throw new HostException("munmap", EINVAL);
        }
    }

    /** How many pread/pwrite calls reached region {@code index} (a mapped BAR's accesses never do). */
    public int forwarded(int index) {
        return forwarded[index];
    }

    @Override
    public long read(int device, long offset, int size) {
        expect(device, "device");
        int index = (int) (offset >>> 40);
        count(index);
        int at = (int) (offset & 0xff_ffff_ffffL);
        return switch (index) {
            case PCI_CONFIG_REGION -> at + size <= config.length ? get(config, at, size) : fail(offset);
            case 0, 2 -> {
                MemorySegment bar = index == 0 ? bar0 : bar2;
                if (at + size > bar.byteSize()) {
                    yield fail(offset);
                }
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = v << 8 | bar.get(ValueLayout.JAVA_BYTE, at + i) & 0xff;
                }
                yield v;
            }
            case 4 -> at + size <= ports.length ? get(ports, at, size) : fail(offset);
            default -> fail(offset);
        };
    }

    private long fail(long offset) {
        throw new HostException("pread/pwrite at " + Long.toHexString(offset), EINVAL);
    }

    private void count(int index) {
        if (index >= 0 && index < forwarded.length) {
            forwarded[index]++;
        }
    }

    @Override
    public void write(int device, long offset, int size, long value) {
        expect(device, "device");
        int index = (int) (offset >>> 40);
        count(index);
        int at = (int) (offset & 0xff_ffff_ffffL);
        switch (index) {
            case PCI_CONFIG_REGION -> {
                if (at + size > config.length) {
                    fail(offset);
                }
                configWrites.add(new long[] {at, size, value});
                put(at, size, value);
            }
            case 0, 2 -> {
                MemorySegment bar = index == 0 ? bar0 : bar2;
                if (at + size > bar.byteSize()) {
                    fail(offset);
                }
                for (int i = 0; i < size; i++) {
                    bar.set(ValueLayout.JAVA_BYTE, at + i, (byte) (value >>> (8 * i)));
                }
            }
            case 4 -> {
                if (at + size > ports.length) {
                    fail(offset);
                }
                for (int i = 0; i < size; i++) {
                    ports[at + i] = (byte) (value >>> (8 * i));
                }
            }
            default -> fail(offset);
        }
    }

    @Override
    public void close(int fd) {
        String what = open.remove(fd);
        calls.add("close " + what);
        if (what == null) {
            throw new HostException("close(" + fd + ")", 9);
        }
        if (what.equals("device")) {
            irqType = NO_IRQ; // releasing the device turns its interrupts off
        }
    }
}
