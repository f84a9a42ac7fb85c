package io.jqvm.vmm.pass.vfio;

import io.jqvm.config.model.Location;
import io.jqvm.vmm.pass.PassThroughException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The host's PCI devices as sysfs shows them ({@code SYSFS/bus/pci/devices/DDDD:BB:DD.F}, with {@code vendor},
 * {@code device}, and the {@code iommu_group} and {@code driver} links), and the checks VFIO needs before a device
 * can be opened: it exists, the IOMMU put it in a group, and vfio-pci drives it. The sysfs root is a parameter so
 * tests can use a tree of their own.
 */
public final class HostPciDevices {
    /** The driver a device must be bound to. */
    static final String VFIO_DRIVER = "vfio-pci";

    /** A host device ready for VFIO: its sysfs name ({@code 0000:01:00.0}) and IOMMU group. */
    public record Device(String name, int vendor, int device, int iommuGroup) {
    }

    private HostPciDevices() {
    }

    /**
     * The host device {@code host} names: {@code pci:bus:dev.func} (domain 0) or {@code pci:vid/did}, which must
     * match exactly one device.
     *
     * @throws PassThroughException saying what is missing and how to fix it
     */
    public static Device find(Path sysfs, Location host) {
        Path devices = sysfs.resolve("bus/pci/devices");
        String name = switch (host) {
            case Location.PciSlot s -> String.format("0000:%02x:%02x.%x", s.bus(), s.device(), s.function().orElse(0));
            case Location.PciId id -> byId(devices, id);
            default -> throw new PassThroughException(host + " is not a host PCI device (write pci:bus:dev.func or pci:vid/did)");
        };
        Path dir = devices.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new PassThroughException("the host has no PCI device " + name + " (" + devices + " does not list it)");
        }
        int vendor = hexFile(dir.resolve("vendor"));
        int device = hexFile(dir.resolve("device"));
        Path group = dir.resolve("iommu_group");
        if (!Files.isSymbolicLink(group)) {
            throw new PassThroughException("host PCI device " + name + " is in no IOMMU group: the host's IOMMU is off"
                    + " (boot Linux with intel_iommu=on or amd_iommu=on, or with the SMMU enabled); VFIO needs it");
        }
        int groupNumber;
        try {
            groupNumber = Integer.parseInt(Files.readSymbolicLink(group).getFileName().toString());
        } catch (IOException | NumberFormatException e) {
            throw new PassThroughException("host PCI device " + name + ": cannot read its IOMMU group " + group + ": " + e.getMessage());
        }
        String driver = driver(dir);
        if (!VFIO_DRIVER.equals(driver)) {
            throw new PassThroughException("host PCI device " + name + " is " + (driver == null ? "bound to no driver"
                    : "bound to driver " + driver) + ", not " + VFIO_DRIVER + "; hand it to VFIO (as root): modprobe vfio-pci;"
                    + " echo vfio-pci > " + dir.resolve("driver_override")
                    + (driver == null ? "" : "; echo " + name + " > " + dir.resolve("driver/unbind"))
                    + "; echo " + name + " > " + sysfs.resolve("bus/pci/drivers_probe"));
        }
        return new Device(name, vendor, device, groupNumber);
    }

    /** The one device whose vendor and device IDs are {@code id}'s. */
    private static String byId(Path devices, Location.PciId id) {
        List<String> matches = new ArrayList<>();
        try (Stream<Path> entries = Files.list(devices)) {
            for (Path dir : entries.sorted().toList()) {
                if (hexFile(dir.resolve("vendor")) == id.vendor() && hexFile(dir.resolve("device")) == id.device()) {
                    matches.add(dir.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new PassThroughException("cannot list the host's PCI devices in " + devices + ": " + e.getMessage());
        }
        if (matches.isEmpty()) {
            throw new PassThroughException("the host has no PCI device " + id + " (none in " + devices + ")");
        }
        if (matches.size() > 1) {
            throw new PassThroughException(matches.size() + " host PCI devices are " + id + " (" + String.join(", ", matches)
                    + "): name one as pci:bus:dev.func");
        }
        return matches.getFirst();
    }

    /** The driver bound to the device in {@code dir}, or null. */
    private static String driver(Path dir) {
        Path link = dir.resolve("driver");
        try {
            return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).getFileName().toString() : null;
        } catch (IOException e) {
            throw new PassThroughException("cannot read " + link + ": " + e.getMessage());
        }
    }

    /** A sysfs ID file ({@code 0x8086}). */
    private static int hexFile(Path file) {
        String text;
        try {
            text = Files.readString(file).strip();
        } catch (IOException e) {
            throw new PassThroughException("cannot read " + file + ": " + e.getMessage());
        }
        try {
            return Integer.parseInt(text.startsWith("0x") ? text.substring(2) : text, 16);
        } catch (NumberFormatException e) {
            throw new PassThroughException(file + " holds " + text + ", not a hexadecimal ID");
        }
    }
}
