package io.jqvm.cpu.a64;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Assembles a bare-metal test program with the cross binutils into a flat image linked at {@code base}. */
final class GuestAssembler {
    private GuestAssembler() {
    }

    static byte[] assemble(String source, long base) {
        try {
            Path dir = Files.createTempDirectory("jqvm-a64-");
            try {
                Path src = dir.resolve("t.s");
                Files.writeString(src, source + "\n");
                run(dir, "aarch64-linux-gnu-as", "-march=armv8-a+crc", "-o", "t.o", "t.s");
                run(dir, "aarch64-linux-gnu-ld", "-N", "-e", "0", "-Ttext=0x" + Long.toHexString(base), "-o", "t.elf", "t.o");
                run(dir, "aarch64-linux-gnu-objcopy", "-O", "binary", "t.elf", "t.bin");
                return Files.readAllBytes(dir.resolve("t.bin"));
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot assemble test program", e);
        }
    }

    private static void run(Path dir, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
