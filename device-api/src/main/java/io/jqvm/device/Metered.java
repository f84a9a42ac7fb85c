package io.jqvm.device;

/** A device that counts its work ({@link DeviceCounters}); the VM finds it when the device is mapped on a bus. */
public interface Metered {
    DeviceCounters counters();
}
