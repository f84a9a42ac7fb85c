package io.jqvm.vmm.assembly;

import io.jqvm.accel.Accelerator;
import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Hex;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.CpuSpec;
import io.jqvm.config.model.LoadSpec;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.MemoryRegion;
import io.jqvm.config.model.ReserveSpec;
import io.jqvm.config.model.Sched;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.config.model.VmSpec;
import io.jqvm.devices.chardev.Stdio;
import io.jqvm.host.HostException;
import io.jqvm.host.HostMemory;
import io.jqvm.memory.AddressMap;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.Space;
import io.jqvm.vmm.VcpuScheduling;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Turns a {@link VmSpec} into an {@link Assembly}, in the order qvm documents: architecture and
 * accelerator, the address map (RAM, ROM, reservations, devices, pass-through), guest memory, vdevs
 * (interrupt controllers first, so others can route to them), then the boot images. Every conflict or
 * impossibility is a {@link ConfigException} naming the configuration line.
 */
public final class VmBuilder {
    /** qvm's VM name when the configuration has no {@code system}. */
    public static final String DEFAULT_NAME = "qvm-guest";

    private VmBuilder() {
    }

    /**
     * @param accelerators candidates in preference order
     * @param dryrun       true: a missing accelerator is reported in the assembly instead of failing
     */
    public static Assembly assemble(VmSpec spec, List<Accelerator> accelerators, boolean dryrun) {
        return assemble(spec, accelerators, dryrun, Optional.empty());
    }

    /**
     * As {@link #assemble(VmSpec, List, boolean)}, for a VM that will run: its vdevs publish their endpoints in
     * {@code runtimeDirectory}.
     */
    public static Assembly assemble(VmSpec spec, List<Accelerator> accelerators, boolean dryrun,
                                    Optional<RuntimeDirectory> runtimeDirectory) {
        return assemble(spec, accelerators, dryrun, runtimeDirectory, Stdio.process());
    }

    /**
     * As {@link #assemble(VmSpec, List, boolean, Optional)}, with {@code hostdev -} and {@code >-} meaning
     * {@code stdio} rather than the process's own (an embedding program's streams).
     */
    public static Assembly assemble(VmSpec spec, List<Accelerator> accelerators, boolean dryrun,
                                    Optional<RuntimeDirectory> runtimeDirectory, Stdio stdio) {
        return assemble(spec, accelerators, dryrun, false, runtimeDirectory, stdio);
    }

    /**
     * The command's {@code dryrun}: as {@link #assemble(VmSpec, List, boolean)}, but its vdevs open no host-facing
     * back end either (no TAP device, passt, peer socket, pty or output file is taken, started or truncated).
     */
    public static Assembly dryrun(VmSpec spec, List<Accelerator> accelerators) {
        return assemble(spec, accelerators, true, true, Optional.empty(), Stdio.process());
    }

    private static Assembly assemble(VmSpec spec, List<Accelerator> accelerators, boolean dryrun, boolean showOnly,
                                     Optional<RuntimeDirectory> runtimeDirectory, Stdio stdio) {
        String name = spec.system().orElse(DEFAULT_NAME);
        Log.prefix(name);
        for (var w : spec.warnings()) {
            Log.warn(w.toString());
        }
        safety(spec);
        try (BootImages images = BootImages.read(spec)) {
            return assemble(spec, name, images, accelerators, dryrun, showOnly, runtimeDirectory, stdio);
        }
    }

