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
        apply(new KvmAccelerator().unavailableReason(Arch.X86_64), System.getenv(REQUIRE_VARIABLE));
    }

    /** Returns when kvm is usable ({@code unavailableReason} null); otherwise fails or aborts the test. */
    static void apply(String unavailableReason, String requireValue) {
        if (unavailableReason == null) {
            return;
        }
        if ("1".equals(requireValue)) {
            fail(REQUIRE_VARIABLE + "=1 but kvm is unavailable: " + unavailableReason);
        }
        Assumptions.abort("kvm is unavailable: " + unavailableReason);
    }
}
