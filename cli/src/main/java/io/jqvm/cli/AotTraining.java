package io.jqvm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training run from which the launcher builds the JVM's ahead-of-time cache (JDK 25's
 * {@code -XX:AOTCacheOutput}): the classes it loads and links, and the methods it profiles, are what the
 * cache holds, so it goes through what every start of a VM goes through. It dry-runs both example boards
 * (configuration, assembly, device tree, ACPI tables), boots a guest on the software CPU that powers off
 * at once, and, where {@code /dev/kvm} can be used, the demo guest on KVM. Its output is the launcher's
 * cache log, never a user's console. Exits 0 only when every step did.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("jqvm-aot-training");
        try {
            Path x86Board = Main.DemoGuest.extract(dir, "x86-pc.qvmconf");
            Path arm64Board = Main.DemoGuest.extract(dir, "arm64-virt.qvmconf");
            Path powerOff = Files.write(dir.resolve("power-off.Image"), Arm64DemoImage.powerOff());
            List<List<String>> runs = new ArrayList<>(List.of(
                    List.of("@" + x86Board, "dryrun"),
                    List.of("@" + arm64Board, "dryrun"),
                    List.of("@" + arm64Board, "load", powerOff.toString())));
            Path kvm = Path.of("/dev/kvm");
            if (Files.isReadable(kvm) && Files.isWritable(kvm)) {
                runs.add(Main.DemoGuest.arguments(dir));
            }
            int failures = 0;
            for (List<String> run : runs) {
                int status = Main.run(run);
                System.err.println("jqvm AOT training: " + String.join(" ", run) + " -> " + status);
                failures += status == 0 ? 0 : 1;
            }
            System.exit(failures == 0 ? 0 : 1);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
