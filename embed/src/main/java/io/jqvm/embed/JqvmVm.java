package io.jqvm.embed;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.config.model.LoggerSpec;
import io.jqvm.config.model.VmSpec;
import io.jqvm.devices.chardev.Stdio;
import io.jqvm.vmm.PowerSwitch;
import io.jqvm.vmm.Vmm;
import io.jqvm.vmm.VmRuntime;
import io.jqvm.vmm.assembly.AcceleratorChoice;
import io.jqvm.vmm.assembly.VmBuilder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One VM run inside this Java program, as the jqvm command runs one in its process, but taking nothing of the
 * process: no signal handlers, no stdin or stdout (its console is a {@link GuestConsole}), no change to the
 * process's log (its log lines go to its own listener), its own runtime directory. Several run side by side.
 *
 * <pre>{@code
 * JqvmConfig config = JqvmConfig.builder().include(Path.of("examples/arm64-virt.qvmconf")).load(elf).build();
 * try (JqvmVm vm = JqvmVm.create(config)) {
 *     vm.start();
 *     vm.console().waitFor("PSCI SYSTEM_OFF", Duration.ofSeconds(30));
 *     VmExit exit = vm.awaitExit(Duration.ofSeconds(30)).orElseThrow();
 * }
 * }</pre>
 *
 * <p>The VM runs on a thread of its own (named after it), which starts its vCPU and device threads; a guest reset
 * assembles the machine again from the configuration, as the command does. {@link #close} cuts the power if the
 * guest still runs and returns once the VM has released its threads, files, runtime directory and memory.
 */
public final class JqvmVm implements AutoCloseable {
    /** How long {@link #close} waits for the VM to end after cutting its power. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final VmSpec spec;
    private final String name;
    private final GuestConsole console;
    private final PowerSwitch power = new PowerSwitch();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<VmExit> exit = new CompletableFuture<>();
    private volatile Consumer<String> logListener;
    private volatile VmStartException startFailure;
    private Thread thread;
    /** The VM's log; set with {@link #thread}. */
    private Log.Scope scope;

    private JqvmVm(JqvmConfig config) {
        this.spec = config.spec();
        this.name = spec.system().orElse(VmBuilder.DEFAULT_NAME);
        this.console = new GuestConsole(name);
    }

    /** A VM of this configuration, not started. */
    public static JqvmVm create(JqvmConfig config) {
        return new JqvmVm(config);
    }

    /** The VM's name: its {@code system}, else qvm's {@code qvm-guest}. */
    public String name() {
        return name;
    }

    public GuestConsole console() {
        return console;
    }

    /**
     * Where the VM's log lines go ({@code name: level: message}), the levels being those of the configuration's
     * {@code logger} lines (qvm's fatal to info without one); until this is called, to {@code System.err}. Set it
     * before {@link #start}.
     */
    public JqvmVm logTo(Consumer<String> listener) {
        this.logListener = listener;
        return this;
    }

    /**
     * Assembles the VM and starts its guest; returns once the guest runs (or, for a {@code dryrun}, once the
     * report is on the console).
     *
     * @throws VmStartException when it cannot start, with the line and status the jqvm command would give
     *                          ({@link VmConfigException} for a configuration the assembly refuses)
     * @throws IllegalStateException when it was started before
     */
    public void start() throws VmStartException, InterruptedException {
        synchronized (this) {
            if (thread != null) {
                throw new IllegalStateException("VM " + name + " was started already");
            }
            Log.Scope vmScope = Log.newScope(name, List.of(levels()), List.of(sink()));
            scope = vmScope;
            thread = Thread.ofPlatform().daemon().name("jqvm " + name).start(() -> {
                Log.enter(vmScope);
                run();
            });
        }
        try {
            CompletableFuture.anyOf(started, exit).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        VmStartException failure = startFailure;
        if (failure != null && !started.isDone()) {
            throw failure;
        }
    }

    /** The exit, once the VM ends within {@code timeout}; empty while it still runs (or was never started). */
    public Optional<VmExit> awaitExit(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Whether the VM was started and has not ended. */
    public boolean isRunning() {
        return started.isDone() && !exit.isDone();
    }

    /** Cuts the power, as SIGTERM does to the command: the guest gets no warning, the exit has status 3. */
    public void stop() {
        Log.Scope vmScope;
        synchronized (this) {
            vmScope = scope;
        }
        if (vmScope != null && !exit.isDone()) {
            Log.runIn(vmScope, () -> power.cut("power cut by the embedding program"));
        }
    }

    /**
     * Cuts the power if the guest still runs and waits for the VM to release everything it holds.
     *
     * @throws IllegalStateException when the VM has not ended within {@link #CLOSE_TIMEOUT} (a vCPU stuck in the
     *                               host); its threads are then left to end by themselves
     */
    @Override
    public void close() throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            stop();
            if (!t.join(CLOSE_TIMEOUT)) {
                throw new IllegalStateException("VM " + name + " did not end within " + CLOSE_TIMEOUT.toSeconds()
                        + " s of its power cut");
            }
        }
        console.end();
    }

    /** On the VM's own thread: runs it to its end, with its resets. */
    private void run() {
        try {
            Vmm vmm = new Vmm(AcceleratorChoice.installed());
            if (spec.dryrun()) {
                PrintStream out = new PrintStream(console.guestOutput(), true, StandardCharsets.UTF_8);
                vmm.dryrun(spec, out);
                exit.complete(new VmExit(ExitStatus.NORMAL, "dryrun completed"));
                return;
            }
            Vmm.Host host = new Vmm.Host(false, Stdio.streams(console::guestInput, console.guestOutput()), power,
                    runtime -> started.complete(null));
            VmRuntime.Outcome outcome = vmm.run(spec, host);
            exit.complete(new VmExit(outcome.status(), outcome.reason()));
        } catch (ConfigException e) {
            startFailure = new VmConfigException(e.getMessage());
            exit.complete(new VmExit(e.status(), e.getMessage()));
        } catch (VmmException e) {
            Log.fatal(e.getMessage());
            if (!started.isDone()) {
                startFailure = new VmStartException(e.status(), e.getMessage());
            }
            exit.complete(new VmExit(e.status(), e.getMessage()));
        } catch (InterruptedException e) {
            Log.fatal("interrupted");
            exit.complete(new VmExit(ExitStatus.FATAL_AFTER_START, "the VM's thread was interrupted"));
        } catch (RuntimeException | Error e) {
            Log.internal("the VM failed: " + e);
            ExitStatus status = started.isDone() ? ExitStatus.FATAL_AFTER_START : ExitStatus.FATAL_BEFORE_START;
            if (!started.isDone()) {
                startFailure = new VmStartException(status, "internal error: " + e);
            }
            exit.complete(new VmExit(status, "internal error: " + e));
        } finally {
            console.end();
        }
    }

    /** The levels the configuration's loggers take, whatever their destinations: the listener is this VM's. */
    private Set<Log.Level> levels() {
        Set<Log.Level> levels = EnumSet.noneOf(Log.Level.class);
        for (LoggerSpec l : spec.effectiveLoggers()) {
            if (l.destination() != LoggerSpec.Destination.NONE) {
                levels.addAll(l.levels());
            }
        }
        return levels;
    }

    private Log.Sink sink() {
        Consumer<String> listener = logListener;
        return listener == null ? Log.stream(System.err) : (level, line) -> listener.accept(line);
    }
}
