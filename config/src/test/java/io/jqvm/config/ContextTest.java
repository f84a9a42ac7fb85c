package io.jqvm.config;

import io.jqvm.config.model.BlobType;
import io.jqvm.config.model.CpuSpec;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.PassAttribute;
import io.jqvm.config.model.PassHost;
import io.jqvm.config.model.PassInterrupt;
import io.jqvm.config.model.PassInterruptSource;
import io.jqvm.config.model.PassLocation;
import io.jqvm.config.model.PassSpec;
import io.jqvm.config.model.ReserveSpec;
import io.jqvm.config.model.Sched;
import io.jqvm.config.model.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import static io.jqvm.config.Configs.args;
import static io.jqvm.config.Configs.failsWith;
import static io.jqvm.config.Configs.file;
import static io.jqvm.config.Configs.fileFailsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cpu, pass and reserve contexts, and how contexts interleave with global options. */
class ContextTest {
    @TempDir
    Path cwd;

    private static Sched prio(int p) {
        return new Sched.Priority(p, Sched.Policy.ROUND_ROBIN);
    }

    @Test
    void aGlobalOptionDoesNotCloseACpuContext() {
        VmSpec spec = args(cwd, "cpu", "sched", "8", "ram", "32m", "cpu", "sched", "6");
        assertEquals(List.of(Optional.of(prio(8)), Optional.of(prio(6))), spec.cpus().stream().map(CpuSpec::sched).toList());
        assertEquals(1, spec.memory().size());
        VmSpec same = args(cwd, "cpu", "ram", "32m", "sched", "8");
        assertEquals(Optional.of(prio(8)), same.cpus().getFirst().sched());
    }

    @Test
    void theLastRepeatedOptionInAContextWins() {
        assertEquals(Optional.of(prio(6)), args(cwd, "cpu", "sched", "8", "sched", "6").cpus().getFirst().sched());
    }

    @Test
    void cpuOptions() {
        VmSpec spec = file(cwd, "cpu.conf", """
                cpu sched 10 runmask 4,5,6,7
                cpu sched 20f partition sys
                cpu cluster _cpu-1 sched 3o
                cpu sched 7r
                cpu
                """);
        assertEquals(new CpuSpec(Optional.of(prio(10)), List.of(4, 5, 6, 7), Optional.empty(), Optional.empty(),
                new Origin("cpu.conf", 1, 1)), spec.cpus().get(0));
        assertEquals(new Sched.Priority(20, Sched.Policy.FIFO), spec.cpus().get(1).sched().orElseThrow());
        assertEquals(Optional.of("sys"), spec.cpus().get(1).partition());
        assertEquals(Optional.of("_cpu-1"), spec.cpus().get(2).cluster());
        assertEquals(new Sched.Priority(3, Sched.Policy.OTHER), spec.cpus().get(2).sched().orElseThrow());
        assertEquals(prio(7), spec.cpus().get(3).sched().orElseThrow());
        assertEquals(new CpuSpec(Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
                new Origin("cpu.conf", 5, 1)), spec.cpus().get(4));
    }

    @Test
    void sporadicScheduling() {
        Sched expected = new Sched.Sporadic(12, 5, 3, 1_000_000, 250_000);
        assertEquals(expected, args(cwd, "cpu", "sched", "12,5,3,1000000,250000s").cpus().getFirst().sched().orElseThrow());
        VmSpec spaced = args(cwd, "cpu", "sched", "12,5,3,1000000,250000", "s", "ram", "1M");
        assertEquals(expected, spaced.cpus().getFirst().sched().orElseThrow());
        assertEquals(1, spaced.memory().size());
    }

    @Test
    void hexPrioritiesAreNotReadAsPolicies() {
        assertEquals(prio(15), args(cwd, "cpu", "sched", "0xf").cpus().getFirst().sched().orElseThrow());
    }

