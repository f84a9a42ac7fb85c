package io.jqvm.vmm.debug.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Registers;
import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.Registers;
import io.jqvm.accel.VcpuExit;
import io.jqvm.common.Arch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The commands of the remote protocol against a fake two-vCPU AArch64 machine with 64 KiB of RAM at 0x10000. */
class GdbSessionTest {
    private static final long RAM = 0x10000;

    /** A machine whose page tables map every address in RAM to itself, and nothing else. */
    static final class FakeTarget implements DebugTarget {
        final Registers[] registers = new Registers[2];
        final byte[] ram = new byte[0x10000];
        final List<String> calls = new ArrayList<>();
        final GuestDebug[] debug = {GuestDebug.NONE, GuestDebug.NONE};
        final List<GuestDebug> configured = new ArrayList<>();
        boolean killed;

        FakeTarget() {
            for (int i = 0; i < 2; i++) {
                long base = 100L * i;
                long[] x = new long[31];
                Arrays.setAll(x, n -> n + base);
                registers[i] = new A64Registers(x, 0x1f000, RAM + 0x100 * i, 0x3c5);
            }
        }

        @Override
        public TargetArch arch() {
            return TargetArch.of(Arch.AARCH64);
        }

        @Override
        public int vcpuCount() {
            return 2;
        }

        @Override
        public boolean holdAll() {
            calls.add("hold");
            return true;
        }

        @Override
        public String debugProblem(GuestDebug d) {
            return d.hardwareBreakpoints().size() > 2 ? "two hardware breakpoints at most" : null;
        }

        @Override
        public void configure(int vcpu, GuestDebug d) {
            debug[vcpu] = d;
            configured.add(d);
        }

        @Override
        public void release(int vcpu) {
            calls.add("release " + vcpu);
        }

        @Override
        public Registers registers(int vcpu) {
            return registers[vcpu];
        }

        @Override
        public void setRegisters(int vcpu, Registers r) {
            registers[vcpu] = r;
        }

        @Override
        public long translate(int vcpu, long va) {
            return va >= RAM && va < RAM + ram.length ? va : -1;
        }

        @Override
        public byte[] readPhysical(long gpa, int length) {
            return gpa >= RAM && gpa + length <= RAM + ram.length ? Arrays.copyOfRange(ram, (int) (gpa - RAM), (int) (gpa - RAM) + length) : null;
        }

        @Override
        public boolean writePhysical(long gpa, byte[] data) {
            if (gpa < RAM || gpa + data.length > RAM + ram.length) {
                return false;
            }
            System.arraycopy(data, 0, ram, (int) (gpa - RAM), data.length);
            return true;
        }

        @Override
        public void kill() {
            killed = true;
        }
    }

