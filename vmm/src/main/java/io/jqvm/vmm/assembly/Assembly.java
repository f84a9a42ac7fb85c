package io.jqvm.vmm.assembly;

import io.jqvm.accel.Accelerator;
import io.jqvm.accel.EntryState;
import io.jqvm.accel.MachineSpec;
import io.jqvm.common.Arch;
import io.jqvm.common.Hex;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.config.model.VmSpec;
import io.jqvm.device.Bus;
import io.jqvm.device.BusDevice;
import io.jqvm.device.DeviceCounters;
import io.jqvm.device.Metered;
import io.jqvm.device.InterruptController;
import io.jqvm.device.IrqLine;
import io.jqvm.memory.AddressMap;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.Space;
import io.jqvm.vmm.DeferredIrqLine;
import io.jqvm.vmm.VcpuScheduling;
import io.jqvm.vmm.VmControlRelay;
import io.jqvm.vmm.board.PcLayout;
import io.jqvm.vmm.system.RuntimeDirectory;
import io.jqvm.device.DeviceClock;
import io.jqvm.device.PausableDeviceClock;
import io.jqvm.devices.chardev.Stdio;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A VM put together from a {@link VmSpec}: its address map, memory, buses, devices, interrupt wiring and
 * boot state, everything but the accelerator's own objects. What dryrun prints; what {@code Vmm} runs.
 * Built by {@link VmBuilder} on one thread; read-only afterwards.
 */
public final class Assembly implements AutoCloseable {
    /** One interrupt connection, for the dryrun report: {@code ser8250 com1 -> ioapic:4}. */
    public record Wire(String source, Interrupt interrupt, Origin origin) {
    }

    /** Where the ACPI PM1a event block, control register and PM timer answer. */
    record AcpiPmPorts(int eventPort, int controlPort, int timerPort) {
        static final AcpiPmPorts PC = new AcpiPmPorts(PcLayout.ACPI_PM1A_EVENT_PORT, PcLayout.ACPI_PM1A_CONTROL_PORT,
                PcLayout.ACPI_PM_TIMER_PORT);
    }

    /** A named interrupt controller other vdevs may reference, with where it was configured. */
    record Controller(String name, InterruptController controller, String owner, Origin origin) {
    }

    final VmSpec spec;
    final String name;
    final Arch arch;
    final Accelerator accelerator;
    final String acceleratorProblem;
    /** Where named vdevs publish their endpoints; empty for a dryrun, which claims nothing. */
    final Optional<RuntimeDirectory> runtimeDirectory;
    /** What a {@code hostdev -} or {@code >-} is: the process's stdin and stdout, or an embedding program's streams. */
    final Stdio stdio;
    final AddressMap map = new AddressMap();
    final Bus mmio = new Bus();
    final Bus pio = new Bus();
    final VmControlRelay control = new VmControlRelay();
    /** The one clock every device of this VM reads and schedules on; it stops while the VM is paused. */
    final PausableDeviceClock clock;
    final List<VcpuScheduling> scheduling = new ArrayList<>();
    final List<Wire> wires = new ArrayList<>();
    final Map<String, Controller> controllers = new LinkedHashMap<>();
    final Map<String, Integer> controllerNameUses = new HashMap<>();
    final List<String> devices = new ArrayList<>();
    /** A vdev's own status line for the SIGUSR1 report, by its {@link #devices} entry. */
    final Map<String, Supplier<String>> vdevStatus = new LinkedHashMap<>();
    /** The counters of each device that keeps them ({@link Metered}), by its owner name, for the metrics. */
    final Map<String, DeviceCounters> vdevCounters = new LinkedHashMap<>();
    final List<String> bootNotes = new ArrayList<>();
    /** Presses the board's power button (the PC's ACPI fixed button, the arm64 board's GPIO key); null: none. */
    Runnable powerButton;
    final List<AutoCloseable> resources = new ArrayList<>();
    /** Connections to make once the accelerator's VM exists (platform interrupts, vCPU pins). */
    final List<Consumer<RunningPlatform>> onStart = new ArrayList<>();
    /** x86: parameters the devices append to a Linux kernel's command line (virtio_mmio.device=...). */
    final List<String> kernelParameters = new ArrayList<>();
    /** Threads for device work that must not run on a vCPU; made on first use, stopped with the VM. */
    private ExecutorService deviceWorker;
    /** What the AArch64 device tree describes; filled as the vdevs are built. */
    final Board board = new Board();
    /** The PCI host bridge, made by the first PCI device; null while there is none. */
    PciHost pci;
    /** Set by {@link #start} before the deferred connections run. */
    RunningPlatform running;
    /** x86: the ACPI PM ports the FADT announces (an {@code acpi-pm} vdev moves them). */
    AcpiPmPorts acpiPm = AcpiPmPorts.PC;
    /** x86: the HPET the ACPI tables announce, if configured. */
    io.jqvm.boot.acpi.AcpiPlatform.Hpet hpet;
    GuestMemory memory;
    /** No accelerator is needed: a missing one is reported in the assembly (the dryrun command; tests without one). */
    boolean dryrun;
    /**
     * The dryrun command's: assembled only to be shown, so vdevs open no host-facing back end and contact no outside
     * process (a TAP, passt, a peer socket, a pty, an output file, a vhost-user back end).
     */
    boolean showOnly;
    EntryState entry;
    boolean x86IrqChip;
    boolean x86Pit;
    long x86IoapicBase;
    /** A vdev maps memory other processes write while the guest runs (shmem): see {@link MachineSpec#peerMappedMemory}. */
    boolean peerMappedMemory;

