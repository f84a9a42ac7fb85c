package io.jqvm.api;

import io.jqvm.vmm.VmRuntime;
import java.io.IOException;
import java.util.Map;

/** What the control API can ask of the VM it serves; {@link RunControl} is the real one. */
interface ControlledVm {
    VmRuntime.State state();

    /** The body of {@code GET /vm}: name, state, uptime, vCPUs, devices, accelerator. */
    Map<String, Object> describe();

    /** False when the VM is paused already (or not running). */
    boolean pause() throws IOException;

    /** False when the VM is not paused. */
    boolean resume() throws IOException;

    /** False when the board has no power button. */
    boolean pressPowerButton();

    void reset();

    void powerCut();

    /** Writes a guest dump where the {@code dump} option says; false when none does. */
    boolean dump();

    MetricsSnapshot metrics();
}
