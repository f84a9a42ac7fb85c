package io.jqvm.accel.kvm;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.X86Entry;
import io.jqvm.accel.kvm.RecordingGuestIo.Access;
import io.jqvm.memory.GuestMemory;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jqvm.accel.kvm.TestMachine.CODE;
import static io.jqvm.accel.kvm.TestMachine.code;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny hand-assembled guests run through KVM: each checks what reaches {@link io.jqvm.accel.GuestIo}. */
class KvmGuestTest {
    private static final X86Entry REAL = new X86Entry(X86Entry.Mode.REAL, CODE, 0x8000, 0, 0, 0, 0, 0, 0);
    private static final long MMIO_BASE = 0xd0000000L;

    @BeforeEach
    void needsKvm() {
        KvmRequirement.assumeKvm();
    }

    @Test
    void realModePortIoReachesTheBusWithPortSizeAndValue() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo().answerPio(0x81, () -> 0x5a))) {
            VcpuExit exit = m.run(REAL, code(
                    0xB0, 0x42,                         // mov al, 0x42
                    0xE6, 0x80,                         // out 0x80, al
                    0xBA, 0xF8, 0x03,                   // mov dx, 0x3f8
                    0xB8, 0x34, 0x12,                   // mov ax, 0x1234
                    0xEF,                               // out dx, ax
                    0x66, 0xB8, 0xEF, 0xBE, 0xAD, 0xDE, // mov eax, 0xdeadbeef
                    0x66, 0xEF,                         // out dx, eax
                    0xE4, 0x81,                         // in al, 0x81
                    0xE6, 0x82,                         // out 0x82, al
                    0xF4));                             // hlt

            assertEquals(VcpuExit.HALTED, exit);
            assertEquals(List.of(
                    Access.pioWrite(0x80, 1, 0x42),
                    Access.pioWrite(0x3f8, 2, 0x1234),
                    Access.pioWrite(0x3f8, 4, 0xdeadbeefL),
                    Access.pioRead(0x81, 1, 0x5a),
                    Access.pioWrite(0x82, 1, 0x5a)), m.io.accesses());
            assertEquals(5, m.vm.exitCounters().get(ExitCounters.Reason.PIO));
            assertEquals(1, m.vm.exitCounters().get(ExitCounters.Reason.HLT));
        }
    }

    @Test
    void mmioWriteIsReportedAndMmioReadValueLandsInTheRegister() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo().answerMmio(0xd0020, () -> 0xbeef))) {
            VcpuExit exit = m.run(REAL, code(
                    0xB8, 0x00, 0xD0,                   // mov ax, 0xd000
                    0x8E, 0xD8,                         // mov ds, ax
                    0xC6, 0x06, 0x10, 0x00, 0x77,       // mov byte [0x10], 0x77
                    0xA1, 0x20, 0x00,                   // mov ax, [0x20]
                    0xBA, 0x80, 0x00,                   // mov dx, 0x80
                    0xEF,                               // out dx, ax
                    0xF4));                             // hlt

            assertEquals(VcpuExit.HALTED, exit);
            assertEquals(List.of(
                    Access.mmioWrite(0xd0010, 1, 0x77),
                    Access.mmioRead(0xd0020, 2, 0xbeef),
                    Access.pioWrite(0x80, 2, 0xbeef)), m.io.accesses());
            assertEquals(2, m.vm.exitCounters().get(ExitCounters.Reason.MMIO));
        }
    }

    @Test
    void stringIoMovesEveryItemInOrder() {
        AtomicLong next = new AtomicLong(1);
        try (TestMachine m = TestMachine.create(new RecordingGuestIo().answerPio(0xea, next::getAndIncrement))) {
            m.memory.load(0x1100, "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            VcpuExit exit = m.run(REAL, code(
                    0xBE, 0x00, 0x11,                   // mov si, 0x1100
                    0xB9, 0x05, 0x00,                   // mov cx, 5
                    0xBA, 0xE9, 0x00,                   // mov dx, 0xe9
                    0xFC,                               // cld
                    0xF3, 0x6E,                         // rep outsb
                    0xBF, 0x00, 0x12,                   // mov di, 0x1200
                    0xB9, 0x03, 0x00,                   // mov cx, 3
                    0xBA, 0xEA, 0x00,                   // mov dx, 0xea
                    0xF3, 0x6C,                         // rep insb
                    0xF4));                             // hlt

            assertEquals(VcpuExit.HALTED, exit);
            assertEquals(List.of(
                    Access.pioWrite(0xe9, 1, 'h'), Access.pioWrite(0xe9, 1, 'e'), Access.pioWrite(0xe9, 1, 'l'),
                    Access.pioWrite(0xe9, 1, 'l'), Access.pioWrite(0xe9, 1, 'o'),
                    Access.pioRead(0xea, 1, 1), Access.pioRead(0xea, 1, 2), Access.pioRead(0xea, 1, 3)),
                    m.io.accesses());
            assertArrayEquals(new byte[] {1, 2, 3}, m.memory.read(0x1200, 3));
        }
    }

    @Test
    void romWriteExitsAsMmioWriteAndLeavesTheRomUnchanged() {
        List<GuestMemory.RegionSpec> rom = List.of(new GuestMemory.RegionSpec(0xe0000, 0x10000, true, "rom"));
        try (TestMachine m = TestMachine.create(new RecordingGuestIo(), rom, 1, false, false)) {
            m.memory.load(0xe0000, new byte[] {0x11, (byte) 0xab});
            VcpuExit exit = m.run(REAL, code(
                    0xB8, 0x00, 0xE0,                   // mov ax, 0xe000
                    0x8E, 0xD8,                         // mov ds, ax
                    0xC6, 0x06, 0x00, 0x00, 0x55,       // mov byte [0], 0x55
                    0xA0, 0x01, 0x00,                   // mov al, [1]
                    0xE6, 0x80,                         // out 0x80, al
                    0xF4));                             // hlt

            assertEquals(VcpuExit.HALTED, exit);
            assertEquals(List.of(Access.mmioWrite(0xe0000, 1, 0x55), Access.pioWrite(0x80, 1, 0xab)), m.io.accesses());
            assertEquals(0x11, m.memory.read8(0xe0000));
        }
    }

    @Test
    void tripleFaultIsAShutdown() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo())) {
            // ud2 with an IDT of zeros: #UD, then #NP for its absent gate, then #DF, then shutdown
            X86Entry entry = new X86Entry(X86Entry.Mode.PROTECTED32, CODE, 0x8000, 0, 0, 0, 0, 0, 0);
            VcpuExit exit = m.run(entry, code(0x0F, 0x0B));

            assertEquals(new VcpuExit.Shutdown("triple fault"), exit);
            assertEquals(1, m.vm.exitCounters().get(ExitCounters.Reason.SHUTDOWN));
        }
    }

    @Test
    void protectedModeEntryStartsFlat32WithTheGivenRegisters() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo().answerMmio(MMIO_BASE + 4, () -> 0x13572468))) {
            X86Entry entry = new X86Entry(X86Entry.Mode.PROTECTED32, CODE, 0x7ff0, 0x2badb002L, 0x9500, 0, 0, 0, 0);
            VcpuExit exit = m.run(entry, code(
                    0xE7, 0x80,                         // out 0x80, eax
                    0x89, 0xD8,                         // mov eax, ebx
                    0xE7, 0x80,                         // out 0x80, eax
                    0x89, 0xE0,                         // mov eax, esp
                    0xE7, 0x80,                         // out 0x80, eax
                    0xA3, 0x00, 0x00, 0x00, 0xD0,       // mov [0xd0000000], eax
                    0xA1, 0x04, 0x00, 0x00, 0xD0,       // mov eax, [0xd0000004]
                    0xE7, 0x80,                         // out 0x80, eax
                    0xF4));                             // hlt

            assertEquals(VcpuExit.HALTED, exit);
            assertEquals(List.of(
                    Access.pioWrite(0x80, 4, 0x2badb002L),
                    Access.pioWrite(0x80, 4, 0x9500),
                    Access.pioWrite(0x80, 4, 0x7ff0),
                    Access.mmioWrite(MMIO_BASE, 4, 0x7ff0),
                    Access.mmioRead(MMIO_BASE + 4, 4, 0x13572468),
                    Access.pioWrite(0x80, 4, 0x13572468)), m.io.accesses());
        }
    }

    @Test
    void longModeEntryRunsWithPagingAnd64BitRegisters() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo().answerMmio(MMIO_BASE + 8, () -> 0x0123456789abcdefL))) {
            long cr3 = LongModeTables.write(m.memory);
            X86Entry entry = new X86Entry(X86Entry.Mode.LONG64, CODE, 0x8000, 0, 0, 0x7000, cr3,
                    LongModeTables.GDT, LongModeTables.GDT_LIMIT);
            VcpuExit exit = m.run(entry, code(
                    0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // mov rax, 0x1122334455667788
                    0x48, 0xA3, 0x00, 0x00, 0x00, 0xD0, 0, 0, 0, 0,              // mov [0xd0000000], rax
                    0x48, 0xA1, 0x08, 0x00, 0x00, 0xD0, 0, 0, 0, 0,              // mov rax, [0xd0000008]
                    0xE7, 0x80,                                                 // out 0x80, eax
                    0x48, 0xC1, 0xE8, 0x20,                                     // shr rax, 32
                    0xE7, 0x80,                                                 // out 0x80, eax
                    0x48, 0x89, 0xE0,                                           // mov rax, rsp
                    0xE7, 0x80,                                                 // out 0x80, eax
                    0x48, 0x89, 0xF0,                                           // mov rax, rsi
                    0xE7, 0x80,                                                 // out 0x80, eax
                    0xF4));                                                     // hlt

            assertEquals(VcpuExit.HALTED, exit);
            assertEquals(List.of(
                    Access.mmioWrite(MMIO_BASE, 8, 0x1122334455667788L),
                    Access.mmioRead(MMIO_BASE + 8, 8, 0x0123456789abcdefL),
                    Access.pioWrite(0x80, 4, 0x89abcdefL),
                    Access.pioWrite(0x80, 4, 0x01234567),
                    Access.pioWrite(0x80, 4, 0x8000),
                    Access.pioWrite(0x80, 4, 0x7000)), m.io.accesses());
        }
    }

    @Test
    void guestFaultFromTheBusRaisesGeneralProtectionInTheGuest() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo().faultPort(0x90))) {
            long cr3 = LongModeTables.write(m.memory);
            writeIdtGate(m.memory, 13, 0x2000);
            m.memory.load(0x2000, code(
                    0x58,                               // pop rax (error code)
                    0xE7, 0x91,                         // out 0x91, eax
                    0x58,                               // pop rax (rip)
                    0xE7, 0x92,                         // out 0x92, eax
                    0x58,                               // pop rax (cs)
                    0xE7, 0x93,                         // out 0x93, eax
                    0xF4));                             // hlt
            X86Entry entry = new X86Entry(X86Entry.Mode.LONG64, CODE, 0x8000, 0, 0, 0, cr3,
                    LongModeTables.GDT, LongModeTables.GDT_LIMIT);
            VcpuExit exit = m.run(entry, code(
                    0x0F, 0x01, 0x1C, 0x25, 0x00, 0x06, 0x00, 0x00, // lidt [0x600]
                    0xE6, 0x90,                                     // out 0x90, al: refused
                    0xF4));                                         // hlt

            assertEquals(VcpuExit.HALTED, exit);
            long afterOut = CODE + 10; // the access completes first, so #GP reports the next instruction
            assertEquals(List.of(
                    Access.pioWrite(0x90, 1, 0),
                    Access.pioWrite(0x91, 4, 0),
                    Access.pioWrite(0x92, 4, afterOut),
                    Access.pioWrite(0x93, 4, EntryRegisters.CODE_SELECTOR)), m.io.accesses());
        }
    }

    @Test
    void refusedPortReadCompletesWithAllOnesBeforeTheFault() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo().faultPort(0x90))) {
            long cr3 = LongModeTables.write(m.memory);
            writeIdtGate(m.memory, 13, 0x2000);
            m.memory.load(0x2000, code(0xE6, 0x95, 0xF4)); // out 0x95, al; hlt
            X86Entry entry = new X86Entry(X86Entry.Mode.LONG64, CODE, 0x8000, 0, 0, 0, cr3,
                    LongModeTables.GDT, LongModeTables.GDT_LIMIT);
            VcpuExit exit = m.run(entry, code(
                    0x0F, 0x01, 0x1C, 0x25, 0x00, 0x06, 0x00, 0x00, // lidt [0x600]
                    0xE4, 0x90,                                     // in al, 0x90: refused
                    0xF4));                                         // hlt

            assertEquals(VcpuExit.HALTED, exit);
            assertEquals(List.of(Access.pioWrite(0x95, 1, 0xff)), m.io.accesses());
        }
    }

    /** A 64-bit interrupt gate for {@code vector} to {@code handler}, in an IDT at 0x3000 loaded from 0x600. */
    static void writeIdtGate(GuestMemory memory, int vector, long handler) {
        long idt = 0x3000;
        memory.write16(0x600, 0xfff);
        memory.write64(0x602, idt);
        long low = (handler & 0xffff) | (long) EntryRegisters.CODE_SELECTOR << 16 | 0x8EL << 40 | (handler >>> 16 & 0xffff) << 48;
        memory.write64(idt + vector * 16L, low);
        memory.write64(idt + vector * 16L + 8, handler >>> 32);
    }

    @Test
    void registerDumpShowsTheStateTheGuestStoppedIn() throws Exception {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo())) {
            m.memory.load(CODE, code(0xB8, 0x34, 0x12, 0xF4)); // mov ax, 0x1234; hlt
            java.util.concurrent.FutureTask<String> dump = new java.util.concurrent.FutureTask<>(() -> {
                m.vm.vcpu(0).setEntry(REAL);
                m.vm.vcpu(0).run();
                return m.vm.vcpu(0).registerDump();
            });
            Thread.ofPlatform().start(dump);
            String text = dump.get(TestMachine.TIME_LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);

            assertTrue(text.startsWith("vcpu 0 (runnable) rip=0x1004 rsp=0x8000 rflags=0x2 rax=0x1234 "), text);
            assertTrue(text.endsWith(" cr0=0x10 cr3=0x0 cr4=0x0 efer=0x0 cs=0x0 ss=0x0"), text);
        }
    }

    @Test
    void impossibleEntryStatesAreRefused() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo())) {
            IllegalArgumentException high = assertThrows(IllegalArgumentException.class, () -> m.vm.vcpu(0).setEntry(
                    new X86Entry(X86Entry.Mode.PROTECTED32, 0x1_0000_0000L, 0x8000, 0, 0, 0, 0, 0, 0)));
            assertEquals("PROTECTED32 entry with rip 0x100000000 and rsp 0x8000: a 32-bit mode cannot address beyond 4 GiB",
                    high.getMessage());
            IllegalArgumentException noTables = assertThrows(IllegalArgumentException.class, () -> m.vm.vcpu(0).setEntry(
                    new X86Entry(X86Entry.Mode.LONG64, CODE, 0x8000, 0, 0, 0, 0, 0, 0)));
            assertEquals("LONG64 entry without page tables: cr3 is 0", noTables.getMessage());
            IllegalArgumentException arm = assertThrows(IllegalArgumentException.class,
                    () -> m.vm.vcpu(0).setEntry(new io.jqvm.accel.A64Entry(0x40000000L, 0, 0, 0, 0)));
            assertTrue(arm.getMessage().startsWith("vCPU 0 runs x86 code: it cannot start from A64Entry["), arm.getMessage());
            IllegalArgumentException index = assertThrows(IllegalArgumentException.class, () -> m.vm.vcpu(1));
            assertEquals("vCPU 1 does not exist: this VM has vCPUs 0-0", index.getMessage());
        }
    }

    @Test
    void hltWithoutIrqchipIsHalted() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo())) {
            assertInstanceOf(VcpuExit.Halted.class, m.run(REAL, code(0xF4)));
            assertEquals(List.of(), m.io.accesses());
        }
    }
}