    Assembly(VmSpec spec, String name, Arch arch, Accelerator accelerator, String acceleratorProblem,
             Optional<RuntimeDirectory> runtimeDirectory, Stdio stdio) {
        this.spec = spec;
        this.runtimeDirectory = runtimeDirectory;
        this.stdio = stdio;
        this.name = name;
        this.arch = arch;
        this.accelerator = accelerator;
        this.acceleratorProblem = acceleratorProblem;
        this.clock = new PausableDeviceClock(DeviceClock.host());
    }

    public VmSpec spec() { return spec; }
    public String name() { return name; }
    public Arch arch() { return arch; }
    /** The accelerator that will run the guest; null when none can (then see {@link #acceleratorProblem()}). */
    public Accelerator accelerator() { return accelerator; }
    public String acceleratorProblem() { return acceleratorProblem; }
    public Optional<RuntimeDirectory> runtimeDirectory() { return runtimeDirectory; }
    public AddressMap map() { return map; }
    public GuestMemory memory() { return memory; }
    public Bus mmio() { return mmio; }
    public Bus pio() { return pio; }
    public VmControlRelay control() { return control; }
    public PausableDeviceClock clock() { return clock; }
    public List<VcpuScheduling> scheduling() { return scheduling; }
    public List<Wire> wires() { return wires; }
    public List<String> devices() { return devices; }
    public Map<String, Supplier<String>> vdevStatus() { return vdevStatus; }
    public List<String> bootNotes() { return bootNotes; }
    public Map<String, DeviceCounters> vdevCounters() { return vdevCounters; }
    /** The board's power button, if it has one. */
    public Optional<Runnable> powerButton() { return Optional.ofNullable(powerButton); }
    /** The boot vCPU's entry state; null when the configuration loads no image. */
    public EntryState entry() { return entry; }
    public boolean x86IrqChip() { return x86IrqChip; }
    public boolean x86Pit() { return x86Pit; }
    public long x86IoapicBase() { return x86IoapicBase; }

    /** What the accelerator must build for this VM. */
    public MachineSpec machineSpec() {
        return new MachineSpec(name, arch, memory, vcpuCount(), x86IrqChip, x86Pit, x86IoapicBase, peerMappedMemory);
    }
    public int vcpuCount() { return scheduling.size(); }

