package io.jqvm.devices.arm;

import io.jqvm.device.CharBackend;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;

/** A character backend whose input a test types and whose output it reads. */
final class FakeBackend implements CharBackend {
    final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final ArrayDeque<Integer> input = new ArrayDeque<>();
    private Runnable listener = () -> { };

    @Override
    public void write(int b) {
        output.write(b);
    }

    @Override
    public int read() {
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

    void type(String text) {
        for (char c : text.toCharArray()) {
            input.add((int) c);
        }
        listener.run();
    }

    int waiting() {
        return input.size();
    }

    String written() {
        return output.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
