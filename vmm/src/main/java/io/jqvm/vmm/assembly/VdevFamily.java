package io.jqvm.vmm.assembly;

import io.jqvm.config.model.VdevSpec;
import java.util.List;

/**
 * One vdev family: the configuration types it builds and how. {@link #create} places the device (its
 * {@code loc}, else a default from the board's layout, {@link io.jqvm.vmm.board.VirtLayout} or
 * {@link io.jqvm.vmm.board.PcLayout}), connects its interrupts, opens its host resources, and describes it to
 * the guest (a device-tree node in {@link Assembly#board}, an ACPI entry, a kernel command-line fragment, or
 * nothing). The option schema of each type is the configuration language's ({@code VdevCatalog}); every type
 * there has a family in {@link VdevRegistry#FAMILIES} or a reason in {@link VdevRegistry#NOT_IMPLEMENTED}.
 */
interface VdevFamily {
    /** The canonical type names this family builds, as the configuration language spells them. */
    List<String> types();

    /**
     * Builds one configured vdev; configuration mistakes are {@link io.jqvm.config.ConfigException}s at the
     * option at fault.
     *
     * @param owner how the device is named in the address map and reports, e.g. {@code pl011 console}
     */
    void create(Assembly a, VdevSpec v, String owner);
}
