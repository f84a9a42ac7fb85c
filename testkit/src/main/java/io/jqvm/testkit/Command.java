package io.jqvm.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external command (jqvm, QEMU, make) with a time limit and captures what it printed. */
public final class Command {
    /** What a run left: its exit status (or that it timed out), stdout and stderr. */
    public record Result(int exitStatus, boolean timedOut, String stdout, String stderr) {
        /** For assertion messages: status and the tail of both streams. */
        public String describe() {
            return (timedOut ? "timed out" : "exit status " + exitStatus) + "\n--- stdout (tail)\n" + tail(stdout)
                    + "\n--- stderr (tail)\n" + tail(stderr);
        }

        private static String tail(String text) {
            int keep = 4000;
            return text.length() <= keep ? text : "..." + text.substring(text.length() - keep);
        }
    }

    private Command() {
    }

    /** The repository root (surefire sets {@code JQVM_REPO}). */
    public static Path repo() {
        String repo = System.getenv("JQVM_REPO");
        if (repo == null || repo.isBlank()) {
            throw new IllegalStateException("JQVM_REPO is not set (surefire sets it to the repository root)");
        }
        return Path.of(repo);
    }

    /** Runs {@code ./jqvm args...} from the repository root. */
    public static Result jqvm(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(repo().resolve("jqvm").toString());
        command.addAll(List.of(args));
        return run(command, repo(), timeout);
    }

    /** Runs {@code command} in {@code directory}, stdin from /dev/null, killed with its children after {@code timeout}. */
    public static Result run(List<String> command, Path directory, Duration timeout) throws IOException, InterruptedException {
        return run(command, directory, timeout, Map.of());
    }

    /** As {@link #run(List, Path, Duration)}, with {@code environment} added to this process's environment. */
    public static Result run(List<String> command, Path directory, Duration timeout, Map<String, String> environment)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("jqvm-it", ".out");
        Path err = Files.createTempFile("jqvm-it", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
            builder.environment().putAll(environment);
            Process process = builder
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
            }
            return new Result(finished ? process.exitValue() : -1, !finished,
                    Files.readString(out, StandardCharsets.ISO_8859_1), Files.readString(err, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
