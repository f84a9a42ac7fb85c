package io.jqvm.config.vdev;

import io.jqvm.common.Arch;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.Suggest;
import io.jqvm.config.model.Location;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.jqvm.config.vdev.OptionSpec.address;
import static io.jqvm.config.vdev.OptionSpec.bool;
import static io.jqvm.config.vdev.OptionSpec.boundedText;
import static io.jqvm.config.vdev.OptionSpec.choice;
import static io.jqvm.config.vdev.OptionSpec.delay;
import static io.jqvm.config.vdev.OptionSpec.flag;
import static io.jqvm.config.vdev.OptionSpec.hostdev;
import static io.jqvm.config.vdev.OptionSpec.mac;
import static io.jqvm.config.vdev.OptionSpec.mask;
import static io.jqvm.config.vdev.OptionSpec.number;
import static io.jqvm.config.vdev.OptionSpec.optionalText;
import static io.jqvm.config.vdev.OptionSpec.pair;
import static io.jqvm.config.vdev.OptionSpec.text;

/**
 * The vdev types jqvm knows and their schemas (options from the QNX vdev reference; {@code pl031},
 * {@code virtio-vsock}, {@code acpi-pm} and the {@code vhost-user-*} types are jqvm additions). A type may be spelled {@code pl011},
 * {@code vdev-pl011} or {@code vdev-pl011.so}.
 */
public final class VdevCatalog {
    private static final Set<Arch> BOTH = Set.of(Arch.X86_64, Arch.AARCH64);
    private static final Set<Arch> ARM = Set.of(Arch.AARCH64);
    private static final Set<Arch> X86 = Set.of(Arch.X86_64);

    private static final long PRIORITY_MAX = 255;
    private static final OptionSpec SCHED = number("sched", "prio", 1, PRIORITY_MAX);
    private static final OptionSpec HOSTVECTOR = number("hostvector", "n", 0, Integer.MAX_VALUE);
    private static final OptionSpec BATCH = number("batch", "µs", 0, Integer.MAX_VALUE);
    private static final OptionSpec LEGACY = flag("legacy");
    /** The virtio-blk device ID (serial) is at most 20 bytes (virtio 1.2, 5.2.6). */
    private static final int VIRTIO_BLK_ID_BYTES = 20;
    /** A virtio-fs tag is at most 36 bytes (virtio 1.2, 5.11.4). */
    private static final int VIRTIO_FS_TAG_BYTES = 36;
    /** A Linux interface name is at most IFNAMSIZ - 1 = 15 bytes. */
    private static final int IFNAME_BYTES = 15;
    /** An HPET's period register holds at most 100 ns (10 MHz) and at least 1 fs (the HPET specification). */
    private static final OptionSpec HPET_FREQUENCY = number("frequency", "hz", 10_000_000L, 1_000_000_000_000_000L);
    /** An SP805 counts its 32-bit counter at 1 Hz to 1 GHz (what the device model accepts). */
    private static final OptionSpec SP805_FREQUENCY = number("frequency", "hz", 1, 1_000_000_000L);

    private static final Map<String, VdevSchema> SCHEMAS = new LinkedHashMap<>();

