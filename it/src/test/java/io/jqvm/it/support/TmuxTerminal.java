package io.jqvm.it.support;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.HostPrerequisite;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real terminal for a test: a detached tmux session running one shell command. Keys are sent as a person
 * types them (tmux key names: {@code Tab}, {@code C-c}, {@code Enter}) and the screen is read back with
 * {@code capture-pane}. Skipped where tmux is missing (failed under JQVM_REQUIRE_KVM=1).
 */
public final class TmuxTerminal implements AutoCloseable {
    private static final Duration TMUX = Duration.ofSeconds(30);
    private final String session;

    private TmuxTerminal(String session) {
        this.session = session;
    }

    /** Starts {@code shellCommand} under {@code sh -c} in a new 120x40 terminal, working in {@code directory}. */
    public static TmuxTerminal start(String shellCommand, Path directory) throws IOException, InterruptedException {
        HostPrerequisite.require("tmux", tmuxMissing());
        String session = "jqvm-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        // The trailing sleep keeps the pane, and what it shows, after the command ends.
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-c", directory.toString(),
                "sh", "-c", shellCommand + "; sleep 3600");
        return new TmuxTerminal(session);
    }

    private static String tmuxMissing() throws InterruptedException {
        try {
            Command.Result r = Command.run(List.of("tmux", "-V"), Path.of("."), TMUX);
            return r.exitStatus() == 0 ? null : "tmux -V exited " + r.exitStatus();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static Command.Result tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("tmux");
        command.addAll(List.of(args));
        Command.Result r = Command.run(command, Path.of("."), TMUX);
        if (r.exitStatus() != 0) {
            throw new AssertionError("tmux " + String.join(" ", args) + " failed: " + r.describe());
        }
        return r;
    }

    /** Sends keys by tmux's names; a plain string is typed as its characters. */
    public void keys(String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /** Types {@code text} literally (no key names) and Enter. */
    public void line(String text) throws IOException, InterruptedException {
        tmux("send-keys", "-t", session, "-l", text);
        keys("Enter");
    }

    /** The screen and the scrollback. */
    public String screen() throws IOException, InterruptedException {
        return tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", session).stdout();
    }

    /** Waits until the screen shows {@code text} {@code count} times; returns the screen. */
    public String waitFor(String text, int count, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String s = screen();
        while (occurrences(s, text) < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("\"" + text + "\" did not appear " + count + " time(s) within " + timeout
                        + "\n--- screen\n" + s);
            }
            Thread.sleep(250);
            s = screen();
        }
        return s;
    }

    public static int occurrences(String s, String text) {
        int n = 0;
        for (int at = s.indexOf(text); at >= 0; at = s.indexOf(text, at + text.length())) {
            n++;
        }
        return n;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Command.run(List.of("tmux", "kill-session", "-t", session), Path.of("."), TMUX);
    }
}
