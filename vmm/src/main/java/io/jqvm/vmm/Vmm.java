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
import io.jqvm.devices.chardev.Stdio;
import io.jqvm.vmm.assembly.Assembly;
import io.jqvm.vmm.assembly.RunningPlatform;
import io.jqvm.vmm.assembly.VmBuilder;
import io.jqvm.vmm.debug.GuestDumper;
import io.jqvm.vmm.debug.gdb.GdbStub;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

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
        try (Assembly a = VmBuilder.dryrun(spec, accelerators)) {
            out.print(DryrunReport.render(a));
            out.flush();
        }
        return ExitStatus.NORMAL;
    }

    /**
     * What a run takes of the host process.
     *
     * @param processSignals the process's signals: the terminating ones cut the power, SIGUSR1 and SIGUSR2 are
     *                       qvm's status report and guest dump (the jqvm command; never a program embedding VMs)
     * @param stdio          what {@code hostdev -} and {@code >-} read and write
     * @param power          the switch that cuts the power from outside the guest
     * @param onStart        told of the running VM once it is assembled, before its first instruction (again after
     *                       every reset)
     */
    public record Host(boolean processSignals, Stdio stdio, PowerSwitch power, Consumer<VmRuntime> onStart) {
        /** The jqvm command's: the process's signals, stdin and stdout. */
        public static Host process() {
            return new Host(true, Stdio.process(), new PowerSwitch(), runtime -> { });
        }
    }

    /** Runs the VM as the jqvm command does, on the process's signals, stdin and stdout. */
    public ExitStatus run(VmSpec spec) throws InterruptedException {
        return run(spec, Host.process()).status();
    }

    /** Runs the VM from its runtime directory, which it holds until the last reset cycle ends. */
    public VmRuntime.Outcome run(VmSpec spec, Host host) throws InterruptedException {
        Log.prefix(spec.system().orElse(VmBuilder.DEFAULT_NAME));
        GuestDumper.checkDestination(spec.dump());
        PowerCutSignals signals = host.processSignals() ? new PowerCutSignals(host.power()) : null;
        try (RuntimeDirectory directory = RuntimeDirectory.claim(RuntimeDirectory.root(),
                RuntimeDirectory.directoryName(spec.system()));
             Debugger debugger = new Debugger(spec)) {
            listener.claimed(directory.path());
            try {
                while (true) {
                    VmRuntime.Outcome outcome = runOnce(spec, directory, host, debugger);
                    if (!outcome.reset()) {
                        return outcome;
                    }
                    Log.info("resetting: assembling the VM again");
                }
            } finally {
                listener.finished();
            }
        } finally {
            if (signals != null) {
                signals.close();
            }
            host.power().finish();
        }
    }

    /** The {@code gdb} server, opened once the first VM is assembled (it needs the guest's architecture). */
    private static final class Debugger implements AutoCloseable {
        private final VmSpec spec;
        private GdbStub stub;

        Debugger(VmSpec spec) {
            this.spec = spec;
        }

        VmRuntime.Outcome run(Assembly a, VmRuntime runtime) throws InterruptedException {
            if (spec.gdb().isEmpty()) {
                return runtime.run();
            }
            if (stub == null) {
                stub = GdbStub.open(spec.gdb().get(), a.arch());
            }
            stub.attach(runtime, a.memory());
            VmRuntime.Outcome outcome = null;
            try {
                outcome = runtime.run();
                return outcome;
            } finally {
                stub.detach(outcome != null ? outcome
                        : new VmRuntime.Outcome(ExitStatus.FATAL_AFTER_START, "the VM failed", false));
            }
        }

        @Override
        public void close() {
            if (stub != null) {
                stub.close();
            }
        }
    }

    private VmRuntime.Outcome runOnce(VmSpec spec, RuntimeDirectory directory, Host host, Debugger debugger)
            throws InterruptedException {
        try (Assembly a = VmBuilder.assemble(spec, accelerators, false, Optional.of(directory), host.stdio())) {
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
                runtime.pauseAlong(a.clock());
                a.control().connect(runtime);
                a.start(new RunningPlatform(vm, runtime, io));
                Log.info("VM assembled: " + a.arch().label() + " on " + a.accelerator().name() + ", "
                        + a.vcpuCount() + " vCPU(s)");
                host.power().attach(runtime);
                if (host.processSignals()) {
                    StatusReport status = new StatusReport(a, runtime);
                    DiagnosticSignals.install(status::log, () -> dumper.dump("SIGUSR2", DiagnosticSignals.SIGUSR2));
                }
                VmListener.Run run = new VmListener.Run(a, runtime, dumper);
                listener.started(run);
                host.onStart().accept(runtime);
                try {
                    return debugger.run(a, runtime);
                } finally {
                    listener.ended(run);
                    if (host.processSignals()) {
                        DiagnosticSignals.uninstall();
                    }
                    host.power().detach();
                }
            }
        }
    }
}
