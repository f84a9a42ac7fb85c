package io.jqvm.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The rule for tests that need KVM: skip with a clear message where {@code /dev/kvm} is missing or not
 * usable, but fail instead when {@code JQVM_REQUIRE_KVM=1} (CI), so a broken KVM set-up never passes silently.
 */
public final class Kvm {
    private static final Path DEVICE = Path.of("/dev/kvm");

    private Kvm() {
    }

    public static void assumeAvailable() {
        String problem = !Files.exists(DEVICE) ? "/dev/kvm does not exist (no KVM on this host)"
                : !Files.isReadable(DEVICE) || !Files.isWritable(DEVICE) ? "/dev/kvm is not readable and writable by this user"
                : null;
        if (problem == null) {
            return;
        }
        if ("1".equals(System.getenv("JQVM_REQUIRE_KVM"))) {
            fail("JQVM_REQUIRE_KVM=1 but " + problem);
        }
        Assumptions.abort("skipped: needs KVM: " + problem);
    }
}
