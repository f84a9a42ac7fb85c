package io.jqvm.vmm.assembly;

import io.jqvm.boot.ImageProbe;
import io.jqvm.common.Arch;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.config.model.VmSpec;
import java.util.Optional;

/**
 * Which architecture the guest is: the {@code arch} option when given, else what the guest image says
 * (ELF machine, arm64 Image header, Multiboot or bzImage), else what the configured vdevs imply (a vdev
 * that exists on one architecture only), else the host's own.
 */
final class GuestArchitecture {
    private GuestArchitecture() {
    }

    static Arch decide(VmSpec spec, BootImages images) {
        if (spec.arch().isPresent()) {
            return spec.arch().get();
        }
        Optional<Arch> fromImage = images.image().flatMap(b -> ImageProbe.detect(b.head()));
        if (fromImage.isPresent()) {
            return fromImage.get();
        }
        for (VdevSpec v : spec.vdevs()) {
            if (v.schema().architectures().size() == 1) {
                return v.schema().architectures().iterator().next();
            }
        }
        Arch host = Arch.host();
        return host != null ? host : Arch.AARCH64;
    }
}
