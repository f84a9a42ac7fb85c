package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.Accelerator;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.MachineSpec;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import io.jqvm.device.InterruptController;
import io.jqvm.memory.AddressMap;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pass} in VM assembly for a VM that will run: host objects claimed under the runtime root, mapped at start
 * with the attributes' protection and their contents untouched; the refusals that keep a host safe.
 */
class PassThroughTest {
    @TempDir
    Path dir;

    /** Available for every guest; assembly never asks it for a VM (start is played by the test). */
    static final Accelerator ANY = new Accelerator() {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public String unavailableReason(Arch arch) {
            return null;
        }

        @Override
        public VirtualMachine create(MachineSpec spec, GuestIo io) {
            throw new UnsupportedOperationException();
        }
    };

    /** What the accelerator was asked to map while the VM runs (and has not been asked to unmap). */
    record Mapping(long gpa, MemorySegment host, boolean readOnly) {
    }

    static class RecordingVm implements VirtualMachine {
        final List<Mapping> mappings = new ArrayList<>();

        @Override
        public int vcpuCount() {
            return 1;
        }

        @Override
        public Vcpu vcpu(int index) {
            throw new UnsupportedOperationException();
        }

        @Override
        public InterruptController platformInterrupts() {
            return null;
        }

        @Override
        public void mapMemory(long gpa, MemorySegment host, boolean readOnly) {
            mappings.add(new Mapping(gpa, host, readOnly));
        }

        @Override
        public void unmapMemory(long gpa) {
            assertTrue(mappings.removeIf(m -> m.gpa() == gpa), "unmap of " + Long.toHexString(gpa) + ", which is not mapped");
        }

        @Override
        public ExitCounters exitCounters() {
            return new ExitCounters();
        }

        @Override
        public void close() {
        }
    }

    private final List<AutoCloseable> open = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Path runtimeRoot() {
        return dir.resolve("runtime");
    }

    /** Assembles a VM that will run, named {@code system}, with its runtime directory under the test's root. */
    private Assembly live(String system, String... tokens) {
        return liveOn("aarch64", system, tokens);
    }

    private Assembly liveOn(String arch, String system, String... tokens) {
        RuntimeDirectory runtime = RuntimeDirectory.claim(runtimeRoot(), system);
        open.add(runtime);
        List<String> all = new ArrayList<>(List.of("system", system, "arch", arch, "ram", arch.equals("aarch64")
                ? "0x40000000,16M" : "0,16M"));
        all.addAll(List.of(tokens));
        Assembly a = VmBuilder.assemble(QvmConf.parse(all, dir), List.of(ANY), false, Optional.of(runtime));
        open.add(a);
        return a;
    }

