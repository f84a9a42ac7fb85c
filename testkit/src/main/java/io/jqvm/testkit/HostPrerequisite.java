package io.jqvm.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * The rule of {@link KvmRequirement} for other host facilities a test needs (root, network namespaces, a program
 * such as passt): skipped with the reason where missing, failed instead under {@code JQVM_REQUIRE_KVM=1}, the
 * setting of machines (CI) that install every prerequisite and run as root.
 */
public final class HostPrerequisite {
    private HostPrerequisite() {
    }

    /** Returns when {@code unavailableReason} is null; otherwise fails or aborts the test, naming {@code need}. */
    public static void require(String need, String unavailableReason) {
        if (unavailableReason == null) {
            return;
        }
        if ("1".equals(System.getenv(KvmRequirement.REQUIRE_VARIABLE))) {
            fail(KvmRequirement.REQUIRE_VARIABLE + "=1 but " + need + " is unavailable: " + unavailableReason);
        }
        Assumptions.abort("skipped: needs " + need + ", which is unavailable: " + unavailableReason);
    }
}
