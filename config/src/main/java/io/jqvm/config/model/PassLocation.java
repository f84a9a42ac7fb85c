package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One {@code loc} of a {@code pass}: {@code [space:]region[,length][,attrs][=host]}.
 *
 * @param attributes the attribute set, empty Optional when the configuration wrote none
 * @param host       the host side; empty means the same address as the guest location (identity)
 */
public record PassLocation(Location guest, OptionalLong length, Optional<Set<PassAttribute>> attributes,
                           Optional<PassHost> host, Origin origin) {
    public PassLocation {
        attributes = attributes.map(Set::copyOf);
    }
}
