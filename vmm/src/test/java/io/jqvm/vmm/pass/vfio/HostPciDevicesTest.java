package io.jqvm.vmm.pass.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.config.model.Location;
import io.jqvm.vmm.pass.PassThroughException;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding a host PCI device in a sysfs tree and the checks before VFIO may open it. */
class HostPciDevicesTest {
    @TempDir
    Path dir;

    private static Location.PciSlot slot(int bus, int device, int function) {
        return new Location.PciSlot(bus, device, OptionalInt.of(function));
    }

    private String refusal(FakeSysfs sysfs, Location host) {
        return assertThrows(PassThroughException.class, () -> HostPciDevices.find(sysfs.root(), host)).getMessage();
    }

    @Test
    void aDeviceBoundToVfioPciIsFoundBySlotOrById() {
        FakeSysfs sysfs = new FakeSysfs(dir).device("0000:01:00.0", 0x8086, 0x10d3, 7, "vfio-pci")
                .device("0000:00:1f.3", 0x8086, 0xa171, 12, "snd_hda_intel");
        HostPciDevices.Device bySlot = HostPciDevices.find(dir, slot(1, 0, 0));
        assertEquals(new HostPciDevices.Device("0000:01:00.0", 0x8086, 0x10d3, 7), bySlot);
        assertEquals(bySlot, HostPciDevices.find(dir, new Location.PciId(0x8086, 0x10d3)));
        assertEquals("0000:01:00.0", HostPciDevices.find(dir, new Location.PciSlot(1, 0, OptionalInt.empty())).name(),
                "a slot without a function is function 0");
        assertTrue(refusal(sysfs, slot(0, 0x1f, 3)).contains("is bound to driver snd_hda_intel, not vfio-pci"));
    }

    @Test
    void aDeviceOnAnotherDriverIsRefusedSayingHowToHandItToVfio() {
        FakeSysfs sysfs = new FakeSysfs(dir).device("0000:03:00.0", 0x10ec, 0x8168, 9, "r8169");
        String m = refusal(sysfs, slot(3, 0, 0));
        assertTrue(m.startsWith("host PCI device 0000:03:00.0 is bound to driver r8169, not vfio-pci; hand it to VFIO (as root):"
                + " modprobe vfio-pci; echo vfio-pci > " + dir.resolve("bus/pci/devices/0000:03:00.0/driver_override")
                + "; echo 0000:03:00.0 > " + dir.resolve("bus/pci/devices/0000:03:00.0/driver/unbind")
                + "; echo 0000:03:00.0 > " + dir.resolve("bus/pci/drivers_probe")), m);
        new FakeSysfs(dir).device("0000:04:00.0", 0x10ec, 0x8169, 10, null);
        assertTrue(refusal(sysfs, slot(4, 0, 0)).contains("is bound to no driver, not vfio-pci"));
    }

    @Test
    void missingDevicesMissingIommuAndAmbiguousIdsAreNamed() {
        FakeSysfs sysfs = new FakeSysfs(dir).device("0000:01:00.0", 0x8086, 0x10d3, -1, "vfio-pci")
                .device("0000:02:00.0", 0x1af4, 0x1041, 3, "vfio-pci").device("0000:05:00.0", 0x1af4, 0x1041, 4, "vfio-pci");
        assertTrue(refusal(sysfs, slot(9, 0, 0)).startsWith("the host has no PCI device 0000:09:00.0"));
        assertTrue(refusal(sysfs, slot(1, 0, 0)).contains("is in no IOMMU group: the host's IOMMU is off"));
        assertTrue(refusal(sysfs, new Location.PciId(0x1234, 0x5678)).startsWith("the host has no PCI device pci:0x1234/0x5678"));
        assertEquals("2 host PCI devices are pci:0x1af4/0x1041 (0000:02:00.0, 0000:05:00.0): name one as pci:bus:dev.func",
                refusal(sysfs, new Location.PciId(0x1af4, 0x1041)));
    }
}
