package io.jqvm.memory;

import io.jqvm.common.Hex;

/**
 * A guest-physical access that does not lie wholly inside one region of guest memory, or a write to ROM.
 * Carries the address and length so the caller can turn it into a guest fault or a log line.
 */
public final class GuestMemoryException extends RuntimeException {
    private final long address;
    private final long length;

    public GuestMemoryException(long address, long length, String why) {
        super("guest-physical " + Hex.of(address) + "+" + Hex.of(length) + ": " + why);
        this.address = address;
        this.length = length;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }
}
