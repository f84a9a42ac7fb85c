package io.jqvm.device;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a device did for the guest, for the control API's metrics: requests served (a virtio chain returned, a
 * character moved through a UART), the bytes they carried in both directions, and the errors the device met
 * (a malformed queue, an I/O failure). Any thread adds; readers see sums that may lag a running device.
 */
public final class DeviceCounters {
    private final LongAdder requests = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder errors = new LongAdder();

    /** One request done, carrying {@code byteCount} bytes (both directions together). */
    public void request(long byteCount) {
        requests.increment();
        bytes.add(byteCount);
    }

    public void error() {
        errors.increment();
    }

    public long requests() {
        return requests.sum();
    }

    public long bytes() {
        return bytes.sum();
    }

    public long errors() {
        return errors.sum();
    }
}
