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
 * @param rules               how options constrain each other, checked when the vdev's context closes
 */
public record VdevSchema(String type, String description, Set<Arch> architectures, Location.Space defaultSpace,
                         Optional<Location> defaultLocation, boolean interruptController,
                         Map<String, OptionSpec> options, List<Rule> rules) {
    /** A constraint between a vdev's options. */
    public sealed interface Rule {
    }

    /** When {@code option} is given, {@code requires} must be given too. */
    public record Requirement(String option, String requires) implements Rule {
    }

    /** {@code option} must be given. */
    public record Mandatory(String option) implements Rule {
    }

    /** Exactly one of {@code options} must be given (e.g. virtio-net's backends). */
    public record ExactlyOne(List<String> options) implements Rule {
        public ExactlyOne {
            options = List.copyOf(options);
        }
    }

    public VdevSchema {
        architectures = Set.copyOf(architectures);
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        rules = List.copyOf(rules);
    }

    /** The option called {@code name}, or empty. */
    public Optional<OptionSpec> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    /** This schema with {@code more} rules added. */
    public VdevSchema with(Rule... more) {
        List<Rule> all = new java.util.ArrayList<>(rules);
        all.addAll(List.of(more));
        return new VdevSchema(type, description, architectures, defaultSpace, defaultLocation, interruptController,
                options, all);
    }

    public boolean existsOn(Arch arch) {
        return architectures.contains(arch);
    }
}
