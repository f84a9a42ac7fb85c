package io.jqvm.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.accel.A64Entry;
import io.jqvm.common.ExitStatus;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The power switch that signals and embedding programs cut a VM's power with. */
class PowerSwitchTest {
    private static VmRuntime spinning() {
        VmRuntimeTest.ScriptedVcpu vcpu = new VmRuntimeTest.ScriptedVcpu(0, VmRuntimeTest.ScriptedVcpu::waitForStop);
        return new VmRuntime("t", VmRuntimeTest.vm(vcpu), Collections.nCopies(1, VcpuScheduling.DEFAULT),
                new A64Entry(0, 0, 0, 0, 0), false);
    }

    @Test
    void aCutBeforeTheVmExistsEndsItAsSoonAsItIsAttached() throws Exception {
        PowerSwitch power = new PowerSwitch();
        power.cut("cut while assembling");
        VmRuntime runtime = spinning();
        power.attach(runtime);
        VmRuntime.Outcome o = runtime.run();
        assertEquals(new VmRuntime.Outcome(ExitStatus.POWER_CUT, "cut while assembling", false), o);
    }

    @Test
    void aCutWhileAttachedEndsTheRunningVm() throws Exception {
        PowerSwitch power = new PowerSwitch();
        VmRuntime runtime = spinning();
        power.attach(runtime);
        Thread cutter = Thread.ofPlatform().start(() -> power.cut("cut while running"));
        VmRuntime.Outcome o = runtime.run();
        cutter.join();
        assertEquals(ExitStatus.POWER_CUT, o.status());
    }

    @Test
    void aCutAfterTheRunIsOverReachesNoLaterVm() throws Exception {
        PowerSwitch power = new PowerSwitch();
        power.finish();
        power.cut("too late");
        VmRuntime runtime = spinning();
        power.attach(runtime);
        Thread ender = Thread.ofPlatform().start(() -> runtime.shutdown(ExitStatus.NORMAL, "guest powered off"));
        assertEquals(ExitStatus.NORMAL, runtime.run().status());
        ender.join();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aCutThatMeetsAResetEndsTheNextCycle() throws Exception {
        PowerSwitch power = new PowerSwitch();
        VmRuntime resetting = spinning();
        power.attach(resetting);
        Thread guest = Thread.ofPlatform().start(() -> resetting.reset("guest requested PSCI SYSTEM_RESET"));
        assertEquals(true, resetting.run().reset(), "the reset came first");
        guest.join();
        power.cut("cut as the reset ends the cycle"); // reaches the ending VM, which no longer takes it
        power.detach();
        VmRuntime next = spinning();
        power.attach(next);
        assertEquals(new VmRuntime.Outcome(ExitStatus.POWER_CUT, "cut as the reset ends the cycle", false), next.run());
    }
}
