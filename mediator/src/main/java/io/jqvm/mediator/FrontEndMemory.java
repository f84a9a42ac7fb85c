package io.jqvm.mediator;

import io.jqvm.common.Hex;
import io.jqvm.host.HostException;
import io.jqvm.host.HostMemory;
import io.jqvm.host.Libc;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A front end's guest RAM as SET_MEM_TABLE hands it over: per region a file descriptor (a memfd), mapped here
 * shared, at its guest-physical address. The requests are served through {@link GuestMemory}, so a descriptor
 * pointing outside the regions fails its chain and never reaches other host memory. Ring addresses come in the
 * front end's own virtual addresses and are translated through the table.
 *
 * <p>Before mapping, each file is checked to be as long as the region claims: touching a mapping past the end
 * of its file raises SIGBUS. A front end that shrinks its file later (vhost-user gives a back end no way to pin a
 * memfd's size) makes such accesses fault; the JDK turns that fault into an {@link InternalError} in the accessing
 * thread, which {@link ClientConnection} catches and answers by dropping that client.
 */
final class FrontEndMemory implements AutoCloseable {
    /** Regions one table may hold: vhost-user's limit without CONFIGURE_MEM_SLOTS is 8; QEMU never sends more. */
    static final int MAX_REGIONS = 8;

    private record Mapping(long gpa, long size, long userAddress, MemorySegment whole, MemorySegment region) {
    }

    private final List<Mapping> mappings;
    private final GuestMemory memory;

    private FrontEndMemory(List<Mapping> mappings) {
        this.mappings = mappings;
        List<GuestRegion> regions = new ArrayList<>();
        for (Mapping m : mappings) {
            regions.add(new GuestRegion(m.gpa(), m.size(), false, m.region(), "front end"));
        }
        this.memory = GuestMemory.wrap(regions); // throws when regions overlap
    }

    /**
     * Maps the table in {@code payload} ({@code u32 count; u32 padding; count × {gpa, size, user address, mmap
     * offset}}) with one descriptor per region. The descriptors stay the caller's to close (a mapping outlives
     * them). Throws {@link IllegalArgumentException} saying what is wrong with a table that does not add up.
     */
    static FrontEndMemory map(ByteBuffer payload, List<Integer> fds) {
        if (payload.remaining() < 8) {
            throw new IllegalArgumentException("memory table of " + payload.remaining() + " bytes");
        }
        int count = payload.getInt();
        payload.getInt();
        if (count < 1 || count > MAX_REGIONS) {
            throw new IllegalArgumentException("memory table with " + Integer.toUnsignedString(count) + " regions (1 to "
                    + MAX_REGIONS + ")");
        }
        if (payload.remaining() != 32L * count || fds.size() != count) {
            throw new IllegalArgumentException("memory table of " + count + " regions came with " + payload.remaining()
                    + " bytes and " + fds.size() + " descriptors");
        }
        List<Mapping> made = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                long gpa = payload.getLong();
                long size = payload.getLong();
                long user = payload.getLong();
                long offset = payload.getLong();
                made.add(mapRegion(i, gpa, size, user, offset, fds.get(i)));
            }
            return new FrontEndMemory(List.copyOf(made));
        } catch (RuntimeException e) {
            made.forEach(m -> HostMemory.unmap(m.whole()));
            throw e;
        }
    }

    private static Mapping mapRegion(int index, long gpa, long size, long user, long offset, int fd) {
        String what = "memory region " + index + " (" + Hex.of(gpa) + "+" + Hex.of(size) + " at file offset " + Hex.of(offset) + ")";
        if (size <= 0 || offset < 0 || offset > Long.MAX_VALUE - size || gpa + size - 1 < gpa
                || user + size - 1 < user || offset % HostMemory.PAGE_SIZE != 0) {
            throw new IllegalArgumentException(what + " is not a valid range");
        }
        long fileSize = fileSize(fd, what);
        if (fileSize < offset + size) {
            throw new IllegalArgumentException(what + " runs past the end of its " + fileSize + "-byte file");
        }
        MemorySegment whole;
        try {
            whole = Libc.mmap(offset + size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        } catch (HostException e) {
            throw new IllegalArgumentException(what + " cannot be mapped: " + e.getMessage());
        }
        return new Mapping(gpa, size, user, whole, whole.asSlice(offset, size));
    }

    /** The size of the file behind {@code fd} (fstat through /proc), or an exception naming {@code what}. */
    static long fileSize(int fd, String what) {
        try {
            return Files.size(Path.of("/proc/self/fd/" + fd));
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": its descriptor is not a file: " + e.getMessage());
        }
    }

    GuestMemory memory() {
        return memory;
    }

    /**
     * The guest-physical address of the front end's virtual address {@code user}, when [user, user+length) lies
     * in one region; else throws {@link IllegalArgumentException}.
     */
    long guestAddress(long user, long length, String what) {
        for (Mapping m : mappings) {
            long into = user - m.userAddress();
            if (Long.compareUnsigned(into, m.size()) < 0 && Long.compareUnsigned(length, m.size() - into) <= 0) {
                return m.gpa() + into;
            }
        }
        throw new IllegalArgumentException(what + " at front-end address " + Hex.of(user) + "+" + length
                + " is in no memory region");
    }

    @Override
    public void close() {
        for (Mapping m : mappings) {
            HostMemory.unmap(m.whole());
        }
    }
}
