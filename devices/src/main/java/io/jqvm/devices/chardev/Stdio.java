package io.jqvm.devices.chardev;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a {@code hostdev} of {@code -}, {@code <-} or {@code >-} means: the process's own standard input and output
 * (the jqvm command: a terminal is made raw, see {@link StdioConsole}), or streams a program embedding the VM
 * supplies, so that several VMs in one process each have their own console and none touches the process's.
 */
public final class Stdio {
    private static final Stdio PROCESS = new Stdio(null, null);

    /** Null for the process's stdin. */
    private final Supplier<? extends InputStream> input;
    /** Null for the process's stdout. */
    private final OutputStream output;

    private Stdio(Supplier<? extends InputStream> input, OutputStream output) {
        this.input = input;
        this.output = output;
    }

    /** The process's standard input and output. */
    public static Stdio process() {
        return PROCESS;
    }

    /**
     * Guest input read from a stream {@code input} gives each time a device opens (a VM's reset opens its devices
     * again; the end of a stream is the end of input; it is closed with the device, and closing it must end a read
     * that waits) and guest output written to {@code output} (flushed after every chunk, never
     * closed; its writes must not block for long: they hold the device's output thread).
     */
    public static Stdio streams(Supplier<? extends InputStream> input, OutputStream output) {
        return new Stdio(Objects.requireNonNull(input, "input"), Objects.requireNonNull(output, "output"));
    }

    Endpoint.Source input(Runnable quit) {
        return input == null ? StdioConsole.input(quit) : ChannelEndpoint.source(input.get(), true);
    }

    Endpoint.Sink output() {
        return output == null ? StdioConsole.output() : ChannelEndpoint.sink(output, false);
    }
}
