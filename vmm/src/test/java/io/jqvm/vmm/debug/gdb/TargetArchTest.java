package io.jqvm.vmm.debug.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Registers;
import io.jqvm.accel.X86Registers;
import io.jqvm.common.Arch;
import org.junit.jupiter.api.Test;

/**
 * The register layouts of the target descriptions and the conversion from and to the vCPU's registers. (gdb 13
 * itself read both descriptions: {@code set tdesc filename} then {@code maint print remote-registers} numbers the
 * x86-64 one 0-58 with fs_base and gs_base at byte offsets 536 and 544 of the {@code g} packet, as here.)
 */
class TargetArchTest {
    private static final TargetArch A64 = TargetArch.of(Arch.AARCH64);
    private static final TargetArch X86 = TargetArch.of(Arch.X86_64);

    private static X86Registers x86() {
        long[] gpr = new long[16];
        for (int i = 0; i < 16; i++) {
            gpr[i] = 0x100 + i; // in encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8-r15
        }
        return new X86Registers(gpr, 0xFFFF_FFFF_8100_0000L, 0x246, new int[] {0x18, 0x10, 0x18, 0x18, 0, 0},
                0x7000, 0x8000, 0x8005_0033L, 0x1000, 0x20, 0xD01);
    }

    @Test
    void aarch64IsTheCoreFeatureX0ToCpsr() {
        assertEquals(34, A64.registers().size());
        assertEquals("cpsr", A64.registers().get(33).name());
        long[] x = new long[31];
        x[30] = 0x4020_10D8L;
        A64Registers r = new A64Registers(x, 0x4020_7000L, 0x4020_1074L, 0x8000_03C5L);
        String g = A64.encodeAll(r);
        assertEquals(31 * 16 + 16 + 16 + 8, g.length());
        assertEquals("7410204000000000", A64.encode(r, 32));
        assertEquals("c5030080", A64.encode(r, 33));
        assertEquals(r, A64.decodeAll(r, g));
        assertNull(A64.decodeAll(r, g + "00"), "one byte too many");
        assertNull(A64.decode(r, 32, "74102040"), "too short for a 64-bit register");
        assertNull(A64.decode(r, 34, "00000000"));
    }

    @Test
    void x86GeneralRegistersAreInGdbsOrderNotTheEncodingOrder() {
        X86Registers r = x86();
        assertEquals(59, X86.registers().size());
        assertEquals("0301000000000000", X86.encode(r, 1), "gdb's register 1 is rbx (encoding 3)");
        assertEquals("0401000000000000", X86.encode(r, 7), "gdb's register 7 is rsp (encoding 4)");
        assertEquals("00000081ffffffff", X86.encode(r, 16), "rip");
        assertEquals("10000000", X86.encode(r, 18), "cs");
        assertEquals("00000000000000000000", X86.encode(r, 24), "st0: not reported, zero");
        assertEquals("0070000000000000", X86.encode(r, 57), "fs_base");
        X86Registers written = (X86Registers) X86.decode(r, 3, "efbeadde00000000");
        assertEquals(0xDEADBEEFL, written.gpr(X86Registers.RDX));
        assertEquals(r.cr3(), written.cr3(), "control registers stay the vCPU's");
        assertEquals(r, X86.decodeAll(r, X86.encodeAll(r)));
        assertTrue(X86.targetXml().contains("<architecture>i386:x86-64</architecture>"));
        assertTrue(X86.breakpointKind(1) && !X86.breakpointKind(4) && A64.breakpointKind(4));
    }
}
