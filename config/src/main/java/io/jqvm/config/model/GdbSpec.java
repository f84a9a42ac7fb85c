package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.nio.file.Path;

/**
 * {@code gdb ENDPOINT[,wait]}: where the GDB remote-protocol server listens, and whether the guest waits for
 * the debugger before its first instruction (QEMU's {@code -S}).
 */
public record GdbSpec(Endpoint endpoint, boolean waitForDebugger, Origin origin) {
    /** A listening address. */
    public sealed interface Endpoint {
    }

    /** {@code tcp:[HOST:]PORT}; the host defaults to the loopback address, as only the local user should debug. */
    public record Tcp(String host, int port) implements Endpoint {
        @Override
        public String toString() {
            return "tcp:" + host + ":" + port;
        }
    }

    /** {@code unix:PATH}: a Unix-domain socket, made when the VM starts and removed when it ends. */
    public record Unix(Path path) implements Endpoint {
        @Override
        public String toString() {
            return "unix:" + path;
        }
    }
}
