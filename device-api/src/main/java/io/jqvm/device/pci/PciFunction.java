package io.jqvm.device.pci;

/**
 * One function on the PCI bus: its configuration space and what answers in its BARs. {@link PciBus} calls
 * every method with the function's own monitor held, so a function that synchronises on itself sees
 * configuration writes and its own state change atomically.
 */
public interface PciFunction {
    PciConfigSpace config();

    /** A guest read of {@code size} bytes at {@code offset} into BAR {@code bar}, the access inside the BAR. */
    long readBar(int vcpu, int bar, long offset, int size);

    void writeBar(int vcpu, int bar, long offset, int size, long value);

    /** After the guest wrote configuration bytes {@code offset..offset+size}, for functions that act on them. */
    default void configWritten(int offset, int size) {
    }
}
