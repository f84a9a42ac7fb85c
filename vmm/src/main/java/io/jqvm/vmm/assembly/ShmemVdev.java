package io.jqvm.vmm.assembly;

import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevOption;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.config.value.Values;
import io.jqvm.config.vdev.OptionSpec;
import io.jqvm.device.GuestMappings;
import io.jqvm.device.IrqLine;
import io.jqvm.devices.shmem.GuestShm;
import io.jqvm.devices.shmem.ShmemPciFunction;
import io.jqvm.devices.shmem.ShmemPolicy;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.PcLayout;
import io.jqvm.vmm.board.VirtLayout;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * qvm's shared memory between VMs ({@code vdev shmem loc A intr C:N}): the factory page at {@code loc}, the
 * connections in the board's shmem window ({@link VirtLayout#SHMEM_WINDOWS}, {@link PcLayout#SHMEM_WINDOWS}),
 * regions as named objects in {@value #HOST_DIRECTORY} that every jqvm process of the host finds by name.
 * With {@code loc} an address, a device-tree {@code qvm,guest_shm} node on AArch64. Without {@code loc} (or with
 * {@code loc pci:0:d[.f]}) qvm's PCI form, {@link ShmemPciFunction}: the same model, its factory page in BAR 0,
 * found by the guest's enumeration, so the device tree has no node for it.
 */
final class ShmemVdev implements VdevFamily {
    /** The host's POSIX shared-memory directory: a tmpfs every process of the host sees. */
    static final String HOST_DIRECTORY = "/dev/shm";

    @Override
    public List<String> types() {
        return List.of("shmem");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        int index = windowIndex(a, v);
        boolean arm = a.arch == Arch.AARCH64;
        long windowSize = arm ? VirtLayout.SHMEM_WINDOW_SIZE : PcLayout.SHMEM_WINDOW_SIZE;
        long window = (arm ? VirtLayout.SHMEM_WINDOWS : PcLayout.SHMEM_WINDOWS) + index * windowSize;
        v.option("sched").ifPresent(o -> io.jqvm.common.Log.warn(o.origin()
                + ": sched: the shmem notification threads keep the host's normal scheduling"));
        a.peerMappedMemory = true; // peers write the regions this vdev maps: no CPU store shows it
        GuestShm shm;
        if (PciHost.wants(v)) {
            // qvm's PCI form: BAR 0 is the factory page, INTA# the interrupt; the guest finds it by enumeration.
            GuestShm[] made = new GuestShm[1];
            String where = PciHost.of(a, v).addNumbered(v, owner, (intx, vector) -> new ShmemPciFunction(intx, irq -> {
                made[0] = model(a, v, owner, irq, vector, window, windowSize);
                return made[0].factory();
            }));
            shm = made[0];
            a.note(owner + ": PCI function at " + where + ", factory page in BAR 0, INTA#");
        } else {
            long factory = VdevRegistry.memoryLocation(v).orElseThrow();
            int vector = (int) v.interrupts().getFirst().line();
            shm = model(a, v, owner, VdevRegistry.interrupts(a, v, owner, null), vector, window, windowSize);
            a.mapDevice(v, owner, Space.MEM, factory, GuestShm.FACTORY_SIZE, shm.factory());
            VdevRegistry.describe(a, owner, factory, vector, spi -> Arm64Board.Peripheral.guestShm(factory, spi));
        }
        a.mapDevice(v, owner + " connections", Space.MEM, window, windowSize, shm.window());
        if (a.runtimeDirectory.isPresent()) { // a VM that will run: dryrun creates nothing on the host
            for (VdevOption o : options(v, "create")) {
                create(shm, o);
            }
        }
    }

    /** The device model both forms share, which maps regions into the guest as they are attached. */
    private static GuestShm model(Assembly a, VdevSpec v, String owner, IrqLine irq, int vector, long window, long windowSize) {
        GuestMappings mappings = new GuestMappings() {
            @Override
            public void map(long gpa, MemorySegment host, String what) {
                a.running.vm().mapMemory(gpa, host);
            }

            @Override
            public void unmap(long gpa) {
                a.running.vm().unmapMemory(gpa);
            }
        };
        GuestShm shm = new GuestShm(Path.of(HOST_DIRECTORY), policy(v), irq, vector, window, windowSize, mappings, owner);
        a.resources.add(shm);
        return shm;
    }

    /** The n-th shmem vdev of the configuration gets the board's n-th window. */
    private static int windowIndex(Assembly a, VdevSpec v) {
        List<VdevSpec> all = a.spec.vdevs("shmem");
        int index = 0;
        while (all.get(index) != v) {
            index++;
        }
        int windows = a.arch == Arch.AARCH64 ? VirtLayout.SHMEM_WINDOW_COUNT : PcLayout.SHMEM_WINDOW_COUNT;
        if (index >= windows) {
            throw new ConfigException(v.origin(), "at most " + windows + " shmem vdevs fit this board's shmem windows");
        }
        return index;
    }

    private static List<VdevOption> options(VdevSpec v, String name) {
        return v.options().stream().filter(o -> o.name().equals(name)).toList();
    }

    private static ShmemPolicy policy(VdevSpec v) {
        List<ShmemPolicy.Rule> rules = new ArrayList<>();
        for (VdevOption o : v.options()) {
            if (o.name().equals("allow") || o.name().equals("deny")) {
                String glob = ((Value.Text) o.value()).value();
                try {
                    java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + glob);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(o.origin(), o.name() + ": '" + glob + "' is not a shell glob: " + e.getMessage());
                }
                rules.add(new ShmemPolicy.Rule(o.name().equals("allow"), glob));
            }
        }
        Optional<ShmemPolicy.Subst> subst = v.option("subst").map(o -> {
            String text = ((Value.Text) o.value()).value();
            int comma = text.indexOf(',');
            if (comma < 0) {
                throw new ConfigException(o.origin(), "subst: '" + text + "' is not [orig],prefix");
            }
            return new ShmemPolicy.Subst(text.substring(0, comma), text.substring(comma + 1));
        });
        int umask = VdevRegistry.number(v, "umask").map(Long::intValue).orElse(ShmemPolicy.DEFAULT_UMASK);
        Optional<Integer> gid = VdevRegistry.number(v, "gid").map(Long::intValue);
        return new ShmemPolicy(rules, subst, umask, gid);
    }

    /** {@code create name,size[,mode[,gid]]}: the region exists, kept by this VM, before the guest starts. */
    private static void create(GuestShm shm, VdevOption o) {
        List<String> parts = ((Value.Words) o.value()).words();
        long size = Values.size(parts.get(1), o.origin(), "create (size)");
        int mode = parts.size() > 2 ? (int) OptionSpec.octalPermissions(parts.get(2), o.origin(), "create (mode)")
                : ShmemPolicy.GUEST_CREATE_MODE;
        Optional<Integer> gid = parts.size() > 3 ? Optional.of((int) Values.number(parts.get(3), o.origin(), "create (gid)"))
                : Optional.empty();
        try {
            shm.create(parts.get(0), size, mode, gid);
        } catch (IllegalArgumentException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, o.origin() + ": create: " + e.getMessage());
        }
    }
}
