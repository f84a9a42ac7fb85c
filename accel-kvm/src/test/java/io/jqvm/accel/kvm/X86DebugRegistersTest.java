package io.jqvm.accel.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.VcpuExit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A debugger's requests as x86 debug registers (Intel SDM vol. 3, 18.2), apart from KVM. */
class X86DebugRegistersTest {
    private static final GuestDebug.Watchpoint WRITE8 = new GuestDebug.Watchpoint(0x2000, 8, GuestDebug.Access.WRITE);
    private static final GuestDebug.Watchpoint ACCESS2 = new GuestDebug.Watchpoint(0x3002, 2, GuestDebug.Access.ACCESS);

    @Test
    void breakpointsAndWatchpointsFillDr0ToDr3AndDr7() {
        X86DebugRegisters r = X86DebugRegisters.of(new GuestDebug(false, List.of(0x1000L), List.of(0x1100L),
                List.of(WRITE8, ACCESS2)));
        assertArrayEquals(new long[] {0x1000, 0x1100, 0x2000, 0x3002}, r.addresses());
        long g = 2 | 2 << 2 | 2 << 4 | 2 << 6;
        long rw = 1L << (16 + 8) | 3L << (16 + 12);
        long len = 2L << (18 + 8) | 1L << (18 + 12);
        assertEquals(0x600 | g | rw | len, r.dr7());
    }

    @Test
    void dr6SaysWhichSlotFiredOrThatAStepEnded() {
        X86DebugRegisters r = X86DebugRegisters.of(new GuestDebug(true, List.of(0x1000L), List.of(), List.of(WRITE8)));
        assertEquals(new VcpuExit.Debug(GuestDebug.Cause.BREAKPOINT, null, 0), r.stop(0xFFFF0FF1L));
        assertEquals(new VcpuExit.Debug(GuestDebug.Cause.WATCHPOINT, WRITE8, 0x2000), r.stop(0xFFFF0FF2L));
        assertEquals(new VcpuExit.Debug(GuestDebug.Cause.STEP, null, 0), r.stop(0xFFFF4FF0L));
    }

    @Test
    void whatTheDebugRegistersCannotHoldIsRefusedWithTheReason() {
        assertNull(X86DebugRegisters.problem(GuestDebug.NONE));
        assertEquals("x86 has 4 debug registers for breakpoints and watchpoints together, not 5",
                X86DebugRegisters.problem(new GuestDebug(false, List.of(1L, 2L, 3L), List.of(4L, 5L), List.of())));
        assertEquals("x86 debug registers cannot watch reads alone (use an access watchpoint)",
                X86DebugRegisters.problem(new GuestDebug(false, List.of(), List.of(),
                        List.of(new GuestDebug.Watchpoint(0x10, 4, GuestDebug.Access.READ)))));
        assertEquals("x86 watches 1, 2, 4 or 8 bytes at an address aligned to their length, not 4 at 0x12",
                X86DebugRegisters.problem(new GuestDebug(false, List.of(), List.of(),
                        List.of(new GuestDebug.Watchpoint(0x12, 4, GuestDebug.Access.WRITE)))));
        assertEquals("x86 watches 1, 2, 4 or 8 bytes at an address aligned to their length, not 3 at 0x10",
                X86DebugRegisters.problem(new GuestDebug(false, List.of(), List.of(),
                        List.of(new GuestDebug.Watchpoint(0x10, 3, GuestDebug.Access.WRITE)))));
        assertThrows(IllegalArgumentException.class, () -> X86DebugRegisters.of(new GuestDebug(false, List.of(), List.of(),
                List.of(new GuestDebug.Watchpoint(0x10, 3, GuestDebug.Access.WRITE)))));
    }
}
