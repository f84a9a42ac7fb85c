package io.jqvm.device;

/**
 * The host end of a character device (a UART's or virtio-console's {@code hostdev}): stdout, a file,
 * a Unix socket, a pty. The device pulls input when its FIFO has room, so a guest that does not read
 * applies back-pressure instead of losing bytes.
 */
public interface CharBackend extends AutoCloseable {
    /** Sends one byte to the host; never blocks the vCPU for long (bounded buffering, drops when full). */
    void write(int b);

    /** Next input byte, or -1 when none is waiting. Never blocks. */
    int read();

    /** Registers the device's callback, run on a backend thread whenever new input becomes readable. */
    void onInput(Runnable listener);

    @Override
    void close();

    /** A backend that swallows output and never has input. */
    CharBackend NULL = new CharBackend() {
        @Override public void write(int b) { }
        @Override public int read() { return -1; }
        @Override public void onInput(Runnable listener) { }
        @Override public void close() { }
    };
}
