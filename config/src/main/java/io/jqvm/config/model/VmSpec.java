package io.jqvm.config.model;

import io.jqvm.common.Arch;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Quote;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A parsed and validated configuration: what the VM consists of, in configuration order, with the origin of
 * every element so later stages (the address map, the builder) can name the offending line.
 * Immutable. Empty lists and Optionals mean "not configured"; the builder decides implicit defaults such
 * as one vCPU when {@link #cpus()} is empty or the arch-dependent vdevs.
 *
 * @param memory      {@code ram} and {@code rom} regions, bases resolved
 * @param settings    global variables set with {@code set}, by name (the last {@code set} wins)
 * @param loggers     explicit {@code logger} lines; see {@link #effectiveLoggers()}
 * @param unsupported explicit {@code unsupported} choices; see {@link #unsupportedAction}
 * @param tolerance   {@code tolerance}, in microseconds
 * @param gdb         {@code gdb}: the GDB remote-protocol server, when configured
 * @param arch        jqvm extension {@code arch}: the forced guest architecture
 * @param accel       jqvm extension {@code accel}: the forced accelerator
 * @param warnings    options accepted but ignored, with their origins, for the launcher to report
 */
public record VmSpec(Optional<String> system, List<MemoryRegion> memory, List<CpuSpec> cpus, List<LoadSpec> loads,
                     Optional<String> cmdline, List<PassSpec> passes, List<ReserveSpec> reserves,
                     List<VdevSpec> vdevs, Map<String, Setting> settings, List<LoggerSpec> loggers,
                     Map<Unsupported.Kind, Unsupported.Action> unsupported, OptionalLong tolerance,
                     Optional<DumpSpec> dump, Optional<GdbSpec> gdb, Optional<Safety> safety, boolean dryrun, boolean debug,
                     Optional<Arch> arch, Optional<Accel> accel, List<ConfigWarning> warnings) {
    public VmSpec {
        memory = List.copyOf(memory);
        cpus = List.copyOf(cpus);
        loads = List.copyOf(loads);
        passes = List.copyOf(passes);
        reserves = List.copyOf(reserves);
        vdevs = List.copyOf(vdevs);
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        loggers = List.copyOf(loggers);
        unsupported = Collections.unmodifiableMap(unsupported.isEmpty()
                ? new EnumMap<>(Unsupported.Kind.class) : new EnumMap<>(unsupported));
        warnings = List.copyOf(warnings);
    }

    /** The explicit loggers, or qvm's default (fatal, internal, error, warn and info to stderr) when none. */
    public List<LoggerSpec> effectiveLoggers() {
        return loggers.isEmpty() ? LoggerSpec.DEFAULT : loggers;
    }

    /** The configured action for {@code kind}, or qvm's default for it. */
    public Unsupported.Action unsupportedAction(Unsupported.Kind kind) {
        return unsupported.getOrDefault(kind, kind.defaultAction());
    }

    /** The global variable {@code name} if the configuration set it. */
    public Optional<Setting> setting(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /** The explicit vdevs of canonical type {@code type} ({@code pl011}), in order. */
    public List<VdevSpec> vdevs(String type) {
        List<VdevSpec> matching = new ArrayList<>();
        for (VdevSpec v : vdevs) {
            if (v.type().equals(type)) {
                matching.add(v);
            }
        }
        return matching;
    }

    /**
     * Checks that everything configured exists on {@code guest}: vdevs, {@code acpi} blobs and
     * architecture-specific variables. The parser calls it when {@code arch} is given; otherwise the builder
     * calls it once the guest image has told it the architecture.
     *
     * @throws ConfigException at the first element that does not exist on {@code guest}
     */
    public void checkArchitecture(Arch guest) {
        for (VdevSpec v : vdevs) {
            if (!v.schema().existsOn(guest)) {
                throw new ConfigException(v.origin(), "vdev " + Quote.of(v.type()) + " does not exist on "
                        + guest.label() + " guests");
            }
        }
        for (LoadSpec load : loads) {
            if (load.type().equals(Optional.of(BlobType.ACPI)) && guest != Arch.X86_64) {
                throw new ConfigException(load.origin(), "\"acpi load\" is for x86_64 guests, not " + guest.label());
            }
        }
        for (PassSpec pass : passes) {
            if (pass.blobType().equals(Optional.of(BlobType.ACPI)) && guest != Arch.X86_64) {
                throw new ConfigException(pass.origin(), "\"acpi pass\" is for x86_64 guests, not " + guest.label());
            }
        }
        List<Setting> all = new ArrayList<>(settings.values());
        for (VdevSpec v : vdevs) {
            all.addAll(v.settings().values());
        }
        for (Setting s : all) {
            if (!s.variable().architectures().contains(guest)) {
                throw new ConfigException(s.origin(), "variable " + Quote.of(s.variable().name())
                        + " does not apply to " + guest.label() + " guests");
            }
        }
    }
}
