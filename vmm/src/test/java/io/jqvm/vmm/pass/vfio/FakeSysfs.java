package io.jqvm.vmm.pass.vfio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sysfs tree in a directory, laid out as Linux lays out PCI devices: {@code bus/pci/devices/NAME} with
 * {@code vendor} and {@code device} files and, as in sysfs, {@code iommu_group} and {@code driver} as relative
 * symbolic links ({@code ../../../kernel/iommu_groups/N}, {@code ../../../bus/pci/drivers/DRIVER}).
 */
public final class FakeSysfs {
    private final Path root;

    public FakeSysfs(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /**
     * Adds a device.
     *
     * @param group  its IOMMU group, or -1 for none (no IOMMU)
     * @param driver the driver bound to it, or null
     */
    public FakeSysfs device(String name, int vendor, int device, int group, String driver) {
        try {
            Path dir = Files.createDirectories(root.resolve("bus/pci/devices").resolve(name));
            Files.writeString(dir.resolve("vendor"), String.format("0x%04x%n", vendor));
            Files.writeString(dir.resolve("device"), String.format("0x%04x%n", device));
            if (group >= 0) {
                Files.createDirectories(root.resolve("kernel/iommu_groups/" + group));
                Files.createSymbolicLink(dir.resolve("iommu_group"), Path.of("../../../kernel/iommu_groups/" + group));
            }
            if (driver != null) {
                Files.createDirectories(root.resolve("bus/pci/drivers/" + driver));
                Files.createSymbolicLink(dir.resolve("driver"), Path.of("../../../bus/pci/drivers/" + driver));
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
