package io.jqvm.config.model;

/**
 * The host side of a {@code pass loc}, after its {@code =}. qvm writes a host address there; on Linux a
 * pass-through region may also come from a file, a POSIX shared-memory object or a UIO device's map, which
 * qvm has no spelling for, so jqvm adds {@code file:}, {@code shm:} and {@code uio:}.
 */
public sealed interface PassHost {
    /** qvm's form: a host physical address ({@code /dev/mem}), a host port or a host PCI device. */
    record Address(Location location) implements PassHost {
        @Override
        public String toString() {
            return location.toString();
        }
    }

    /** {@code file:PATH[@offset]}: the file's bytes from {@code offset} (page-aligned) on. */
    record File(String path, long offset) implements PassHost {
        @Override
        public String toString() {
            return "file:" + path + (offset == 0 ? "" : "@0x" + Long.toHexString(offset));
        }
    }

    /** {@code shm:NAME}: the POSIX shared-memory object {@code /NAME} ({@code /dev/shm/NAME} on Linux). */
    record SharedMemory(String name) implements PassHost {
        @Override
        public String toString() {
            return "shm:" + name;
        }
    }

    /** {@code uio:N/M}: map {@code M} of UIO device {@code N} ({@code /sys/class/uio/uioN/maps/mapM}). */
    record Uio(int device, int map) implements PassHost {
        @Override
        public String toString() {
            return "uio:" + device + "/" + map;
        }
    }
}
