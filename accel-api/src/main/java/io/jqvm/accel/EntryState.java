package io.jqvm.accel;

/** The register state a vCPU starts from, as a boot loader or a CPU-start request defines it. */
public sealed interface EntryState permits X86Entry, A64Entry {
}
