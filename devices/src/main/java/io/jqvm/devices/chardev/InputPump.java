package io.jqvm.devices.chardev;

import io.jqvm.common.Log;

/**
 * Host input on its way to the guest: a reader thread fills a bounded buffer and tells the device; when
 * the buffer is full the reader waits for the device to take bytes, so a guest that does not read holds
 * the host back rather than losing input.
 */
final class InputPump {
    static final int CAPACITY = 4096;
    /** How long {@link #close} waits for the reader thread to end. */
    private static final long CLOSE_WAIT_MILLIS = 1000;

    private final String name;
    private final Endpoint.Source source;
    private final byte[] ring = new byte[CAPACITY];
    private final Thread reader;
    private volatile Runnable listener = () -> { };
    private int head;
    private int count;
    private boolean closed;

    InputPump(String name, Endpoint.Source source) {
        this.name = name;
        this.source = source;
        this.reader = Thread.ofPlatform().daemon().name("hostdev-in " + name).unstarted(this::fill);
    }

    void start() {
        reader.start();
    }

    void onInput(Runnable l) {
        listener = l;
        if (available() > 0) {
            l.run();
        }
    }

    synchronized int available() {
        return count;
    }

    /** Next byte, or -1 when none is waiting. */
    synchronized int take() {
        if (count == 0) {
            return -1;
        }
        int b = ring[head] & 0xff;
        head = (head + 1) % CAPACITY;
        count--;
        notifyAll();
        return b;
    }

    private void fill() {
        byte[] chunk = new byte[512];
        while (true) {
            int room;
            synchronized (this) {
                while (count == CAPACITY && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                room = CAPACITY - count;
            }
            byte[] buffer = room < chunk.length ? new byte[room] : chunk;
            int n;
            try {
                n = source.read(buffer);
            } catch (java.io.IOException e) {
                if (!isClosed()) {
                    Log.error("hostdev " + name + ": input failed, no more input: " + e.getMessage());
                }
                return;
            }
            if (n < 0) {
                return;
            }
            if (n > 0) {
                synchronized (this) {
                    for (int i = 0; i < n; i++) {
                        ring[(head + count + i) % CAPACITY] = buffer[i];
                    }
                    count += n;
                }
                listener.run();
            }
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            source.close();
        } catch (java.io.IOException e) {
            Log.warn("hostdev " + name + ": closing input: " + e.getMessage());
        }
        // A closed source ends a waiting read (stdin's within a poll period): the reader is gone when close returns.
        try {
            reader.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
