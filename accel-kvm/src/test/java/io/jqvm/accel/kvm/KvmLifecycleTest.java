package io.jqvm.accel.kvm;

import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.X86Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jqvm.accel.kvm.TestMachine.CODE;
import static io.jqvm.accel.kvm.TestMachine.code;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** VMs created, run and closed many times in one JVM leave no file descriptors behind. */
class KvmLifecycleTest {
    @BeforeEach
    void needsKvm() {
        KvmRequirement.assumeKvm();
    }

    @Test
    void repeatedVmsReleaseEveryFd() throws IOException {
        cycle(); // first use loads classes and opens the JVM's own files
        long before = openFds();
        for (int i = 0; i < 20; i++) {
            cycle();
        }
        assertEquals(before, openFds());
    }

    private static void cycle() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo(), List.of(), 2, true, true)) {
            X86Entry entry = new X86Entry(X86Entry.Mode.REAL, CODE, 0x8000, 0, 0, 0, 0, 0, 0);
            m.memory.load(CODE, code(0xE6, 0x80, 0xEB, 0xFE)); // out 0x80, al; jmp $
            TestMachine.Running running = m.start(0, entry);
            running.vcpu().requestStop();
            assertEquals(VcpuExit.STOPPED, running.awaitExit());
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
