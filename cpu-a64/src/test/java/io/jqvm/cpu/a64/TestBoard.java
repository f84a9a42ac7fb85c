package io.jqvm.cpu.a64;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestFault;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.VcpuExit;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A tiny board for CPU tests: RAM at 0x40000000, a PL011-like data register at 0x09000000 capturing
 * bytes, a "doorbell" register at 0x09000100 calling back into the test, an MMIO window at 0x0A000000
 * that faults (GuestFault), and PSCI SYSTEM_OFF (x0 = 0x84000008 via HVC) ending the run.
 */
final class TestBoard implements GuestIo {
    static final long RAM = 0x4000_0000L;
    static final long RAM_SIZE = 16L << 20;
    static final long UART = 0x0900_0000L;
    static final long DOORBELL = 0x0900_0100L;
    static final long FAULTING = 0x0A00_0000L;
    static final long SYSTEM_OFF = 0x84000008L;

    final GuestMemory memory;
    final A64Machine machine;
    final ExitCounters counters = new ExitCounters();
    final StringBuilder uart = new StringBuilder();
    volatile Runnable doorbell = () -> { };
    /** Addresses of MMIO writes to no register of this board, in order. */
    final List<Long> otherWrites = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicBoolean watchdogFired = new AtomicBoolean();

    TestBoard(int vcpus) {
        this(vcpus, A64Machine.jitThresholdProperty());
    }

    /** A board with the given region-compiler threshold (0: interpret only). */
    TestBoard(int vcpus, int jitThreshold) {
        this(GuestMemory.wrap(List.of(new GuestRegion(RAM, RAM_SIZE, false, Arena.ofAuto().allocate(RAM_SIZE, 4096), "ram"))),
                vcpus, jitThreshold);
    }

    /** A board on the caller's memory, which must hold RAM_SIZE bytes of RAM at RAM. */
    TestBoard(GuestMemory memory, int vcpus, int jitThreshold) {
        this.memory = memory;
        machine = new A64Machine(memory, false, vcpus, this, counters, jitThreshold);
    }

    static TestBoard withProgram(String source) {
        TestBoard board = new TestBoard(1);
        board.memory.load(RAM, GuestAssembler.assemble(source, RAM));
        return board;
    }

    A64Cpu cpu() {
        return machine.cpu(0);
    }

    /** Runs vCPU 0 from the start of RAM; a watchdog stops a runaway guest after {@code seconds}. */
    VcpuExit run(int seconds) {
        A64Cpu cpu = cpu();
        cpu.setEntry(new A64Entry(RAM, 0, 0, 0, 0));
        Thread watchdog = Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(seconds * 1000L);
                watchdogFired.set(true);
                cpu.requestStop();
            } catch (InterruptedException e) {
                // the run finished first
            }
        });
        VcpuExit exit = cpu.run();
        watchdog.interrupt();
        return exit;
    }

    VcpuExit run() {
        return run(20);
    }

    @Override
    public long mmioRead(int vcpu, long address, int size) {
        if (address >= FAULTING && address < FAULTING + 0x1000) {
            throw GuestFault.INSTANCE;
        }
        return 0;
    }

    @Override
    public void mmioWrite(int vcpu, long address, int size, long value) {
        if (address == UART) {
            uart.append((char) (value & 0xFF));
        } else if (address == DOORBELL) {
            doorbell.run();
        } else if (address >= FAULTING && address < FAULTING + 0x1000) {
            throw GuestFault.INSTANCE;
        } else {
            otherWrites.add(address);
        }
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
        if (regs.get(0) == SYSTEM_OFF) {
            return false;
        }
        regs.set(0, -1); // NOT_SUPPORTED
        return true;
    }
}
