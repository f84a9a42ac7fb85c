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
    void aarch64IsTheCoreFeatureX0ToCpsrThenTheFpuFeatureV0ToFpcr() {
        assertEquals(68, A64.registers().size());
        assertEquals("cpsr", A64.registers().get(33).name());
        assertEquals("v0", A64.registers().get(34).name());
        assertEquals("fpcr", A64.registers().get(67).name());
        long[] x = new long[31];
        x[30] = 0x4020_10D8L;
        A64Registers r = new A64Registers(x, 0x4020_7000L, 0x4020_1074L, 0x8000_03C5L);
        String g = A64.encodeAll(r);
        assertEquals(31 * 16 + 16 + 16 + 8 + 32 * 32 + 8 + 8, g.length());
        assertEquals("7410204000000000", A64.encode(r, 32));
        assertEquals("c5030080", A64.encode(r, 33));
        assertEquals("0".repeat(32), A64.encode(r, 34), "v0 of a vCPU that never used FP/SIMD");
        assertEquals(r, A64.decodeAll(r, g));
        assertNull(A64.decodeAll(r, g + "00"), "one byte too many");
        assertNull(A64.decode(r, 32, "74102040"), "too short for a 64-bit register");
        assertNull(A64.decode(r, 34, "0".repeat(16)), "too short for a 128-bit register");
        assertNull(A64.decode(r, 68, "00000000"));
    }

    @Test
    void aarch64VRegistersAreLittleEndian128BitValuesAndFpsrFpcrThirtyTwoBits() {
        long[] v = new long[64];
        v[0] = 0x3FF8_0000_0000_0000L; // d0 = 1.5
        v[1] = 0x0123_4567_89AB_CDEFL;
        v[63] = 0x8000_0000_0000_0001L; // the high half of v31
        A64Registers r = new A64Registers(new long[31], 0, 0x4020_0000L, 0x3C5, v, 0x10, 0x0100_0000);
        assertEquals("000000000000f83fefcdab8967452301", A64.encode(r, 34));
        assertEquals("00000000000000000100000000000080", A64.encode(r, 65));
        assertEquals("10000000", A64.encode(r, 66), "fpsr: IXC");
        assertEquals("00000001", A64.encode(r, 67), "fpcr: FZ");
        A64Registers written = (A64Registers) A64.decode(r, 36, "88776655443322110000000000000080");
        assertEquals(0x1122_3344_5566_7788L, written.vLow(2));
        assertEquals(0x8000_0000_0000_0000L, written.vHigh(2));
        assertEquals(r.vLow(0), written.vLow(0), "the other V registers stay");
        assertEquals(0x0300_0000, ((A64Registers) A64.decode(r, 67, "00000003")).fpcr());
        assertEquals(r, A64.decodeAll(r, A64.encodeAll(r)), "G takes back what g gave");
        String xml = A64.targetXml();
        assertTrue(xml.contains("<feature name=\"org.gnu.gdb.aarch64.fpu\">") && xml.contains("<union id=\"aarch64v\">")
                && xml.contains("<reg name=\"v31\" bitsize=\"128\" type=\"aarch64v\" regnum=\"65\"/>"), xml);
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
