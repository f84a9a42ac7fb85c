package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.util.Optional;

/**
 * One {@code intr} of a {@code pass}: {@code guest_intr[,u][,t][=host_vector|uio:N|eventfd:PATH]}.
 *
 * @param unmaskImmediately {@code u}: unmask at once (edge-triggered interrupts only)
 * @param threaded          {@code t} (QNX 7.1): deliver via an interrupt service thread
 * @param source            the host interrupt; empty: the controller's {@code hostvector} plus the line
 */
public record PassInterrupt(Interrupt guest, boolean unmaskImmediately, boolean threaded,
                            Optional<PassInterruptSource> source, Origin origin) {
}
