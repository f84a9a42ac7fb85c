package io.jqvm.vmm.assembly;

import io.jqvm.config.ConfigException;
import io.jqvm.config.model.BlobType;
import io.jqvm.config.model.LoadSpec;
import io.jqvm.config.model.VmSpec;
import io.jqvm.config.Quote;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files the configuration loads: the guest image (the first plain {@code load}), the initrd,
 * device-tree overlays, extra ACPI tables and raw data blobs. Each file is mapped read-only, not read into
 * the Java heap, so a 30 MiB kernel is copied once, from the page cache into guest RAM; closing unmaps them.
 */
final class BootImages implements AutoCloseable {
    /** Enough of an image to tell its format: Multiboot looks at the first 8 KiB, the others earlier. */
    static final int PROBE_BYTES = 64 << 10;

    /** A mapped file and the load line that named it. */
    record Blob(LoadSpec load, MemorySegment contents) {
        long size() {
            return contents.byteSize();
        }

        /** A heap copy, for the formats parsed from arrays (device trees, ELF and x86 images). */
        byte[] bytes() {
            if (size() > Integer.MAX_VALUE - 8) {
                throw new ConfigException(load.origin(), Quote.of(load.path().toString()) + " is too large to load");
            }
            return contents.toArray(ValueLayout.JAVA_BYTE);
        }

        /** The first bytes, at most {@link #PROBE_BYTES}. */
        byte[] head() {
            return contents.asSlice(0, Math.min(size(), PROBE_BYTES)).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private final Arena arena;
    private final Blob image;
    private final Blob initrd;
    private final List<Blob> fdtOverlays = new ArrayList<>();
    private final List<Blob> acpiTables = new ArrayList<>();
    private final List<Blob> data = new ArrayList<>();

    private BootImages(VmSpec spec) {
        arena = Arena.ofShared();
        Blob firstImage = null;
        Blob lastInitrd = null;
        try {
            for (LoadSpec load : spec.loads()) {
                Blob blob = new Blob(load, map(load));
                switch (load.type().orElse(BlobType.GUEST)) {
                    case GUEST -> {
                        if (firstImage == null) {
                            if (blob.size() == 0) {
                                throw new ConfigException(load.origin(), "cannot boot "
                                        + Quote.of(load.path().toString()) + ": the file is empty");
                            }
                            firstImage = blob;
                        } else {
                            data.add(blob); // qvm: only the first unrecognised file starts execution
                        }
                    }
                    case INITRD -> lastInitrd = blob;
                    case FDT -> fdtOverlays.add(blob);
                    case ACPI -> acpiTables.add(blob);
                    case DATA -> data.add(blob);
                }
            }
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        image = firstImage;
        initrd = lastInitrd;
    }

    static BootImages read(VmSpec spec) {
        return new BootImages(spec);
    }

    /** Maps a regular file; anything else is refused at its load line, saying why. */
    private MemorySegment map(LoadSpec load) {
        String name = Quote.of(load.path().toString());
        if (Files.isDirectory(load.path())) {
            throw new ConfigException(load.origin(), "cannot load " + name + ": it is a directory");
        }
        if (Files.exists(load.path()) && !Files.isRegularFile(load.path())) {
            throw new ConfigException(load.origin(), "cannot load " + name
                    + ": not a regular file (a device or a pipe has no size to load)");
        }
        try (FileChannel file = FileChannel.open(load.path(), StandardOpenOption.READ)) {
            return file.map(FileChannel.MapMode.READ_ONLY, 0, file.size(), arena);
        } catch (NoSuchFileException e) {
            throw new ConfigException(load.origin(), "cannot read " + name + ": no such file"
                    + (load.path().toString().contains("guest-cache") ? "; scripts/debian-arm64-guest.sh builds"
                    + " build/guest-cache/ (the Debian arm64 kernel, initramfs and disk)" : ""));
        } catch (AccessDeniedException e) {
            throw new ConfigException(load.origin(), "cannot read " + name + ": permission denied");
        } catch (IOException | UnsupportedOperationException e) {
            throw new ConfigException(load.origin(), "cannot read " + name + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    Optional<Blob> image() {
        return Optional.ofNullable(image);
    }

    Optional<Blob> initrd() {
        return Optional.ofNullable(initrd);
    }

    List<Blob> fdtOverlays() {
        return fdtOverlays;
    }

    List<Blob> acpiTables() {
        return acpiTables;
    }

    List<Blob> data() {
        return data;
    }

    @Override
    public void close() {
        arena.close();
    }
}
