package io.jqvm.virtio.vhostuser;

/** The vhost-user back end is unreachable, went away, or broke the protocol; the message says which and how. */
public final class VhostUserException extends Exception {
    public VhostUserException(String message) {
        super(message);
    }
}
