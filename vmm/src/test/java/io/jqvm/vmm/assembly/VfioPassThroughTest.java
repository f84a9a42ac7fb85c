package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.Vcpu;
import io.jqvm.accel.aarch64.A64Vcpu;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import io.jqvm.device.Bus;
import io.jqvm.device.IrqLine;
import io.jqvm.memory.AddressMap;
import io.jqvm.vmm.IoDispatcher;
import io.jqvm.vmm.UnsupportedPolicy;
import io.jqvm.vmm.board.VirtLayout;
import io.jqvm.vmm.pass.vfio.FakeSysfs;
import io.jqvm.vmm.pass.vfio.FakeVfioKernel;
import io.jqvm.vmm.pass.vfio.VfioHost;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pass loc pci:} assembled end to end against the simulated VFIO device and a sysfs tree of the test's:
 * the device found, claimed, opened, reset and given the guest's RAM for DMA; on the arm64 board's bus, where the
 * guest reaches it through ECAM as Linux would; its BARs mapped where the guest places them; its INTx and MSI-X
 * arriving at the GIC; everything released when the VM ends.
 */
class VfioPassThroughTest {
    private static final String[] ARM = {"arch", "aarch64", "ram", "0x40000000,16M", "vdev", "gic", "version", "2",
            "gicd", "0x08000000", "gicc", "0x08010000"};
    private static final int SLOT = 3;

    @TempDir
    Path dir;
    private final FakeVfioKernel kernel = new FakeVfioKernel();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private FakeSysfs sysfs() {
        return new FakeSysfs(dir.resolve("sys"));
    }

    private Assembly live(String system, FakeSysfs sysfs, String... tokens) throws Exception {
        return liveOn(ARM, system, sysfs, tokens);
    }

    private Assembly liveOn(String[] board, String system, FakeSysfs sysfs, String... tokens) throws Exception {
        RuntimeDirectory runtime = RuntimeDirectory.claim(dir.resolve("runtime"), system);
        open.add(runtime);
        List<String> all = new ArrayList<>(List.of("system", system));
        all.addAll(List.of(board));
        all.addAll(List.of(tokens));
        Assembly a = ScopedValue.where(VfioHost.BOUND, new VfioHost(kernel, sysfs.root())).call(() ->
                VmBuilder.assemble(QvmConf.parse(all, dir), List.of(PassThroughTest.ANY), false, Optional.of(runtime)));
        open.add(a);
        return a;
    }

    private static long read(Assembly a, long address, int size) {
        Bus.Window w = a.mmio().find(address, size);
        return w.device().read(0, address - w.base(), size);
    }

    private static void write(Assembly a, long address, int size, long value) {
        Bus.Window w = a.mmio().find(address, size);
        w.device().write(0, address - w.base(), size, value);
    }

    private static long ecam(int register) {
        return VirtLayout.PCIE_ECAM + ((long) SLOT << 15) + register;
    }

