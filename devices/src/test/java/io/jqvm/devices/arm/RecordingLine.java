package io.jqvm.devices.arm;

import io.jqvm.device.IrqLine;

/** An interrupt line that remembers its level and counts rising edges. */
final class RecordingLine implements IrqLine {
    private boolean level;
    private int risingEdges;

    @Override
    public synchronized void set(boolean asserted) {
        if (asserted && !level) {
            risingEdges++;
        }
        level = asserted;
    }

    synchronized boolean level() {
        return level;
    }

    synchronized int risingEdges() {
        return risingEdges;
    }
}
