package io.jqvm.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.common.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM closed leaves nothing behind: no thread, no file descriptor, no runtime directory. Threads the process's
 * VMs share (the device clock's, the software CPU's compiler) exist once the first VM ran, so a first VM runs
 * before the count.
 */
class ReleaseTest {
    /** Threads and descriptors of a closed VM may take a moment to go (a thread ends after it is told). */
    private static final Duration SETTLE = Duration.ofSeconds(20);

    @Test
    void startStopCloseLeaksNoThreadFileOrDirectory(@TempDir Path dir) throws Exception {
        Path spin = A64Images.printThenSpin(dir, "spin.Image", "up\r\n");
        runAndClose(JqvmConfig.builder().include(JqvmVmTest.BOARD).load(spin).build());
        Set<String> threadsBefore = threads();
        Set<String> fdsBefore = descriptors();
        Path runtime = Path.of(System.getenv("JQVM_RUNTIME_DIR"));
        Set<String> runtimeBefore = entries(runtime);
        for (int i = 0; i < 3; i++) {
            runAndClose(JqvmConfig.builder().system("embed-release").include(JqvmVmTest.BOARD).load(spin).build());
        }
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline && (!threadsBefore.containsAll(threads())
                || !fdsBefore.containsAll(descriptors()))) {
            Thread.sleep(50);
        }
        Set<String> newThreads = new TreeSet<>(threads());
        newThreads.removeAll(threadsBefore);
        Set<String> newFds = new TreeSet<>(descriptors());
        newFds.removeAll(fdsBefore);
        assertEquals(Set.of(), newThreads, "threads left by closed VMs");
        assertEquals(Set.of(), newFds, "file descriptors left by closed VMs");
        assertEquals(runtimeBefore, entries(runtime), "runtime directory entries left by closed VMs");
    }

    private static void runAndClose(JqvmConfig config) throws Exception {
        JqvmVm vm = JqvmVm.create(config);
        vm.start();
        vm.console().waitFor("up", JqvmVmTest.TIMEOUT);
        vm.stop();
        assertEquals(ExitStatus.POWER_CUT, vm.awaitExit(JqvmVmTest.TIMEOUT).orElseThrow().status());
        vm.close();
    }

    /** Live threads by name and id (a new thread of an old name is new). */
    private static Set<String> threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(t -> t.getName() + "#" + t.threadId()).collect(Collectors.toSet());
    }

    /** Open descriptors, each with what it refers to (a descriptor number reused for another file is new). */
    private static Set<String> descriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return fd.getFileName() + " -> " + Files.readSymbolicLink(fd);
                } catch (IOException e) {
                    return fd.getFileName() + " (gone)"; // the listing's own descriptor, closed meanwhile
                }
            }).filter(s -> !s.endsWith("(gone)")).collect(Collectors.toSet());
        }
    }

    private static Set<String> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
