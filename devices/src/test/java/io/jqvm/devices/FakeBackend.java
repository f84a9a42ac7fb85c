package io.jqvm.devices;

import io.jqvm.device.CharBackend;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;

/** A character backend for device tests: scripted input, recorded output, the input callback kept. */
public final class FakeBackend implements CharBackend {
    private final ArrayDeque<Integer> input = new ArrayDeque<>();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private Runnable listener = () -> { };

    /** Makes bytes readable and runs the device's callback, as a backend's reader thread would. */
    public void offer(String s) {
        synchronized (this) {
            for (char c : s.toCharArray()) {
                input.add((int) c);
            }
        }
        listener.run();
    }

    public synchronized int pending() {
        return input.size();
    }

    public synchronized String output() {
        return output.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
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
