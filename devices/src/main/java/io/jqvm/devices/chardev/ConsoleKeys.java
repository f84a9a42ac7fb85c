package io.jqvm.devices.chardev;

import java.io.PrintStream;

/**
 * QEMU's console escape keys, typed at a terminal: {@code Ctrl-A x} quits, {@code Ctrl-A h} (or {@code ?})
 * lists the keys, {@code Ctrl-A Ctrl-A} sends one Ctrl-A to the guest. As in QEMU, Ctrl-A followed by any
 * other key sends nothing. Every other byte, Ctrl-C and Ctrl-D included, goes to the guest unchanged.
 */
final class ConsoleKeys {
    static final byte ESCAPE = 0x01;
    /** Starts on a line of its own: the keys are typed wherever the guest's cursor is. */
    static final String HELP = """

            C-a h    print this help
            C-a x    exit jqvm (a power cut: the guest gets no warning, jqvm exits with status 3)
            C-a C-a  sends C-a
            """;

    private final Runnable quit;
    private final PrintStream help;
    private boolean escaped;

    /**
     * @param quit what {@code Ctrl-A x} does
     * @param help where {@code Ctrl-A h} prints the keys
     */
    ConsoleKeys(Runnable quit, PrintStream help) {
        this.quit = quit;
        this.help = help;
    }

    /** Interprets {@code length} typed bytes in place; returns how many of them remain for the guest. */
    int filter(byte[] bytes, int length) {
        int kept = 0;
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (!escaped) {
                if (b == ESCAPE) {
                    escaped = true;
                } else {
                    bytes[kept++] = b;
                }
                continue;
            }
            escaped = false;
            switch (b) {
                case ESCAPE -> bytes[kept++] = ESCAPE;
                case 'x' -> quit.run();
                case 'h', '?' -> {
                    synchronized (help) {
                        help.print(HELP);
                        help.flush();
                    }
                }
                default -> { }
            }
        }
        return kept;
    }
}