    /** GICD_ISPENDR's bit for {@code intid}, as the guest would read it. */
    private static boolean pending(Assembly a, int intid) {
        return (read(a, VirtLayout.VIRT_GIC_DISTRIBUTOR + 0x200 + 4L * (intid / 32), 4) >>> (intid % 32) & 1) != 0;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 6_000 && !condition.getAsBoolean(); i++) { // up to 30 s: a loaded host is slow, never wrong
            Thread.sleep(5);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    /** Starts the VM on an accelerator that records mappings; its vCPUs are no more than an IRQ pin (the GIC's output). */
    private static PassThroughTest.RecordingVm start(Assembly a) {
        A64Vcpu vcpu = (A64Vcpu) Proxy.newProxyInstance(A64Vcpu.class.getClassLoader(), new Class<?>[] {A64Vcpu.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("irqPin")) {
                        return IrqLine.NONE;
                    }
                    if (method.getReturnType() == void.class) {
                        return null; // wiring (the timers' lines): nothing to wire to
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        PassThroughTest.RecordingVm vm = new PassThroughTest.RecordingVm() {
            @Override
            public Vcpu vcpu(int index) {
                return vcpu;
            }
        };
        a.start(new RunningPlatform(vm, null, new IoDispatcher(a.mmio(), a.pio(), UnsupportedPolicy.IGNORE, a.control())));
        return vm;
    }

    @Test
    void theHostDeviceIsOpenedPlacedAndDrivenThroughTheGuestsBus() throws Exception {
        Assembly a = live("vfio", sysfs().device("0000:01:00.0", 0x8086, 0x10d3, 7, "vfio-pci"),
                "pass", "loc", "pci:0:" + SLOT + ".0=pci:1:0.0");
        assertTrue(kernel.calls.contains("VFIO_DEVICE_RESET"), "a reset at start: " + kernel.calls);
        assertTrue(kernel.calls.contains("VFIO_IOMMU_MAP_DMA 40000000+1000000 rw"), "guest RAM at IOVA = guest-physical");
        assertTrue(a.bootNotes().contains("pass: pci:0:3.0 (8086:10d3) <- host 0000:01:00.0 (VFIO)"), a.bootNotes().toString());
        assertTrue(a.machineSpec().peerMappedMemory(), "the device writes guest memory behind the vCPUs");
        assertEquals(0x10d3_8086L, read(a, ecam(0), 4), "the guest sees the device's identity through ECAM");
        List<String> wires = a.wires().stream().map(w -> w.source() + " -> " + w.interrupt()).toList();
        int intx = VirtLayout.PCIE_FIRST_INTX_INTID + SLOT % VirtLayout.PCIE_INTX_LINES; // QEMU virt's swizzle
        assertTrue(wires.contains("pass loc pci:0:3.0=pci:1:0.0 INTA# -> gic:" + intx), wires.toString());

        PassThroughTest.RecordingVm vm = start(a);
        long window = a.map().claims().stream().filter(c -> c.owner().equals("PCI host bridge MMIO window"))
                .mapToLong(AddressMap.Claim::base).findFirst().orElseThrow();
        long bar2 = window + 0x10000;
        write(a, ecam(0x10), 4, window);
        write(a, ecam(0x18), 4, bar2);
        write(a, ecam(0x1c), 4, 0);
        write(a, ecam(0x04), 2, 0x6); // memory decode, bus master
        assertEquals(List.of(window, bar2 + 0x1000), vm.mappings.stream().map(PassThroughTest.Mapping::gpa).toList(),
                "BAR 0 and BAR 2 (but the MSI-X page) mapped where the guest put them");
        vm.mappings.getFirst().host().set(ValueLayout.JAVA_INT, 8, 0xfeed);
        assertEquals(0xfeed, kernel.bar0.get(ValueLayout.JAVA_INT, 8), "a guest store in the mapped BAR reaches the device");

        assertFalse(pending(a, intx));
        assertTrue(kernel.raiseIntx());
        await(() -> pending(a, intx), "the device's INTx is pending at the GIC");

        int msix = 0x40; // the emulated capability, the only one
        assertEquals(0x11, read(a, ecam(msix), 1));
        int spi = VirtLayout.GICV2M_FIRST_INTID + 5;
        long icfgr = VirtLayout.VIRT_GIC_DISTRIBUTOR + 0xc00 + 4L * (spi / 16);
        write(a, icfgr, 4, read(a, icfgr, 4) | 2L << (2 * (spi % 16))); // edge-triggered, as Linux's GICv2m driver sets it
        write(a, bar2, 4, VirtLayout.VIRT_GICV2M + 0x40); // vector 0: the GICv2m doorbell
        write(a, bar2 + 4, 4, 0);
        write(a, bar2 + 8, 4, spi);
        write(a, bar2 + 12, 4, 0);
        write(a, ecam(msix + 2), 2, 0x8000);
        assertEquals(2, kernel.irqType(), "MSI-X on, INTx off");
        assertTrue(kernel.raiseMsix(0));
        await(() -> pending(a, spi), "vector 0 arrives as the GICv2m SPI the guest programmed");

        open.remove(a);
        a.close();
        assertTrue(kernel.openDescriptors().isEmpty(), "released: " + kernel.openDescriptors());
        assertTrue(kernel.dma.isEmpty(), "no DMA mapping of guest memory outlives the VM");
        assertTrue(kernel.mappings().isEmpty(), "no BAR mmap outlives the VM");
    }

    @Test
    void onThePcBoardTheFirmwareStepPlacesTheBarsAndIntxGoesToTheIoapic() throws Exception {
        Assembly a = liveOn(new String[] {"arch", "x86_64", "ram", "0,16M", "vdev", "ioapic", "loc", "0xfec00000"}, "pc",
                sysfs().device("0000:01:00.0", 0x8086, 0x10d3, 7, "vfio-pci"), "pass", "loc", "pci:0:3.0=pci:1:0.0");
        List<String> wires = a.wires().stream().map(w -> w.source() + " -> " + w.interrupt()).toList();
        assertTrue(wires.stream().anyMatch(w -> w.startsWith("pass loc pci:0:3.0=pci:1:0.0 INTA# -> ioapic:")), wires.toString());
        long devfn = 3 * 8;
        Bus.Window configPorts = a.pio().find(0xcf8, 4);
        configPorts.device().write(0, 0, 4, 0x8000_0000L | devfn << 8 | 0x10);
        long bar0 = configPorts.device().read(0, 4, 4);
        assertTrue(bar0 != 0, "the firmware step gave BAR 0 an address");
        configPorts.device().write(0, 0, 4, 0x8000_0000L | devfn << 8 | 0x34);
        long capability = configPorts.device().read(0, 4, 4) & 0xff;
        assertTrue(capability != 0, "the PC board's local APIC takes MSI: the device's capabilities are shown");
        configPorts.device().write(0, 0, 4, 0x8000_0000L | devfn << 8 | capability);
        assertEquals(0x11, configPorts.device().read(0, 4, 4) & 0xff, "MSI-X");
        assertTrue(kernel.calls.stream().anyMatch(c -> c.equals("VFIO_DEVICE_SET_IRQS 0 unmask")));
    }

    @Test
    void aDeviceFoundByIdGoesToTheFirstFreeSlot() throws Exception {
        Assembly a = live("byid", sysfs().device("0000:01:00.0", 0x8086, 0x10d3, 7, "vfio-pci"),
                "pass", "loc", "pci:0x8086/0x10d3");
        assertTrue(a.bootNotes().contains("pass: pci:0:1.0 (8086:10d3) <- host 0000:01:00.0 (VFIO)"), a.bootNotes().toString());
    }

    @Test
    void aSecondVmIsRefusedTheDeviceNamingTheFirst() throws Exception {
        FakeSysfs sysfs = sysfs().device("0000:01:00.0", 0x8086, 0x10d3, 7, "vfio-pci");
        live("holder", sysfs, "pass", "loc", "pci:0:3.0=pci:1:0.0");
        VmmException e = assertThrows(VmmException.class, () -> live("second", sysfs, "pass", "loc", "pci:0x8086/0x10d3"));
        assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
        assertTrue(e.getMessage().contains("is already passed through to VM 'holder'"), e.getMessage());
    }

    @Test
    void hostProblemsAreExit64AndConfigurationMistakes65AtTheirLine() throws Exception {
        FakeSysfs sysfs = sysfs().device("0000:02:00.0", 0x10ec, 0x8168, 9, "r8169");
        VmmException driver = assertThrows(VmmException.class, () -> live("d", sysfs, "pass", "loc", "pci:0:3.0=pci:2:0.0"));
        assertEquals(ExitStatus.FATAL_BEFORE_START, driver.status());
        assertTrue(driver.getMessage().startsWith("<command line>:"), driver.getMessage());
        assertTrue(driver.getMessage().contains("is bound to driver r8169, not vfio-pci; hand it to VFIO"), driver.getMessage());
        sysfs.device("0000:01:00.0", 0x8086, 0x10d3, 7, "vfio-pci");
        kernel.viable = false;
        VmmException group = assertThrows(VmmException.class, () -> live("g", sysfs, "pass", "loc", "pci:0:3.0=pci:1:0.0"));
        assertTrue(group.getMessage().contains("IOMMU group 7 is not viable"), group.getMessage());
        kernel.viable = true;
        ConfigException bus = assertThrows(ConfigException.class, () -> live("b", sysfs, "pass", "loc", "pci:1:3.0=pci:1:0.0"));
        assertTrue(bus.getMessage().contains("PCI devices sit on bus 0"), bus.getMessage());
        ConfigException taken = assertThrows(ConfigException.class,
                () -> live("t", sysfs, "vdev", "virtio-entropy", "loc", "pci:0:3", "pass", "loc", "pci:0:3.0=pci:1:0.0"));
        assertTrue(taken.getMessage().contains("is taken"), taken.getMessage());
        assertTrue(kernel.openDescriptors().isEmpty(), "every refusal closes what it opened: " + kernel.openDescriptors());
    }

    @Test
    void dryrunOpensNothing() {
        try (Assembly a = VmBuilder.assemble(QvmConf.parse(List.of(ARM[0], ARM[1], ARM[2], ARM[3], "vdev", "gic",
                "pass", "loc", "pci:0:3.0=pci:1:0.0"), dir), List.of(), true)) {
            assertTrue(a.bootNotes().stream().anyMatch(n -> n.startsWith("pass: PCI pci:1:0.0 -> guest pci:0:3.0")), a.bootNotes().toString());
        }
        assertTrue(kernel.calls.isEmpty());
    }
}
