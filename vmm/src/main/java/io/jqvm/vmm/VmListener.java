package io.jqvm.vmm;

import io.jqvm.vmm.assembly.Assembly;
import io.jqvm.vmm.debug.GuestDumper;
import java.nio.file.Path;

/**
 * Told of a VM's life by {@link Vmm#run}: the control API serves the run in progress through it. A guest reset
 * ends one run and starts the next; the runtime directory stays the same across them. Called on the thread that
 * runs the VM; a listener must not block it.
 */
public interface VmListener {
    /** One run of the VM: what was assembled, the runtime that runs it, and where its guest dumps go. */
    record Run(Assembly assembly, VmRuntime runtime, GuestDumper dumper) {
    }

    /** The VM holds its runtime directory ({@code <runtime>/<system>/}); before the first run. */
    default void claimed(Path runtimeDirectory) {
    }

    /** A run's vCPUs are about to start. */
    default void started(Run run) {
    }

    /** A run ended (its outcome is decided; a reset starts another). */
    default void ended(Run run) {
    }

    /** The VM is ending for good; its runtime directory is removed next. */
    default void finished() {
    }

    VmListener NONE = new VmListener() {
    };

    /** Tells each of {@code listeners}, in order. */
    static VmListener all(java.util.List<VmListener> listeners) {
        return new VmListener() {
            @Override
            public void claimed(Path runtimeDirectory) {
                listeners.forEach(l -> l.claimed(runtimeDirectory));
            }

            @Override
            public void started(Run run) {
                listeners.forEach(l -> l.started(run));
            }

            @Override
            public void ended(Run run) {
                listeners.forEach(l -> l.ended(run));
            }

            @Override
            public void finished() {
                listeners.forEach(VmListener::finished);
            }
        };
    }
}
