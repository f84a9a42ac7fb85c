package io.jqvm.common;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The VM's log, routed as qvm's {@code logger} option says: each message has one {@link Level}; each sink
 * takes a set of levels (filters combine, they are not thresholds). Until {@link #configure} is called
 * the qvm default applies: fatal, internal, error, warn and info on stderr.
 *
 * <p>Thread-safe: vCPU threads and device threads log concurrently; a line is written whole.
 */
public final class Log {
    /** The qvm logger filters. */
    public enum Level {
        FATAL, INTERNAL, ERROR, WARN, INFO, DEBUG, VERBOSE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where a sink writes one formatted line. */
    public interface Sink {
        void write(Level level, String line);
    }

    private record Route(Set<Level> levels, Sink sink) {
    }

    public static final Set<Level> DEFAULT_LEVELS =
            EnumSet.of(Level.FATAL, Level.INTERNAL, Level.ERROR, Level.WARN, Level.INFO);

    private static volatile List<Route> routes = List.of(new Route(DEFAULT_LEVELS, stream(System.err)));
    private static volatile String prefix = "jqvm";

    private Log() {
    }

    /** A sink writing to a stream (stdout or stderr). */
    public static Sink stream(PrintStream out) {
        return (level, line) -> {
            synchronized (out) {
                out.print(TerminalLine.breakBeforeLog());
                out.println(line);
                out.flush();
            }
        };
    }

    /** Replaces the routes; an empty list silences the log. */
    public static synchronized void configure(List<Set<Level>> levels, List<Sink> sinks) {
        List<Route> r = new ArrayList<>();
        for (int i = 0; i < levels.size(); i++) {
            r.add(new Route(EnumSet.copyOf(levels.get(i)), sinks.get(i)));
        }
        routes = List.copyOf(r);
    }

    /** Restores the default route (used by tests and between VMs in one JVM). */
    public static synchronized void reset() {
        routes = List.of(new Route(DEFAULT_LEVELS, stream(System.err)));
    }

    /** The name that starts every line, the VM's {@code system} name once known. */
    public static void prefix(String name) {
        prefix = name;
    }

    public static boolean enabled(Level level) {
        for (Route r : routes) {
            if (r.levels.contains(level)) {
                return true;
            }
        }
        return false;
    }

    public static void log(Level level, String message) {
        List<Route> current = routes;
        String line = null;
        for (Route r : current) {
            if (r.levels.contains(level)) {
                if (line == null) {
                    line = prefix + ": " + level.label() + ": " + message;
                }
                r.sink.write(level, line);
            }
        }
    }

    /** Logs a message built only when some sink takes the level (debug and verbose paths). */
    public static void log(Level level, Supplier<String> message) {
        if (enabled(level)) {
            log(level, message.get());
        }
    }

    public static void fatal(String m) { log(Level.FATAL, m); }
    public static void internal(String m) { log(Level.INTERNAL, m); }
    public static void error(String m) { log(Level.ERROR, m); }
    public static void warn(String m) { log(Level.WARN, m); }
    public static void info(String m) { log(Level.INFO, m); }
    public static void debug(Supplier<String> m) { log(Level.DEBUG, m); }
    public static void verbose(Supplier<String> m) { log(Level.VERBOSE, m); }
}
