package io.jqvm.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.EntryState;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.A64Registers;
import io.jqvm.accel.Registers;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.ExitStatus;
import io.jqvm.device.InterruptController;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The VM lifecycle over scripted vCPUs: who ends the VM, with which status, and CPU power-on. */
class VmRuntimeTest {
    /** A vCPU whose {@code run} does what the test's script says, blocking until stopped when told to. */
    static final class ScriptedVcpu implements Vcpu {
        final int index;
        final Function<ScriptedVcpu, VcpuExit> script;
        final List<EntryState> entries = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch stop = new CountDownLatch(1);
        final LinkedBlockingQueue<String> threadNames = new LinkedBlockingQueue<>();

        ScriptedVcpu(int index, Function<ScriptedVcpu, VcpuExit> script) {
            this.index = index;
            this.script = script;
        }

        VcpuExit waitForStop() {
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return VcpuExit.STOPPED;
        }

        @Override public int index() { return index; }
        @Override public void setEntry(EntryState state) { entries.add(state); }
        @Override public VcpuExit run() {
            threadNames.add(Thread.currentThread().getName());
            return script.apply(this);
        }
        @Override public void requestStop() { stop.countDown(); }
        @Override public Registers registers() { return new A64Registers(new long[31], 0, 0x1234 + index, 0x3c5); }
        @Override public String registerDump() { return "pc=0x1234"; }
    }

    static VirtualMachine vm(Vcpu... vcpus) {
        return new VirtualMachine() {
            @Override public int vcpuCount() { return vcpus.length; }
            @Override public Vcpu vcpu(int index) { return vcpus[index]; }
            @Override public InterruptController platformInterrupts() { return null; }
            @Override public ExitCounters exitCounters() { return new ExitCounters(); }
            @Override public void close() { }
        };
    }

    private static List<VcpuScheduling> defaults(int n) {
        return Collections.nCopies(n, VcpuScheduling.DEFAULT);
    }

    @Test
    void aDeviceShutdownStopsEveryVcpuAndDecidesTheStatus() throws Exception {
        ScriptedVcpu[] holder = new ScriptedVcpu[2];
        VmRuntime[] runtime = new VmRuntime[1];
        holder[0] = new ScriptedVcpu(0, v -> {
            runtime[0].shutdown(ExitStatus.NORMAL, "guest requested ACPI S5");
            return v.waitForStop();
        });
        // vCPU 1 may or may not have entered the guest before vCPU 0 ends the VM: either way it must stop.
        holder[1] = new ScriptedVcpu(1, ScriptedVcpu::waitForStop);
        runtime[0] = new VmRuntime("t", vm(holder), defaults(2), new A64Entry(0x40000000L, 0, 0, 0, 0), false);
        VmRuntime.Outcome o = runtime[0].run();
        assertEquals(ExitStatus.NORMAL, o.status());
        assertFalse(o.reset());
        assertEquals("t-vcpu0", holder[0].threadNames.poll(1, TimeUnit.SECONDS));
        assertEquals(List.of(new A64Entry(0x40000000L, 0, 0, 0, 0)), holder[0].entries);
        assertTrue(holder[1].entries.isEmpty(), "only the boot vCPU gets the loader's entry");
    }

    @Test
    void aTripleFaultEndsTheVmWithStatus7() throws Exception {
        ScriptedVcpu boot = new ScriptedVcpu(0, v -> new VcpuExit.Shutdown("triple fault"));
        VmRuntime.Outcome o = new VmRuntime("t", vm(boot), defaults(1), new A64Entry(0, 0, 0, 0, 0), false).run();
        assertEquals(ExitStatus.UNEXPECTED, o.status());
        assertTrue(o.reason().contains("triple fault"), o.reason());
    }

    @Test
    void resetIsReportedSoTheCallerCanReassemble() throws Exception {
        VmRuntime[] runtime = new VmRuntime[1];
        ScriptedVcpu boot = new ScriptedVcpu(0, v -> {
            runtime[0].reset("keyboard controller reset");
            return v.waitForStop();
        });
        runtime[0] = new VmRuntime("t", vm(boot), defaults(1), new A64Entry(0, 0, 0, 0, 0), false);
        assertTrue(runtime[0].run().reset());
    }

    @Test
    void secondariesStayOffUntilPoweredOnWithTheirEntry() throws Exception {
        VmRuntime[] runtime = new VmRuntime[1];
        ScriptedVcpu second = new ScriptedVcpu(1, v -> {
            runtime[0].shutdown(ExitStatus.NORMAL, "done");
            return v.waitForStop();
        });
        ScriptedVcpu boot = new ScriptedVcpu(0, v -> {
            assertTrue(second.threadNames.isEmpty(), "vCPU 1 ran before CPU_ON");
            runtime[0].powerOn(1, 0x40080000L, 0xc0ffeeL);
            return v.waitForStop();
        });
        runtime[0] = new VmRuntime("t", vm(boot, second), defaults(2), new A64Entry(0, 0, 0, 0, 0), true);
        assertEquals(ExitStatus.NORMAL, runtime[0].run().status());
        assertEquals(List.of(new A64Entry(0x40080000L, 0xc0ffeeL, 0, 0, 0)), second.entries);
    }

    @Test
    void aPowerCutEndsTheVmWithStatus3() throws Exception {
        VmRuntime[] runtime = new VmRuntime[1];
        ScriptedVcpu boot = new ScriptedVcpu(0, v -> {
            runtime[0].powerCut("power cut by SIGTERM");
            return v.waitForStop();
        });
        runtime[0] = new VmRuntime("t", vm(boot), defaults(1), new A64Entry(0, 0, 0, 0, 0), false);
        assertEquals(ExitStatus.POWER_CUT, runtime[0].run().status());
    }
}
