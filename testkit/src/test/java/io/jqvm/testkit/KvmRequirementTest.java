package io.jqvm.testkit;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The skip-or-fail rule of the KVM tests. */
class KvmRequirementTest {
    private static final String REASON = "/dev/kvm: No such file or directory — load the kvm module or use accel soft";

    @Test
    void usableKvmRunsTheTest() {
        assertDoesNotThrow(() -> KvmRequirement.apply(null, "1", null));
        assertDoesNotThrow(() -> KvmRequirement.apply(null, null, null));
    }

    @Test
    void missingKvmSkipsWithTheReason() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> KvmRequirement.apply(REASON, null, null));
        assertEquals("skipped: needs KVM, which is unavailable: " + REASON, e.getMessage());
        assertThrows(TestAbortedException.class, () -> KvmRequirement.apply(REASON, "0", null));
    }

    @Test
    void missingKvmFailsWhenRequired() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> KvmRequirement.apply(REASON, "1", null));
        assertEquals("JQVM_REQUIRE_KVM=1 but KVM is unavailable: " + REASON, e.getMessage());
    }

    @Test
    void aHostKernelWithoutKvmSkipsEvenWhenRequired() {
        String kernel = "/proc/misc lists no kvm device";
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> KvmRequirement.apply(REASON, "1", kernel));
        assertEquals("skipped: needs KVM, and the host kernel has none (" + kernel + "): " + REASON, e.getMessage());
        AssertionFailedError blank = assertThrows(AssertionFailedError.class, () -> KvmRequirement.apply(REASON, "1", " "));
        assertEquals("JQVM_REQUIRE_KVM=1 but KVM is unavailable: " + REASON, blank.getMessage());
    }
}
