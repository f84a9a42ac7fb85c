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
 * <p>The routes and the line prefix belong to a {@link Scope}: the process's (the jqvm command's, set by
 * {@link #configure} and {@link #prefix}), or a VM's own when a program embeds several VMs. A thread's scope is
 * inherited by the threads it starts, so a VM's vCPU and device threads log into the scope of the thread that
 * assembled the VM; a thread shared by VMs binds the scope of the VM it works for ({@link #runIn}).
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

    /** Where one VM's (or the process's) lines go, and the name that starts them. */
    public static final class Scope {
        private volatile List<Route> routes;
        private volatile String prefix;

        private Scope(List<Route> routes, String prefix) {
            this.routes = routes;
            this.prefix = prefix;
        }
    }

    private static final Scope PROCESS = new Scope(List.of(new Route(DEFAULT_LEVELS, stream(System.err))), "jqvm");
    private static final InheritableThreadLocal<Scope> CURRENT = new InheritableThreadLocal<>() {
        @Override
        protected Scope initialValue() {
            return PROCESS;
        }
    };

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

    /** Replaces the process's routes; an empty list silences the log. */
    public static synchronized void configure(List<Set<Level>> levels, List<Sink> sinks) {
        PROCESS.routes = routes(levels, sinks);
    }

    /** Restores the process's default route (used by tests). */
    public static synchronized void reset() {
        PROCESS.routes = List.of(new Route(DEFAULT_LEVELS, stream(System.err)));
    }

    /** A scope of its own, routed as {@code levels} and {@code sinks} say (an empty list: silent). */
    public static Scope newScope(String prefix, List<Set<Level>> levels, List<Sink> sinks) {
        return new Scope(routes(levels, sinks), prefix);
    }

    /** The current thread's scope. */
    public static Scope currentScope() {
        return CURRENT.get();
    }

    /**
     * Makes {@code scope} the current thread's for good (a thread that exists to run one VM); the threads it
     * starts from now on inherit it.
     */
    public static void enter(Scope scope) {
        CURRENT.set(scope);
    }

    /** Runs {@code task} in {@code scope} on the current thread, then returns to the thread's own. */
    public static void runIn(Scope scope, Runnable task) {
        Scope before = CURRENT.get();
        CURRENT.set(scope);
        try {
            task.run();
        } finally {
            CURRENT.set(before);
        }
    }

    private static List<Route> routes(List<Set<Level>> levels, List<Sink> sinks) {
        List<Route> r = new ArrayList<>();
        for (int i = 0; i < levels.size(); i++) {
            r.add(new Route(EnumSet.copyOf(levels.get(i)), sinks.get(i)));
        }
        return List.copyOf(r);
    }

    /** The name that starts every line of the current scope, the VM's {@code system} name once known. */
    public static void prefix(String name) {
        CURRENT.get().prefix = name;
    }

    public static boolean enabled(Level level) {
        for (Route r : CURRENT.get().routes) {
            if (r.levels.contains(level)) {
                return true;
            }
        }
        return false;
    }

    public static void log(Level level, String message) {
        Scope scope = CURRENT.get();
        String line = null;
        for (Route r : scope.routes) {
            if (r.levels.contains(level)) {
                if (line == null) {
                    line = scope.prefix + ": " + level.label() + ": " + message;
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
