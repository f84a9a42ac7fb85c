package io.jqvm.accel.kvm;

import io.jqvm.common.Arch;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one rule for tests that need a usable {@code /dev/kvm}: they are skipped, with the reason, when
 * there is none, and fail instead when the environment sets {@code JQVM_REQUIRE_KVM=1} (machines that
 * must run them, so that a broken KVM set-up cannot pass as skipped tests).
 */
final class KvmRequirement {
    static final String REQUIRE_VARIABLE = "JQVM_REQUIRE_KVM";

    private KvmRequirement() {
    }

    static void assumeKvm() {
        String reason = new KvmAccelerator().unavailableReason(Arch.X86_64);
        if (reason == null) {
            return;
        }
        if ("1".equals(System.getenv(REQUIRE_VARIABLE))) {
            fail(REQUIRE_VARIABLE + "=1 but kvm is unavailable: " + reason);
        }
        Assumptions.abort("kvm is unavailable: " + reason);
    }
}
