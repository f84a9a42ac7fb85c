package io.jqvm.vmm.pass.vfio;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link VfioKernel} on Linux: the ioctls of linux/vfio.h through {@link Libc}. VFIO numbers its ioctls
 * {@code _IO(';', 100 + n)} and passes structs that begin with their own size ({@code argsz}).
 */
public final class LinuxVfioKernel implements VfioKernel {
    private static final int VFIO_TYPE = ';';
    static final long GET_API_VERSION = io(0);
    static final long CHECK_EXTENSION = io(1);
    static final long SET_IOMMU = io(2);
    static final long GROUP_GET_STATUS = io(3);
    static final long GROUP_SET_CONTAINER = io(4);
    static final long GROUP_UNSET_CONTAINER = io(5);
    static final long GROUP_GET_DEVICE_FD = io(6);
    static final long DEVICE_GET_INFO = io(7);
    static final long DEVICE_GET_REGION_INFO = io(8);
    static final long DEVICE_GET_IRQ_INFO = io(9);
    static final long DEVICE_SET_IRQS = io(10);
    static final long DEVICE_RESET = io(11);
    static final long IOMMU_MAP_DMA = io(13);
    static final long IOMMU_UNMAP_DMA = io(14);

    private static final int IRQ_SET_DATA_NONE = 1;
    private static final int IRQ_SET_DATA_EVENTFD = 1 << 2;
    private static final int IRQ_SET_ACTION_UNMASK = 1 << 4;
    private static final int IRQ_SET_ACTION_TRIGGER = 1 << 5;
    private static final int DMA_MAP_READ = 1;
    private static final int DMA_MAP_WRITE = 1 << 1;

    private static long io(int n) {
        return (VFIO_TYPE << 8) | (100 + n);
    }

    @Override
    public int openContainer() {
        return Libc.open("/dev/vfio/vfio", Libc.O_RDWR);
    }

    @Override
    public int apiVersion(int container) {
        return Libc.ioctl(container, GET_API_VERSION, 0, "VFIO_GET_API_VERSION");
    }

    @Override
    public boolean checkExtension(int container, int extension) {
        return Libc.ioctl(container, CHECK_EXTENSION, extension, "VFIO_CHECK_EXTENSION") > 0;
    }

    @Override
    public int openGroup(int group) {
        return Libc.open("/dev/vfio/" + group, Libc.O_RDWR);
    }

