package io.jqvm.it.a64;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What one run of an external command left: its exit status (or that it timed out), stdout and stderr. */
record RunResult(int exitStatus, boolean timedOut, String stdout, String stderr) {

    /** Runs {@code command} in {@code directory} with stdin from /dev/null, killing it (and its children) after {@code timeout}. */
    static RunResult run(List<String> command, Path directory, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("a64-run", ".out");
        Path err = Files.createTempFile("a64-run", ".err");
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
            }
            return new RunResult(finished ? process.exitValue() : -1, !finished,
                    Files.readString(out, StandardCharsets.ISO_8859_1), Files.readString(err, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** For assertion messages: status, and the tail of both streams. */
    String describe() {
        return (timedOut ? "timed out" : "exit status " + exitStatus) + "\n--- stdout (tail)\n" + tail(stdout)
                + "\n--- stderr (tail)\n" + tail(stderr);
    }

    private static String tail(String text) {
        int keep = 4000;
        return text.length() <= keep ? text : "…" + text.substring(text.length() - keep);
    }
}
