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
final class GuestImages {
    /** A file only an initramfs with the virtio modules has (older caches lack it and are rebuilt). */
    private static final String MODULES_MARK = "lib/modules/load-order";
    /** The newest module the tests need; a cache built before it was added is rebuilt. */
    private static final String NEWEST_MODULE = "virtiofs.ko";

    private GuestImages() {
    }

    static Path cache() {
        return Command.repo().resolve("build/guest-cache");
    }

    static Path kernel() {
        return cache().resolve("Image");
    }

    static Path initramfs() {
        return cache().resolve("initramfs.cpio");
    }

    static synchronized void ensure() throws IOException, InterruptedException {
        if (Files.exists(kernel()) && Files.exists(initramfs())) {
            String cpio = new String(Files.readAllBytes(initramfs()), StandardCharsets.ISO_8859_1);
            if (cpio.contains(MODULES_MARK) && cpio.contains(NEWEST_MODULE)) {
                return;
            }
        }
        Command.Result r = Command.run(List.of(Command.repo().resolve("scripts/debian-arm64-guest.sh").toString()),
                Command.repo(), Duration.ofMinutes(10));
        assertEquals(0, r.exitStatus(), r::describe);
    }
}
