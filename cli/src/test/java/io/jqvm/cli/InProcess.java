package io.jqvm.cli;

import io.jqvm.common.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Runs the jqvm command in this JVM, its stdout discarded and its stderr captured. */
final class InProcess {
    /** The status, what went to stderr, and the exception that left {@link Main#run}, if one did. */
    record Run(int status, String stderr, Throwable escaped) {
    }

    private InProcess() {
    }

    static synchronized Run run(List<String> args) {
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(PrintStream.nullOutputStream()));
        Log.reset();
        try {
            return new Run(Main.run(args), captured.toString(StandardCharsets.UTF_8), null);
        } catch (Throwable t) {
            return new Run(-1, captured.toString(StandardCharsets.UTF_8), t);
        } finally {
            System.setErr(err);
            System.setOut(out);
            Log.reset();
        }
    }

    static Path example(String name) {
        return Path.of(System.getenv().getOrDefault("JQVM_REPO", "..")).resolve("examples").resolve(name);
    }
}
