package io.jqvm.accel.kvm;

import io.jqvm.accel.GuestFault;
import io.jqvm.accel.GuestIo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * A fake bus: records every access the accelerator hands back, answers reads from per-address suppliers
 * (all ones when none is set, like an unclaimed bus), and faults accesses to chosen ports.
 */
class RecordingGuestIo implements GuestIo {
    /** One access as the accelerator reported it. */
    record Access(String kind, long address, int size, long value) {
        static Access pioWrite(long port, int size, long value) {
            return new Access("pio-write", port, size, value);
        }

        static Access pioRead(long port, int size, long value) {
            return new Access("pio-read", port, size, value);
        }

        static Access mmioWrite(long address, int size, long value) {
            return new Access("mmio-write", address, size, value);
        }

        static Access mmioRead(long address, int size, long value) {
            return new Access("mmio-read", address, size, value);
        }
    }

    private final List<Access> accesses = new ArrayList<>();
    private final Map<Long, LongSupplier> pioAnswers = new HashMap<>();
    private final Map<Long, LongSupplier> mmioAnswers = new HashMap<>();
    private final Set<Integer> faultingPorts = new HashSet<>();

    RecordingGuestIo answerPio(int port, LongSupplier value) {
        pioAnswers.put((long) port, value);
        return this;
    }

    RecordingGuestIo answerMmio(long address, LongSupplier value) {
        mmioAnswers.put(address, value);
        return this;
    }

    RecordingGuestIo faultPort(int port) {
        faultingPorts.add(port);
        return this;
    }

    synchronized List<Access> accesses() {
        return List.copyOf(accesses);
    }

    private static long mask(int size, long value) {
        return size >= 8 ? value : value & ((1L << (8 * size)) - 1);
    }

    @Override
    public synchronized long mmioRead(int vcpu, long address, int size) {
        long value = mask(size, mmioAnswers.getOrDefault(address, () -> -1L).getAsLong());
        accesses.add(Access.mmioRead(address, size, value));
        return value;
    }

    @Override
    public synchronized void mmioWrite(int vcpu, long address, int size, long value) {
        accesses.add(Access.mmioWrite(address, size, value));
    }

    @Override
    public synchronized long pioRead(int vcpu, int port, int size) {
        if (faultingPorts.contains(port)) {
            throw GuestFault.INSTANCE;
        }
        long value = mask(size, pioAnswers.getOrDefault((long) port, () -> -1L).getAsLong());
        accesses.add(Access.pioRead(port, size, value));
        return value;
    }

    @Override
    public synchronized void pioWrite(int vcpu, int port, int size, long value) {
        accesses.add(Access.pioWrite(port, size, value));
        if (faultingPorts.contains(port)) {
            throw GuestFault.INSTANCE;
        }
    }

    @Override
    public boolean hypercall(int vcpu, boolean smc, int imm, HypercallRegisters regs) {
        throw new AssertionError("x86 guests make no AArch64 hypercalls");
    }
}
