package io.jqvm.vmm.pass.vfio;

import java.lang.foreign.MemorySegment;

/**
 * The VFIO kernel interface (linux/vfio.h) as jqvm uses it, one method per ioctl or file operation, so the same
 * device code runs on the kernel ({@link LinuxVfioKernel}) and on a recorded fake. Descriptors are ints, as the
 * kernel's; every failure throws {@link io.jqvm.host.HostException} with the errno.
 */
public interface VfioKernel {
    /** The only API version there is. */
    int API_VERSION = 0;
    /** VFIO_TYPE1_IOMMU and VFIO_TYPE1v2_IOMMU: the IOMMU model jqvm asks for (v2 preferred). */
    int TYPE1_IOMMU = 1;
    int TYPE1V2_IOMMU = 3;
    /** vfio_group_status.flags: every device of the group is bound to a VFIO driver (or to none). */
    int GROUP_VIABLE = 1;
    /** vfio_device_info.flags. */
    int DEVICE_RESET = 1;
    int DEVICE_PCI = 1 << 1;
    /** vfio_region_info.flags. */
    int REGION_READ = 1;
    int REGION_WRITE = 1 << 1;
    int REGION_MMAP = 1 << 2;
    /** PCI region indexes: BARs 0-5, then the ROM and the configuration space. */
    int PCI_ROM_REGION = 6;
    int PCI_CONFIG_REGION = 7;
    /** PCI interrupt indexes. */
    int PCI_INTX_IRQ = 0;
    int PCI_MSI_IRQ = 1;
    int PCI_MSIX_IRQ = 2;

    record DeviceInfo(int flags, int regions, int irqs) {
    }

    /** @param offset where the region starts in the device file (pread/pwrite/mmap) */
    record RegionInfo(int index, int flags, long size, long offset) {
    }

    record IrqInfo(int index, int flags, int count) {
    }

    /** open("/dev/vfio/vfio"). */
    int openContainer();

    /** VFIO_GET_API_VERSION. */
    int apiVersion(int container);

    /** VFIO_CHECK_EXTENSION. */
    boolean checkExtension(int container, int extension);

    /** open("/dev/vfio/GROUP"). */
    int openGroup(int group);

    /** VFIO_GROUP_GET_STATUS: the flags. */
    int groupFlags(int group);

    /** VFIO_GROUP_SET_CONTAINER. */
    void setContainer(int group, int container);

    /** VFIO_GROUP_UNSET_CONTAINER. */
    void unsetContainer(int group);

    /** VFIO_SET_IOMMU. */
    void setIommu(int container, int type);

    /** VFIO_GROUP_GET_DEVICE_FD with the device's name ({@code 0000:01:00.0}). */
    int deviceFd(int group, String name);

    /** VFIO_DEVICE_GET_INFO. */
    DeviceInfo deviceInfo(int device);

    /** VFIO_DEVICE_GET_REGION_INFO. */
    RegionInfo regionInfo(int device, int index);

    /** VFIO_DEVICE_GET_IRQ_INFO. */
    IrqInfo irqInfo(int device, int index);

    /**
     * VFIO_DEVICE_SET_IRQS with DATA_EVENTFD | ACTION_TRIGGER: vectors {@code start..} signal {@code fds} (-1 leaves
     * one unassigned).
     */
    void setIrqEventfds(int device, int index, int start, int[] fds);

    /** VFIO_DEVICE_SET_IRQS with DATA_NONE | ACTION_TRIGGER and count 0: the index's interrupts off. */
    void disableIrqs(int device, int index);

    /**
     * VFIO_DEVICE_SET_IRQS with DATA_EVENTFD | ACTION_UNMASK for vector 0 of {@code index}: a signal of {@code fd}
     * unmasks it (INTx, which vfio-pci masks at every interrupt until the guest has handled it).
     */
    void setIrqUnmaskEventfd(int device, int index, int fd);

    /** VFIO_DEVICE_RESET. */
    void reset(int device);

    /** VFIO_IOMMU_MAP_DMA: the device sees {@code host} at I/O virtual address {@code iova}. */
    void mapDma(int container, long iova, MemorySegment host, boolean writable);

    /** VFIO_IOMMU_UNMAP_DMA. */
    void unmapDma(int container, long iova, long size);

    /** pread of {@code size} (1, 2, 4 or 8) bytes at {@code offset} of the device file, little-endian. */
    long read(int device, long offset, int size);

    /** pwrite of {@code size} bytes at {@code offset} of the device file. */
    void write(int device, long offset, int size, long value);

    /**
     * mmap of {@code size} bytes at {@code offset} of the device file, shared, readable and (with {@code writable})
     * writable: a region whose flags say {@link #REGION_MMAP}.
     */
    MemorySegment mmap(int device, long offset, long size, boolean writable);

    /** munmap of a {@link #mmap} mapping. */
    void munmap(MemorySegment mapping);

    void close(int fd);
}
