package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.util.List;
import java.util.Optional;

/**
 * A {@code [blob_type] pass} entry with its {@code loc} and {@code intr} context options in order.
 *
 * @param unsafe jqvm's {@code unsafe}: the user accepts a DMA-capable device ({@code d}) no IOMMU confines
 */
public record PassSpec(Optional<BlobType> blobType, List<PassLocation> locations, List<PassInterrupt> interrupts,
                       boolean unsafe, Origin origin) {
    public PassSpec {
        locations = List.copyOf(locations);
        interrupts = List.copyOf(interrupts);
    }
}