    @Test
    void cpuErrors() {
        failsWith(cwd, "<command line>:1:3: cpu sched: \"f\" has no priority (write prio[r|f|o], e.g. 10f)", "cpu", "sched", "f");
        failsWith(cwd, "<command line>:1:3: cpu sched (priority): \"256\" is out of range 1..255", "cpu", "sched", "256");
        failsWith(cwd, "<command line>:1:3: cpu sched (priority): \"10x\" is not a number (write 123, 0x7b or 0d123)",
                "cpu", "sched", "10x");
        failsWith(cwd, "<command line>:1:3: cpu sched: sporadic parameters \"1,1,1,1,1\" must be followed by the policy letter s",
                "cpu", "sched", "1,1,1,1,1");
        failsWith(cwd, "<command line>:1:3: cpu sched: \"1,1s\" is not prio[r|f|o] or high,low,max_repl,period_ns,budget_ns s",
                "cpu", "sched", "1,1s");
        failsWith(cwd, "<command line>:1:3: cpu sched (sporadic): low priority 9 is above high priority 5",
                "cpu", "sched", "5,9,1,100,10s");
        failsWith(cwd, "<command line>:1:3: cpu sched (sporadic): budget 200 ns exceeds the period 100 ns",
                "cpu", "sched", "9,5,1,100,200s");
        failsWith(cwd, "<command line>:1:3: cpu runmask: \"1024\" is out of range 0..1023", "cpu", "runmask", "1,1024");
        failsWith(cwd, "<command line>:1:2: \"sched\" needs an argument: sched prio[r|f|o] or sched high,low,max_repl,period_ns,budget_ns s",
                "cpu", "sched");
        failsWith(cwd, "<command line>:1:3: partition: the name must not be empty", "cpu", "partition", "");
        failsWith(cwd, "<command line>:1:4: \"cluster\" cannot be combined with \"runmask\" in one cpu: a cluster replaces runmask and partition",
                "cpu", "runmask", "1", "cluster", "c");
        failsWith(cwd, "<command line>:1:4: \"partition\" cannot be combined with \"cluster\" in one cpu: a cluster replaces runmask and partition",
                "cpu", "cluster", "c", "partition", "p");
    }

    @Test
    void contextOptionsOutsideTheirContextAreUnknown() {
        failsWith(cwd, "<command line>:1:1: unknown option \"sched\" (options: system, ram, rom, cpu, load, cmdline, pass, "
                + "reserve, vdev, set, logger, unsupported, tolerance, dump, safety, dryrun, debug, gdb, suppress, arch, "
                + "accel, acpi, data, initrd, fdt, guest)", "sched", "8");
        failsWith(cwd, "<command line>:1:3: unknown option \"loc\" for cpu (cpu options: sched, runmask, partition, cluster, set; "
                + "or a top-level option)", "cpu", "dryrun", "loc", "1");
        failsWith(cwd, "<command line>:1:2: unknown option \"schd\" for cpu; did you mean \"sched\"? (cpu options: sched, runmask, "
                + "partition, cluster, set; or a top-level option)", "cpu", "schd", "1");
    }

    @Test
    void passLocationsInBothQnxForms() {
        VmSpec spec = file(cwd, "pass.conf", """
                pass loc mem:0x2000,r=0x1000
                     loc mem:0x2000,0x1000,rw=0x1000 loc 0x1c090000,0x1000
                     loc io:0x3f8,8,rw intr gic:37 intr gic:38,u=70 intr ioapic:4,t
                pass loc pci:0:12.0=pci:0x8086/0x1234 loc pci:0x8086/0x1234 loc pci:0:3.0=pci:1:2.3
                fdt pass loc 0x90000000,4K,m-x
                """);
        PassSpec first = spec.passes().get(0);
        Origin line1 = new Origin("pass.conf", 1, 10);
        assertEquals(new PassLocation(new Location.Memory(0x2000), OptionalLong.empty(),
                Optional.of(Set.of(PassAttribute.READ)), Optional.of(new PassHost.Address(new Location.Memory(0x1000))), line1), first.locations().get(0));
        assertEquals(new PassLocation(new Location.Memory(0x2000), OptionalLong.of(0x1000),
                Optional.of(Set.of(PassAttribute.READ, PassAttribute.WRITE)), Optional.of(new PassHost.Address(new Location.Memory(0x1000))),
                new Origin("pass.conf", 2, 10)), first.locations().get(1));
        assertEquals(Optional.empty(), first.locations().get(2).attributes());
        assertEquals(Optional.empty(), first.locations().get(2).host());
        assertEquals(new Location.Io(0x3f8), first.locations().get(3).guest());
        assertEquals(List.of(
                new PassInterrupt(new Interrupt(Optional.of("gic"), 37), false, false, Optional.empty(), new Origin("pass.conf", 3, 29)),
                new PassInterrupt(new Interrupt(Optional.of("gic"), 38), true, false, Optional.of(new PassInterruptSource.Vector(70)), new Origin("pass.conf", 3, 41)),
                new PassInterrupt(new Interrupt(Optional.of("ioapic"), 4), false, true, Optional.empty(), new Origin("pass.conf", 3, 58))),
                first.interrupts());
        PassSpec pci = spec.passes().get(1);
        assertEquals(new Location.PciSlot(0, 12, OptionalInt.of(0)), pci.locations().get(0).guest());
        assertEquals(Optional.of(new PassHost.Address(new Location.PciId(0x8086, 0x1234))), pci.locations().get(0).host());
        assertEquals(new Location.PciId(0x8086, 0x1234), pci.locations().get(1).guest());
        assertEquals(Optional.of(new PassHost.Address(new Location.PciSlot(1, 2, OptionalInt.of(3)))), pci.locations().get(2).host());
        PassSpec fdt = spec.passes().get(2);
        assertEquals(Optional.of(BlobType.FDT), fdt.blobType());
        assertEquals(new Origin("pass.conf", 5, 1), fdt.origin());
        assertEquals(Optional.of(EnumSet.of(PassAttribute.READ, PassAttribute.WRITE, PassAttribute.CACHEABLE,
                PassAttribute.SYSTEM_RAM, PassAttribute.S, PassAttribute.T, PassAttribute.NO_DMA)), fdt.locations().get(0).attributes());
    }

