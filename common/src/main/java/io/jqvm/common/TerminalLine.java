package io.jqvm.common;

/**
 * Whether the terminal the guest console and the log share is in the middle of a guest line. The console
 * writer reports what it wrote; a log line written while the guest's line is unfinished starts with a line
 * break, so jqvm never cuts a guest line in half and its own lines always start at the left margin. Process
 * wide, as the terminal is: only the VM's stdout console reports, and only when stdout and stderr are one
 * terminal.
 */
public final class TerminalLine {
    private static volatile boolean shared;
    private static volatile boolean midLine;

    private TerminalLine() {
    }

    /** The console on stdout shares its terminal with the log (or stops doing so). */
    public static void shared(boolean on) {
        shared = on;
        midLine = false;
    }

    /** The console wrote {@code length} bytes of {@code bytes} to the terminal. */
    public static void wrote(byte[] bytes, int length) {
        if (shared && length > 0) {
            byte last = bytes[length - 1];
            midLine = last != '\n' && last != '\r';
        }
    }

    /** What a log line must start with: a line break when the guest's line is unfinished. */
    static String breakBeforeLog() {
        if (shared && midLine) {
            midLine = false;
            return "\n";
        }
        return "";
    }
}
