package io.jqvm.vmm.pass;

/** A pass-through resource the host cannot supply; the caller adds the configuration line and exits 64. */
public final class PassThroughException extends RuntimeException {
    public PassThroughException(String message) {
        super(message);
    }
}
