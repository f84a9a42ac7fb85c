package io.jqvm.vmm.assembly;

import io.jqvm.boot.ImageFormatException;
import io.jqvm.boot.arm64.Arm64KernelLoader;
import io.jqvm.boot.arm64.KernelLoadException;
import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.boot.fdt.Arm64BoardTree;
import io.jqvm.boot.fdt.Fdt;
import io.jqvm.boot.fdt.FdtFormatException;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Hex;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Value;
import io.jqvm.memory.GuestRegion;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * AArch64 boot as QEMU's {@code -kernel} does it: the kernel placed by {@link Arm64KernelLoader}, and a device
 * tree generated from the board with {@code fdt load} blobs merged over it; the boot vCPU enters at EL1 with
 * the MMU off and x0 = the device tree. A board without an image still gets its tree built, so dryrun and
 * {@code fdt-dump-file} show it.
 */
final class Arm64Boot {
    /** Bytes of /chosen/rng-seed: Linux credits them, so its random pool is ready at once. */
    static final int RNG_SEED_BYTES = 32;

    private Arm64Boot() {
    }

    static void load(Assembly a, BootImages images) {
        GuestRegion ram = firstRam(a);
        List<Fdt> overlays = new ArrayList<>();
        for (BootImages.Blob blob : images.fdtOverlays()) {
            try {
                overlays.add(Fdt.parse(blob.bytes()));
            } catch (FdtFormatException e) {
                throw new ConfigException(blob.load().origin(), Quote.of(blob.load().path().toString())
                        + " is not a device tree blob: " + e.getMessage());
            }
        }
        byte[][] dtb = new byte[1][];
        if (images.image().isEmpty()) {
            dtb[0] = deviceTree(a, overlays, null);
        } else {
            BootImages.Blob kernel = images.image().get();
            Arm64KernelLoader.Placement placement = new Arm64KernelLoader.Placement(kernel.load().address(),
                    images.initrd().map(i -> i.load().address()).orElse(OptionalLong.empty()));
            try {
                Arm64KernelLoader.Loaded loaded = Arm64KernelLoader.load(a.memory, new Arm64Board.Range(ram.base(), ram.size()),
                        kernel.contents(), images.initrd().map(BootImages.Blob::contents).orElse(null), placement,
                        initrd -> dtb[0] = deviceTree(a, overlays, initrd));
                a.entry = loaded.entry();
                a.note("kernel " + kernel.load().path() + " at " + Hex.of(loaded.kernel().base()) + "+" + Hex.size(loaded.kernel().size()));
                if (loaded.initrd() != null) {
                    a.note("initrd at " + Hex.of(loaded.initrd().base()) + " (" + loaded.initrd().size() + " bytes)");
                }
                a.note("device tree at " + Hex.of(loaded.deviceTree().base()) + " (" + dtb[0].length + " bytes)");
                a.note("boot vCPU enters at " + Hex.of(loaded.entry().pc()) + " (EL1, MMU off) with x0 = " + Hex.of(loaded.entry().x0()));
            } catch (KernelLoadException e) {
                BootImages.Blob culprit = e.part() == KernelLoadException.Part.INITRD ? images.initrd().orElseThrow() : kernel;
                throw new ConfigException(culprit.load().origin(), Quote.of(culprit.load().path().toString()) + ": " + e.getMessage());
            } catch (ImageFormatException e) {
                throw new ConfigException(kernel.load().origin(), Quote.of(kernel.load().path().toString()) + ": " + e.getMessage());
            }
        }
        a.spec.setting("fdt-dump-file").ifPresent(s -> dumpFdt(a, ((Value.Text) s.value()).value(), dtb[0]));
    }

    private static byte[] deviceTree(Assembly a, List<Fdt> overlays, Arm64Board.Range initrd) {
        Fdt fdt = Arm64BoardTree.build(board(a, initrd, rngSeed()));
        for (Fdt overlay : overlays) {
            fdt = fdt.withOverlay(overlay);
        }
        return fdt.toBlob();
    }

    /**
     * The seed, from the host kernel's random pool as QEMU takes it (getrandom): read directly, since a first
     * SecureRandom's provider set-up took every start ~30 ms, for the same bytes.
     */
    private static byte[] rngSeed() {
        byte[] seed = new byte[RNG_SEED_BYTES];
        try (FileInputStream random = new FileInputStream("/dev/urandom")) {
            if (random.readNBytes(seed, 0, seed.length) != seed.length) {
                throw new IOException("end of file");
            }
            return seed;
        } catch (IOException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "cannot read /dev/urandom for the device tree's rng-seed: "
                    + e.getMessage());
        }
    }

    private static Arm64Board board(Assembly a, Arm64Board.Range initrd, byte[] seed) {
        List<Arm64Board.Range> ram = new ArrayList<>();
        for (GuestRegion r : a.memory.regions()) {
            if (!r.readOnly()) {
                ram.add(new Arm64Board.Range(r.base(), r.size()));
            }
        }
        Board.Gic g = a.board.gic;
        Arm64Board.Gic gic = g.version() == 2 ? new Arm64Board.GicV2(g.distributor(), g.cpuInterface())
                : new Arm64Board.GicV3(g.distributor(), g.cpuInterface());
        return new Arm64Board(ram, a.vcpuCount(), gic, Arm64Board.TimerPpis.STANDARD, a.board.peripherals,
                a.spec.cmdline().orElse(null), initrd, null, seed, a.pci == null ? null : a.pci.deviceTreeNode());
    }

    private static void dumpFdt(Assembly a, String file, byte[] dtb) {
        try {
            Files.write(Path.of(file), dtb);
            System.out.println("FDT saved to '" + file + "'");
        } catch (IOException e) {
            throw new ConfigException(a.spec.setting("fdt-dump-file").orElseThrow().origin(),
                    "cannot write the device tree to " + Quote.of(file) + ": " + e.getMessage());
        }
    }

    private static GuestRegion firstRam(Assembly a) {
        for (GuestRegion r : a.memory.regions()) {
            if (!r.readOnly()) {
                return r;
            }
        }
        throw new ConfigException(a.configOrigin(), "an AArch64 guest needs RAM: add 'ram start,length'");
    }
}
