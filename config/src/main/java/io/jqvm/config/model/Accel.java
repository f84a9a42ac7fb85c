package io.jqvm.config.model;

/** jqvm extension {@code accel}: the accelerator to use instead of choosing one automatically. */
public enum Accel {
    KVM, SOFT
}