    /** Runs the events through a session in no-ack mode; returns the replies' payloads. */
    private static List<String> run(FakeTarget target, List<GdbSession.Event> events) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RspChannel channel = new RspChannel(new ByteArrayInputStream(new byte[0]), out);
        channel.stopAcknowledging();
        GdbSession session = new GdbSession(channel, target);
        events.forEach(session::post);
        session.post(new GdbSession.Event.Disconnected());
        session.run();
        RspChannel replies = new RspChannel(new ByteArrayInputStream(out.toByteArray()), new ByteArrayOutputStream());
        replies.stopAcknowledging();
        List<String> payloads = new ArrayList<>();
        try {
            while (true) {
                payloads.add(replies.read());
            }
        } catch (java.io.EOFException e) {
            return payloads;
        }
    }

    private static List<String> run(FakeTarget target, String... packets) throws Exception {
        return run(target, Arrays.stream(packets).<GdbSession.Event>map(GdbSession.Event.Packet::new).toList());
    }

    @Test
    void queriesDescribeTheTargetAndItsThreads() throws Exception {
        FakeTarget t = new FakeTarget();
        List<String> r = run(t, "qSupported:multiprocess+;swbreak+", "qAttached", "qfThreadInfo", "qsThreadInfo", "qC",
                "?", "qThreadExtraInfo,2", "qXfer:features:read:target.xml:0,40", "qXfer:features:read:other.xml:0,40",
                "vMustReplyEmpty", "qUnknownThing");
        assertEquals("PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+", r.get(0));
        assertEquals(List.of("1", "m1,2", "l", "QC1", "T05thread:1;", "764350552031"), r.subList(1, 7));
        String xml = t.arch().targetXml();
        assertEquals("m" + xml.substring(0, 0x40), r.get(7));
        assertEquals(List.of("E00", "", ""), r.subList(8, 11));
        assertTrue(xml.contains("<architecture>aarch64</architecture>") && xml.contains("org.gnu.gdb.aarch64.core")
                && xml.contains("<reg name=\"cpsr\" bitsize=\"32\" type=\"int\" regnum=\"33\"/>"), xml);
    }

    @Test
    void registersReadAndWriteInGdbsOrderAndLittleEndian() throws Exception {
        FakeTarget t = new FakeTarget();
        List<String> r = run(t, "g", "p20", "Hg2", "p0", "P1f=0080000000000000", "p1f", "p21", "p44", "Hg3", "T2", "T3",
                "Hg2", "P23=0000000000000f40ffeeddccbbaa9988", "p23", "P43=00000001", "p43");
        assertEquals(31 * 16 + 16 + 16 + 8 + 32 * 32 + 8 + 8, r.get(0).length(), "core, then v0-v31, fpsr, fpcr");
        assertTrue(r.get(0).startsWith("0000000000000000" + "0100000000000000"), r.get(0));
        assertEquals("0000010000000000", r.get(1), "pc of vCPU 0 (register 32)");
        assertEquals(List.of("OK", "6400000000000000", "OK", "0080000000000000", "c5030000", "E01", "E01", "OK", "E01"),
                r.subList(2, 11));
        assertEquals(0x8000, ((A64Registers) t.registers[1]).sp(), "P wrote vCPU 1's sp");
        assertEquals(List.of("OK", "OK", "0000000000000f40ffeeddccbbaa9988", "OK", "00000001"), r.subList(11, 16));
        A64Registers written = (A64Registers) t.registers[1];
        assertEquals(0x400F_0000_0000_0000L, written.vLow(1), "d1 = 3.875");
        assertEquals(0x8899_AABB_CCDD_EEFFL, written.vHigh(1));
        assertEquals(0x0100_0000, written.fpcr(), "fpcr.FZ");
    }

    @Test
    void memoryIsReadAndWrittenByVirtualAddressAndStopsAtTheEndOfWhatIsMapped() throws Exception {
        FakeTarget t = new FakeTarget();
        List<String> r = run(t, "M10000,4:01020304", "m10000,4", "X10004,2:#*", "m10004,2",
                "m1fffe,4", "m20000,4", "M20000,1:00", "M10000,2:0", "m10000");
        assertEquals(List.of("OK", "01020304", "OK", "232a", "0000", "E0e", "E0e", "E16", "E16"), r);
    }

    @Test
    void breakpointsWatchpointsAndStepsReachTheVcpusWhenTheyResume() throws Exception {
        FakeTarget t = new FakeTarget();
        List<GdbSession.Event> events = new ArrayList<>();
        for (String p : List.of("Z0,10000,4", "Z1,10200,4", "Z2,10800,8", "Z4,10900,1", "Z0,10100,2", "Z9,0,0",
                "vCont?", "vCont;s:2;c")) {
            events.add(new GdbSession.Event.Packet(p));
        }
        events.add(new GdbSession.Event.Stopped(1, new VcpuExit.Debug(GuestDebug.Cause.STEP, null, 0)));
        events.add(new GdbSession.Event.Packet("z2,10800,8"));
        events.add(new GdbSession.Event.Packet("vCont;c:1"));
        GuestDebug.Watchpoint access = new GuestDebug.Watchpoint(0x10900, 1, GuestDebug.Access.ACCESS);
        events.add(new GdbSession.Event.Stopped(0, new VcpuExit.Debug(GuestDebug.Cause.WATCHPOINT, access, 0x10900)));
        events.add(new GdbSession.Event.Packet("c"));
        events.add(new GdbSession.Event.Stopped(0, new VcpuExit.Debug(GuestDebug.Cause.BREAKPOINT, null, 0)));
        List<String> r = run(t, events);
        assertEquals(List.of("OK", "OK", "OK", "OK", "E16", "", "vCont;c;C;s;S;t", "T05thread:2;", "OK",
                "T05thread:1;awatch:10900;", "T05thread:1;swbreak:;"), r);
        assertEquals(List.of("hold", "release 0", "release 1", "hold", "release 0", "hold", "release 0", "release 1",
                "hold", "release 0", "release 1"), t.calls, "the detach at the end releases every vCPU");
        assertEquals(GuestDebug.NONE, t.debug[0], "detaching clears what the debugger asked");
    }

    @Test
    void aStepAsksOnlyTheSteppedVcpuToStep() throws Exception {
        FakeTarget t = new FakeTarget();
        run(t, "Z1,10200,4", "vCont;s:2;c");
        assertEquals(List.of(new GuestDebug(false, List.of(), List.of(0x10200L), List.of()),
                new GuestDebug(true, List.of(), List.of(0x10200L), List.of()), GuestDebug.NONE, GuestDebug.NONE),
                t.configured, "vCPU 0 continues, vCPU 1 steps; the detach at the end clears both");
        FakeTarget plain = new FakeTarget();
        run(plain, "Hc2", "s");
        assertEquals(List.of(GuestDebug.NONE, new GuestDebug(true, List.of(), List.of(), List.of()), GuestDebug.NONE,
                GuestDebug.NONE), plain.configured, "s steps the thread Hc chose");
    }

    @Test
    void anInsertionTheVcpusCannotDoIsUndoneAndRefused() throws Exception {
        FakeTarget t = new FakeTarget();
        assertEquals(List.of("OK", "OK", "E1c", "OK", "OK"),
                run(t, "Z1,10000,4", "Z1,10004,4", "Z1,10008,4", "z1,10000,4", "Z1,10008,4"));
    }

    @Test
    void killCutsThePowerAndDetachAnswersOk() throws Exception {
        FakeTarget t = new FakeTarget();
        assertEquals(List.of(), run(t, "k", "g"));
        assertTrue(t.killed);
        FakeTarget d = new FakeTarget();
        assertEquals(List.of("OK"), run(d, "D", "g"));
    }

    @Provide
    Arbitrary<List<String>> packets() {
        Arbitrary<String> commands = Arbitraries.of("g", "G", "p", "P", "m", "M", "X", "Z", "z", "H", "T", "q", "Q",
                "v", "vCont;", "?", "c", "s", "D", "qXfer:features:read:target.xml:", "qThreadExtraInfo,", "P1f=");
        Arbitrary<String> tails = Arbitraries.strings().withChars("0123456789abcdefxyz,:;=-}*$#\u0003\u0000\u00ff")
                .ofMaxLength(40);
        return Arbitraries.oneOf(commands.flatMap(c -> tails.map(t -> c + t)), Arbitraries.strings().ofMaxLength(60))
                .list().ofMaxSize(30);
    }

    /** Whatever the debugger sends, the session answers in well-formed packets and never throws. */
    @Property(tries = 300)
    void garbagePacketsGetRepliesNeverExceptions(@ForAll("packets") List<String> packets) throws Exception {
        List<String> withoutKill = packets.stream().filter(p -> !p.startsWith("k") && !p.startsWith("D")).toList();
        List<String> replies = run(new FakeTarget(), withoutKill.toArray(String[]::new));
        assertTrue(replies.size() <= withoutKill.size());
        String joined = String.join("\n", replies);
        assertTrue(replies.stream().noneMatch(r -> r.startsWith("E") && r.length() != 3), joined);
        assertTrue(StandardCharsets.ISO_8859_1.newEncoder().canEncode(joined));
    }
}
