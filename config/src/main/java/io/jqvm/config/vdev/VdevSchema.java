package io.jqvm.config.vdev;

import io.jqvm.common.Arch;
import io.jqvm.config.model.Location;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one vdev type accepts: its options (the common {@code loc}, {@code intr} and {@code name} included;
 * {@code set} is handled by the parser for every vdev), the architectures it exists on, and where a
 * {@code loc} without space prefix lies.
 *
 * @param defaultLocation     the documented location used when the configuration gives none, if any
 * @param interruptController whether other vdevs name it in {@code intr}; its name must not contain ':'
 * @param requirements        options that only make sense with another one
 */
public record VdevSchema(String type, String description, Set<Arch> architectures, Location.Space defaultSpace,
                         Optional<Location> defaultLocation, boolean interruptController,
                         Map<String, OptionSpec> options, List<Requirement> requirements) {
    /** When {@code option} is given, {@code requires} must be given too. */
    public record Requirement(String option, String requires) {
    }

    public VdevSchema {
        architectures = Set.copyOf(architectures);
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        requirements = List.copyOf(requirements);
    }

    /** The option called {@code name}, or empty. */
    public Optional<OptionSpec> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    public boolean existsOn(Arch arch) {
        return architectures.contains(arch);
    }
}
