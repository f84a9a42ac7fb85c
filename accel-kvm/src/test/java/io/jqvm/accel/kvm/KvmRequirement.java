package io.jqvm.accel.kvm;

import io.jqvm.common.Arch;


/** This module's tests need the kvm accelerator itself usable; the skip-or-fail rule is the testkit's. */
final class KvmRequirement {
    private KvmRequirement() {
    }

    static void assumeKvm() {
        io.jqvm.testkit.KvmRequirement.applyFromEnvironment(new KvmAccelerator().unavailableReason(Arch.X86_64));
    }
}
