package io.jqvm.vmm;

import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A debugger's hold on the vCPUs: a held vCPU's thread stays out of {@link Vcpu#run} and runs the debugger's
 * requests ({@link #call}) until it is released, one vCPU at a time if the debugger wishes. Any vCPU's debug stop
 * holds them all, so gdb's all-stop model holds. Unlike {@link VmRuntime#whileStopped}, a hold lasts as long as
 * the debugger wants and survives any number of requests.
 */
public final class VcpuHolds {
    /** Told on the stopping vCPU's thread, after every vCPU was asked to hold. */
    public interface StopListener {
        void stopped(int vcpu, VcpuExit.Debug why);
    }

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Consumer<Vcpu> WAKE = vcpu -> { };

    private final Hold[] holds;
    private final Consumer<Integer> stopper;
    private volatile StopListener listener = (vcpu, why) -> { };
    private volatile boolean ended;

    private static final class Hold {
        volatile boolean held;
        volatile boolean parked;
        final LinkedBlockingQueue<Consumer<Vcpu>> tasks = new LinkedBlockingQueue<>();
    }

    /** @param stopper makes vCPU n leave {@link Vcpu#run} and notice its hold */
    VcpuHolds(int vcpus, Consumer<Integer> stopper) {
        this.holds = new Hold[vcpus];
        for (int i = 0; i < vcpus; i++) {
            holds[i] = new Hold();
        }
        this.stopper = stopper;
    }

    public int vcpuCount() {
        return holds.length;
    }

    public void onStop(StopListener l) {
        this.listener = l;
    }

    /** Asks every vCPU to hold; returns at once (see {@link #awaitHeld}). Works before the VM starts too. */
    public void holdAll() {
        for (Hold h : holds) {
            h.held = true;
        }
        for (int i = 0; i < holds.length; i++) {
            stopper.accept(i);
        }
    }

    /** Waits until every vCPU is held; false when some did not within {@code timeout} or the VM ended. */
    public boolean awaitHeld(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Hold h : holds) {
            while (!h.parked) {
                if (ended || System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(1);
            }
        }
        return !ended;
    }

    /** Lets vCPU {@code index} run on. */
    public void release(int index) {
        Hold h = holds[index];
        h.held = false;
        h.tasks.add(WAKE);
    }

    /** Runs {@code action} on held vCPU {@code index}'s thread and returns its result. */
    public <T> T call(int index, Function<Vcpu, T> action) throws InterruptedException {
        Hold h = holds[index];
        if (!h.parked || ended) {
            throw new IllegalStateException("vCPU " + index + " is not held");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        h.tasks.add(vcpu -> {
            try {
                result.complete(action.apply(vcpu));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("vCPU " + index + " did not answer within " + CALL_TIMEOUT.toSeconds() + " s");
        }
    }

    // ---------------------------------------------------------------- for VmRuntime's vCPU threads

    boolean holding(int index) {
        return holds[index].held && !ended;
    }

    /** On vCPU {@code index}'s thread: runs the debugger's requests until released or the VM ends. */
    void serve(int index, Vcpu vcpu) throws InterruptedException {
        Hold h = holds[index];
        h.parked = true;
        try {
            while (h.held && !ended) {
                Consumer<Vcpu> task = h.tasks.poll(100, TimeUnit.MILLISECONDS);
                if (task != null) {
                    task.accept(vcpu);
                }
            }
        } finally {
            h.parked = false;
        }
    }

    /** On the thread of vCPU {@code index}, which a debugger's request stopped: hold every vCPU, then tell. */
    void debugStop(int index, VcpuExit.Debug why) {
        holdAll();
        listener.stopped(index, why);
    }

    void vmEnded() {
        ended = true;
        for (Hold h : holds) {
            h.tasks.add(WAKE);
        }
    }
}
