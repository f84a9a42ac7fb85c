package io.jqvm.vmm;

import io.jqvm.accel.Accelerator;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.model.Unsupported;
import io.jqvm.config.model.VmSpec;
import io.jqvm.vmm.assembly.Assembly;
import io.jqvm.vmm.assembly.RunningPlatform;
import io.jqvm.vmm.assembly.VmBuilder;
import io.jqvm.vmm.debug.GuestDumper;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * Runs a configuration: assembles the VM, creates it on the chosen accelerator, runs it until the guest
 * shuts down or something ends it, and answers with the exit status. A guest reset re-assembles the VM
 * from the configuration, like a machine's power cycle.
 */
public final class Vmm {
    /** The cause a watchdog's dump records: SIGQUIT, the signal qvm's watchdogs end a VM with. */
    private static final int WATCHDOG_SIGNAL = 3;
    private final List<Accelerator> accelerators;
    private final VmListener listener;

    public Vmm(List<Accelerator> accelerators) {
        this(accelerators, VmListener.NONE);
    }

    /** @param listener told of each run (the control API) */
    public Vmm(List<Accelerator> accelerators, VmListener listener) {
        this.accelerators = accelerators;
        this.listener = listener;
    }

    /** Dryrun: assemble, print the VM on {@code out}, release it. */
    public ExitStatus dryrun(VmSpec spec, PrintStream out) {
        try (Assembly a = VmBuilder.assemble(spec, accelerators, true)) {
            out.print(DryrunReport.render(a));
            out.flush();
        }
        return ExitStatus.NORMAL;
    }

    /** Runs the VM from its runtime directory, which it holds until the last reset cycle ends. */
    public ExitStatus run(VmSpec spec) throws InterruptedException {
        Log.prefix(spec.system().orElse(VmBuilder.DEFAULT_NAME));
        GuestDumper.checkDestination(spec.dump());
        try (PowerCutSignals signals = new PowerCutSignals();
             RuntimeDirectory directory = RuntimeDirectory.claim(RuntimeDirectory.root(),
                RuntimeDirectory.directoryName(spec.system()))) {
            listener.claimed(directory.path());
            try {
                while (true) {
                    VmRuntime.Outcome outcome = runOnce(spec, directory, signals);
                    if (!outcome.reset()) {
                        return outcome.status();
                    }
                    Log.info("resetting: assembling the VM again");
                }
            } finally {
                listener.finished();
            }
        }
    }

    private VmRuntime.Outcome runOnce(VmSpec spec, RuntimeDirectory directory, PowerCutSignals signals)
            throws InterruptedException {
        try (Assembly a = VmBuilder.assemble(spec, accelerators, false, Optional.of(directory))) {
            if (a.entry() == null) {
                // No line is wrong: the command line lacks one, so that is where the error points.
                throw new ConfigException(Origin.commandLine(1), "nothing to run: neither the command line nor"
                        + " its @files has a 'load' giving the guest an image (add 'load path', or 'dryrun' to only"
                        + " assemble the board)");
            }
            UnsupportedPolicy policy = switch (spec.unsupportedAction(Unsupported.Kind.REFERENCE)) {
                case IGNORE -> UnsupportedPolicy.IGNORE;
                case FAIL -> UnsupportedPolicy.FAIL;
                case ABORT -> UnsupportedPolicy.ABORT;
            };
            IoDispatcher io = new IoDispatcher(a.mmio(), a.pio(), policy, a.control());
            try (VirtualMachine vm = a.accelerator().create(a.machineSpec(), io)) {
                VmRuntime runtime = new VmRuntime(a.name(), vm, a.scheduling(), a.entry(), a.arch() == Arch.AARCH64);
                GuestDumper dumper = new GuestDumper(spec.dump(), a.name(), a.arch(), a.memory().regions(),
                        writer -> runtime.whileStopped(Vcpu::registers, writer::write));
                runtime.onDumpRequest(reason -> dumper.dump(reason, WATCHDOG_SIGNAL));
                a.control().connect(runtime);
                a.start(new RunningPlatform(vm, runtime, io));
                Log.info("VM assembled: " + a.arch().label() + " on " + a.accelerator().name() + ", "
                        + a.vcpuCount() + " vCPU(s)");
                StatusReport status = new StatusReport(a, runtime);
                signals.attach(runtime);
                DiagnosticSignals.install(status::log, () -> dumper.dump("SIGUSR2", DiagnosticSignals.SIGUSR2));
                VmListener.Run run = new VmListener.Run(a, runtime, dumper);
                listener.started(run);
                try {
                    return runtime.run();
                } finally {
                    listener.ended(run);
                    DiagnosticSignals.uninstall();
                    signals.detach();
                }
            }
        }
    }
}
