package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.util.OptionalLong;

/**
 * One {@code intr} of a {@code pass}: {@code guest_intr[,u][,t][=host_vector]}.
 *
 * @param unmaskImmediately {@code u}: unmask at once (edge-triggered interrupts only)
 * @param threaded          {@code t} (QNX 7.1): deliver via an interrupt service thread
 * @param hostVector        empty: the controller's {@code hostvector} plus the line
 */
public record PassInterrupt(Interrupt guest, boolean unmaskImmediately, boolean threaded,
                            OptionalLong hostVector, Origin origin) {
}
