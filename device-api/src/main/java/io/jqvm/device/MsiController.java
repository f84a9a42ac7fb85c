package io.jqvm.device;

/**
 * Where a device's message-signalled interrupts go: an MSI is a 32-bit write of {@code data} to
 * {@code address}, which the interrupt controller decoding that address turns into an interrupt (a GICv2m
 * frame on the arm64 board, the local APICs on the PC, or KVM's routing of them). Devices hold this interface,
 * never the controller, so they do not know which accelerator runs the guest. Thread-safe.
 */
@FunctionalInterface
public interface MsiController {
    void signal(long address, int data);
}
