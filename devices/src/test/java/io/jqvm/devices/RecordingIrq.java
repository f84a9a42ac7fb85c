package io.jqvm.devices;

import io.jqvm.device.IrqLine;
import java.util.ArrayList;
import java.util.List;

/** An interrupt line that remembers its level and every transition. */
public final class RecordingIrq implements IrqLine {
    private boolean level;
    private final List<Boolean> transitions = new ArrayList<>();

    @Override
    public synchronized void set(boolean asserted) {
        level = asserted;
        transitions.add(asserted);
    }

    public synchronized boolean level() {
        return level;
    }

    public synchronized List<Boolean> transitions() {
        return List.copyOf(transitions);
    }
}
