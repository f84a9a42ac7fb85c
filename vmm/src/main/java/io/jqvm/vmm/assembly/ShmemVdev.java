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
import io.jqvm.devices.shmem.GuestShm;
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
 * A device-tree {@code qvm,guest_shm} node on AArch64. The PCI form (no {@code loc}) waits for the PCI bus.
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
        long factory = VdevRegistry.memoryLocation(v).orElseThrow(() -> new ConfigException(v.origin(),
                "vdev shmem without loc is qvm's PCI form, which jqvm does not build yet: give the factory page a loc"));
        int index = windowIndex(a, v);
        boolean arm = a.arch == Arch.AARCH64;
        long windowSize = arm ? VirtLayout.SHMEM_WINDOW_SIZE : PcLayout.SHMEM_WINDOW_SIZE;
        long window = (arm ? VirtLayout.SHMEM_WINDOWS : PcLayout.SHMEM_WINDOWS) + index * windowSize;
        int vector = (int) v.interrupts().getFirst().line();
        v.option("sched").ifPresent(o -> io.jqvm.common.Log.warn(o.origin()
                + ": sched: the shmem notification threads keep the host's normal scheduling"));
        a.peerMappedMemory = true; // peers write the regions this vdev maps: no CPU store shows it
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
        GuestShm shm = new GuestShm(Path.of(HOST_DIRECTORY), policy(v), VdevRegistry.interrupts(a, v, owner, null),
                vector, window, windowSize, mappings, owner);
        a.resources.add(shm);
        a.mapDevice(v, owner, Space.MEM, factory, GuestShm.FACTORY_SIZE, shm.factory());
        a.mapDevice(v, owner + " connections", Space.MEM, window, windowSize, shm.window());
        if (a.runtimeDirectory.isPresent()) { // a VM that will run: dryrun creates nothing on the host
            for (VdevOption o : options(v, "create")) {
                create(shm, o);
            }
        }
        VdevRegistry.describe(a, owner, factory, vector, spi -> Arm64Board.Peripheral.guestShm(factory, spi));
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
