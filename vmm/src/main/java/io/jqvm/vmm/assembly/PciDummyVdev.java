package io.jqvm.vmm.assembly;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.pci.PciConfigSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * qvm's {@code pci-dummy}: a PCI function with an identity and nothing else (no BARs, no interrupt), to fill
 * function 0 of a device whose other functions are real, as PCI requires. {@code clone b:d.f} copies the identity
 * (vendor, device, revision, class, subsystem) of that host function from sysfs; each {@code reg off/size=val}
 * or {@code reg Name=val} then sets header bytes, read-only to the guest.
 */
final class PciDummyVdev implements VdevFamily {
    /** QNX's PCI vendor ID, which a dummy shows unless cloned or given another. */
    static final int QNX_VENDOR = 0x1c05;
    private static final Pattern HOST_BDF = Pattern.compile("(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");
    private static final Path SYSFS_DEVICES = Path.of("/sys/bus/pci/devices");
    private static final int IDENTITY_BYTES = 0x30;

    @Override
    public List<String> types() {
        return List.of("pci-dummy");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        PciConfigSpace config = new PciConfigSpace(QNX_VENDOR, 0, 0xff_00_00, 0, 0, 0, 0);
        v.option("clone").ifPresent(o -> copyHost(config, ((Value.Text) o.value()).value(), o.origin()));
        for (Value.PciRegister r : v.all("reg", Value.PciRegister.class)) {
            if (r.offset() + r.size() > PciConfigSpace.SIZE) {
                throw new ConfigException(v.option("reg").orElseThrow().origin(), "vdev pci-dummy reg at " + r.offset()
                        + ": jqvm's functions have the 256-byte conventional configuration space");
            }
            config.set(r.offset(), r.size(), r.value());
        }
        PciHost pci = PciHost.of(a, v);
        String where = pci.addWithoutInterrupt(v, new PciHost.ConfigOnly(config));
        a.note(owner + ": PCI function at " + where);
    }

    /** The identity fields of host function {@code bdf} (as {@code lspci} writes it), read from sysfs. */
    private static void copyHost(PciConfigSpace config, String bdf, Origin at) {
        Matcher m = HOST_BDF.matcher(bdf);
        if (!m.matches()) {
            throw new ConfigException(at, "vdev pci-dummy clone " + Quote.of(bdf) + " is not a host PCI function (write bus:dev.func)");
        }
        String name = String.format("%04x:%02x:%02x.%d", m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16),
                Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16), Integer.parseInt(m.group(4)));
        byte[] host;
        try {
            host = Files.readAllBytes(SYSFS_DEVICES.resolve(name).resolve("config"));
        } catch (IOException e) {
            throw new ConfigException(at, "vdev pci-dummy clone " + Quote.of(bdf) + ": cannot read host function " + name
                    + "'s configuration space from sysfs (" + e.getMessage() + ")");
        }
        if (host.length < IDENTITY_BYTES) {
            throw new ConfigException(at, "vdev pci-dummy clone " + Quote.of(bdf) + ": sysfs gave " + host.length + " bytes");
        }
        int[][] fields = {{PciConfigSpace.VENDOR_ID, 2}, {PciConfigSpace.DEVICE_ID, 2}, {PciConfigSpace.REVISION_ID, 1},
                {PciConfigSpace.CLASS_CODE, 3}, {PciConfigSpace.SUBSYSTEM_VENDOR_ID, 2}, {PciConfigSpace.SUBSYSTEM_ID, 2}};
        for (int[] f : fields) {
            long value = 0;
            for (int i = f[1] - 1; i >= 0; i--) {
                value = value << 8 | (host[f[0] + i] & 0xff);
            }
            config.set(f[0], f[1], value);
        }
    }
}
