package io.jqvm.vmm.assembly;

import io.jqvm.boot.ImageProbe;
import io.jqvm.common.Arch;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Quote;
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
        Optional<VdevSpec> board = boardOf(spec);
        if (fromImage.isPresent()) {
            Arch boardArch = board.map(GuestArchitecture::only).orElse(fromImage.get());
            if (boardArch != fromImage.get()) {
                BootImages.Blob image = images.image().orElseThrow();
                throw new ConfigException(image.load().origin(), Quote.of(image.load().path().toString()) + " is an "
                        + fromImage.get().label() + " image, but the board is " + boardArch.label() + " (vdev "
                        + board.get().type() + " at " + board.get().origin() + "): load an image for the board or use"
                        + " another board");
            }
            return fromImage.get();
        }
        if (board.isPresent()) {
            return only(board.get());
        }
        Arch host = Arch.host();
        return host != null ? host : Arch.AARCH64;
    }

    private static Arch only(VdevSpec v) {
        return v.schema().architectures().iterator().next();
    }

    /** The first vdev that exists on one architecture only: it makes the board that architecture's. */
    private static Optional<VdevSpec> boardOf(VmSpec spec) {
        return spec.vdevs().stream().filter(v -> v.schema().architectures().size() == 1).findFirst();
    }
}
