package io.jqvm.virtio.net;

import java.nio.ByteBuffer;

/**
 * Where a virtio-net device's frames go and come from: a host TAP interface, another VM ({@code peer}), or a
 * user-mode network stack ({@code passt}). Frames are whole Ethernet frames without any virtio header.
 */
public interface NetBackend extends AutoCloseable {
    /** What a backend delivers to, on its own thread. */
    interface Sink {
        /**
         * A frame arrived (the bytes between the buffer's position and limit, valid only during the call). May
         * block the backend's thread while the guest has no receive buffers: that is the back-pressure that
         * stops the backend reading.
         */
        void receive(ByteBuffer frame);

        /** The link went up or down (the other end came or went). */
        void linkChanged(boolean up);
    }

    /** The kinds of incomplete frames a guest accepts (its GUEST_CSUM, GUEST_TSO4, GUEST_TSO6, GUEST_ECN). */
    record GuestOffloads(boolean csum, boolean tso4, boolean tso6, boolean ecn) {
        public static final GuestOffloads NONE = new GuestOffloads(false, false, false, false);
    }

    /**
     * Whether each frame, both ways, is preceded by a {@value VirtioNet#HEADER}-byte virtio_net_hdr (num_buffers
     * unused), so checksum and segmentation offloads pass through to the host: a TAP with IFF_VNET_HDR. Otherwise
     * frames are bare and complete, and the device offers no offloads.
     */
    default boolean carriesHeader() {
        return false;
    }

    /** Which incomplete frames the backend may deliver from now on; only called when it {@link #carriesHeader}. */
    default void acceptOffloads(GuestOffloads offloads) {
    }

    /** Starts delivering to {@code sink}; called once. */
    void start(Sink sink);

    /** Whether frames can flow now (a TAP is always up; a peer or passt link is up while connected). */
    boolean linkUp();

    /**
     * Sends one frame (position to limit). Runs on the device's transmit thread and may wait for room, never on a
     * vCPU. Returns false when the frame was dropped because the link is down.
     */
    boolean send(ByteBuffer frame);

    /** Stops the backend's threads and releases its host resources. */
    @Override
    void close();

    /**
     * The backend of a device a dry run shows: it opens nothing on the host (a dry run must not take a TAP device,
     * start or use up a passt, or bind a peer socket), its link is down and it drops every frame.
     */
    static NetBackend unopened() {
        return new NetBackend() {
            @Override
            public void start(Sink sink) {
            }

            @Override
            public boolean linkUp() {
                return false;
            }

            @Override
            public boolean send(ByteBuffer frame) {
                return false;
            }

            @Override
            public void close() {
            }
        };
    }
}
