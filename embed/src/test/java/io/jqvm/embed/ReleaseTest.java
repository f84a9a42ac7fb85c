package io.jqvm.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * A VM closed leaves nothing behind: no thread, no file descriptor, no runtime directory, no guest RAM. Threads the process's
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
        long mappedBefore = mappedBytes();
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
        // Three VMs' RAM left mapped would be 768 MiB; the JVM and malloc may keep a little of what the VMs' threads
        // made them reserve.
        long grown = mappedBytes() - mappedBefore;
        assertTrue(grown < RAM_BYTES, () -> "the process maps " + (grown >> 20) + " MiB more after closing 3 VMs");
    }

    /** The board's RAM, 256 MiB: the size of the host mapping that holds it. */
    private static final long RAM_BYTES = 256L << 20;

    /** Runs and closes a VM; checks that its RAM was mapped while it ran. */
    private static void runAndClose(JqvmConfig config) throws Exception {
        long before = mappedBytes();
        JqvmVm vm = JqvmVm.create(config);
        vm.start();
        vm.console().waitFor("up", JqvmVmTest.TIMEOUT);
        long running = mappedBytes();
        assertTrue(running - before >= RAM_BYTES, () -> "a running VM maps its RAM, yet only " + ((running - before) >> 20)
                + " MiB more are mapped");
        vm.stop();
        assertEquals(ExitStatus.POWER_CUT, vm.awaitExit(JqvmVmTest.TIMEOUT).orElseThrow().status());
        vm.close();
    }

    /** The size of this process's address space (VmSize), which a guest's RAM, mapped whole, is part of. */
    private static long mappedBytes() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            String kib = lines.filter(l -> l.startsWith("VmSize:")).findFirst().orElseThrow()
                    .replaceAll("[^0-9]", "");
            return Long.parseLong(kib) << 10;
        }
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
