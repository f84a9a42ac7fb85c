package io.jqvm.config;

import io.jqvm.common.Arch;
import io.jqvm.common.Log;
import io.jqvm.config.model.Accel;
import io.jqvm.config.model.BlobType;
import io.jqvm.config.model.DumpSpec;
import io.jqvm.config.model.GdbSpec;
import io.jqvm.config.model.LoadSpec;
import io.jqvm.config.model.LoggerSpec;
import io.jqvm.config.model.MemoryRegion;
import io.jqvm.config.model.Safety;
import io.jqvm.config.model.Unsupported;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static io.jqvm.config.Configs.args;
import static io.jqvm.config.Configs.failsWith;
import static io.jqvm.config.Configs.file;
import static io.jqvm.config.Configs.fileFailsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GlobalOptionsTest {
    @TempDir
    Path cwd;

    @Test
    void systemNamesTheVm() {
        assertEquals(Optional.of("guest1"), args(cwd, "system", "guest1", "dryrun").system());
    }

    @Test
    void systemMustBeFirst() {
        failsWith(cwd, "<command line>:1:2: \"system\" must be the first entry of the configuration", "dryrun", "system", "x");
        fileFailsWith(cwd, "c.conf:2:1: \"system\" must be the first entry of the configuration", "ram 1m\nsystem x\n");
    }

    @Test
    void systemNeedsAUsableName() {
        failsWith(cwd, "<command line>:1:1: \"system\" needs an argument: system name", "system");
        failsWith(cwd, "<command line>:1:2: system: \"a/b\" is not a VM name (it must be non-empty and contain no '/')",
                "system", "a/b");
    }

    @Test
    void ramAndRomWithoutStartFollowTheHighestRegionSoFar() {
        VmSpec spec = file(cwd, "m.conf", "ram 0,0xa0000\nrom 0xc0000,0x40000\nram 1m,1023m\nram 4096M,2048M\nrom 64k\n");
        assertEquals(List.of(
                new MemoryRegion(MemoryRegion.Kind.RAM, 0, 0xa0000, true, new Origin("m.conf", 1, 1)),
                new MemoryRegion(MemoryRegion.Kind.ROM, 0xc0000, 0x40000, true, new Origin("m.conf", 2, 1)),
                new MemoryRegion(MemoryRegion.Kind.RAM, 0x100000, 1023L << 20, true, new Origin("m.conf", 3, 1)),
                new MemoryRegion(MemoryRegion.Kind.RAM, 4L << 30, 2L << 30, true, new Origin("m.conf", 4, 1)),
                new MemoryRegion(MemoryRegion.Kind.ROM, 6L << 30, 64 << 10, false, new Origin("m.conf", 5, 1))),
                spec.memory());
    }

    @Test
    void theFirstRegionWithoutStartIsAtZeroAndALowerRegionDoesNotMoveTheEnd() {
        VmSpec spec = args(cwd, "ram", "16M", "ram", "0x80000000,1M", "ram", "0x1000,4K", "ram", "4k");
        assertEquals(0, spec.memory().get(0).base());
        assertEquals(0x80100000L, spec.memory().get(3).base());
        assertEquals("ram 0x80100000,4K", spec.memory().get(3).toString());
    }

    @Test
    void memoryErrors() {
        failsWith(cwd, "<command line>:1:2: ram: \"0x1001,4K\" is not a multiple of 4K in start", "ram", "0x1001,4K");
        failsWith(cwd, "<command line>:1:2: rom: \"100\" is not a multiple of 4K in length", "rom", "100");
        failsWith(cwd, "<command line>:1:2: ram: the length in \"0x1000,0\" must not be 0", "ram", "0x1000,0");
        failsWith(cwd, "<command line>:1:2: ram: \"1,2,3\" has too many fields (write [start,]length)", "ram", "1,2,3");
        failsWith(cwd, "<command line>:1:2: ram: \"0xfffffffffffff000,8K\" ends beyond the 64-bit address space",
                "ram", "0xfffffffffffff000,8K");
        failsWith(cwd, "<command line>:1:2: ram start: \"x\" is not a size or address (write 0x1000, 4096, 4K, 16M or 1G)",
                "ram", "x,4K");
        failsWith(cwd, "<command line>:1:1: \"rom\" needs an argument: rom [start,]length", "rom");
    }

    @Test
    void loadsWithBlobTypesAndAddresses() {
        VmSpec spec = args(cwd, "ram", "0x80000000,128M", "load", "0x80080000,Image", "initrd", "load", "/boot/initrd",
                "fdt", "load", "overlay.dtb", "data", "load", "0x80000000,blob.bin", "load", "./1,odd", "guest", "load", "g");
        List<LoadSpec> loads = spec.loads();
        assertEquals(new LoadSpec(Optional.empty(), OptionalLong.of(0x80080000L), cwd.resolve("Image"),
                Origin.commandLine(3)), loads.get(0));
        assertEquals(new LoadSpec(Optional.of(BlobType.INITRD), OptionalLong.empty(), Path.of("/boot/initrd"),
                Origin.commandLine(5)), loads.get(1));
        assertEquals(Optional.of(BlobType.FDT), loads.get(2).type());
        assertEquals(OptionalLong.of(0x80000000L), loads.get(3).address());
        assertEquals(cwd.resolve("1,odd"), loads.get(4).path());
        assertEquals(Optional.of(BlobType.GUEST), loads.get(5).type());
    }

    @Test
    void aLoadAddressMustLieInMemoryDeclaredBefore() {
        failsWith(cwd, "<command line>:1:2: load: address \"0x80000000\" is not inside any ram or rom declared before this load",
                "load", "0x80000000,Image", "ram", "0x80000000,1M");
        failsWith(cwd, "<command line>:1:5: acpi load: address \"0x100000\" is not inside any ram or rom declared before this load",
                "ram", "1M", "acpi", "load", "0x100000,t.aml");
    }

    @Test
    void loadErrors() {
        failsWith(cwd, "<command line>:1:2: load: \"0x1000,\" names no file", "load", "0x1000,");
        failsWith(cwd, "<command line>:1:2: load: \"\" names no file", "load", "");
        failsWith(cwd, "<command line>:1:1: \"load\" needs an argument: load [addr,]path", "load");
        failsWith(cwd, "<command line>:1:1: \"initrd\" must be followed by load or pass", "initrd", "Image");
        failsWith(cwd, "<command line>:1:1: \"fdt\" must be followed by load or pass", "fdt");
        failsWith(cwd, "<command line>:1:2: \"load\" needs an argument: data load [addr,]path", "data", "load");
        failsWith(cwd, "<command line>:1:2: load address: \"0xZZ\" is not a size or address (write 0x1000, 4096, 4K, 16M or 1G)",
                "load", "0xZZ,x");
        failsWith(cwd, "<command line>:1:2: load: \"a\\u0000b\" is not a valid path (Nul character not allowed)", "load", "a\0b");
    }

    @Test
    void cmdlineLastOneWins() {
        assertEquals(Optional.of("b c"), args(cwd, "cmdline", "a", "cmdline", "b c").cmdline());
        failsWith(cwd, "<command line>:1:1: \"cmdline\" needs an argument: cmdline \"text\"", "cmdline");
    }

    @Test
    void setTypedGlobalVariables() {
        VmSpec spec = args(cwd, "set", "fdt-dump-file", "/tmp/fdt.dtb", "set", "grow-heap", "4K",
                "set", "exit-on-halt", "no", "set", "counter-offset", "0d16384", "set", "posted-interrupts", "auto",
                "set", "slog-buffer", "0d16384", "set", "exit-on-halt", "TRUE");
        assertEquals(new Value.Text("/tmp/fdt.dtb"), spec.setting("fdt-dump-file").orElseThrow().value());
        assertEquals(new Value.Number(4096), spec.setting("grow-heap").orElseThrow().value());
        assertEquals(new Value.Bool(true), spec.setting("exit-on-halt").orElseThrow().value());
        assertEquals(Origin.commandLine(19), spec.setting("exit-on-halt").orElseThrow().origin());
        assertEquals(new Value.Number(16384), spec.setting("counter-offset").orElseThrow().value());
        assertEquals(new Value.Tristate(Value.Tristate.State.AUTO), spec.setting("posted-interrupts").orElseThrow().value());
        assertEquals(Optional.empty(), spec.setting("message-block-timeout"));
    }

    @Test
    void setErrors() {
        String known = "counter-offset, debug, exit-on-halt, fdt-dump-file, grow-heap, message-block-timeout, "
                + "vdev-message-block-timeout, slog-buffer, gic-hwassist, host-paddr-gicd, host-paddr-gich, host-paddr-gicv, "
                + "pointer-authentication, legacy-free, posted-interrupts, virtual-interrupts";
        failsWith(cwd, "<command line>:1:2: unknown variable \"?\" (known variables: " + known + ")", "set", "?", "x");
        failsWith(cwd, "<command line>:1:2: unknown variable \"exit-on-hlt\"; did you mean \"exit-on-halt\"? (known variables: "
                + known + ")", "set", "exit-on-hlt", "on");
        failsWith(cwd, "<command line>:1:3: set exit-on-halt: \"maybe\" is not a boolean (write on/off, 1/0, yes/no or true/false)",
                "set", "exit-on-halt", "maybe");
        failsWith(cwd, "<command line>:1:3: set virtual-interrupts: \"sometimes\" is not on, off or auto",
                "set", "virtual-interrupts", "sometimes");
        failsWith(cwd, "<command line>:1:3: set fdt-dump-file: the value must not be empty", "set", "fdt-dump-file", "");
        failsWith(cwd, "<command line>:1:1: variable \"debug\" applies to a vdev: set it after the vdev it configures",
                "set", "debug", "on");
        failsWith(cwd, "<command line>:1:1: \"set\" needs an argument: set grow-heap value", "set", "grow-heap");
        failsWith(cwd, "<command line>:1:1: \"set\" needs an argument: set variable value", "set");
    }

    @Test
    void loggersReplaceTheDefault() {
        assertEquals(LoggerSpec.DEFAULT, args(cwd, "dryrun").effectiveLoggers());
        VmSpec spec = args(cwd, "logger", "debug,verbose", "stdout", "logger", "fatal", "none");
        assertEquals(List.of(
                new LoggerSpec(EnumSet.of(Log.Level.DEBUG, Log.Level.VERBOSE), LoggerSpec.Destination.STDOUT, Origin.commandLine(1)),
                new LoggerSpec(Set.of(Log.Level.FATAL), LoggerSpec.Destination.NONE, Origin.commandLine(4))),
                spec.effectiveLoggers());
    }

    @Test
    void loggerErrors() {
        failsWith(cwd, "<command line>:1:2: logger: unknown filter \"warning\" (filters: fatal, internal, error, warn, info, debug, verbose)",
                "logger", "info,warning", "stderr");
        failsWith(cwd, "<command line>:1:3: logger: \"file\" is not valid (write logger filter[,filter...] stdout|stderr|slog|none)",
                "logger", "info", "file");
        failsWith(cwd, "<command line>:1:1: \"logger\" needs an argument: logger filter[,filter...] stdout|stderr|slog|none",
                "logger", "info");
    }

    @Test
    void unsupportedHasQnxDefaults() {
        VmSpec defaults = args(cwd, "dryrun");
        assertEquals(Unsupported.Action.FAIL, defaults.unsupportedAction(Unsupported.Kind.INSTRUCTION));
        assertEquals(Unsupported.Action.IGNORE, defaults.unsupportedAction(Unsupported.Kind.REFERENCE));
        assertEquals(Unsupported.Action.FAIL, defaults.unsupportedAction(Unsupported.Kind.REGISTER));
        VmSpec spec = args(cwd, "unsupported", "register", "abort", "unsupported", "reference", "fail");
        assertEquals(Unsupported.Action.ABORT, spec.unsupportedAction(Unsupported.Kind.REGISTER));
        assertEquals(Unsupported.Action.FAIL, spec.unsupportedAction(Unsupported.Kind.REFERENCE));
        assertEquals(Unsupported.Action.FAIL, spec.unsupportedAction(Unsupported.Kind.INSTRUCTION));
        failsWith(cwd, "<command line>:1:2: unsupported: \"opcode\" is not valid (write unsupported "
                + "instruction|reference|register abort|fail|ignore)", "unsupported", "opcode", "abort");
        failsWith(cwd, "<command line>:1:3: unsupported: \"skip\" is not valid (write unsupported register abort|fail|ignore)",
                "unsupported", "register", "skip");
    }

    @Test
    void toleranceDumpSafetyFlags() {
        VmSpec spec = args(cwd, "tolerance", "100", "dump", "cores", "safety", "warn", "dryrun", "debug");
        assertEquals(OptionalLong.of(100), spec.tolerance());
        assertEquals(new DumpSpec.Directory(cwd.resolve("cores"), Origin.commandLine(3)), spec.dump().orElseThrow());
        assertEquals(Optional.of(Safety.WARN), spec.safety());
        assertTrue(spec.dryrun());
        assertTrue(spec.debug());
        VmSpec none = args(cwd, "dump", "|gzip >dump_output.gz");
        assertEquals(new DumpSpec.Pipe("gzip >dump_output.gz", Origin.commandLine(1)), none.dump().orElseThrow());
        assertFalse(none.dryrun());
        assertFalse(none.debug());
        assertEquals(Optional.empty(), none.safety());
    }

    @Test
    void toleranceDumpSafetyErrors() {
        failsWith(cwd, "<command line>:1:2: tolerance: \"0\" is out of range 1..2147483647", "tolerance", "0");
        failsWith(cwd, "<command line>:1:2: dump: \"| \" names no command after '|'", "dump", "| ");
        failsWith(cwd, "<command line>:1:2: dump: the directory must not be empty", "dump", "");
        failsWith(cwd, "<command line>:1:2: safety: \"strict\" is not valid (write safety none|warn|required)", "safety", "strict");
    }

    @Test
    void suppressIsIgnoredWithAWarning() {
        VmSpec spec = args(cwd, "ram", "1M", "suppress");
        assertEquals(1, spec.memory().size());
        assertEquals(List.of("<command line>:1:3: \"suppress\" is not supported by jqvm; ignored"),
                spec.warnings().stream().map(Object::toString).toList());
    }

    @Test
    void gdbEndpoints() {
        assertEquals(Optional.of(new GdbSpec.Tcp("127.0.0.1", 1234)), args(cwd, "gdb", "1234").gdb().map(GdbSpec::endpoint));
        assertEquals(Optional.of(new GdbSpec.Tcp("127.0.0.1", 1234)), args(cwd, "gdb", "tcp:1234").gdb().map(GdbSpec::endpoint));
        GdbSpec any = args(cwd, "gdb", "tcp:0.0.0.0:9000,wait").gdb().orElseThrow();
        assertEquals(new GdbSpec.Tcp("0.0.0.0", 9000), any.endpoint());
        assertTrue(any.waitForDebugger());
        GdbSpec unix = args(cwd, "gdb", "unix:gdb.sock").gdb().orElseThrow();
        assertEquals(new GdbSpec.Unix(cwd.resolve("gdb.sock")), unix.endpoint());
        assertFalse(unix.waitForDebugger());
        assertTrue(args(cwd, "ram", "1M").gdb().isEmpty());
        assertTrue(args(cwd, "ram", "1M").warnings().isEmpty());
    }

    @Test
    void badGdbEndpointsAreErrorsAtTheArgument() {
        failsWith(cwd, "<command line>:1:2: gdb: \"70000\" is not a TCP port (1-65535)", "gdb", "tcp:70000");
        failsWith(cwd, "<command line>:1:2: gdb: \"0\" is not a TCP port (1-65535)", "gdb", "tcp:localhost:0");
        failsWith(cwd, "<command line>:1:4: gdb: \"paused\" is not a gdb flag (the only one is 'wait': hold the guest"
                + " until the debugger attaches)", "ram", "1M", "gdb", "1234,paused");
        failsWith(cwd, "<command line>:1:2: gdb: unix: needs a socket path", "gdb", "unix:,wait");
        failsWith(cwd, "<command line>:1:2: gdb: the host before ':1234' is empty (write tcp:PORT for the loopback"
                + " address, or tcp:HOST:PORT)", "gdb", "tcp::1234");
        failsWith(cwd, "<command line>:1:2: gdb: \"serial\" is not an endpoint (write gdb [tcp:[HOST:]]PORT[,wait] or"
                + " gdb unix:PATH[,wait])", "gdb", "serial");
        failsWith(cwd, "<command line>:1:1: \"gdb\" needs an argument: gdb [tcp:[HOST:]]PORT[,wait] or"
                + " gdb unix:PATH[,wait]", "gdb");
    }

    @Test
    void archAndAccelExtensions() {
        VmSpec spec = args(cwd, "arch", "aarch64", "accel", "soft");
        assertEquals(Optional.of(Arch.AARCH64), spec.arch());
        assertEquals(Optional.of(Accel.SOFT), spec.accel());
        assertEquals(Optional.of(Accel.KVM), args(cwd, "accel", "kvm").accel());
        failsWith(cwd, "<command line>:1:2: arch: \"arm64\" is not x86_64 or aarch64", "arch", "arm64");
        failsWith(cwd, "<command line>:1:2: accel: \"hvf\" is not valid (write accel kvm|soft)", "accel", "hvf");
    }

    @Test
    void aForcedArchitectureChecksBlobsAndVariables() {
        failsWith(cwd, "<command line>:1:3: \"acpi load\" is for x86_64 guests, not aarch64",
                "arch", "aarch64", "acpi", "load", "table.aml");
        failsWith(cwd, "<command line>:1:3: variable \"gic-hwassist\" does not apply to x86_64 guests",
                "arch", "x86_64", "set", "gic-hwassist", "on");
        failsWith(cwd, "<command line>:1:3: \"acpi pass\" is for x86_64 guests, not aarch64",
                "arch", "aarch64", "acpi", "pass", "loc", "0x1000,0x1000");
    }

    @Test
    void unknownOptionsSuggestACloseSpelling() {
        failsWith(cwd, "<command line>:1:1: unknown option \"ramm\"; did you mean \"ram\"? (options: system, ram, rom, cpu, load, "
                + "cmdline, pass, reserve, vdev, set, logger, unsupported, tolerance, dump, safety, dryrun, debug, gdb, "
                + "suppress, arch, accel, acpi, data, initrd, fdt, guest)", "ramm", "1M");
    }

    @Test
    void aRamLengthOf2To63BytesOrMoreIsRefusedAtItsLine() {
        failsWith(cwd, "<command line>:1:2: ram: the length in \"0x8000000000000000\" is 2^63 bytes or more, beyond what"
                + " a host process can map", "ram", "0x8000000000000000", "dryrun");
        failsWith(cwd, "<command line>:1:2: ram: the length in \"0x40000000,0xfffffffffffff000\" is 2^63 bytes or more,"
                + " beyond what a host process can map", "ram", "0x40000000,0xfffffffffffff000");
    }
}
