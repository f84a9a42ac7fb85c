package io.jqvm.virtio.net;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** A backend the test drives: it records what the device sends and delivers what the test injects. */
final class ScriptedBackend implements NetBackend {
    final BlockingQueue<byte[]> sent = new LinkedBlockingQueue<>();
    final BlockingQueue<GuestOffloads> offloads = new LinkedBlockingQueue<>();
    private final boolean carriesHeader;
    private volatile Sink sink;
    private volatile boolean up = true;
    volatile boolean closed;

    ScriptedBackend() {
        this(false);
    }

    /** With {@code carriesHeader}, frames both ways start with a 12-byte virtio-net header, as a TAP's do. */
    ScriptedBackend(boolean carriesHeader) {
        this.carriesHeader = carriesHeader;
    }

    @Override
    public boolean carriesHeader() {
        return carriesHeader;
    }

    @Override
    public void acceptOffloads(GuestOffloads accepted) {
        offloads.add(accepted);
    }

    @Override
    public void start(Sink sink) {
        this.sink = sink;
    }

    @Override
    public boolean linkUp() {
        return up;
    }

    @Override
    public boolean send(ByteBuffer frame) {
        if (!up) {
            return false;
        }
        byte[] copy = new byte[frame.remaining()];
        frame.duplicate().get(copy);
        sent.add(copy);
        return true;
    }

    /** Delivers {@code frame} on the calling thread, as a backend's reader would (it may wait for buffers). */
    void inject(byte[] frame) {
        sink.receive(ByteBuffer.wrap(frame));
    }

    void link(boolean up) {
        this.up = up;
        sink.linkChanged(up);
    }

    @Override
    public void close() {
        closed = true;
    }
}