    private static Assembly assemble(VmSpec spec, String name, BootImages images, List<Accelerator> accelerators,
                                     boolean dryrun, boolean showOnly, Optional<RuntimeDirectory> runtimeDirectory,
                                     Stdio stdio) {
        Arch arch = GuestArchitecture.decide(spec, images);
        spec.checkArchitecture(arch);
        Accelerator accelerator = null;
        String problem = null;
        try {
            accelerator = AcceleratorChoice.choose(arch, spec.accel().map(AcceleratorChoice::spelling), accelerators);
        } catch (VmmException e) {
            if (!dryrun) {
                throw e;
            }
            problem = e.getMessage();
        }
        Assembly a = new Assembly(spec, name, arch, accelerator, problem, runtimeDirectory, stdio);
        a.dryrun = dryrun;
        a.showOnly = showOnly;
        try {
            layOutMemory(a);
            reserve(a);
            vcpus(a);
            allocateMemory(a);
            VdevRegistry.createAll(a);
            PassThrough.build(a);
            if (a.pci != null) {
                a.pci.finish(); // once every PCI function, vdev or passed through, is on the bus
            }
            Boot.load(a, images);
            return a;
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /**
     * qvm's {@code safety}: how to react to components that are not safety-certified. None of jqvm's is,
     * so {@code required} refuses to build the VM and {@code warn} says so once.
     */
    private static void safety(VmSpec spec) {
        switch (spec.safety().orElse(io.jqvm.config.model.Safety.NONE)) {
            case NONE -> { }
            case WARN -> Log.warn("safety warn: no jqvm component is safety-certified");
            case REQUIRED -> throw new VmmException(ExitStatus.FATAL_BEFORE_START,
                    "safety required: no jqvm component is safety-certified, so this VM cannot be built");
        }
    }

    private static void layOutMemory(Assembly a) {
        for (MemoryRegion r : a.spec.memory()) {
            if (r.base() % 4096 != 0 || r.size() % 4096 != 0) {
                throw new ConfigException(r.origin(), r + ": guest memory is made of 4 KiB pages; the start and length must be multiples of 4K");
            }
            a.claim(new AddressMap.Claim(Space.MEM, r.base(), r.size(),
                    r.kind() == MemoryRegion.Kind.RAM ? AddressMap.Kind.RAM : AddressMap.Kind.ROM,
                    r.kind().name().toLowerCase(java.util.Locale.ROOT), r.origin().toString()), r.origin());
        }
    }

    private static void reserve(Assembly a) {
        for (ReserveSpec r : a.spec.reserves()) {
            for (ReserveSpec.Range range : r.locations()) {
                Space space = switch (range.location()) {
                    case Location.Memory m -> Space.MEM;
                    case Location.Io io -> Space.IO;
                    default -> null;
                };
                if (space == null) {
                    continue; // PCI slots: jqvm assigns none automatically, so nothing to keep free
                }
                long base = range.location() instanceof Location.Memory m ? m.address() : ((Location.Io) range.location()).port();
                long length = range.length().orElse(1);
                a.claim(new AddressMap.Claim(space, base, length, AddressMap.Kind.RESERVED, "reserve",
                        range.origin().toString()), range.origin());
            }
        }
    }

    private static void vcpus(Assembly a) {
        List<CpuSpec> cpus = a.spec.cpus();
        if (cpus.isEmpty()) {
            a.scheduling.add(VcpuScheduling.DEFAULT);
            return;
        }
        int hostCpus = Runtime.getRuntime().availableProcessors();
        for (CpuSpec c : cpus) {
            BitSet mask = new BitSet();
            for (int cpu : c.runmask()) {
                if (cpu >= hostCpus) {
                    Log.warn(c.origin() + ": runmask names host CPU " + cpu + " but this host has " + hostCpus
                            + " (0-" + (hostCpus - 1) + "); the host will refuse it");
                }
                mask.set(cpu);
            }
            c.partition().ifPresent(p -> Log.warn(c.origin() + ": partition " + Quote.of(p)
                    + " is a QNX adaptive partition; Linux has none, the vCPU uses normal scheduling"));
            c.cluster().ifPresent(cl -> Log.warn(c.origin() + ": cluster " + Quote.of(cl)
                    + " is a QNX startup cluster; Linux has none, the vCPU floats"));
            VcpuScheduling s = switch (c.sched().orElse(null)) {
                case null -> new VcpuScheduling(null, 0, 0, 0, mask);
                case Sched.Priority p -> new VcpuScheduling(switch (p.policy()) {
                    case ROUND_ROBIN -> VcpuScheduling.Policy.ROUND_ROBIN;
                    case FIFO -> VcpuScheduling.Policy.FIFO;
                    case OTHER -> VcpuScheduling.Policy.OTHER;
                }, p.priority(), 0, 0, mask);
                case Sched.Sporadic sp -> new VcpuScheduling(VcpuScheduling.Policy.SPORADIC, sp.highPriority(),
                        sp.budgetNs(), sp.periodNs(), mask);
            };
            a.scheduling.add(s);
        }
    }

    /** Lets a VM have more memory than the host has RAM and swap (its guest then must not touch it all). */
    static final String OVERCOMMIT_VARIABLE = "JQVM_MEMORY_OVERCOMMIT";

    /**
     * Refuses guest memory the host could never back: mapped without reserve, it would start and then grow
     * the host by gigabytes until the kernel's out-of-memory killer chooses a victim.
     */
    private static void checkHostCapacity(Assembly a) {
        long guest = 0;
        for (MemoryRegion r : a.spec.memory()) {
            guest = r.size() > Long.MAX_VALUE - guest ? Long.MAX_VALUE : guest + r.size();
        }
        OptionalLong capacity = HostMemory.capacity();
        if (capacity.isEmpty() || guest <= capacity.getAsLong() || "1".equals(System.getenv(OVERCOMMIT_VARIABLE))) {
            return;
        }
        MemoryRegion largest = a.spec.memory().stream().max(java.util.Comparator.comparingLong(MemoryRegion::size)).orElseThrow();
        throw new VmmException(ExitStatus.FATAL_BEFORE_START, largest.origin() + ": the guest's " + Hex.size(guest)
                + " of memory exceed what this host could ever back (" + Hex.size(capacity.getAsLong())
                + " of RAM and swap); set " + OVERCOMMIT_VARIABLE + "=1 to start anyway");
    }

    private static void allocateMemory(Assembly a) {
        checkHostCapacity(a);
        List<GuestMemory.RegionSpec> regions = new ArrayList<>();
        for (MemoryRegion r : a.spec.memory()) {
            regions.add(new GuestMemory.RegionSpec(r.base(), r.size(), r.kind() == MemoryRegion.Kind.ROM,
                    r.kind().name().toLowerCase(java.util.Locale.ROOT) + " at " + r.origin()));
        }
        // A back end in another process (vhost-user) must map the guest's RAM: then it is a memfd, shared.
        boolean shareable = a.spec.vdevs().stream().anyMatch(v -> v.type().startsWith("vhost-user-"));
        try {
            a.memory = GuestMemory.allocate(regions, shareable);
        } catch (HostException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "not enough host memory for the guest's RAM and ROM: "
                    + e.getMessage());
        }
    }

    static Optional<LoadSpec> firstImage(VmSpec spec) {
        return spec.loads().stream().filter(l -> l.type().isEmpty() || l.type().get() == io.jqvm.config.model.BlobType.GUEST).findFirst();
    }
}