    @Test
    void passErrors() {
        failsWith(cwd, "<command line>:1:1: \"pass\" passes nothing: give at least one loc or intr", "pass", "ram", "1M");
        failsWith(cwd, "<command line>:1:3: pass loc: unknown attribute \"q\" in \"rq\" (attributes: + - r w x c e m d n s t)",
                "pass", "loc", "0x1000,0x1000,rq");
        failsWith(cwd, "<command line>:1:3: pass loc: attributes \"md\" combine 'm' with 'd', which it excludes",
                "pass", "loc", "0x1000,0x1000,md");
        failsWith(cwd, "<command line>:1:3: pass loc: empty attribute field", "pass", "loc", "0x1000,0x1000,");
        failsWith(cwd, "<command line>:1:3: pass loc: \"1,2,r,w\" has too many fields (write [space:]region[,length][,attrs][=host])",
                "pass", "loc", "1,2,r,w");
        failsWith(cwd, "<command line>:1:3: pass loc: unexpected field \"0x10\" in \"1,r,0x10\" (write [space:]region[,length][,attrs][=host])",
                "pass", "loc", "1,r,0x10");
        failsWith(cwd, "<command line>:1:3: pass loc: length \"0\" must not be 0", "pass", "loc", "1,0");
        failsWith(cwd, "<command line>:1:3: pass loc: \"pci:0:1,4K\": a PCI location takes no length or attributes",
                "pass", "loc", "pci:0:1,4K");
        failsWith(cwd, "<command line>:1:3: pass loc: \"io:0x60=mem:0x60\" maps a io: location to a mem: one",
                "pass", "loc", "io:0x60=mem:0x60");
        failsWith(cwd, "<command line>:1:3: pass loc: \"pci:1/2=pci:0:1\": the guest side must be a slot (pci:bus:dev.func), not vid/did",
                "pass", "loc", "pci:1/2=pci:0:1");
        failsWith(cwd, "<command line>:1:3: pass loc (host location): unknown location space \"0:\" in \"0:1\" (use mem:, io: or pci:)",
                "pass", "loc", "pci:0:1=0:1");
        failsWith(cwd, "<command line>:1:3: pass loc: \"mem:$asinfo_start{gicd}\": host asinfo is QNX-specific; give the address",
                "pass", "loc", "mem:$asinfo_start{gicd},0x1000");
        failsWith(cwd, "<command line>:1:3: pass intr: unknown flag \"x\" in \"gic:3,x\" (flags: u = unmask at once, t = interrupt thread)",
                "pass", "intr", "gic:3,x");
        failsWith(cwd, "<command line>:1:3: pass intr: \"v\" is not a host interrupt (write a host vector, uio:N or eventfd:SOCKET_PATH)",
                "pass", "intr", "gic:3=v");
        failsWith(cwd, "<command line>:1:2: \"loc\" needs an argument: loc [space:]region[,length][,attrs][=host]", "pass", "loc");
    }

    @Test
    void passHostObjectsAndInterruptSources() {
        VmSpec spec = file(cwd, "objects.conf", """
                pass loc 0x9000000,0x2000,rw=file:/var/regs.bin@0x1000 loc 0x9010000,4K,r=shm:regfile
                     loc 0x9020000,4K,rw=uio:2/1 loc 0x9030000,4K=file:/a@b/c
                     intr gic:40=uio:3 intr gic:41,u=eventfd:/run/dev.sock intr gic:42=0x40 unsafe
                pass loc 0x9040000,4K
                """);
        List<PassLocation> locations = spec.passes().getFirst().locations();
        assertEquals(Optional.of(new PassHost.File("/var/regs.bin", 0x1000)), locations.get(0).host());
        assertEquals(Optional.of(new PassHost.SharedMemory("regfile")), locations.get(1).host());
        assertEquals(Optional.of(new PassHost.Uio(2, 1)), locations.get(2).host());
        assertEquals(Optional.of(new PassHost.File("/a@b/c", 0)), locations.get(3).host(), "an @ before the last / is the path's");
        List<PassInterrupt> interrupts = spec.passes().getFirst().interrupts();
        assertEquals(Optional.of(new PassInterruptSource.Uio(3)), interrupts.get(0).source());
        assertEquals(Optional.of(new PassInterruptSource.Eventfd("/run/dev.sock")), interrupts.get(1).source());
        assertTrue(interrupts.get(1).unmaskImmediately());
        assertEquals(Optional.of(new PassInterruptSource.Vector(0x40)), interrupts.get(2).source());
        assertTrue(spec.passes().getFirst().unsafe());
        assertFalse(spec.passes().get(1).unsafe(), "unsafe belongs to its own pass entry");
    }