    static {
        define("gic", "ARM generic interrupt controller", ARM, Location.Space.MEM, null, true,
                number("version", "2|3", 2, 3), address("gicd"), address("gicc"), address("gicr"), HOSTVECTOR);
        define("ioapic", "x86 I/O APIC", X86, Location.Space.MEM, null, true,
                HOSTVECTOR, choice("intr", "apic"));
        define("8259", "x86 8259 programmable interrupt controller", X86, Location.Space.IO, null, true, HOSTVECTOR);
        define("pckeyboard", "x86 keyboard controller (lets a guest reboot)", X86, Location.Space.IO, null, false);
        define("timer8254", "x86 8254 programmable interval timer", X86, Location.Space.IO, null, false);
        define("mc146818", "x86 MC146818 RTC and CMOS", X86, Location.Space.IO, null, false,
                pair("reg", "offset,value").asRepeatable());
        define("hpet", "x86 high-precision event timer", X86, Location.Space.MEM, null, false,
                HPET_FREQUENCY, flag("legacy-free"));
        define("ser8250", "8250 UART", BOTH, Location.Space.IO, null, false,
                BATCH, delay(), hostdev(true), SCHED);
        define("pl011", "ARM PL011 UART", ARM, Location.Space.MEM, null, false,
                BATCH, delay(), hostdev(true), SCHED);
        define("pl031", "ARM PL031 real-time clock (jqvm)", ARM, Location.Space.MEM, null, false);
        define("pl061", "ARM PL061 GPIO with the board's power key (jqvm)", ARM, Location.Space.MEM, null, false);
        // virtio: every type takes qvm's legacy (virtio-mmio version 1) for its transport.
        define("virtio-blk", "virtio block device", BOTH, Location.Space.MEM, null, false,
                delay(), choice("dio", "disable", "enable", "read"), hostdev(false), LEGACY,
                number("threads", "n", 1, 32), boundedText("serial", "id", VIRTIO_BLK_ID_BYTES));
        define("virtio-net", "virtio network device", BOTH, Location.Space.MEM, null, false,
                LEGACY, mac("mac"), text("peer", "path"), number("peerfeats", "mask", 0, 0x7fc3),
                boundedText("tapdev", "ifname", IFNAME_BYTES), optionalText("passt", "socket"));
        define("virtio-console", "virtio console", BOTH, Location.Space.MEM, null, false,
                delay(), hostdev(true), LEGACY, SCHED);
        define("virtio-entropy", "virtio entropy source", BOTH, Location.Space.MEM, null, false, delay(), LEGACY);
        define("virtio-input", "virtio input device", BOTH, Location.Space.MEM, null, false,
                number("display", "id", 0, Integer.MAX_VALUE), bool("force_dev_presence"),
                number("global_alpha", "n", 0, 255), pair("offset", "x,y"), mask("options"),
                number("pipeline", "n", 0, Integer.MAX_VALUE), number("protocol", "n", 0, Integer.MAX_VALUE),
                SCHED, pair("size", "x,y"), text("window", "id"), number("zorder", "z", 0, Integer.MAX_VALUE),
                text("screen", "input_type"));
        define("virtio-vsock", "virtio socket device (jqvm)", BOTH, Location.Space.MEM, null, false,
                number("cid", "n", 3, 0xfffffffeL), text("uds", "path"), LEGACY);
        // vhost-user (jqvm): the device's queues are served by a back end in another process, reached at socket.
        define("vhost-user-blk", "virtio block device served by a vhost-user back end (jqvm)", BOTH, Location.Space.MEM,
                null, false, text("socket", "path"), LEGACY);
        define("vhost-user-net", "virtio network device served by a vhost-user back end (jqvm)", BOTH, Location.Space.MEM,
                null, false, text("socket", "path"), mac("mac"), LEGACY);
        define("vhost-user-fs", "virtio-fs shared directory served by a vhost-user back end such as virtiofsd (jqvm)",
                BOTH, Location.Space.MEM, null, false, text("socket", "path"),
                boundedText("tag", "name", VIRTIO_FS_TAG_BYTES), LEGACY);
        define("shmem", "shared memory between VMs", BOTH, Location.Space.MEM, null, false,
                text("allow", "pattern").asRepeatable(), text("deny", "pattern").asRepeatable(),
                OptionSpec.shmemCreate(), number("gid", "n", 0, Integer.MAX_VALUE), SCHED,
                text("subst", "[orig],prefix"), OptionSpec.permissions("umask"));
        define("wdt-sp805", "ARM SP805 watchdog", ARM, Location.Space.MEM, new Location.Memory(0x1c0f0000L), false,
                OptionSpec.watchdogAction(true), SP805_FREQUENCY);
        define("wdt-ib700", "x86 IB700 watchdog", X86, Location.Space.IO, new Location.Io(0x441), false,
                OptionSpec.watchdogAction(false));
        define("smmu", "virtual SMMU for the guest's smmuman", BOTH, Location.Space.MEM, null, false);
        // qvm documents it for x86; jqvm's arm64 board has PCI too, and the function-0 rule holds there as well.
        define("pci-dummy", "placeholder PCI function", BOTH, Location.Space.MEM, null, false,
                text("clone", "host_bdf"), OptionSpec.pciRegister());
        define("progress", "progress reporting", BOTH, Location.Space.MEM, null, false);
        define("acpi-pm", "x86 ACPI PM1 control block (jqvm)", X86, Location.Space.IO, new Location.Io(0x604), false);
        // A shared-memory factory page at a fixed address signals through an interrupt nobody would assign.
        rules("shmem", new VdevSchema.Requirement("loc", "intr"));
        rules("virtio-blk", new VdevSchema.Mandatory("hostdev"));
        // One backend per network device; name is this end of a peer link (qvm), so it needs peer.
        rules("virtio-net", new VdevSchema.ExactlyOne(List.of("tapdev", "peer", "passt")),
                new VdevSchema.Requirement("name", "peer"));
        rules("virtio-vsock", new VdevSchema.Mandatory("cid"), new VdevSchema.Mandatory("uds"));
        rules("vhost-user-blk", new VdevSchema.Mandatory("socket"));
        rules("vhost-user-net", new VdevSchema.Mandatory("socket"));
        rules("vhost-user-fs", new VdevSchema.Mandatory("socket"), new VdevSchema.Mandatory("tag"));
    }

    private VdevCatalog() {
    }

    private static void define(String type, String description, Set<Arch> archs, Location.Space space,
                               Location defaultLocation, boolean interruptController, OptionSpec... specific) {
        Map<String, OptionSpec> options = new LinkedHashMap<>();
        options.put("loc", OptionSpec.location(space));
        options.put("intr", OptionSpec.interrupts());
        options.put("name", text("name", "name"));
        for (OptionSpec option : specific) {
            options.put(option.name(), option);
        }
        SCHEMAS.put(type, new VdevSchema(type, description, archs, space, Optional.ofNullable(defaultLocation),
                interruptController, options, List.of()));
    }

    private static void rules(String type, VdevSchema.Rule... rules) {
        SCHEMAS.put(type, SCHEMAS.get(type).with(rules));
    }

    /** Every known type, in catalog order. */
    public static Collection<VdevSchema> all() {
        return SCHEMAS.values();
    }

    /** The schema of a canonical type name ({@code pl011}), or empty. */
    public static Optional<VdevSchema> find(String type) {
        return Optional.ofNullable(SCHEMAS.get(type));
    }

    /** The schema for a type as written in a configuration (any accepted spelling), or a precise error. */
    public static VdevSchema lookup(String spelled, Origin origin) {
        String type = spelled;
        if (type.startsWith("vdev-")) {
            type = type.substring("vdev-".length());
        }
        if (type.endsWith(".so")) {
            type = type.substring(0, type.length() - ".so".length());
        }
        VdevSchema schema = SCHEMAS.get(type);
        if (schema == null) {
            List<String> known = new ArrayList<>(SCHEMAS.keySet());
            throw new ConfigException(origin, "unknown vdev type " + Quote.of(spelled) + Suggest.hint(type, known)
                    + " (known types: " + String.join(", ", known) + ")");
        }
        return schema;
    }
}
