package io.jqvm.config.model;

import java.util.Optional;

/**
 * A guest interrupt {@code controller:line}, e.g. {@code gic:37} (on ARM the line is the GIC INTID) or
 * {@code ioapic:4}. Only {@code reserve intr} accepts a bare line; its controller is then empty and means
 * the VM's primary interrupt controller.
 */
public record Interrupt(Optional<String> controller, long line) {
    @Override
    public String toString() {
        return controller.map(c -> c + ":" + line).orElse(Long.toString(line));
    }
}
