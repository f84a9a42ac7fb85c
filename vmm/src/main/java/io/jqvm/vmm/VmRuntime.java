package io.jqvm.vmm;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.EntryState;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.device.VmControl;
import io.jqvm.devices.arm.PowerController;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A running VM: one platform thread per vCPU, named after the VM and the vCPU, with its configured host
 * scheduling. Owns the VM's lifecycle: the first shutdown or reset request (from a device, from PSCI, or
 * from a vCPU's fatal exit) wins, stops every vCPU, and decides the process exit status.
 */
public final class VmRuntime implements VmControl, PowerController {
    /** How a run ended. */
    public record Outcome(ExitStatus status, String reason, boolean reset) {
    }

    private final String name;
    private final VirtualMachine vm;
    private final List<VcpuScheduling> scheduling;
    private final EntryState bootEntry;
    private final boolean secondariesStartOff;
    private final VcpuSlot[] slots;
    private final AtomicReference<Outcome> outcome = new AtomicReference<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicBoolean firstVcpuStarted = new AtomicBoolean();

    /** Per-vCPU power state; a powered-off vCPU's thread parks until PSCI CPU_ON posts an entry. */
    private static final class VcpuSlot {
        final Vcpu vcpu;
        volatile Thread thread;
        final AtomicReference<EntryState> pendingEntry = new AtomicReference<>();
        volatile boolean on;

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
    }

    /** Starts every vCPU thread and waits until the VM ends. */
    public Outcome run() throws InterruptedException {
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
                if (!slot.on) {
                    LockSupport.park(this);
                    continue;
                }
                EntryState entry = slot.pendingEntry.getAndSet(null);
                if (entry != null) {
                    slot.vcpu.setEntry(entry);
                }
                if (!firstVcpuStarted.getAndSet(true)) {
                    Log.info("guest started: vCPU " + index + " running");
                }
                VcpuExit exit = slot.vcpu.run();
                switch (exit) {
                    case VcpuExit.Stopped s -> { }
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
            for (VcpuSlot slot : slots) {
                slot.vcpu.requestStop();
                Thread t = slot.thread;
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
            ended.countDown();
        } else {
            Log.debug(() -> "ignored after the VM already ended: " + o.reason());
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
