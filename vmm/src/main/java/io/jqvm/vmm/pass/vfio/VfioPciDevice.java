package io.jqvm.vmm.pass.vfio;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.memory.GuestRegion;
import io.jqvm.vmm.pass.PassThroughException;
import java.util.ArrayList;
import java.util.List;

/**
 * One host PCI device opened through VFIO, in the order the kernel requires: the container (API version, a type-1
 * IOMMU), the device's IOMMU group (viable: every device of it bound to vfio-pci) joined to the container, the
 * IOMMU model set, the device's descriptor, its regions and interrupts; then a reset when the device supports one,
 * and the guest's RAM mapped for its DMA at I/O virtual address = guest-physical address. {@link #close} undoes it
 * all in reverse, so the device goes back to the host with no mapping of this VM's memory.
 */
public final class VfioPciDevice implements AutoCloseable {
    private static final int ENOMEM = 12;
    private static final int EACCES = 13;
    private static final int EBUSY = 16;

    private final VfioKernel kernel;
    private final String name;
    private final int container;
    private final int group;
    private final int device;
    private final VfioKernel.DeviceInfo info;
    private final List<VfioKernel.RegionInfo> regions;
    private final List<VfioKernel.IrqInfo> irqs;
    private final List<GuestRegion> dmaMapped = new ArrayList<>();

    private VfioPciDevice(VfioKernel kernel, String name, int container, int group, int device, VfioKernel.DeviceInfo info,
                          List<VfioKernel.RegionInfo> regions, List<VfioKernel.IrqInfo> irqs) {
        this.kernel = kernel;
        this.name = name;
        this.container = container;
        this.group = group;
        this.device = device;
        this.info = info;
        this.regions = regions;
        this.irqs = irqs;
    }

    /**
     * Opens host device {@code name} ({@code 0000:01:00.0}) of IOMMU group {@code iommuGroup}, resets it and maps
     * {@code ram} for its DMA.
     *
     * @throws PassThroughException naming the step the host refused
     */
    public static VfioPciDevice open(VfioKernel kernel, String name, int iommuGroup, List<GuestRegion> ram) {
        List<Integer> opened = new ArrayList<>();
        try {
            int container = kernel.openContainer();
            opened.add(container);
            if (kernel.apiVersion(container) != VfioKernel.API_VERSION) {
                throw new PassThroughException("VFIO speaks an API version other than " + VfioKernel.API_VERSION);
            }
            int iommuType = kernel.checkExtension(container, VfioKernel.TYPE1V2_IOMMU) ? VfioKernel.TYPE1V2_IOMMU
                    : kernel.checkExtension(container, VfioKernel.TYPE1_IOMMU) ? VfioKernel.TYPE1_IOMMU : -1;
            if (iommuType < 0) {
                throw new PassThroughException("this host's VFIO offers no type-1 IOMMU (no IOMMU enabled, or only no-IOMMU mode)");
            }
            int group = kernel.openGroup(iommuGroup);
            opened.add(group);
            if ((kernel.groupFlags(group) & VfioKernel.GROUP_VIABLE) == 0) {
                throw new PassThroughException("IOMMU group " + iommuGroup + " is not viable: bind every device of it to"
                        + " vfio-pci (or leave it driverless)");
            }
            kernel.setContainer(group, container);
            kernel.setIommu(container, iommuType);
            int device = kernel.deviceFd(group, name);
            opened.add(device);
            VfioKernel.DeviceInfo info = kernel.deviceInfo(device);
            if ((info.flags() & VfioKernel.DEVICE_PCI) == 0 || info.regions() <= VfioKernel.PCI_CONFIG_REGION) {
                throw new PassThroughException(name + " is not a PCI device to VFIO");
            }
            List<VfioKernel.RegionInfo> regions = new ArrayList<>();
            for (int i = 0; i <= VfioKernel.PCI_CONFIG_REGION; i++) {
                regions.add(kernel.regionInfo(device, i));
            }
            List<VfioKernel.IrqInfo> irqs = new ArrayList<>();
            for (int i = 0; i < Math.min(info.irqs(), VfioKernel.PCI_MSIX_IRQ + 1); i++) {
                irqs.add(kernel.irqInfo(device, i));
            }
            if ((info.flags() & VfioKernel.DEVICE_RESET) != 0) {
                kernel.reset(device);
            }
            VfioPciDevice made = new VfioPciDevice(kernel, name, container, group, device, info, regions, irqs);
            try {
                for (GuestRegion r : ram) {
                    kernel.mapDma(container, r.base(), r.host(), !r.readOnly());
                    made.dmaMapped.add(r);
                }
            } catch (RuntimeException e) {
                opened.clear(); // closing the device closes them
                made.close();
                throw e;
            }
            return made;
        } catch (HostException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                kernel.close(opened.get(i));
            }
            throw new PassThroughException(name + ": " + e.getMessage() + " (" + Libc.strerror(e.errno()) + ")" + hint(e.errno()));
        } catch (PassThroughException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                kernel.close(opened.get(i));
            }
            throw e;
        }
    }

    /** What to do about the errors a host's set-up (rather than a bug) causes. */
    private static String hint(int errno) {
        return switch (errno) {
            case ENOMEM -> "; VFIO pins the guest's RAM for DMA: raise the locked-memory limit (ulimit -l, systemd's"
                    + " LimitMEMLOCK=) to at least the guest's RAM";
            case EBUSY -> "; another process (a VM) has the IOMMU group open: a group serves one process at a time";
            case EACCES, Libc.EPERM -> "; give this user read-write access to /dev/vfio/vfio and the group's /dev/vfio/N";
            default -> "";
        };
    }

    public VfioKernel kernel() {
        return kernel;
    }

    /** The device descriptor, for reads and writes of its regions. */
    public int fd() {
        return device;
    }

    public String name() {
        return name;
    }

    /** Region {@code index} (BARs 0-5, ROM 6, configuration 7). */
    public VfioKernel.RegionInfo region(int index) {
        return regions.get(index);
    }

    /** Interrupt index {@code index} (INTx 0, MSI 1, MSI-X 2), or null when the device has none. */
    public VfioKernel.IrqInfo irq(int index) {
        return index < irqs.size() ? irqs.get(index) : null;
    }

    public boolean resettable() {
        return (info.flags() & VfioKernel.DEVICE_RESET) != 0;
    }

    @Override
    public void close() {
        for (int i = dmaMapped.size() - 1; i >= 0; i--) {
            GuestRegion r = dmaMapped.get(i);
            kernel.unmapDma(container, r.base(), r.size());
        }
        dmaMapped.clear();
        kernel.close(device); // vfio-pci turns the device's interrupts off as it releases it
        kernel.unsetContainer(group);
        kernel.close(group);
        kernel.close(container);
    }
}
