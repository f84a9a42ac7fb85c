package io.jqvm.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests that need a usable {@code /dev/kvm}: they are skipped, with the reason, when
 * there is none, and fail instead when the environment sets {@code JQVM_REQUIRE_KVM=1} (machines that
 * must run them, such as CI, so that a broken KVM set-up cannot pass as skipped tests).
 *
 * <p>One exception, which only {@code .ci/run} sets: {@code JQVM_HOST_KERNEL_HAS_NO_KVM=<why>} says the host
 * kernel registers no KVM device at all (checked in {@code /proc/misc}, e.g. a kernel that is itself a nested
 * guest). No set-up step can fix that, so the KVM tests skip with that reason even when required; every other
 * prerequisite ({@link HostPrerequisite}) stays required.
 */
public final class KvmRequirement {
    public static final String REQUIRE_VARIABLE = "JQVM_REQUIRE_KVM";
    public static final String KERNEL_HAS_NO_KVM_VARIABLE = "JQVM_HOST_KERNEL_HAS_NO_KVM";
    private static final Path DEVICE = Path.of("/dev/kvm");

    private KvmRequirement() {
    }

    /** For tests that run KVM through a program (jqvm, QEMU): the device node must be usable. */
    public static void assumeDevice() {
        String problem = !Files.exists(DEVICE) ? "/dev/kvm does not exist (no KVM on this host)"
                : !Files.isReadable(DEVICE) || !Files.isWritable(DEVICE) ? "/dev/kvm is not readable and writable by this user"
                : null;
        applyFromEnvironment(problem);
    }

    /** {@link #apply} with this process's environment. */
    public static void applyFromEnvironment(String unavailableReason) {
        apply(unavailableReason, System.getenv(REQUIRE_VARIABLE), System.getenv(KERNEL_HAS_NO_KVM_VARIABLE));
    }

    /**
     * Returns when KVM is usable ({@code unavailableReason} null); otherwise fails or aborts the test.
     * {@code kernelHasNoKvm} is the value of {@link #KERNEL_HAS_NO_KVM_VARIABLE} (null when unset).
     */
    public static void apply(String unavailableReason, String requireValue, String kernelHasNoKvm) {
        if (unavailableReason == null) {
            return;
        }
        if (kernelHasNoKvm != null && !kernelHasNoKvm.isBlank()) {
            Assumptions.abort("skipped: needs KVM, and the host kernel has none (" + kernelHasNoKvm + "): "
                    + unavailableReason);
        }
        if ("1".equals(requireValue)) {
            fail(REQUIRE_VARIABLE + "=1 but KVM is unavailable: " + unavailableReason);
        }
        Assumptions.abort("skipped: needs KVM, which is unavailable: " + unavailableReason);
    }
}
