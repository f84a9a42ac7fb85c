package io.jqvm.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.GuestFault;
import io.jqvm.common.ExitStatus;
import io.jqvm.device.Bus;
import io.jqvm.device.BusDevice;
import io.jqvm.device.VmControl;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IoDispatcherTest {
    /** Remembers accesses as "r/w offset size value". */
    static final class Recorder implements BusDevice {
        final List<String> accesses = new ArrayList<>();

        @Override
        public long read(int vcpu, long offset, int size) {
            accesses.add("vCPU " + vcpu + " r " + offset + " " + size);
            return 0x1234;
        }

        @Override
        public void write(int vcpu, long offset, int size, long value) {
            accesses.add("vCPU " + vcpu + " w " + offset + " " + size + " " + value);
        }
    }

    static final class Control implements VmControl {
        ExitStatus status;
        String reason;

        @Override
        public void shutdown(ExitStatus status, String reason) {
            this.status = status;
            this.reason = reason;
        }

        @Override
        public void reset(String reason) {
            this.reason = reason;
        }
    }

    private final Recorder uart = new Recorder();
    private final Recorder rtc = new Recorder();
    private final Control control = new Control();

    private IoDispatcher dispatcher(UnsupportedPolicy policy) {
        Bus mmio = new Bus();
        Bus pio = new Bus();
        mmio.register(0x09000000L, 0x1000, uart, "pl011");
        pio.register(0x70, 2, rtc, "mc146818");
        return new IoDispatcher(mmio, pio, policy, control);
    }

    @Test
    void accessesReachTheOwningDeviceAtTheirOffsetWithTheAccessingVcpu() {
        IoDispatcher io = dispatcher(UnsupportedPolicy.IGNORE);
        assertEquals(0x1234, io.mmioRead(0, 0x09000018L, 4));
        io.mmioWrite(1, 0x09000000L, 1, 'A');
        io.pioWrite(3, 0x71, 1, 7);
        assertEquals(List.of("vCPU 0 r 24 4", "vCPU 1 w 0 1 65"), uart.accesses);
        assertEquals(List.of("vCPU 3 w 1 1 7"), rtc.accesses);
    }

    @Test
    void ignoredAccessesReadAllOnesOfTheirSize() {
        IoDispatcher io = dispatcher(UnsupportedPolicy.IGNORE);
        assertEquals(0xff, io.pioRead(0, 0x80, 1));
        assertEquals(0xffff, io.pioRead(0, 0x80, 2));
        assertEquals(0xffffffffL, io.mmioRead(0, 0xd0000000L, 4));
        assertEquals(-1L, io.mmioRead(0, 0xd0000000L, 8));
        io.mmioWrite(0, 0x09000ffeL, 4, 1); // crosses the end of the UART window: reaches nobody
        assertTrue(uart.accesses.isEmpty());
        assertEquals(5, io.unclaimedAccesses());
        assertNull(control.status);
    }

    @Test
    void failPolicyFaultsTheGuest() {
        IoDispatcher io = dispatcher(UnsupportedPolicy.FAIL);
        assertSame(GuestFault.INSTANCE, assertThrows(GuestFault.class, () -> io.mmioRead(0, 0x0, 4)));
        assertThrows(GuestFault.class, () -> io.pioWrite(0, 0x80, 1, 0));
    }

    @Test
    void abortPolicyEndsTheVmNamingTheAccess() {
        IoDispatcher io = dispatcher(UnsupportedPolicy.ABORT);
        io.mmioWrite(2, 0xd0000000L, 4, 0xdead);
        assertEquals(ExitStatus.UNSUPPORTED, control.status);
        assertTrue(control.reason.contains("vCPU 2") && control.reason.contains("0xd0000000")
                && control.reason.contains("0xdead"), control.reason);
    }

    @Test
    void hypercallsWithoutFirmwareAnswerUnknownFunction() {
        IoDispatcher io = dispatcher(UnsupportedPolicy.IGNORE);
        long[] regs = {0x84000000L};
        boolean continues = io.hypercall(0, false, 0, new io.jqvm.accel.GuestIo.HypercallRegisters() {
            @Override
            public long get(int n) {
                return regs[n];
            }

            @Override
            public void set(int n, long value) {
                regs[n] = value;
            }
        });
        assertTrue(continues);
        assertEquals(-1L, regs[0]);
    }
}
