package io.jqvm.it.virtio;

import io.jqvm.it.support.Console;
import java.io.IOException;
import java.time.Duration;

/**
 * Commands typed at the guest's busybox shell, with their output and exit status. The output is framed
 * by markers the shell assembles ({@code "=""=BEGIN"} prints {@code ==BEGIN}), so the terminal's echo of
 * the typed line, which the shell may wrap anywhere, never matches.
 */
public final class GuestShell {
    public static final Duration COMMAND = Duration.ofSeconds(120);

    /** What a command printed (stdout and stderr, lines joined by \n) and its exit status. */
    public record Result(String output, int status) {
    }

    private final Console console;

    public GuestShell(Console console) {
        this.console = console;
    }

    public Result run(String command) throws IOException, InterruptedException {
        return run(command, COMMAND);
    }

    public Result run(String command, Duration timeout) throws IOException, InterruptedException {
        console.type("echo \"=\"\"=BEGIN\"; { " + command + "; } 2>&1; echo \"=\"\"=END $?\"");
        console.waitFor("==BEGIN", timeout);
        String output = console.waitFor("==END ", timeout).replace("\r", "").strip();
        int status = Integer.parseInt(console.waitFor("\n", timeout).strip());
        return new Result(output, status);
    }

    /** The output of a command that must succeed; an {@link AssertionError} with the console otherwise. */
    public String ok(String command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.status() != 0) {
            throw new AssertionError("guest command failed (status " + r.status() + "): " + command + "\n" + r.output()
                    + console.describe());
        }
        return r.output();
    }
}