    /** The VM's pool of device worker threads (daemons, named after the VM). */
    Executor deviceWorker() {
        if (deviceWorker == null) {
            ExecutorService pool = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name(name + "-device-", 0).factory());
            deviceWorker = pool;
            resources.add(pool::shutdownNow);
        }
        return deviceWorker;
    }

    /** Runs the deferred connections once the accelerator's VM exists. */
    public void start(RunningPlatform platform) {
        running = platform;
        for (Consumer<RunningPlatform> c : onStart) {
            c.accept(platform);
        }
    }

    /** Claims a window for a device (or an accelerator-emulated one when {@code device} is null) and maps it. */
    void mapDevice(VdevSpec spec, String owner, Space space, long base, long size, BusDevice device) {
        mapDevice(spec.origin(), owner, space, base, size, device);
    }

    /** As {@link #mapDevice(VdevSpec, String, Space, long, long, BusDevice)} for a device configured at {@code origin}. */
    void mapDevice(Origin origin, String owner, Space space, long base, long size, BusDevice device) {
        claim(new AddressMap.Claim(space, base, size, AddressMap.Kind.DEVICE, owner, origin.toString()), origin);
        if (device != null) {
            (space == Space.MEM ? mmio : pio).register(base, size, device, owner);
            metered(owner, device);
        }
    }

    /** Records {@code device}'s counters under {@code owner} when it keeps them; returns the device. */
    <T> T metered(String owner, T device) {
        if (device instanceof Metered m) {
            vdevCounters.put(owner, m.counters());
        }
        return device;
    }

    void claim(AddressMap.Claim claim, Origin origin) {
        try {
            map.claim(claim);
        } catch (AddressMap.AddressConflictException e) {
            throw new ConfigException(origin, e.getMessage());
        }
    }

    /** Registers an interrupt controller under {@code name}; a second controller of the same name is not referable. */
    void addController(String name, InterruptController controller, String owner, Origin origin) {
        int uses = controllerNameUses.merge(name, 1, Integer::sum);
        if (uses == 1) {
            controllers.put(name, new Controller(name, controller, owner, origin));
        } else {
            controllers.remove(name);
        }
    }

    /** The line an {@code intr controller:line} names, recorded for the report. */
    IrqLine interrupt(String source, Interrupt intr, Origin origin) {
        String controllerName = intr.controller().orElseThrow(() ->
                new ConfigException(origin, "interrupt " + Quote.of(intr.toString()) + " names no controller (write controller:line)"));
        Controller c = controllers.get(controllerName);
        if (c == null) {
            String known = String.join(", ", controllers.keySet());
            throw new ConfigException(origin, controllerNameUses.getOrDefault(controllerName, 0) > 1
                    ? "interrupt " + Quote.of(intr.toString()) + ": several interrupt controllers are named "
                    + Quote.of(controllerName) + "; give each a distinct 'name'"
                    : "interrupt " + Quote.of(intr.toString()) + ": no interrupt controller named " + Quote.of(controllerName)
                    + (known.isEmpty() ? " (this VM has none)" : " (controllers: " + known + ")"));
        }
        if (intr.line() < 0 || intr.line() >= c.controller().lineCount()) {
            throw new ConfigException(origin, "interrupt " + Quote.of(intr.toString()) + ": " + controllerName + " has lines 0-"
                    + (c.controller().lineCount() - 1));
        }
        wires.add(new Wire(source, intr, origin));
        return c.controller().line((int) intr.line());
    }

    /** A device line connected at start, for controllers whose far end belongs to the accelerator. */
    DeferredIrqLine deferredLine(Consumer<DeferredIrqLine> connectAtStart) {
        DeferredIrqLine line = new DeferredIrqLine();
        onStart.add(p -> connectAtStart.accept(line));
        return line;
    }

    /**
     * Where to point an error about the configuration as a whole (no RAM, no room for the device tree):
     * the first load, else the first vdev, else the first command-line argument.
     */
    public Origin configOrigin() {
        if (!spec.loads().isEmpty()) {
            return spec.loads().getFirst().origin();
        }
        if (!spec.vdevs().isEmpty()) {
            return spec.vdevs().getFirst().origin();
        }
        return Origin.commandLine(1);
    }

    void note(String line) {
        bootNotes.add(line);
    }

    static String describeWindow(long base, long size) {
        return Hex.of(base) + "+" + Hex.size(size);
    }

    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                io.jqvm.common.Log.warn("closing " + resources.get(i) + ": " + e.getMessage());
            }
        }
        if (memory != null) {
            memory.close();
        }
    }
}
