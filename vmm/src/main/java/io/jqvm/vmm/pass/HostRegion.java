package io.jqvm.vmm.pass;

import io.jqvm.common.Hex;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.PassHost;
import io.jqvm.host.HostException;
import io.jqvm.host.HostMemory;
import io.jqvm.host.Libc;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host memory behind a {@code pass loc mem:}: mapped shared from {@code /dev/mem} (the host physical address),
 * a UIO device's map, a file or a POSIX shared-memory object, with the protection the attributes ask for. Never
 * zeroed: what the device (or the process that owns the object) put there is what the guest sees.
 */
public final class HostRegion implements AutoCloseable {
    /** Where Linux exposes physical memory to root (and only what {@code CONFIG_STRICT_DEVMEM} allows). */
    static final Path DEV_MEM = Path.of("/dev/mem");
    /** POSIX shared-memory objects. */
    static final Path SHM = Path.of("/dev/shm");
    /** UIO devices and their maps' sizes and offsets. */
    static final Path UIO_CLASS = Path.of("/sys/class/uio");

    private final MemorySegment mapping;
    private final String description;

    private HostRegion(MemorySegment mapping, String description) {
        this.mapping = mapping;
        this.description = description;
    }

    /** What two VMs must not both hold: one host object and a byte range of it. */
    public record ClaimKey(String object, long offset, long length) {
    }

    /**
     * Which host object and range {@code host} (empty: the identity, {@code /dev/mem} at {@code guestAddress})
     * names, without opening anything: what dryrun shows and what claims compare.
     */
    public static Source source(PassHost host, long length) {
        return switch (host) {
            case PassHost.Address a when a.location() instanceof Location.Memory m -> new Source(DEV_MEM, m.address(), length);
            case PassHost.Address a -> throw new IllegalArgumentException(a + " is not a memory location");
            case PassHost.File f -> new Source(Path.of(f.path()), f.offset(), length);
            case PassHost.SharedMemory s -> new Source(SHM.resolve(s.name()), 0, length);
            case PassHost.Uio u -> new Source(Path.of("/dev/uio" + u.device()), (long) u.map() * HostMemory.PAGE_SIZE, length);
        };
    }

    /** A file to map and the range of it: for UIO the offset selects the map (map M at M pages), as the driver defines. */
    public record Source(Path path, long offset, long length) {
        /** What two VMs must not both hold; a missing file is named by its path (opening it fails later). */
        public ClaimKey claimKey() {
            return new ClaimKey(objectIdentity(path), offset, length);
        }
    }

    /**
     * Maps {@code length} bytes of {@code host} (page-aligned; the caller checked) readable, and writable when
     * {@code writable}.
     *
     * @throws PassThroughException naming the host object and the reason (missing, too short, not allowed)
     */
    public static HostRegion open(PassHost host, long length, boolean writable) {
        Source source = source(host, length);
        if (host instanceof PassHost.Uio uio) {
            checkUioMap(uio, length);
        } else if (!source.path().equals(DEV_MEM)) {
            checkSize(source);
        }
        String what = host + " (" + source.path() + (source.offset() == 0 ? "" : " at " + Hex.of(source.offset())) + ", "
                + Hex.size(length) + ")";
        int fd;
        try {
            fd = Libc.open(source.path().toString(), writable ? Libc.O_RDWR : Libc.O_RDONLY);
        } catch (HostException e) {
            throw new PassThroughException("cannot open " + what + ": " + Libc.strerror(e.errno())
                    + (source.path().equals(DEV_MEM) ? " (/dev/mem needs root, and CONFIG_STRICT_DEVMEM keeps RAM out of it)" : ""));
        }
        try {
            MemorySegment mapping = Libc.mmap(length, Libc.PROT_READ | (writable ? Libc.PROT_WRITE : 0), Libc.MAP_SHARED, fd,
                    source.offset());
            return new HostRegion(mapping, what);
        } catch (HostException e) {
            throw new PassThroughException("cannot map " + what + ": " + Libc.strerror(e.errno()));
        } finally {
            Libc.close(fd); // the mapping keeps the object
        }
    }

    /** A file that ends before the range would give the guest SIGBUS pages: refused instead. */
    private static void checkSize(Source source) {
        try {
            long size = Files.size(source.path());
            if (Long.compareUnsigned(source.offset() + source.length(), size) > 0) {
                throw new PassThroughException(source.path() + " has " + size + " bytes; the region needs "
                        + Hex.of(source.offset()) + "+" + Hex.size(source.length()) + " of it");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new PassThroughException(source.path() + " does not exist");
        } catch (IOException e) {
            throw new PassThroughException("cannot read the size of " + source.path() + ": " + e.getMessage());
        }
    }

    /** The UIO map must exist and be at least as long as the region. */
    private static void checkUioMap(PassHost.Uio uio, long length) {
        Path map = UIO_CLASS.resolve("uio" + uio.device()).resolve("maps").resolve("map" + uio.map());
        try {
            long size = Long.decode(Files.readString(map.resolve("size")).strip());
            if (Long.compareUnsigned(length, size) > 0) {
                throw new PassThroughException(uio + ": " + map + " is " + Hex.size(size) + ", shorter than the region ("
                        + Hex.size(length) + ")");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new PassThroughException(uio + ": " + map + " does not exist (no UIO device " + uio.device()
                    + " or no map " + uio.map() + ")");
        } catch (IOException | NumberFormatException e) {
            throw new PassThroughException(uio + ": cannot read " + map.resolve("size") + ": " + e.getMessage());
        }
    }

    /** The device and inode of a file: two names of one file are one object to claim. */
    public static String objectIdentity(Path path) {
        try {
            Object key = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return key == null ? path.toRealPath().toString() : key.toString();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize().toString();
        }
    }

    public MemorySegment segment() {
        return mapping;
    }

    @Override
    public void close() {
        Libc.munmap(mapping);
    }

    @Override
    public String toString() {
        return description;
    }
}
