package io.jqvm.vmm.assembly;

import io.jqvm.config.model.BlobType;
import io.jqvm.config.model.LoadSpec;
import io.jqvm.config.model.VmSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files the configuration loads, read once: the guest image (the first plain {@code load}), the
 * initrd, device-tree overlays, extra ACPI tables and raw data blobs.
 */
record BootImages(Optional<Blob> image, Optional<Blob> initrd, List<Blob> fdtOverlays, List<Blob> acpiTables,
                  List<Blob> data) {
    /** A file's bytes and the load line that named it. */
    record Blob(LoadSpec load, byte[] bytes) {
    }

    static BootImages read(VmSpec spec) {
        Blob image = null;
        Blob initrd = null;
        List<Blob> fdt = new ArrayList<>();
        List<Blob> acpi = new ArrayList<>();
        List<Blob> data = new ArrayList<>();
        for (LoadSpec load : spec.loads()) {
            Blob blob = new Blob(load, VmBuilder.readFile(load));
            switch (load.type().orElse(BlobType.GUEST)) {
                case GUEST -> {
                    if (image == null) {
                        image = blob;
                    } else {
                        data.add(blob); // qvm: only the first unrecognised file starts execution
                    }
                }
                case INITRD -> initrd = blob;
                case FDT -> fdt.add(blob);
                case ACPI -> acpi.add(blob);
                case DATA -> data.add(blob);
            }
        }
        return new BootImages(Optional.ofNullable(image), Optional.ofNullable(initrd), fdt, acpi, data);
    }
}