    @Test
    void passHostObjectErrorsPointAtTheHostPart() {
        fileFailsWith(cwd, "c.conf:1:34: pass loc: file offset \"0x10\" is not a multiple of 4K (memory is mapped in pages)",
                "pass loc 0x9000000,4K,rw=file:/r@0x10\n");
        fileFailsWith(cwd, "c.conf:1:23: pass loc: \"shm:a/b\" is not a shared-memory object name (write shm:NAME, NAME without '/')",
                "pass loc 0x9000000,4K=shm:a/b\n");
        fileFailsWith(cwd, "c.conf:1:23: pass loc: \"uio:1\" names no map (write uio:DEVICE/MAP, e.g. uio:0/0)",
                "pass loc 0x9000000,4K=uio:1\n");
        fileFailsWith(cwd, "c.conf:1:29: pass loc (UIO map): \"x\" is not a number (write 123, 0x7b or 0d123)",
                "pass loc 0x9000000,4K=uio:1/x\n");
        fileFailsWith(cwd, "c.conf:1:20: pass loc: \"io:0x60,1=file:/x\": file: supplies memory; a io: location passes the host's own",
                "pass loc io:0x60,1=file:/x\n");
        fileFailsWith(cwd, "c.conf:1:18: pass intr: \"eventfd:\" names no socket (write eventfd:SOCKET_PATH)",
                "pass intr gic:40=eventfd:\n");
        fileFailsWith(cwd, "c.conf:1:18: pass intr: \"irq7\" is not a host interrupt (write a host vector, uio:N or eventfd:SOCKET_PATH)",
                "pass intr gic:40=irq7\n");
        failsWith(cwd, "<command line>:1:3: pass loc: \"file:\" names no file (write file:PATH[@offset])",
                "pass", "loc", "0x1000,4K=file:");
    }

    @Test
    void reserve() {
        VmSpec spec = args(cwd, "reserve", "loc", "0xa0000,0x20000", "loc", "io:0x80,16", "loc", "pci:0:5", "intr", "39",
                "reserve", "intr", "gic:40,gic:41");
        ReserveSpec first = spec.reserves().get(0);
        assertEquals(List.of(
                new ReserveSpec.Range(new Location.Memory(0xa0000), OptionalLong.of(0x20000), Origin.commandLine(3)),
                new ReserveSpec.Range(new Location.Io(0x80), OptionalLong.of(16), Origin.commandLine(5)),
                new ReserveSpec.Range(new Location.PciSlot(0, 5, OptionalInt.empty()), OptionalLong.empty(), Origin.commandLine(7))),
                first.locations());
        assertEquals(List.of(new Interrupt(Optional.empty(), 39)), first.interrupts());
        assertEquals(2, spec.reserves().get(1).interrupts().size());
        assertEquals(Origin.commandLine(10), spec.reserves().get(1).origin());
    }

    @Test
    void reserveErrors() {
        failsWith(cwd, "<command line>:1:1: \"reserve\" reserves nothing: give at least one loc or intr", "reserve");
        failsWith(cwd, "<command line>:1:3: reserve loc: \"0xa0000\": a memory range needs a length (start,length)",
                "reserve", "loc", "0xa0000");
        failsWith(cwd, "<command line>:1:3: reserve loc: \"pci:0:5,1\": a PCI slot takes no length", "reserve", "loc", "pci:0:5,1");
        failsWith(cwd, "<command line>:1:3: reserve loc: \"pci:1/2\": reserve a PCI slot (pci:bus:dev[.func])",
                "reserve", "loc", "pci:1/2");
        failsWith(cwd, "<command line>:1:3: reserve loc: \"io:0x80,0\": the length must not be 0", "reserve", "loc", "io:0x80,0");
        failsWith(cwd, "<command line>:1:3: reserve intr: \"apic\" is not an interrupt (write controller:line, e.g. gic:37)",
                "reserve", "intr", "apic");
    }

    @Test
    void aNewContextClosesThePreviousOne() {
        VmSpec spec = args(cwd, "pass", "loc", "0x1000,4K", "reserve", "loc", "0x2000,4K", "cpu", "vdev", "pl031",
                "pass", "intr", "gic:1");
        assertEquals(2, spec.passes().size());
        assertEquals(1, spec.reserves().size());
        assertEquals(1, spec.cpus().size());
        assertEquals(1, spec.vdevs().size());
    }
}