    private Path registerFile(int pages) throws Exception {
        byte[] bytes = new byte[pages * 4096];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7 + 1);
        }
        Path file = dir.resolve("regs.bin");
        Files.write(file, bytes);
        return file;
    }

    @Test
    void aFileIsMappedAtStartUnzeroedAndReadOnlyWithoutW() throws Exception {
        Path file = registerFile(3);
        // x86: a board whose start needs nothing of the test's VM but memory mapping
        Assembly a = liveOn("x86_64", "vm1", "pass", "loc", "0x10000000,0x2000,rw=file:" + file,
                "loc", "0x10100000,0x1000,r=file:" + file + "@0x2000");
        assertTrue(a.map().claims().stream().anyMatch(c -> c.kind() == AddressMap.Kind.PASS && c.base() == 0x10000000L));
        assertTrue(a.machineSpec().peerMappedMemory(), "another process writes pass-through memory");
        RecordingVm vm = new RecordingVm();
        a.start(new RunningPlatform(vm, null, new io.jqvm.vmm.IoDispatcher(a.mmio(), a.pio(),
                io.jqvm.vmm.UnsupportedPolicy.IGNORE, a.control())));
        assertEquals(2, vm.mappings.size());
        Mapping rw = vm.mappings.get(0);
        Mapping ro = vm.mappings.get(1);
        assertEquals(0x10000000L, rw.gpa());
        assertFalse(rw.readOnly());
        assertEquals(0x2000, rw.host().byteSize());
        byte[] file0 = Files.readAllBytes(file);
        assertArrayEquals(java.util.Arrays.copyOfRange(file0, 0, 0x2000), rw.host().toArray(ValueLayout.JAVA_BYTE),
                "never zeroed: the guest sees what the host object holds");
        assertTrue(ro.readOnly());
        assertEquals(file0[0x2000], ro.host().get(ValueLayout.JAVA_BYTE, 0), "the file offset");
        rw.host().set(ValueLayout.JAVA_BYTE, 5, (byte) 0x5a);
        assertEquals(0x5a, Files.readAllBytes(file)[5], "a guest store reaches the host object (shared mapping)");
    }

    @Test
    void aRegionHeldByAnotherVmIsRefusedNamingItThenFreedWhenThatVmEnds() throws Exception {
        Path file = registerFile(4);
        Assembly first = live("holder", "pass", "loc", "0x10000000,0x2000,rw=file:" + file);
        VmmException e = assertThrows(VmmException.class,
                () -> live("second", "pass", "loc", "0x20000000,0x2000,rw=file:" + file + "@0x1000"));
        assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
        assertTrue(e.getMessage().contains("is already passed through to VM 'holder' (process "
                + ProcessHandle.current().pid() + ","), e.getMessage());
        assertTrue(e.getMessage().startsWith("<command line>:"), "names the configuration line: " + e.getMessage());
        live("third", "pass", "loc", "0x20000000,0x1000,rw=file:" + file + "@0x2000"); // no overlap: fine
        open.remove(first);
        first.close();
        live("fourth", "pass", "loc", "0x20000000,0x2000,rw=file:" + file); // the holder ended
    }

    @Test
    void oneVmMayPassTheSameRangeAtTwoGuestAddresses() throws Exception {
        Path file = registerFile(1);
        live("twice", "pass", "loc", "0x10000000,4K,rw=file:" + file, "loc", "0x10001000,4K,r=file:" + file);
    }

    @Test
    void aDmaDeviceNeedsUnsafeWithoutAnIommu() throws Exception {
        Path file = registerFile(1);
        VmmException e = assertThrows(VmmException.class, () -> live("dma", "pass", "loc", "0x10000000,4K,rwd=file:" + file));
        assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
        assertTrue(e.getMessage().contains("add 'unsafe' to this pass"), e.getMessage());
        live("dma2", "pass", "loc", "0x10000000,4K,rwd=file:" + file, "unsafe");
    }

    @Test
    void hostProblemsAreExit64NamingTheLine() {
        VmmException missing = assertThrows(VmmException.class,
                () -> live("m", "pass", "loc", "0x10000000,4K=file:" + dir.resolve("none")));
        assertTrue(missing.getMessage().endsWith(dir.resolve("none") + " does not exist"), missing.getMessage());
        VmmException shm = assertThrows(VmmException.class,
                () -> live("s", "pass", "loc", "0x10000000,4K=shm:jqvm-test-absent-" + ProcessHandle.current().pid()));
        assertTrue(shm.getMessage().contains("does not exist"), shm.getMessage());
        VmmException vector = assertThrows(VmmException.class, () -> live("v", "vdev", "gic", "pass", "intr", "gic:40=0x47"));
        assertTrue(vector.getMessage().contains("Linux gives a process no host interrupt vectors"), vector.getMessage());
        VmmException peer = assertThrows(VmmException.class,
                () -> live("p", "vdev", "gic", "pass", "intr", "gic:40=eventfd:" + dir.resolve("nobody.sock")));
        assertTrue(peer.getMessage().contains("cannot connect"), peer.getMessage());
        assertEquals(ExitStatus.FATAL_BEFORE_START, peer.status());
    }

    @Test
    void configurationMistakesAreExit65AtTheirLine() throws Exception {
        Path file = registerFile(1);
        ConfigException unaligned = assertThrows(ConfigException.class,
                () -> live("u", "pass", "loc", "0x10000800,4K=file:" + file));
        assertTrue(unaligned.getMessage().contains("multiples of 4K"), unaligned.getMessage());
        ConfigException unreadable = assertThrows(ConfigException.class,
                () -> live("w", "pass", "loc", "0x10000000,4K,w=file:" + file));
        assertTrue(unreadable.getMessage().contains("give it 'r'"), unreadable.getMessage());
        ConfigException ports = assertThrows(ConfigException.class, () -> live("io", "pass", "loc", "io:0x3f8,8"));
        assertTrue(ports.getMessage().contains("x86 I/O ports"), ports.getMessage());
        ConfigException overlap = assertThrows(ConfigException.class,
                () -> live("o", "pass", "loc", "0x40000000,4K=file:" + file));
        assertEquals(65, overlap.status().code(), "over RAM: " + overlap.getMessage());
    }

    @Test
    void dryrunOpensNothing() {
        try (Assembly a = VmBuilder.assemble(QvmConf.parse(List.of("arch", "aarch64", "ram", "0x40000000,16M", "vdev", "gic",
                "pass", "loc", "0x10000000,4K=file:/nonexistent", "intr", "gic:40=eventfd:/nonexistent"), dir), List.of(), true)) {
            assertTrue(a.map().claims().stream().anyMatch(c -> c.kind() == AddressMap.Kind.PASS));
            assertNull(a.runtimeDirectory().orElse(null));
        }
    }
}
