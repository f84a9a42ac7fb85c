package io.jqvm.vmm;

/** What the VM does when the guest touches something nobody emulates (qvm's {@code unsupported} option). */
public enum UnsupportedPolicy {
    /** Writes are dropped, reads return all ones. */
    IGNORE,
    /** The guest takes a fault (AArch64 external abort, x86 #GP). */
    FAIL,
    /** The VM ends with exit status 5 and a log line naming the access. */
    ABORT
}
