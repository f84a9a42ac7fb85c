package io.jqvm.virtio.blk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** What the host file system says about a file, through the standard tools (Java cannot see allocated blocks). */
final class HostFiles {
    private HostFiles() {
    }

    /** The 512-byte blocks the file system allocated to {@code file} ({@code stat -c %b}). */
    static long allocatedBlocks(Path file) throws IOException, InterruptedException {
        return Long.parseLong(run("stat", "-c", "%b", file.toString()).strip());
    }

    /** True when {@code dir}'s file system deallocates punched holes (tmpfs, ext4, xfs and btrfs do; some do not). */
    static boolean supportsHoles(Path dir) throws IOException, InterruptedException {
        Path probe = Files.createTempFile(dir, "holes", ".probe");
        try {
            byte[] data = new byte[1 << 20];
            new Random(0).nextBytes(data);
            Files.write(probe, data);
            run("sync", probe.toString());
            long before = allocatedBlocks(probe);
            Process p = new ProcessBuilder("fallocate", "--punch-hole", "--offset", "0", "--length", "524288", probe.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0 && allocatedBlocks(probe) < before;
        } finally {
            Files.delete(probe);
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
