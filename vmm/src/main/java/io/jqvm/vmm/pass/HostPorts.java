package io.jqvm.vmm.pass;

/** The host's x86 I/O ports as pass-through reaches them; a fake stands in for them in tests. */
public interface HostPorts extends AutoCloseable {
    /** Reads {@code size} (1, 2 or 4) bytes at host port {@code port}. */
    long read(int port, int size);

    /** Writes the low {@code size} (1, 2 or 4) bytes of {@code value} to host port {@code port}. */
    void write(int port, int size, long value);

    @Override
    void close();
}
