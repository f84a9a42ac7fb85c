package io.jqvm.accel.kvm;

import io.jqvm.accel.GuestIo;
import io.jqvm.accel.MachineSpec;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.accel.X86Entry;
import io.jqvm.common.Arch;
import io.jqvm.memory.GuestMemory;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A measurement, not a test: the wall time per port-I/O exit of the run loop (a guest doing N
 * {@code out} instructions, including the guest's own loop instructions) and the latency of
 * {@code requestStop} on a spinning guest. Run from the module directory after {@code mvn test}:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes:../common/target/classes:\
 * ../host/target/classes:../memory/target/classes:../device-api/target/classes:../accel-api/target/classes \
 * io.jqvm.accel.kvm.PioExitCost [exits-per-round] [rounds]
 * </pre>
 */
public final class PioExitCost {
    private PioExitCost() {
    }

    public static void main(String[] args) throws Exception {
        int exits = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        GuestIo sink = new GuestIo() {
            @Override
            public long mmioRead(int vcpu, long address, int size) {
                return -1;
            }

            @Override
            public void mmioWrite(int vcpu, long address, int size, long value) {
            }

            @Override
            public long pioRead(int vcpu, int port, int size) {
                return -1;
            }

            @Override
            public void pioWrite(int vcpu, int port, int size, long value) {
            }

            @Override
            public boolean hypercall(int vcpu, boolean smc, int imm, HypercallRegisters regs) {
                return false;
            }
        };
        try (GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0, 1 << 20, false, "ram")));
             VirtualMachine vm = new KvmAccelerator().create(
                     new MachineSpec("measure", Arch.X86_64, memory, 1, false, false, 0, false), sink)) {
            Vcpu vcpu = vm.vcpu(0);
            memory.load(0x1000, TestMachine.code(
                    0xB9, exits & 0xff, exits >>> 8 & 0xff, exits >>> 16 & 0xff, exits >>> 24, // mov ecx, exits
                    0xE6, 0x80,                                                              // out 0x80, al
                    0x49,                                                                    // dec ecx
                    0x75, 0xFB,                                                              // jnz out
                    0xF4));                                                                  // hlt
            X86Entry entry = new X86Entry(X86Entry.Mode.PROTECTED32, 0x1000, 0x8000, 0, 0, 0, 0, 0, 0);
            double[] nsPerExit = new double[rounds + 1];
            for (int r = 0; r <= rounds; r++) { // round 0 warms the JIT up and is not counted
                CompletableFuture<Long> took = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> {
                    vcpu.setEntry(entry);
                    long start = System.nanoTime();
                    VcpuExit exit = vcpu.run();
                    took.complete(exit == VcpuExit.HALTED ? System.nanoTime() - start : -1);
                });
                nsPerExit[r] = took.get(10, TimeUnit.MINUTES) / (double) exits;
            }
            double[] counted = Arrays.copyOfRange(nsPerExit, 1, nsPerExit.length);
            Arrays.sort(counted);
            System.out.printf("PIO exit round trip: median %.0f ns/exit (min %.0f, max %.0f) over %d rounds of %d exits%n",
                    counted[counted.length / 2], counted[0], counted[counted.length - 1], rounds, exits);

            memory.load(0x1000, TestMachine.code(0xEB, 0xFE)); // jmp $
            long[] stopUs = new long[101];
            for (int i = 0; i < stopUs.length; i++) {
                CompletableFuture<Long> stoppedAt = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> {
                    vcpu.setEntry(entry);
                    vcpu.run();
                    stoppedAt.complete(System.nanoTime());
                });
                Thread.sleep(5);
                long asked = System.nanoTime();
                vcpu.requestStop();
                stopUs[i] = (stoppedAt.get(10, TimeUnit.SECONDS) - asked) / 1000;
            }
            Arrays.sort(stopUs);
            System.out.printf("requestStop to Stopped on a spinning guest: median %d us, p90 %d us, max %d us (%d stops)%n",
                    stopUs[stopUs.length / 2], stopUs[stopUs.length * 9 / 10], stopUs[stopUs.length - 1], stopUs.length);
        }
    }
}
