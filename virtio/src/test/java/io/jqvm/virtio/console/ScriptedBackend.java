package io.jqvm.virtio.console;

import io.jqvm.device.CharBackend;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;

/** A host character backend whose input the test types and whose output it reads back. */
final class ScriptedBackend implements CharBackend {
    private final ArrayDeque<Integer> input = new ArrayDeque<>();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private Runnable listener = () -> { };

    /** Queues host input and wakes the device, as a backend's reader thread would. */
    void type(byte[] bytes) {
        synchronized (this) {
            for (byte b : bytes) {
                input.add(b & 0xff);
            }
        }
        listener.run();
    }

    synchronized int unread() {
        return input.size();
    }

    synchronized byte[] output() {
        return output.toByteArray();
    }

    @Override
    public synchronized void write(int b) {
        output.write(b);
    }

    @Override
    public synchronized int read() {
        Integer b = input.poll();
        return b == null ? -1 : b;
    }

    @Override
    public void onInput(Runnable l) {
        listener = l;
    }

    @Override
    public void close() {
    }
}
