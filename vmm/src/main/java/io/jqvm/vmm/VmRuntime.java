package io.jqvm.vmm;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.EntryState;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.device.PausableDeviceClock;
import io.jqvm.device.VmControl;
import io.jqvm.devices.arm.PowerController;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A running VM: one platform thread per vCPU, named after the VM and the vCPU, with its configured host
 * scheduling. Owns the VM's lifecycle: the first shutdown or reset request (from a device, from PSCI, or
 * from a vCPU's fatal exit) wins, stops every vCPU, and decides the process exit status. Between, every vCPU
 * can be stopped for a moment to be read ({@link #whileStopped}: guest dumps, status reports).
 */
public final class VmRuntime implements VmControl, PowerController {
    /** What the control API reports: the VM runs, is paused by a request, or is ending. */
    public enum State {
        RUNNING("running"), PAUSED("paused"), SHUTTING_DOWN("shutting down");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** How a run ended. */
    public record Outcome(ExitStatus status, String reason, boolean reset) {
    }

    private final String name;
    private final VirtualMachine vm;
    /** The devices' clock, stopped and restarted with the vCPUs by {@link #pause} and {@link #resume}. */
    private volatile PausableDeviceClock deviceClock;
    private final List<VcpuScheduling> scheduling;
    private final EntryState bootEntry;
    private final boolean secondariesStartOff;
    private final VcpuSlot[] slots;
    private final AtomicReference<Outcome> outcome = new AtomicReference<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicBoolean firstVcpuStarted = new AtomicBoolean();
    /** One {@link #whileStopped} at a time. */
    private final Object pauseLock = new Object();
    private volatile Pause pause;
    private volatile Consumer<String> dumpHandler;
    private final VcpuHolds holds;
    /** Paused by {@link #pause}: every vCPU thread parks (still answering {@link #whileStopped}) until {@link #resume}. */
    private volatile boolean held;
    private long heldSinceNanos;
    private volatile long startedNanos;
    /** How long {@link #whileStopped} waits for every vCPU to stop before going on with those that did. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    /** What to do while every vCPU is stopped, with what each one's thread returned (null: it did not stop). */
    public interface StoppedAction<T> {
        void run(List<T> perVcpu) throws IOException;
    }

    /** A request to stop every vCPU: each vCPU thread runs {@code perVcpu}, then waits for the release. */
    private static final class Pause {
        final Function<Vcpu, ?> perVcpu;
        final Object[] results;
        final boolean[] arrived;
        final CountDownLatch allArrived;
        final CountDownLatch released = new CountDownLatch(1);

        Pause(int vcpus, Function<Vcpu, ?> perVcpu) {
            this.perVcpu = perVcpu;
            this.results = new Object[vcpus];
            this.arrived = new boolean[vcpus];
            this.allArrived = new CountDownLatch(vcpus);
        }

        /** On a vCPU's thread: false when it already took part in this pause. */
        boolean arrive(int index, Vcpu vcpu) {
            synchronized (this) {
                if (arrived[index]) {
                    return false;
                }
                arrived[index] = true;
            }
            try {
                Object result = perVcpu.apply(vcpu);
                synchronized (this) {
                    results[index] = result;
                }
            } catch (RuntimeException e) {
                Log.error("vCPU " + index + " could not be read while stopped: " + e);
            } finally {
                allArrived.countDown();
            }
            return true;
        }

        void awaitRelease() throws InterruptedException {
            released.await();
        }

        synchronized List<Object> results() {
            return Arrays.asList(results.clone());
        }
    }

    /** Per-vCPU power state; a powered-off vCPU's thread parks until PSCI CPU_ON posts an entry. */
    private static final class VcpuSlot {
        final Vcpu vcpu;
        volatile Thread thread;
        final AtomicReference<EntryState> pendingEntry = new AtomicReference<>();
        volatile boolean on;
        /** Host time spent in the accelerator's run (guest code and the exits it handles itself); this thread writes. */
        volatile long runNanos;

        VcpuSlot(Vcpu vcpu) {
            this.vcpu = vcpu;
        }
    }

    /**
     * @param secondariesStartOff true on AArch64 (secondaries wait for PSCI CPU_ON); false on x86, where
     *                            the accelerator holds them until the boot vCPU sends INIT/SIPI
     */
    public VmRuntime(String name, VirtualMachine vm, List<VcpuScheduling> scheduling, EntryState bootEntry,
                     boolean secondariesStartOff) {
        this.name = name;
        this.vm = vm;
        this.scheduling = scheduling;
        this.bootEntry = bootEntry;
        this.secondariesStartOff = secondariesStartOff;
        this.slots = new VcpuSlot[vm.vcpuCount()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new VcpuSlot(vm.vcpu(i));
        }
        this.holds = new VcpuHolds(slots.length, this::stopVcpu);
    }

    /** Has {@link #pause} stop {@code clock} too (the devices' timers: a paused guest's watchdog must not bite). */
    public void pauseAlong(PausableDeviceClock clock) {
        this.deviceClock = clock;
    }

    /** The debugger's hold on the vCPUs (the GDB stub). */
    public VcpuHolds holds() {
        return holds;
    }

    /** Starts every vCPU thread and waits until the VM ends. */
    public Outcome run() throws InterruptedException {
        startedNanos = System.nanoTime();
        for (int i = 0; i < slots.length; i++) {
            VcpuSlot slot = slots[i];
            slot.on = i == 0 || !secondariesStartOff;
            if (i == 0) {
                slot.pendingEntry.set(bootEntry);
            }
            int index = i;
            slot.thread = new VcpuThread(name + "-vcpu" + i, index, () -> vcpuThread(index));
        }
        for (VcpuSlot slot : slots) {
            slot.thread.start();
        }
        ended.await();
        for (VcpuSlot slot : slots) {
            slot.thread.join();
        }
        Log.info("exits: " + vm.exitCounters());
        return outcome.get();
    }

    private void vcpuThread(int index) {
        VcpuSlot slot = slots[index];
        String threadName = Thread.currentThread().getName();
        scheduling.get(index).applyToCurrentThread(threadName);
        try {
            while (outcome.get() == null) {
                if (slot.on) { // before a pause or hold, so that a debugger sees where the vCPU will start
                    EntryState entry = slot.pendingEntry.getAndSet(null);
                    if (entry != null) {
                        slot.vcpu.setEntry(entry);
                    }
                }
                Pause paused = pause;
                if (paused != null && paused.arrive(index, slot.vcpu)) {
                    paused.awaitRelease();
                    continue;
                }
                if (holds.holding(index)) {
                    holds.serve(index, slot.vcpu);
                    continue;
                }
                if (held || !slot.on) {
                    LockSupport.park(this);
                    continue;
                }
                if (!firstVcpuStarted.getAndSet(true)) {
                    Log.info("guest started: vCPU " + index + " running");
                }
                long enteredNanos = System.nanoTime();
                VcpuExit exit = slot.vcpu.run();
                slot.runNanos += System.nanoTime() - enteredNanos;
                switch (exit) {
                    case VcpuExit.Stopped s -> { }
                    case VcpuExit.Debug d -> holds.debugStop(index, d);
                    case VcpuExit.PoweredOff p -> {
                        synchronized (slot) {
                            // A CPU_ON from another vCPU may already have posted the next entry.
                            if (slot.pendingEntry.get() == null) {
                                slot.on = false;
                            }
                        }
                        Log.info("vCPU " + index + " powered off");
                    }
                    case VcpuExit.Halted h -> fatal(slot, ExitStatus.UNEXPECTED,
                            "vCPU " + index + " halted with nothing able to wake it");
                    case VcpuExit.Shutdown s -> fatal(slot, ExitStatus.UNEXPECTED,
                            "vCPU " + index + " shut the machine down: " + s.reason());
                    case VcpuExit.Failed f -> fatal(slot, ExitStatus.UNEXPECTED,
                            "vCPU " + index + " cannot continue: " + f.reason());
                }
            }
        } catch (InterruptedException e) {
            Log.internal("vCPU " + index + " thread interrupted while the VM was stopped");
            end(new Outcome(ExitStatus.FATAL_AFTER_START, "vCPU " + index + " interrupted", false));
        } catch (RuntimeException | Error e) {
            Log.internal("vCPU " + index + " thread failed: " + e);
            end(new Outcome(ExitStatus.FATAL_AFTER_START, "internal error on vCPU " + index + ": " + e, false));
        }
    }

    private void fatal(VcpuSlot slot, ExitStatus status, String reason) {
        Log.error(reason + "; registers: " + slot.vcpu.registerDump());
        end(new Outcome(status, reason, false));
    }

    private void end(Outcome o) {
        if (outcome.compareAndSet(null, o)) {
            if (o.reset()) {
                Log.info("guest requested reset: " + o.reason());
            } else if (o.status() == ExitStatus.NORMAL) {
                Log.info("guest shut down: " + o.reason());
            } else {
                Log.error("VM terminated (exit status " + o.status().code() + "): " + o.reason());
            }
            holds.vmEnded();
            stopEveryVcpu();
            Pause p = pause;
            if (p != null) {
                p.released.countDown(); // the VM ends: a vCPU waiting in a pause must see it
            }
            ended.countDown();
        } else {
            Log.debug(() -> "ignored after the VM already ended: " + o.reason());
        }
    }

    private void stopEveryVcpu() {
        for (int i = 0; i < slots.length; i++) {
            stopVcpu(i);
        }
    }

    private void stopVcpu(int index) {
        VcpuSlot slot = slots[index];
        slot.vcpu.requestStop();
        Thread t = slot.thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Stops every vCPU, has each one's own thread compute {@code perVcpu} (its registers, say), runs
     * {@code action} with the results while all stay stopped, then lets them run on. A vCPU that does not stop
     * within {@link #STOP_TIMEOUT} (stuck in a device) is left out, with a null result and a warning.
     *
     * @return false when the VM is not running (not started, or ended), and nothing was done
     * @throws IllegalStateException on a vCPU's thread, which cannot wait for itself to stop
     */
    public <T> boolean whileStopped(Function<Vcpu, T> perVcpu, StoppedAction<T> action) throws IOException {
        if (Thread.currentThread() instanceof VcpuThread) {
            throw new IllegalStateException("a vCPU thread cannot stop every vCPU");
        }
        synchronized (pauseLock) {
            if (outcome.get() != null || !firstVcpuStarted.get()) {
                return false;
            }
            Pause p = new Pause(slots.length, perVcpu);
            pause = p;
            try {
                stopEveryVcpu();
                if (!p.allArrived.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    Log.warn(p.allArrived.getCount() + " vCPU(s) did not stop within " + STOP_TIMEOUT.toSeconds()
                            + " s; going on without them");
                }
                if (outcome.get() != null) {
                    return false;
                }
                @SuppressWarnings("unchecked")
                List<T> results = (List<T>) p.results();
                action.run(results);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                pause = null;
                p.released.countDown();
            }
        }
    }

    /**
     * Stops every vCPU until {@link #resume}: each one's thread parks outside the guest (a dump, a status report or
     * a debugger can still stop them as usual). The guest's clock stops with it.
     *
     * @return false when the VM is not running, or is paused already
     */
    public boolean pause() throws IOException {
        synchronized (pauseLock) {
            if (held) {
                return false;
            }
            return whileStopped(v -> null, ignored -> {
                held = true;
                heldSinceNanos = System.nanoTime();
                PausableDeviceClock clock = deviceClock;
                if (clock != null) {
                    clock.pause();
                }
            });
        }
    }

    /**
     * Lets a paused VM run on; the accelerator's clocks skip the pause ({@link VirtualMachine#skipPausedTime}), so
     * guest time does not jump.
     *
     * @return false when the VM is not paused or has ended
     */
    public boolean resume() throws IOException {
        synchronized (pauseLock) {
            if (!held || outcome.get() != null) {
                return false;
            }
            return whileStopped(v -> null, ignored -> {
                vm.skipPausedTime(System.nanoTime() - heldSinceNanos);
                PausableDeviceClock clock = deviceClock;
                if (clock != null) {
                    clock.resume();
                }
                held = false;
            });
        }
    }

    public State state() {
        if (outcome.get() != null) {
            return State.SHUTTING_DOWN;
        }
        return held ? State.PAUSED : State.RUNNING;
    }

    /** Host time since the vCPUs were started (0 before). */
    public Duration uptime() {
        long started = startedNanos;
        return started == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - started);
    }

    /** Per vCPU, the host time it spent running the guest so far. */
    public Duration[] vcpuRunTimes() {
        Duration[] times = new Duration[slots.length];
        for (int i = 0; i < times.length; i++) {
            times[i] = Duration.ofNanos(slots[i].runNanos);
        }
        return times;
    }

    /** The accelerator's VM, for its counters. */
    public VirtualMachine machine() {
        return vm;
    }

    /** Whether each vCPU is powered on (off: parked until PSCI CPU_ON), for status reports. */
    public boolean[] vcpusOn() {
        boolean[] on = new boolean[slots.length];
        for (int i = 0; i < on.length; i++) {
            on[i] = slots[i].on;
        }
        return on;
    }

    /** The exit counts so far, for status reports. */
    public String exitCounts() {
        return vm.exitCounters().toString();
    }

    /** Where {@link #dumpGuest} requests go (the VM's {@code dump} configuration). */
    public void onDumpRequest(Consumer<String> handler) {
        this.dumpHandler = handler;
    }

    @Override
    public void dumpGuest(String reason) {
        Consumer<String> handler = dumpHandler;
        if (handler == null) {
            VmControl.super.dumpGuest(reason);
        } else {
            handler.accept(reason);
        }
    }

    @Override
    public void shutdown(ExitStatus status, String reason) {
        end(new Outcome(status, reason, false));
    }

    @Override
    public void reset(String reason) {
        end(new Outcome(ExitStatus.NORMAL, reason, true));
    }

    /** Power cut from outside (a signal): ends the VM with status 3. */
    public void powerCut(String reason) {
        end(new Outcome(ExitStatus.POWER_CUT, reason, false));
    }

    /** PSCI CPU_ON: posts the entry state to the vCPU's thread and wakes it. */
    @Override
    public boolean powerOn(int cpu, long entry, long contextId) {
        VcpuSlot slot = slots[cpu];
        synchronized (slot) {
            slot.pendingEntry.set(new A64Entry(entry, contextId, 0, 0, 0));
            slot.on = true;
        }
        LockSupport.unpark(slot.thread);
        return true;
    }
}
