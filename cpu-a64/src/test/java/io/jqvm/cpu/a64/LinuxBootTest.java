package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.VcpuExit;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Boots a real arm64 Linux kernel on two vCPUs with a bare-bones GICv2, PL011 transmitter and PSCI,
 * without a root file system: reaching "VFS: Unable to mount root fs" means early MMU setup, exceptions,
 * the timer interrupt, secondary bring-up through PSCI CPU_ON and IPIs all worked. Runs only when
 * {@code JQVM_A64_KERNEL} names an uncompressed arm64 {@code Image} (e.g. Debian's vmlinuz-6.1.0-*-arm64).
 */
class LinuxBootTest {
    private static final long RAM = 0x4000_0000L;
    private static final long RAM_SIZE = 256L << 20;
    private static final long KERNEL = RAM + 0x20_0000L;
    private static final long DTB = RAM + 0x800_0000L;
    private static final int CPUS = 2;

    private static final String DTS = """
            /dts-v1/;
            / {
              #address-cells = <2>; #size-cells = <2>;
              compatible = "linux,dummy-virt";
              interrupt-parent = <&gic>;
              chosen { bootargs = "console=ttyAMA0 earlycon=pl011,0x09000000 nokaslr cryptomgr.notests"; stdout-path = "/pl011@9000000"; };
              memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x10000000>; };
              cpus { #address-cells = <1>; #size-cells = <0>;
                cpu@0 { device_type = "cpu"; compatible = "arm,armv8"; reg = <0>; enable-method = "psci"; };
                cpu@1 { device_type = "cpu"; compatible = "arm,armv8"; reg = <1>; enable-method = "psci"; }; };
              psci { compatible = "arm,psci-0.2"; method = "hvc"; };
              timer { compatible = "arm,armv8-timer"; interrupts = <1 13 0x104>, <1 14 0x104>, <1 11 0x104>, <1 10 0x104>; always-on; };
              gic: intc@8000000 { compatible = "arm,cortex-a15-gic"; interrupt-controller; #interrupt-cells = <3>; #address-cells = <0>;
                reg = <0 0x08000000 0 0x10000>, <0 0x08010000 0 0x10000>; };
              clk: apb-pclk { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <24000000>; clock-output-names = "clk24mhz"; };
              pl011@9000000 { compatible = "arm,pl011", "arm,primecell"; reg = <0 0x09000000 0 0x1000>; interrupts = <0 1 4>;
                clocks = <&clk>, <&clk>; clock-names = "uartclk", "apb_pclk"; };
            };
            """;

    /** GICv2 reduced to what Linux probes: banked SGI/PPI enables, SGIs, level PPIs, acknowledge and EOI. */
    private static final class Board implements GuestIo {
        private static final int LINES = 64;
        private static final int SPURIOUS = 1023;
        private final A64Cpu[] cpus = new A64Cpu[CPUS];
        private final boolean[][] level = new boolean[CPUS][LINES];
        private final boolean[][] enabled = new boolean[CPUS][LINES];
        private final boolean[][] active = new boolean[CPUS][LINES];
        private final int[] cpuControl = new int[CPUS];
        private int distributorControl;
        private final StringBuilder console = new StringBuilder();
        private volatile boolean panicked;

        /** SGIs and PPIs are banked per CPU; SPIs all go to CPU 0. */
        private int bank(int cpu, int irq) {
            return irq < 32 ? cpu : 0;
        }

        private boolean deliverable(int cpu, int irq) {
            int b = bank(cpu, irq);
            return (irq < 32 || cpu == 0) && level[b][irq] && enabled[b][irq] && !active[cpu][irq];
        }

        private void update() {
            for (int c = 0; c < CPUS; c++) {
                boolean pending = false;
                if ((distributorControl & 1) != 0 && (cpuControl[c] & 1) != 0) {
                    for (int i = 0; i < LINES && !pending; i++) {
                        pending = deliverable(c, i);
                    }
                }
                cpus[c].irqPin().set(pending);
            }
        }

        synchronized void setLevel(int cpu, int irq, boolean asserted) {
            level[cpu][irq] = asserted;
            update();
        }

        @Override
        public synchronized long mmioRead(int vcpu, long address, int size) {
            if (address >= 0x0900_0000L && address < 0x0900_1000L) {
                return switch ((int) (address - 0x0900_0000L)) {
                    case 0x18 -> 0x90; // FR: transmit and receive FIFOs empty
                    case 0xFE0 -> 0x11;
                    case 0xFE4 -> 0x10;
                    case 0xFE8 -> 0x34;
                    case 0xFF0 -> 0x0D;
                    case 0xFF4 -> 0xF0;
                    case 0xFF8 -> 0x05;
                    case 0xFFC -> 0xB1;
                    default -> 0;
                };
            }
            if (address >= 0x0800_0000L && address < 0x0801_0000L) {
                int offset = (int) (address - 0x0800_0000L);
                if (offset == 0) {
                    return distributorControl;
                }
                if (offset == 4) {
                    return 1 | (CPUS - 1) << 5; // 64 lines
                }
                if (offset >= 0x100 && offset < 0x108) {
                    int first = (offset - 0x100) * 8;
                    long bits = 0;
                    for (int i = 0; i < 32; i++) {
                        bits |= enabled[bank(vcpu, first + i)][first + i] ? 1L << i : 0;
                    }
                    return bits;
                }
                if (offset >= 0x800 && offset < 0x820) {
                    return 0x01010101L << vcpu; // ITARGETSR of the banked lines: this CPU
                }
                return 0;
            }
            if (address == 0x0801_000CL) {
                for (int i = 0; i < LINES; i++) {
                    if (deliverable(vcpu, i)) {
                        active[vcpu][i] = true;
                        if (i < 16) {
                            level[vcpu][i] = false; // an SGI is consumed by its acknowledge
                        }
                        update();
                        return i;
                    }
                }
                return SPURIOUS;
            }
            if (address == 0x0801_0000L) {
                return cpuControl[vcpu];
            }
            return 0;
        }

        @Override
        public synchronized void mmioWrite(int vcpu, long address, int size, long value) {
            if (address == 0x0900_0000L) {
                console.append((char) (value & 0xFF));
                if (console.indexOf("end Kernel panic") >= 0) {
                    panicked = true;
                    for (A64Cpu cpu : cpus) {
                        cpu.requestStop();
                    }
                }
                return;
            }
            if (address >= 0x0800_0000L && address < 0x0801_0000L) {
                int offset = (int) (address - 0x0800_0000L);
                if (offset == 0) {
                    distributorControl = (int) value;
                } else if (offset >= 0x100 && offset < 0x108 || offset >= 0x180 && offset < 0x188) {
                    int first = (offset & 0x7) * 8;
                    boolean enable = offset < 0x180; // ISENABLERn sets, ICENABLERn clears
                    for (int i = 0; i < 32; i++) {
                        if ((value >>> i & 1) != 0) {
                            enabled[bank(vcpu, first + i)][first + i] = enable;
                        }
                    }
                } else if (offset == 0xF00) {
                    int filter = (int) (value >>> 24) & 3;
                    int targets = (int) (value >>> 16) & 0xFF;
                    for (int c = 0; c < CPUS; c++) {
                        boolean hit = filter == 0 ? (targets >>> c & 1) != 0 : filter == 1 ? c != vcpu : c == vcpu;
                        if (hit) {
                            level[c][(int) value & 15] = true;
                        }
                    }
                }
                update();
                return;
            }
            if (address == 0x0801_0000L) {
                cpuControl[vcpu] = (int) value;
            } else if (address == 0x0801_0010L && (value & 0x3FF) < LINES) {
                active[vcpu][(int) value & 0x3FF] = false;
            }
            update();
        }

        @Override
        public long pioRead(int vcpu, int port, int size) {
            throw new UnsupportedOperationException("no port I/O on AArch64");
        }

        @Override
        public void pioWrite(int vcpu, int port, int size, long value) {
            throw new UnsupportedOperationException("no port I/O on AArch64");
        }

        @Override
        public boolean hypercall(int vcpu, boolean smc, int imm, HypercallRegisters regs) {
            long function = regs.get(0);
            if (function == 0xC4000003L) { // CPU_ON
                A64Cpu target = cpus[(int) regs.get(1)];
                long entry = regs.get(2);
                long context = regs.get(3);
                Thread.ofPlatform().daemon().name("vcpu" + target.index()).start(() -> {
                    target.setEntry(new A64Entry(entry, context, 0, 0, 0));
                    target.run();
                });
                regs.set(0, 0);
                return true;
            }
            regs.set(0, switch ((int) function) {
                case 0x84000000 -> 2; // PSCI 0.2
                case 0x84000006 -> 2; // no trusted OS
                case 0xC4000004 -> 0; // AFFINITY_INFO: on
                default -> -1;
            });
            return function != 0x84000008L && function != 0x84000009L;
        }
    }

    @Test
    void debianKernelBootsToTheRootMountOnTwoVcpus() throws Exception {
        String image = System.getenv("JQVM_A64_KERNEL");
        assumeTrue(image != null && Files.isReadable(Path.of(image)), "set JQVM_A64_KERNEL to an arm64 Image");
        Board board = new Board();
        GuestMemory memory = GuestMemory.wrap(List.of(new GuestRegion(RAM, RAM_SIZE, false,
                Arena.ofAuto().allocate(RAM_SIZE, 4096), "ram")));
        memory.load(KERNEL, Files.readAllBytes(Path.of(image)));
        memory.load(DTB, compileDeviceTree());
        A64Machine machine = new A64Machine(memory, CPUS, board, new ExitCounters());
        for (int c = 0; c < CPUS; c++) {
            int cpu = c;
            board.cpus[c] = machine.cpu(c);
            board.cpus[c].connectTimers(level -> board.setLevel(cpu, 30, level), level -> board.setLevel(cpu, 27, level));
        }
        A64Cpu boot = board.cpus[0];
        boot.setEntry(new A64Entry(KERNEL, DTB, 0, 0, 0));
        CompletableFuture<VcpuExit> exit = CompletableFuture.supplyAsync(boot::run);
        try {
            exit.get(300, TimeUnit.SECONDS);
        } finally {
            boot.requestStop();
            System.out.println(board.console);
        }
        String log = board.console.toString();
        assertTrue(board.panicked && log.contains("VFS: Unable to mount root fs"), boot::registerDump);
        assertTrue(log.contains("SMP: Total of 2 processors activated"));
        assertEquals(0, boot.undefinedInstructions() + board.cpus[1].undefinedInstructions());
    }

    private static byte[] compileDeviceTree() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jqvm-dtb-");
        try {
            Files.writeString(dir.resolve("virt.dts"), DTS);
            Process p = new ProcessBuilder("dtc", "-I", "dts", "-O", "dtb", "-o", "virt.dtb", "virt.dts")
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, output);
            return Files.readAllBytes(dir.resolve("virt.dtb"));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
