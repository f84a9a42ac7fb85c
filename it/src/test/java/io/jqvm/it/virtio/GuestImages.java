package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.testkit.Command;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The kernel and initramfs of scripts/debian-arm64-guest.sh, built once per cache directory. */
public final class GuestImages {
    /** Files only an initramfs with the modules and programs the tests need has (older caches lack them and are rebuilt). */
    private static final List<String> MARKS = List.of("lib/modules/load-order", "virtio_pci.ko", "virtiofs.ko",
            "gpio_keys.ko", "bin/rfile");

    private GuestImages() {
    }

    public static Path cache() {
        return Command.repo().resolve("build/guest-cache");
    }

    public static Path kernel() {
        return cache().resolve("Image");
    }

    public static Path initramfs() {
        return cache().resolve("initramfs.cpio");
    }

    public static synchronized void ensure() throws IOException, InterruptedException {
        if (Files.exists(kernel()) && Files.exists(initramfs())) {
            String contents = new String(Files.readAllBytes(initramfs()), StandardCharsets.ISO_8859_1);
            if (MARKS.stream().allMatch(contents::contains)) {
                return;
            }
        }
        Command.Result r = Command.run(List.of(Command.repo().resolve("scripts/debian-arm64-guest.sh").toString()),
                Command.repo(), Duration.ofMinutes(10));
        assertEquals(0, r.exitStatus(), r::describe);
    }
}
