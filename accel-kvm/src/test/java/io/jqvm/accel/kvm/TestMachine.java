package io.jqvm.accel.kvm;

import io.jqvm.accel.EntryState;
import io.jqvm.accel.MachineSpec;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.Arch;
import io.jqvm.memory.GuestMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A KVM VM for one test: 512 KiB of RAM at 0 (plus any extra regions), a {@link RecordingGuestIo}, and
 * vCPUs run on their own platform threads with a time limit, as the VMM runs them.
 */
final class TestMachine implements AutoCloseable {
    static final long RAM_BYTES = 512 << 10;
    static final long CODE = 0x1000;
    static final Duration TIME_LIMIT = Duration.ofSeconds(20);

    final GuestMemory memory;
    final RecordingGuestIo io;
    final VirtualMachine vm;

    private TestMachine(GuestMemory memory, RecordingGuestIo io, VirtualMachine vm) {
        this.memory = memory;
        this.io = io;
        this.vm = vm;
    }

    static TestMachine create(RecordingGuestIo io) {
        return create(io, List.of(), 1, false, false);
    }

    static TestMachine create(RecordingGuestIo io, List<GuestMemory.RegionSpec> extraRegions, int vcpus,
                              boolean irqChip, boolean pit) {
        List<GuestMemory.RegionSpec> regions = new ArrayList<>();
        regions.add(new GuestMemory.RegionSpec(0, RAM_BYTES, false, "ram"));
        regions.addAll(extraRegions);
        GuestMemory memory = GuestMemory.allocate(regions);
        try {
            MachineSpec spec = new MachineSpec("test", Arch.X86_64, memory, vcpus, irqChip, pit, irqChip ? 0xfec00000L : 0, false);
            return new TestMachine(memory, io, new KvmAccelerator().create(spec, io));
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /** A vCPU running on its own platform thread. */
    record Running(Vcpu vcpu, Thread thread, CompletableFuture<VcpuExit> exit) {
        VcpuExit awaitExit() {
            try {
                return exit.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                vcpu.requestStop();
                return fail("vCPU " + vcpu.index() + " still running after " + TIME_LIMIT);
            } catch (ExecutionException e) {
                throw new AssertionError("vCPU " + vcpu.index() + " failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Starts vCPU {@code index} on a new platform thread, from {@code entry} (null: no entry state set). */
    Running start(int index, EntryState entry) {
        Vcpu vcpu = vm.vcpu(index);
        CompletableFuture<VcpuExit> exit = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("test-vcpu" + index).start(() -> {
            try {
                if (entry != null) {
                    vcpu.setEntry(entry);
                }
                exit.complete(vcpu.run());
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        });
        return new Running(vcpu, thread, exit);
    }

    /** Loads {@code code} at {@link #CODE} and runs vCPU 0 from {@code entry} until it exits. */
    VcpuExit run(EntryState entry, byte[] code) {
        memory.load(CODE, code);
        return start(0, entry).awaitExit();
    }

    @Override
    public void close() {
        vm.close();
        memory.close();
    }

    /** Guest code from byte values written as ints, so listings read as assembler bytes. */
    static byte[] code(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return b;
    }
}
