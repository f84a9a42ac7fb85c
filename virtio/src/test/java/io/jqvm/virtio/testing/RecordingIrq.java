package io.jqvm.virtio.testing;

import io.jqvm.device.IrqLine;

/** An interrupt line that remembers its level and counts its rising edges. */
public final class RecordingIrq implements IrqLine {
    private boolean level;
    private int raised;

    @Override
    public synchronized void set(boolean asserted) {
        if (asserted && !level) {
            raised++;
        }
        level = asserted;
    }

    public synchronized boolean level() {
        return level;
    }

    public synchronized int raised() {
        return raised;
    }
}
