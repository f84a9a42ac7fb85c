package io.jqvm.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.A64Registers;
import io.jqvm.accel.EntryState;
import io.jqvm.accel.Registers;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import io.jqvm.common.ExitStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Stopping every vCPU for a moment ({@link VmRuntime#whileStopped}): what dumps and status reports need. */
class VmRuntimePauseTest {
    /** Runs until stopped, counting its entries; its registers say which vCPU it is and whether it is inside run. */
    static final class LoopingVcpu implements Vcpu {
        final int index;
        final Semaphore stop = new Semaphore(0);
        final Semaphore entered = new Semaphore(0);
        final AtomicInteger runs = new AtomicInteger();
        final AtomicBoolean inside = new AtomicBoolean();

        LoopingVcpu(int index) {
            this.index = index;
        }

        @Override public int index() { return index; }
        @Override public void setEntry(EntryState state) { }
        @Override public VcpuExit run() {
            runs.incrementAndGet();
            inside.set(true);
            entered.release();
            stop.acquireUninterruptibly();
            inside.set(false);
            return VcpuExit.STOPPED;
        }
        @Override public void requestStop() { stop.release(); }
        @Override public Registers registers() {
            return new A64Registers(new long[31], inside.get() ? -1 : 0, 0x1000 + index, 0);
        }
        @Override public String registerDump() { return "looping"; }
    }

    @Test
    void everyVcpuIsReadOnItsOwnThreadWhileAllAreStoppedThenRunsOn() throws Exception {
        LoopingVcpu[] vcpus = {new LoopingVcpu(0), new LoopingVcpu(1)};
        VmRuntime runtime = new VmRuntime("t", VmRuntimeTest.vm(vcpus), Collections.nCopies(2, VcpuScheduling.DEFAULT),
                new A64Entry(0, 0, 0, 0, 0), false);
        CompletableFuture<VmRuntime.Outcome> run = CompletableFuture.supplyAsync(() -> {
            try {
                return runtime.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (LoopingVcpu v : vcpus) {
            assertTrue(v.entered.tryAcquire(30, TimeUnit.SECONDS), "vCPU " + v.index + " never ran");
        }
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        List<Registers> seen = new ArrayList<>();
        boolean done = runtime.whileStopped(v -> {
            threads.add(Thread.currentThread().getName());
            return v.registers();
        }, regs -> {
            seen.addAll(regs);
            for (LoopingVcpu v : vcpus) {
                assertFalse(v.inside.get(), "vCPU " + v.index + " runs while the others are read");
            }
        });
        assertTrue(done);
        assertEquals(List.of(new A64Registers(new long[31], 0, 0x1000, 0), new A64Registers(new long[31], 0, 0x1001, 0)), seen);
        assertTrue(threads.containsAll(List.of("t-vcpu0", "t-vcpu1")), threads.toString());
        for (LoopingVcpu v : vcpus) {
            assertTrue(v.entered.tryAcquire(30, TimeUnit.SECONDS), "vCPU " + v.index + " did not run on after the pause");
        }
        runtime.shutdown(ExitStatus.NORMAL, "test over");
        assertEquals(ExitStatus.NORMAL, run.get(30, TimeUnit.SECONDS).status());
        assertFalse(runtime.whileStopped(Vcpu::registers, regs -> { }), "an ended VM cannot be stopped");
    }

    /** The control API's pause: every vCPU out of the guest until resume, and the clock told to skip the pause. */
    @Test
    void pauseHoldsEveryVcpuUntilResumeAndTheClockSkipsIt() throws Exception {
        LoopingVcpu[] vcpus = {new LoopingVcpu(0), new LoopingVcpu(1)};
        java.util.concurrent.atomic.AtomicLong skipped = new java.util.concurrent.atomic.AtomicLong();
        io.jqvm.accel.VirtualMachine base = VmRuntimeTest.vm(vcpus);
        io.jqvm.accel.VirtualMachine vm = new io.jqvm.accel.VirtualMachine() {
            @Override public int vcpuCount() { return base.vcpuCount(); }
            @Override public Vcpu vcpu(int index) { return base.vcpu(index); }
            @Override public io.jqvm.device.InterruptController platformInterrupts() { return null; }
            @Override public io.jqvm.accel.ExitCounters exitCounters() { return base.exitCounters(); }
            @Override public void skipPausedTime(long nanos) { skipped.addAndGet(nanos); }
            @Override public void close() { }
        };
        VmRuntime runtime = new VmRuntime("t", vm, Collections.nCopies(2, VcpuScheduling.DEFAULT), new A64Entry(0, 0, 0, 0, 0), false);
        io.jqvm.device.PausableDeviceClock deviceClock = new io.jqvm.device.PausableDeviceClock(io.jqvm.device.DeviceClock.host());
        runtime.pauseAlong(deviceClock);
        assertFalse(runtime.pause(), "nothing to pause before the vCPUs start");
        CompletableFuture<VmRuntime.Outcome> run = CompletableFuture.supplyAsync(() -> {
            try {
                return runtime.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (LoopingVcpu v : vcpus) {
            assertTrue(v.entered.tryAcquire(30, TimeUnit.SECONDS), "vCPU " + v.index + " never ran");
        }
        assertFalse(runtime.resume(), "a running VM is not resumed");
        long beforePause = System.nanoTime();
        assertTrue(runtime.pause());
        assertEquals(VmRuntime.State.PAUSED, runtime.state());
        assertFalse(runtime.pause(), "paused already");
        long deviceTimeAtPause = deviceClock.nanoTime();
        int[] runsPaused = {vcpus[0].runs.get(), vcpus[1].runs.get()};
        List<Registers> read = new ArrayList<>();
        assertTrue(runtime.whileStopped(Vcpu::registers, read::addAll), "a paused VM can still be read");
        assertEquals(2, read.size());
        Thread.sleep(200);
        for (LoopingVcpu v : vcpus) {
            assertFalse(v.inside.get(), "vCPU " + v.index + " runs while paused");
            assertEquals(runsPaused[v.index], v.runs.get(), "vCPU " + v.index + " entered the guest while paused");
        }
        assertEquals(deviceTimeAtPause, deviceClock.nanoTime(), "the devices' clock stands still while paused");
        assertTrue(runtime.resume());
        assertEquals(VmRuntime.State.RUNNING, runtime.state());
        long skippedNanos = skipped.get();
        assertTrue(skippedNanos >= 200_000_000L && skippedNanos <= System.nanoTime() - beforePause,
                "skipped " + skippedNanos + " ns: the pause's length");
        for (LoopingVcpu v : vcpus) {
            assertTrue(v.entered.tryAcquire(30, TimeUnit.SECONDS), "vCPU " + v.index + " did not run on after resume");
        }
        assertTrue(runtime.pause());
        runtime.shutdown(ExitStatus.NORMAL, "ended while paused");
        assertEquals(ExitStatus.NORMAL, run.get(30, TimeUnit.SECONDS).status(), "a paused VM still ends");
        assertEquals(VmRuntime.State.SHUTTING_DOWN, runtime.state());
        assertFalse(runtime.resume());
    }

    @Test
    void aVcpuThreadCannotWaitForItself() throws Exception {
        LoopingVcpu vcpu = new LoopingVcpu(0);
        VmRuntime runtime = new VmRuntime("t", VmRuntimeTest.vm(), List.of(), new A64Entry(0, 0, 0, 0, 0), false);
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread t = new VcpuThread("t-vcpu0", 0, () -> {
            try {
                runtime.whileStopped(Vcpu::registers, regs -> { });
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        t.start();
        assertTrue(thrown.get(30, TimeUnit.SECONDS) instanceof IllegalStateException);
        assertEquals(0, vcpu.runs.get());
    }
}
