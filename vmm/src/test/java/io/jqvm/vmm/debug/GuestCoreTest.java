package io.jqvm.vmm.debug;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.accel.A64Registers;
import io.jqvm.accel.Registers;
import io.jqvm.accel.X86Registers;
import io.jqvm.common.Arch;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ELF core layout gdb reads; gdb itself reads one in the integration tests (it/…/system/GuestDumpTest). */
class GuestCoreTest {
    private static ByteBuffer core(Arch arch, List<Registers> vcpus, List<GuestRegion> memory) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        GuestCore.write(out, arch, vcpus, memory, 12);
        return ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void aarch64CoreHasANoteAndOneLoadSegmentPerRegionAtItsGuestPhysicalAddress() throws Exception {
        try (GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0x40000000L, 0x2000, false, "ram"),
                new GuestMemory.RegionSpec(0x50000000L, 0x1000, true, "rom")))) {
            memory.write(0x40001ff8L, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            long[] x = new long[31];
            x[0] = 0xabcdL;
            x[30] = 0x40000123L;
            ByteBuffer b = core(Arch.AARCH64, Arrays.asList(new A64Registers(x, 0x40001f00L, 0x40000100L, 0x3c5), null,
                    new A64Registers(new long[31], 0, 0x40000200L, 0x3c5)), memory.regions());
            assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1}, Arrays.copyOf(b.array(), 7));
            assertEquals(4, b.getShort(16), "ET_CORE");
            assertEquals(GuestCore.EM_AARCH64, b.getShort(18));
            assertEquals(3, b.getShort(56), "one note and two loads");
            // PT_NOTE: two prstatus notes (the vCPU that could not be read is left out), 20 + 392 bytes each.
            assertEquals(GuestCore.PT_NOTE, b.getInt(64));
            long notes = b.getLong(64 + 8);
            assertEquals(2 * (20 + 392), b.getLong(64 + 32));
            assertEquals(5, b.getInt((int) notes));
            assertEquals(392, b.getInt((int) notes + 4));
            assertEquals(GuestCore.NT_PRSTATUS, b.getInt((int) notes + 8));
            int desc = (int) notes + 20;
            assertEquals(12, b.getShort(desc + 12), "pr_cursig");
            assertEquals(1, b.getInt(desc + 32), "pr_pid: vCPU 0 is thread 1");
            assertEquals(0xabcdL, b.getLong(desc + 112));
            assertEquals(0x40000123L, b.getLong(desc + 112 + 30 * 8));
            assertEquals(0x40001f00L, b.getLong(desc + 112 + 31 * 8), "sp");
            assertEquals(0x40000100L, b.getLong(desc + 112 + 32 * 8), "pc");
            assertEquals(3, b.getInt(desc + 412 + 32), "the third vCPU keeps its thread id");
            // The loads, in region order, page-aligned in the file.
            int load = 64 + 56;
            assertEquals(GuestCore.PT_LOAD, b.getInt(load));
            long offset = b.getLong(load + 8);
            assertEquals(0, offset % 0x1000);
            assertEquals(0x40000000L, b.getLong(load + 16));
            assertEquals(0x2000, b.getLong(load + 32));
            assertEquals(0x0807060504030201L, b.getLong((int) (offset + 0x1ff8)));
            assertEquals(5, b.getInt(load + 56 + 4), "ROM is read and execute only");
            assertEquals(offset + 0x2000 + 0x1000, b.capacity());
        }
    }

    @Test
    void x86CoreUsesUserRegsStructOrder() throws Exception {
        long[] gpr = new long[16];
        for (int i = 0; i < 16; i++) {
            gpr[i] = 0x100 + i;
        }
        X86Registers r = new X86Registers(gpr, 0x101000L, 0x202, new int[] {0x18, 0x10, 0x18, 0x18, 0, 0}, 0x5000, 0x6000,
                0x80000011L, 0x1000, 0x20, 0x500);
        ByteBuffer b = core(Arch.X86_64, List.of(r), List.of());
        assertEquals(GuestCore.EM_X86_64, b.getShort(18));
        int desc = (int) b.getLong(64 + 8) + 20;
        assertEquals(336, b.getInt(desc - 16), "descsz");
        int regs = desc + 112;
        assertEquals(0x10f, b.getLong(regs), "r15 first");
        assertEquals(0x100 + X86Registers.RBP, b.getLong(regs + 4 * 8));
        assertEquals(0x100 + X86Registers.RAX, b.getLong(regs + 10 * 8));
        assertEquals(0x101000L, b.getLong(regs + 16 * 8), "rip");
        assertEquals(0x10, b.getLong(regs + 17 * 8), "cs");
        assertEquals(0x202, b.getLong(regs + 18 * 8), "eflags");
        assertEquals(0x100 + X86Registers.RSP, b.getLong(regs + 19 * 8));
        assertEquals(0x5000, b.getLong(regs + 21 * 8), "fs_base");
    }
}
