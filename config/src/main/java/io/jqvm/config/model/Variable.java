package io.jqvm.config.model;

import io.jqvm.common.Arch;

import java.util.Set;

/**
 * A configuration variable {@code set} may assign.
 *
 * @param scope         whether it applies to the VM or to the vdev whose context it is set in
 * @param architectures the guest architectures it means something on
 */
public record Variable(String name, Scope scope, Type type, Set<Arch> architectures, String description) {
    public enum Scope {
        GLOBAL, VDEV
    }

    /** The documented value types; address accepts K/M/G suffixes. */
    public enum Type {
        ADDRESS, BOOLEAN, TRISTATE, NUMBER, STRING
    }

    public Variable {
        architectures = Set.copyOf(architectures);
    }
}
