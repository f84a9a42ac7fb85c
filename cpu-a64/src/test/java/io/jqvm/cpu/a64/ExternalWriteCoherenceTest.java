package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.MachineSpec;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.accel.soft.SoftAccelerator;
import io.jqvm.host.Libc;
import io.jqvm.memory.GuestMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guest RAM another process can write (a vhost-user back end maps its memfd): no write listener sees those
 * writes, so the CPU must not promise coherence it cannot keep. CTR_EL0 then reads without DIC and IDC, as a
 * real Cortex-A57's, and the guest's own maintenance (DC CVAU, IC IVAU, ISB) makes rewritten code run. The
 * "other process" here is a second shared mapping of the memfd, written while the guest waits at a doorbell.
 * The same holds for memory mapped while the guest runs that peers write (qvm's shmem regions): the machine is
 * told so when it is made, before the guest can read CTR_EL0.
 */
class ExternalWriteCoherenceTest {
    private static final long DIC_IDC = 3L << 28;
    private static final int ADD_HUNDRED = 0x91019063; // add x3, x3, #100

    private static final String PROGRAM = """
                mrs x4, ctr_el0
                mov x3, #0
                adr x5, patched
                bl patched                       // decoded (and, with the compiler, possibly compiled) once
                bl patched
                mov x1, #0x09000000
                str wzr, [x1, #0x100]            // doorbell: the other process rewrites patched
            %s
                bl patched
            """ + IntegerInstructionsTest.OFF + """
            patched:
                add x3, x3, #1
                ret
            """;

    private static final String MAINTENANCE = """
                dc cvau, x5
                dsb ish
                ic ivau, x5
                dsb ish
                isb
            """;

    private static long[] run(String program, int jitThreshold) {
        try (GuestMemory memory = GuestMemory.allocate(List.of(
                new GuestMemory.RegionSpec(TestBoard.RAM, TestBoard.RAM_SIZE, false, "ram")), true)) {
            TestBoard board = new TestBoard(memory, 1, jitThreshold);
            memory.load(TestBoard.RAM, GuestAssembler.assemble(program, TestBoard.RAM));
            MemorySegment other = Libc.mmap(TestBoard.RAM_SIZE, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED,
                    memory.sharedRegions().getFirst().fd(), 0);
            try {
                board.doorbell = () -> other.set(ValueLayout.JAVA_INT_UNALIGNED, board.cpu().x(5) - TestBoard.RAM, ADD_HUNDRED);
                assertEquals(VcpuExit.POWERED_OFF, board.run());
                return new long[] {board.cpu().x(3), board.cpu().x(4)};
            } finally {
                Libc.munmap(other);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void theGuestIsToldToMaintainCachesAndItsMaintenanceRunsTheNewCode(int jitThreshold) {
        long[] result = run(PROGRAM.formatted(MAINTENANCE), jitThreshold);
        assertEquals(0, result[1] & DIC_IDC, "CTR_EL0 " + Long.toHexString(result[1]));
        assertEquals(102, result[0]);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void withoutMaintenanceTheDecodedCodeRunsStale(int jitThreshold) {
        // What DIC = 1 would have let the guest expect does not hold: the CPU never saw the write.
        assertEquals(3, run(PROGRAM.formatted(""), jitThreshold)[0]);
    }

    /** Where the run-time mapping goes: above the test board's RAM, as a shmem window is above a board's RAM. */
    private static final long PEER_REGION = 0x1_0000_0000L;

    /** As {@link #PROGRAM}, but the patched code lies in the region mapped at run time. */
    private static final String CALLS_PEER_CODE = """
                mrs x4, ctr_el0
                mov x3, #0
                movz x5, #1, lsl #32             // PEER_REGION
                blr x5
                blr x5
                mov x1, #0x09000000
                str wzr, [x1, #0x100]            // doorbell: the peer rewrites its region
            %s
                blr x5
            """ + IntegerInstructionsTest.OFF;

    /** Runs {@link #CALLS_PEER_CODE} on {@code cpu}, the peer's code mapped by {@code map}; returns x3 and x4. */
    private static long[] runPeerCode(TestBoard board, A64Cpu cpu, String maintenance,
                                      java.util.function.BiConsumer<Long, MemorySegment> map) {
        board.memory.load(TestBoard.RAM, GuestAssembler.assemble(CALLS_PEER_CODE.formatted(maintenance), TestBoard.RAM));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment peer = arena.allocate(4096, 4096); // another process's writes: invisible to the CPU
            peer.copyFrom(MemorySegment.ofArray(GuestAssembler.assemble("add x3, x3, #1\nret", PEER_REGION)));
            map.accept(PEER_REGION, peer);
            board.doorbell = () -> peer.set(ValueLayout.JAVA_INT_UNALIGNED, 0, ADD_HUNDRED);
            cpu.setEntry(new A64Entry(TestBoard.RAM, 0, 0, 0, 0));
            assertEquals(VcpuExit.POWERED_OFF, cpu.run());
            return new long[] {cpu.x(3), cpu.x(4)};
        }
    }

    private static long[] runPeerCode(String maintenance, int jitThreshold) {
        TestBoard board = new TestBoard(1);
        A64Machine machine = new A64Machine(board.memory, true, 1, board, new ExitCounters(), jitThreshold);
        return runPeerCode(board, machine.cpu(0), maintenance, (gpa, host) -> machine.mapMemory(gpa, host, false, "peer"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void codeInMemoryPeersWriteIsRefetchedAfterTheGuestsMaintenance(int jitThreshold) {
        long[] result = runPeerCode(MAINTENANCE, jitThreshold);
        assertEquals(0, result[1] & DIC_IDC, "CTR_EL0 " + Long.toHexString(result[1]));
        assertEquals(102, result[0]);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void codeInMemoryPeersWriteRunsStaleWithoutMaintenance(int jitThreshold) {
        assertEquals(3, runPeerCode("", jitThreshold)[0]);
    }

    @Test
    void instructionCacheInvalidateAllAlsoReachesPeerMappedCode() {
        assertEquals(102, runPeerCode("    ic iallu\n    dsb ish\n    isb\n", 1)[0]);
    }

    @Test
    void theSoftAcceleratorAsksForMaintenanceWhenTheMachineSpecSaysPeersMapMemory() {
        TestBoard board = new TestBoard(1);
        MachineSpec spec = new MachineSpec("t", io.jqvm.common.Arch.AARCH64, board.memory, 1, false, false, 0, true);
        try (VirtualMachine vm = new SoftAccelerator().create(spec, board)) {
            long[] result = runPeerCode(board, (A64Cpu) vm.vcpu(0), MAINTENANCE, vm::mapMemory);
            assertEquals(0, result[1] & DIC_IDC, "CTR_EL0 " + Long.toHexString(result[1]));
            assertEquals(102, result[0]);
        }
    }

    @Test
    void privateRamStillPromisesCoherence() {
        TestBoard board = TestBoard.withProgram("mrs x4, ctr_el0\n" + IntegerInstructionsTest.OFF);
        assertEquals(VcpuExit.POWERED_OFF, board.run());
        assertEquals(DIC_IDC, board.cpu().x(4) & DIC_IDC);
    }
}
