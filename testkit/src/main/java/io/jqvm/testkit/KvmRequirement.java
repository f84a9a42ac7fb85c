package io.jqvm.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests that need a usable {@code /dev/kvm}: they are skipped, with the reason, when
 * there is none, and fail instead when the environment sets {@code JQVM_REQUIRE_KVM=1} (machines that
 * must run them, such as CI, so that a broken KVM set-up cannot pass as skipped tests).
 */
public final class KvmRequirement {
    public static final String REQUIRE_VARIABLE = "JQVM_REQUIRE_KVM";
    private static final Path DEVICE = Path.of("/dev/kvm");

    private KvmRequirement() {
    }

    /** For tests that run KVM through a program (jqvm, QEMU): the device node must be usable. */
    public static void assumeDevice() {
        String problem = !Files.exists(DEVICE) ? "/dev/kvm does not exist (no KVM on this host)"
                : !Files.isReadable(DEVICE) || !Files.isWritable(DEVICE) ? "/dev/kvm is not readable and writable by this user"
                : null;
        apply(problem, System.getenv(REQUIRE_VARIABLE));
    }

    /** Returns when KVM is usable ({@code unavailableReason} null); otherwise fails or aborts the test. */
    public static void apply(String unavailableReason, String requireValue) {
        if (unavailableReason == null) {
            return;
        }
        if ("1".equals(requireValue)) {
            fail(REQUIRE_VARIABLE + "=1 but KVM is unavailable: " + unavailableReason);
        }
        Assumptions.abort("skipped: needs KVM, which is unavailable: " + unavailableReason);
    }
}
