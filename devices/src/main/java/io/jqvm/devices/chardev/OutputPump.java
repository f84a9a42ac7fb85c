package io.jqvm.devices.chardev;

import io.jqvm.common.Log;

/**
 * Guest output on its way to a host sink: a bounded ring the vCPU writes into without blocking, drained
 * by a writer thread. When the host falls behind by more than the ring holds, new bytes are dropped and
 * counted, so a stalled terminal or full disk slows nothing but the output.
 */
final class OutputPump {
    static final int CAPACITY = 64 * 1024;
    private static final long CLOSE_WAIT_MILLIS = 2000;

    private final String name;
    private final Endpoint.Sink sink;
    private final byte[] ring = new byte[CAPACITY];
    private final Thread writer;
    private int head;
    private int count;
    private long dropped;
    private boolean closing;
    private boolean failed;

    OutputPump(String name, Endpoint.Sink sink) {
        this.name = name;
        this.sink = sink;
        this.writer = Thread.ofPlatform().daemon().name("hostdev-out " + name).unstarted(this::drain);
    }

    void start() {
        writer.start();
    }

    /** Queues one byte; never blocks. */
    synchronized void put(int b) {
        if (closing || failed) {
            return;
        }
        if (count == CAPACITY) {
            if (dropped++ == 0) {
                Log.warn("hostdev " + name + ": output is not being consumed; dropping bytes");
            }
            return;
        }
        ring[(head + count) % CAPACITY] = (byte) b;
        count++;
        notifyAll();
    }

    synchronized long dropped() {
        return dropped;
    }

    private void drain() {
        byte[] chunk = new byte[4096];
        while (true) {
            int n;
            synchronized (this) {
                while (count == 0 && !closing) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (count == 0) {
                    return;
                }
                n = Math.min(count, chunk.length);
                for (int i = 0; i < n; i++) {
                    chunk[i] = ring[(head + i) % CAPACITY];
                }
                head = (head + n) % CAPACITY;
                count -= n;
            }
            try {
                sink.write(chunk, n);
            } catch (java.io.IOException e) {
                synchronized (this) {
                    failed = true;
                    count = 0;
                }
                Log.error("hostdev " + name + ": output failed, further output discarded: " + e.getMessage());
                return;
            }
        }
    }

    /** Writes what is queued (waiting a bounded time), then closes the sink. */
    void close() {
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        try {
            writer.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            sink.close();
        } catch (java.io.IOException e) {
            Log.warn("hostdev " + name + ": closing output: " + e.getMessage());
        }
    }
}
