package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.util.List;
import java.util.OptionalLong;

/** A {@code reserve} entry: ranges and interrupts the automatic allocator must not hand out. */
public record ReserveSpec(List<Range> locations, List<Interrupt> interrupts, Origin origin) {
    /** A reserved location; memory ranges always have a length, PCI slots never do. */
    public record Range(Location location, OptionalLong length, Origin origin) {
    }

    public ReserveSpec {
        locations = List.copyOf(locations);
        interrupts = List.copyOf(interrupts);
    }
}