    @Override
    public int groupFlags(int group) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment status = a.allocate(8, 4);
            status.set(ValueLayout.JAVA_INT, 0, 8);
            Libc.ioctl(group, GROUP_GET_STATUS, status, "VFIO_GROUP_GET_STATUS");
            return status.get(ValueLayout.JAVA_INT, 4);
        }
    }

    @Override
    public void setContainer(int group, int container) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fd = a.allocate(ValueLayout.JAVA_INT);
            fd.set(ValueLayout.JAVA_INT, 0, container);
            Libc.ioctl(group, GROUP_SET_CONTAINER, fd, "VFIO_GROUP_SET_CONTAINER");
        }
    }

    @Override
    public void unsetContainer(int group) {
        Libc.ioctl(group, GROUP_UNSET_CONTAINER, 0, "VFIO_GROUP_UNSET_CONTAINER");
    }

    @Override
    public void setIommu(int container, int type) {
        Libc.ioctl(container, SET_IOMMU, type, "VFIO_SET_IOMMU");
    }

    @Override
    public int deviceFd(int group, String name) {
        try (Arena a = Arena.ofConfined()) {
            return Libc.ioctl(group, GROUP_GET_DEVICE_FD, a.allocateFrom(name), "VFIO_GROUP_GET_DEVICE_FD(" + name + ")");
        }
    }

    @Override
    public DeviceInfo deviceInfo(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = query(a, device, DEVICE_GET_INFO, 24, -1, "VFIO_DEVICE_GET_INFO");
            return new DeviceInfo(info.get(ValueLayout.JAVA_INT, 4), info.get(ValueLayout.JAVA_INT, 8),
                    info.get(ValueLayout.JAVA_INT, 12));
        }
    }

    @Override
    public RegionInfo regionInfo(int device, int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = query(a, device, DEVICE_GET_REGION_INFO, 32, index, "VFIO_DEVICE_GET_REGION_INFO(" + index + ")");
            return new RegionInfo(index, info.get(ValueLayout.JAVA_INT, 4), info.get(ValueLayout.JAVA_LONG, 16),
                    info.get(ValueLayout.JAVA_LONG, 24));
        }
    }

    @Override
    public IrqInfo irqInfo(int device, int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = query(a, device, DEVICE_GET_IRQ_INFO, 16, index, "VFIO_DEVICE_GET_IRQ_INFO(" + index + ")");
            return new IrqInfo(index, info.get(ValueLayout.JAVA_INT, 4), info.get(ValueLayout.JAVA_INT, 12));
        }
    }

    /**
     * The shape the three GET_*_INFO ioctls share: a struct of {@code argsz} bytes that starts with its size, then
     * the flags the kernel fills in, then (regions and interrupts) the index asked about at offset 8.
     *
     * @param index -1 for a struct without one (the device's)
     */
    private static MemorySegment query(Arena a, int fd, long request, int argsz, int index, String what) {
        MemorySegment info = a.allocate(argsz, 8);
        info.set(ValueLayout.JAVA_INT, 0, argsz);
        if (index >= 0) {
            info.set(ValueLayout.JAVA_INT, 8, index);
        }
        Libc.ioctl(fd, request, info, what);
        return info;
    }

    @Override
    public void setIrqEventfds(int device, int index, int start, int[] fds) {
        try (Arena a = Arena.ofConfined()) {
            int argsz = 20 + 4 * fds.length;
            MemorySegment set = a.allocate(argsz, 4);
            set.set(ValueLayout.JAVA_INT, 0, argsz);
            set.set(ValueLayout.JAVA_INT, 4, IRQ_SET_DATA_EVENTFD | IRQ_SET_ACTION_TRIGGER);
            set.set(ValueLayout.JAVA_INT, 8, index);
            set.set(ValueLayout.JAVA_INT, 12, start);
            set.set(ValueLayout.JAVA_INT, 16, fds.length);
            for (int i = 0; i < fds.length; i++) {
                set.set(ValueLayout.JAVA_INT, 20 + 4L * i, fds[i]);
            }
            Libc.ioctl(device, DEVICE_SET_IRQS, set, "VFIO_DEVICE_SET_IRQS(" + index + ")");
        }
    }

    @Override
    public void setIrqUnmaskEventfd(int device, int index, int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(24, 4);
            set.set(ValueLayout.JAVA_INT, 0, 24);
            set.set(ValueLayout.JAVA_INT, 4, IRQ_SET_DATA_EVENTFD | IRQ_SET_ACTION_UNMASK);
            set.set(ValueLayout.JAVA_INT, 8, index);
            set.set(ValueLayout.JAVA_INT, 12, 0);
            set.set(ValueLayout.JAVA_INT, 16, 1);
            set.set(ValueLayout.JAVA_INT, 20, fd);
            Libc.ioctl(device, DEVICE_SET_IRQS, set, "VFIO_DEVICE_SET_IRQS(" + index + ", unmask)");
        }
    }

    @Override
    public void disableIrqs(int device, int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(20, 4);
            set.set(ValueLayout.JAVA_INT, 0, 20);
            set.set(ValueLayout.JAVA_INT, 4, IRQ_SET_DATA_NONE | IRQ_SET_ACTION_TRIGGER);
            set.set(ValueLayout.JAVA_INT, 8, index);
            Libc.ioctl(device, DEVICE_SET_IRQS, set, "VFIO_DEVICE_SET_IRQS(" + index + ", off)");
        }
    }

    @Override
    public void reset(int device) {
        Libc.ioctl(device, DEVICE_RESET, 0, "VFIO_DEVICE_RESET");
    }

    @Override
    public void mapDma(int container, long iova, MemorySegment host, boolean writable) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment map = a.allocate(32, 8);
            map.set(ValueLayout.JAVA_INT, 0, 32);
            map.set(ValueLayout.JAVA_INT, 4, DMA_MAP_READ | (writable ? DMA_MAP_WRITE : 0));
            map.set(ValueLayout.JAVA_LONG, 8, host.address());
            map.set(ValueLayout.JAVA_LONG, 16, iova);
            map.set(ValueLayout.JAVA_LONG, 24, host.byteSize());
            Libc.ioctl(container, IOMMU_MAP_DMA, map, "VFIO_IOMMU_MAP_DMA");
        }
    }

    @Override
    public void unmapDma(int container, long iova, long size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment unmap = a.allocate(24, 8);
            unmap.set(ValueLayout.JAVA_INT, 0, 24);
            unmap.set(ValueLayout.JAVA_LONG, 8, iova);
            unmap.set(ValueLayout.JAVA_LONG, 16, size);
            Libc.ioctl(container, IOMMU_UNMAP_DMA, unmap, "VFIO_IOMMU_UNMAP_DMA");
        }
    }

    @Override
    public long read(int device, long offset, int size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buffer = a.allocate(8, 8);
            long n;
            do {
                n = Libc.pread(device, buffer, size, offset);
            } while (n == -Libc.EINTR);
            if (n != size) {
                throw new HostException("pread of " + size + " bytes at " + Long.toHexString(offset) + " (got " + n + ")", Libc.EPERM);
            }
            long v = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            return size == 8 ? v : v & ((1L << (8 * size)) - 1);
        }
    }

    @Override
    public void write(int device, long offset, int size, long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buffer = a.allocate(8, 8);
            buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
            long n;
            do {
                n = Libc.pwrite(device, buffer, size, offset);
            } while (n == -Libc.EINTR);
            if (n != size) {
                throw new HostException("pwrite of " + size + " bytes at " + Long.toHexString(offset) + " (wrote " + n + ")", Libc.EPERM);
            }
        }
    }

    @Override
    public MemorySegment mmap(int device, long offset, long size, boolean writable) {
        return Libc.mmap(size, Libc.PROT_READ | (writable ? Libc.PROT_WRITE : 0), Libc.MAP_SHARED, device, offset);
    }

    @Override
    public void munmap(MemorySegment mapping) {
        Libc.munmap(mapping);
    }

    @Override
    public void close(int fd) {
        Libc.close(fd);
    }
}
