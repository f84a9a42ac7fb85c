package io.jqvm.vmm;

import io.jqvm.device.IrqLine;

/**
 * An interrupt line whose far end is connected after the device is built: devices are created while the
 * VM is assembled (and in a dryrun), the interrupt controller they reach may belong to an accelerator
 * created later. Until connected, the line remembers its level and connecting replays it.
 */
public final class DeferredIrqLine implements IrqLine {
    private volatile IrqLine target;
    private boolean level;

    @Override
    public void set(boolean asserted) {
        IrqLine t;
        synchronized (this) {
            level = asserted;
            t = target;
        }
        if (t != null) {
            t.set(asserted);
        }
    }

    public void connect(IrqLine to) {
        boolean current;
        synchronized (this) {
            target = to;
            current = level;
        }
        if (current) {
            to.set(true);
        }
    }

    public boolean connected() {
        return target != null;
    }
}
