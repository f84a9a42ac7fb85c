package io.jqvm.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.host.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VcpuSchedulingTest {
    /** The runmask reaches the host: the thread's allowed CPUs, as the kernel reports them, are the mask. */
    @Test
    void runmaskPinsTheCallingThread() throws Exception {
        BitSet mask = new BitSet();
        mask.set(0);
        AtomicReference<String> allowed = new AtomicReference<>();
        Thread t = new VcpuThread("test-vcpu0", 0, () -> {
            new VcpuScheduling(null, 0, 0, 0, mask).applyToCurrentThread("test-vcpu0");
            try {
                String status = Files.readString(Path.of("/proc/self/task/" + Libc.gettid() + "/status"));
                allowed.set(status.lines().filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        t.join();
        assertEquals("Cpus_allowed_list:\t0", allowed.get());
    }

    @Test
    void descriptionsNameThePolicyAndMask() {
        BitSet mask = new BitSet();
        mask.set(2);
        mask.set(3);
        assertEquals("prio 10 fifo, runmask 2,3",
                new VcpuScheduling(VcpuScheduling.Policy.FIFO, 10, 0, 0, mask).describe());
        assertEquals("host default, any host CPU", VcpuScheduling.DEFAULT.describe());
        assertEquals(99, new VcpuScheduling(VcpuScheduling.Policy.ROUND_ROBIN, 200, 0, 0, new BitSet()).linuxPriority());
    }

    @Test
    void vcpuThreadsKnowTheirIndex() {
        VcpuThread t = new VcpuThread("vm-vcpu3", 3, () -> { });
        assertEquals(3, t.index());
        assertTrue(t.getName().endsWith("-vcpu3"));
    }
}
