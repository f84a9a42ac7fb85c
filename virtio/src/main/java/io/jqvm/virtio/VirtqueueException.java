package io.jqvm.virtio;

/**
 * The driver broke the virtqueue protocol (virtio 1.2 §2.7): a descriptor outside guest RAM, a loop, a chain
 * longer than the queue, a nested indirect table. The device stops serving and asks for a reset.
 */
public final class VirtqueueException extends Exception {
    public VirtqueueException(String message) {
        super(message, null, false, false); // a guest's mistake, not a host bug: no stack trace to fill
    }
}
