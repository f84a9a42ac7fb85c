package io.jqvm.devices.chardev;

import io.jqvm.device.CharBackend;
import java.util.List;

/**
 * A device's host side assembled from its {@code hostdev} options: at most one input, any number of
 * outputs (each gets every byte). Threads start when the backend is built and stop on {@link #close}.
 */
final class HostCharBackend implements CharBackend {
    private final InputPump input;
    private final List<OutputPump> outputs;
    private final List<AutoCloseable> extra;

    /**
     * @param input   the input pump, or null for none
     * @param outputs output pumps
     * @param extra   resources to release after the pumps (a process, for instance)
     */
    HostCharBackend(InputPump input, List<OutputPump> outputs, List<AutoCloseable> extra) {
        this.input = input;
        this.outputs = List.copyOf(outputs);
        this.extra = List.copyOf(extra);
        if (input != null) {
            input.start();
        }
        this.outputs.forEach(OutputPump::start);
    }

    @Override
    public void write(int b) {
        for (OutputPump o : outputs) {
            o.put(b);
        }
    }

    @Override
    public int read() {
        return input == null ? -1 : input.take();
    }

    @Override
    public void onInput(Runnable listener) {
        if (input != null) {
            input.onInput(listener);
        }
    }

    /** Bytes dropped because an output did not keep up (the largest count over the outputs). */
    long droppedOutput() {
        return outputs.stream().mapToLong(OutputPump::dropped).max().orElse(0);
    }

    @Override
    public void close() {
        if (input != null) {
            input.close();
        }
        outputs.forEach(OutputPump::close);
        for (AutoCloseable c : extra) {
            try {
                c.close();
            } catch (Exception e) {
                io.jqvm.common.Log.warn("hostdev: closing " + c + ": " + e.getMessage());
            }
        }
    }
}
