package io.jqvm.vmm.debug.gdb;

import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.Registers;
import io.jqvm.accel.VcpuExit;
import io.jqvm.common.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One debugger connection in gdb's all-stop mode: vCPUs are threads (thread id = vCPU index + 1, as in a guest
 * core), any stop holds them all, and the commands of gdb's remote protocol ("Packets" in the gdb manual) act on
 * the held VM. Packets from the debugger and stops from the VM arrive on one queue and are handled in order on
 * the session's thread. Memory is addressed by guest-virtual address through the selected vCPU's page tables.
 */
final class GdbSession {
    /** What the session reacts to. */
    sealed interface Event {
        record Packet(String payload) implements Event { }

        record Stopped(int vcpu, VcpuExit.Debug why) implements Event { }

        /** The VM ended ({@code exitStatus}) or, with {@code reset}, is being assembled again. */
        record Ended(int exitStatus, boolean reset) implements Event { }

        /** A new VM after a reset, held, waiting for the session's breakpoints. */
        record Attached(DebugTarget target) implements Event { }

        record Disconnected() implements Event { }
    }

    private static final int SIGINT = 2;
    private static final int SIGTRAP = 5;
    private static final String EFAULT = "E0e";
    private static final String EINVAL = "E16";
    private static final int PAGE = 4096;

    private final RspChannel channel;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private DebugTarget target;
    private TargetArch arch;
    private boolean running;
    private boolean done;
    /** The threads {@code Hg} (registers, memory) and {@code Hc} (what {@code s} steps) select, as vCPU indexes. */
    private int registerVcpu;
    private int stepVcpu;
    private String lastStop;
    private final Set<Long> softwareBreakpoints = new LinkedHashSet<>();
    private final Set<Long> hardwareBreakpoints = new LinkedHashSet<>();
    private final List<GuestDebug.Watchpoint> watchpoints = new ArrayList<>();

    GdbSession(RspChannel channel, DebugTarget target) {
        this.channel = channel;
        this.target = target;
        this.arch = target.arch();
        this.lastStop = stopReply(SIGTRAP, 0, "");
    }

    void post(Event e) {
        events.add(e);
    }

    /** Holds the VM and serves the debugger until it detaches, kills, disconnects, or the VM ends. */
    void run() throws IOException, InterruptedException {
        if (!target.holdAll()) {
            Log.warn("gdb: the guest could not be stopped for the debugger; it runs on");
            for (int i = 0; i < target.vcpuCount(); i++) {
                target.release(i);
            }
            return;
        }
        Log.info("gdb: debugger connected; the guest is stopped");
        while (!done) {
            Event e = events.take();
            switch (e) {
                case Event.Packet p -> packet(p.payload());
                case Event.Stopped s -> stopped(s.vcpu(), s.why());
                case Event.Ended end -> ended(end);
                case Event.Attached a -> attached(a.target());
                case Event.Disconnected d -> detach();
            }
        }
    }

    private void packet(String p) throws IOException, InterruptedException {
        if (p.equals(RspChannel.INTERRUPT)) {
            if (running && target != null) {
                running = false;
                target.holdAll();
                lastStop = stopReply(SIGINT, registerVcpu, "");
                channel.write(lastStop);
            }
            return;
        }
        if (running) {
            return; // all-stop: nothing but an interrupt is expected while the guest runs
        }
        if (target == null) {
            channel.write("E01"); // between a reset and the next VM
            return;
        }
        String reply;
        try {
            reply = command(p);
        } catch (RuntimeException e) {
            Log.debug(() -> "gdb: packet " + p + " failed: " + e);
            reply = EINVAL;
        }
        if (reply != null) {
            channel.write(reply);
        }
    }

    /** The reply to one packet; null when the command resumed the guest (the stop will answer it). */
    private String command(String p) throws IOException, InterruptedException {
        char c = p.isEmpty() ? ' ' : p.charAt(0);
        String args = p.isEmpty() ? "" : p.substring(1);
        return switch (c) {
            case '?' -> lastStop;
            case 'q' -> query(p);
            case 'Q' -> {
                if (p.equals("QStartNoAckMode")) {
                    channel.write("OK");
                    channel.stopAcknowledging();
                    yield null;
                }
                yield "";
            }
            case 'H' -> selectThread(args);
            case 'T' -> thread(args) >= 0 ? "OK" : "E01";
            case 'g' -> arch.encodeAll(target.registers(registerVcpu));
            case 'G' -> writeRegisters(arch.decodeAll(target.registers(registerVcpu), args));
            case 'p' -> readRegister(args);
            case 'P' -> writeRegister(args);
            case 'm' -> readMemory(args);
            case 'M' -> writeMemory(args, false);
            case 'X' -> writeMemory(args, true);
            case 'c' -> resume(args.isEmpty() ? "c" : null);
            case 's' -> resume(args.isEmpty() ? "s:" + tid(stepVcpu) + ";c" : null);
            case 'v' -> verbose(p);
            case 'Z', 'z' -> breakpoint(c == 'Z', args);
            case 'D' -> {
                channel.write("OK");
                detach();
                yield null;
            }
            case 'k' -> {
                done = true;
                target.kill();
                yield null;
            }
            default -> "";
        };
    }

    private String query(String p) throws InterruptedException {
        if (p.startsWith("qSupported")) {
            return "PacketSize=" + Integer.toHexString(RspChannel.MAX_PACKET)
                    + ";qXfer:features:read+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+";
        }
        if (p.startsWith("qXfer:features:read:")) {
            return features(p.substring("qXfer:features:read:".length()));
        }
        if (p.equals("qAttached")) {
            return "1"; // the VM was running before gdb came: quitting gdb detaches rather than kills
        }
        if (p.equals("qC")) {
            return "QC" + tid(registerVcpu);
        }
        if (p.equals("qfThreadInfo")) {
            StringBuilder sb = new StringBuilder("m");
            for (int i = 0; i < target.vcpuCount(); i++) {
                sb.append(i == 0 ? "" : ",").append(tid(i));
            }
            return sb.toString();
        }
        if (p.equals("qsThreadInfo")) {
            return "l";
        }
        if (p.startsWith("qThreadExtraInfo,")) {
            int vcpu = thread(p.substring("qThreadExtraInfo,".length()));
            return vcpu < 0 ? "E01" : HexFormat.of().formatHex(("vCPU " + vcpu).getBytes(StandardCharsets.US_ASCII));
        }
        if (p.equals("qSymbol::")) {
            return "OK";
        }
        return "";
    }

    /** {@code target.xml:OFFSET,LENGTH}: a window of the description, 'm' when more follows, 'l' at its end. */
    private String features(String annexAndRange) {
        int colon = annexAndRange.indexOf(':');
        if (colon < 0 || !annexAndRange.substring(0, colon).equals("target.xml")) {
            return "E00";
        }
        long[] range = numbers(annexAndRange.substring(colon + 1), ',');
        if (range == null) {
            return EINVAL;
        }
        String xml = arch.targetXml();
        int offset = (int) Math.min(range[0], xml.length());
        int end = (int) Math.min(xml.length(), offset + Math.min(range[1], RspChannel.MAX_PACKET - 8));
        return (end == xml.length() ? "l" : "m") + xml.substring(offset, end);
    }

    private String selectThread(String args) {
        if (args.length() < 2) {
            return "E01";
        }
        String id = args.substring(1);
        int vcpu = id.equals("0") || id.equals("-1") ? registerVcpu : thread(id);
        if (vcpu < 0) {
            return "E01";
        }
        if (args.charAt(0) == 'g') {
            registerVcpu = vcpu;
        } else if (args.charAt(0) == 'c') {
            stepVcpu = vcpu;
        }
        return "OK";
    }

    private String readRegister(String args) throws InterruptedException {
        int n = (int) number(args);
        String value = n < 0 ? null : arch.encode(target.registers(registerVcpu), n);
        return value == null ? "E01" : value;
    }

    private String writeRegister(String args) throws InterruptedException {
        int eq = args.indexOf('=');
        if (eq < 0) {
            return EINVAL;
        }
        int n = (int) number(args.substring(0, eq));
        return writeRegisters(n < 0 ? null : arch.decode(target.registers(registerVcpu), n, args.substring(eq + 1)));
    }

    private String writeRegisters(Registers r) throws InterruptedException {
        if (r == null) {
            return EINVAL;
        }
        target.setRegisters(registerVcpu, r);
        return "OK";
    }

    private String readMemory(String args) throws InterruptedException {
        long[] range = numbers(args, ',');
        if (range == null || range[1] > RspChannel.MAX_PACKET / 2) {
            return EINVAL;
        }
        StringBuilder sb = new StringBuilder();
        long va = range[0];
        long left = range[1];
        while (left > 0) {
            int chunk = (int) Math.min(left, PAGE - (va & (PAGE - 1)));
            long gpa = target.translate(registerVcpu, va);
            byte[] bytes = gpa < 0 ? null : target.readPhysical(gpa, chunk);
            if (bytes == null) {
                break; // gdb takes the bytes read before an unreadable one
            }
            sb.append(HexFormat.of().formatHex(bytes));
            va += chunk;
            left -= chunk;
        }
        return sb.isEmpty() && range[1] > 0 ? EFAULT : sb.toString();
    }

    /** {@code M addr,len:hex} or {@code X addr,len:binary}. */
    private String writeMemory(String args, boolean binary) throws InterruptedException {
        int colon = args.indexOf(':');
        long[] range = colon < 0 ? null : numbers(args.substring(0, colon), ',');
        if (range == null || range[1] > RspChannel.MAX_PACKET) {
            return EINVAL;
        }
        String data = args.substring(colon + 1);
        byte[] bytes;
        if (binary) {
            bytes = data.getBytes(StandardCharsets.ISO_8859_1);
        } else {
            try {
                bytes = HexFormat.of().parseHex(data);
            } catch (IllegalArgumentException e) {
                return EINVAL;
            }
        }
        if (bytes.length != range[1]) {
            return EINVAL;
        }
        long va = range[0];
        int done = 0;
        while (done < bytes.length) {
            int chunk = (int) Math.min(bytes.length - done, PAGE - (va & (PAGE - 1)));
            long gpa = target.translate(registerVcpu, va);
            if (gpa < 0 || !target.writePhysical(gpa, Arrays.copyOfRange(bytes, done, done + chunk))) {
                return EFAULT;
            }
            va += chunk;
            done += chunk;
        }
        return "OK";
    }

    private String verbose(String p) throws InterruptedException {
        if (p.equals("vCont?")) {
            return "vCont;c;C;s;S;t";
        }
        if (p.startsWith("vCont;")) {
            return resume(p.substring("vCont;".length()));
        }
        if (p.equals("vMustReplyEmpty")) {
            return "";
        }
        return "";
    }

    /**
     * Resumes per vCont actions ({@code c}, {@code s}, {@code C sig}, {@code S sig}, each for a thread or for every
     * thread not named before; signals are not delivered to a machine): a vCPU given no action stays held.
     * Null on success (the stop will answer), or an error reply.
     */
    private String resume(String actions) throws InterruptedException {
        if (actions == null) {
            return ""; // c ADDR and s ADDR: gdb no longer sends them; an empty reply says so
        }
        char[] perVcpu = new char[target.vcpuCount()];
        for (String action : actions.split(";")) {
            int colon = action.indexOf(':');
            String kind = colon < 0 ? action : action.substring(0, colon);
            if (kind.isEmpty() || "cCsSt".indexOf(kind.charAt(0)) < 0) {
                return EINVAL;
            }
            char a = Character.toLowerCase(kind.charAt(0));
            if (colon < 0) {
                for (int i = 0; i < perVcpu.length; i++) {
                    perVcpu[i] = perVcpu[i] == 0 ? a : perVcpu[i];
                }
            } else {
                int vcpu = thread(action.substring(colon + 1));
                if (vcpu < 0) {
                    return "E01";
                }
                perVcpu[vcpu] = perVcpu[vcpu] == 0 ? a : perVcpu[vcpu];
            }
        }
        for (int i = 0; i < perVcpu.length; i++) {
            target.configure(i, debugFor(perVcpu[i] == 's'));
        }
        running = true;
        for (int i = 0; i < perVcpu.length; i++) {
            if (perVcpu[i] == 'c' || perVcpu[i] == 's') {
                target.release(i);
            }
        }
        return null;
    }

    private GuestDebug debugFor(boolean step) {
        return new GuestDebug(step, List.copyOf(softwareBreakpoints), List.copyOf(hardwareBreakpoints), watchpoints);
    }

    /**
     * {@code Z}/{@code z TYPE,ADDR,KIND}: types 0 (software), 1 (hardware), 2-4 (write, read, access watchpoints).
     * An insertion the vCPUs cannot do (KVM on x86 has four debug registers) is undone and refused.
     */
    private String breakpoint(boolean insert, String args) throws InterruptedException {
        Set<Long> software = new LinkedHashSet<>(softwareBreakpoints);
        Set<Long> hardware = new LinkedHashSet<>(hardwareBreakpoints);
        List<GuestDebug.Watchpoint> watched = new ArrayList<>(watchpoints);
        String reply = changeBreakpoint(insert, args);
        if (insert && reply.equals("OK")) {
            String problem = target.debugProblem(debugFor(false));
            if (problem != null) {
                Log.warn("gdb: cannot insert Z" + args + ": " + problem);
                softwareBreakpoints.retainAll(software);
                hardwareBreakpoints.retainAll(hardware);
                watchpoints.retainAll(watched);
                return "E1c"; // ENOSPC
            }
        }
        return reply;
    }

    private String changeBreakpoint(boolean insert, String args) {
        int comma = args.indexOf(',');
        long[] addressAndKind = comma < 0 ? null : numbers(args.substring(comma + 1), ',');
        if (comma != 1 || addressAndKind == null) {
            return EINVAL;
        }
        long address = addressAndKind[0];
        long kind = addressAndKind[1];
        switch (args.charAt(0)) {
            case '0', '1' -> {
                if (!arch.breakpointKind((int) kind)) {
                    return EINVAL;
                }
                Set<Long> set = args.charAt(0) == '0' ? softwareBreakpoints : hardwareBreakpoints;
                if (insert) {
                    set.add(address);
                } else {
                    set.remove(address);
                }
            }
            case '2', '3', '4' -> {
                if (kind < 1 || kind > PAGE) {
                    return EINVAL;
                }
                GuestDebug.Access access = switch (args.charAt(0)) {
                    case '2' -> GuestDebug.Access.WRITE;
                    case '3' -> GuestDebug.Access.READ;
                    default -> GuestDebug.Access.ACCESS;
                };
                GuestDebug.Watchpoint w = new GuestDebug.Watchpoint(address, kind, access);
                if (insert) {
                    watchpoints.add(w);
                } else {
                    watchpoints.remove(w);
                }
            }
            default -> {
                return ""; // an unknown type: not supported
            }
        }
        return "OK";
    }

    private void stopped(int vcpu, VcpuExit.Debug why) throws IOException, InterruptedException {
        if (!running || target == null) {
            return; // a second vCPU's stop in the same instant: it repeats when the guest runs on
        }
        running = false;
        target.holdAll();
        registerVcpu = vcpu;
        stepVcpu = vcpu;
        String detail = switch (why.cause()) {
            case STEP -> "";
            case BREAKPOINT -> {
                long pc = arch.pc(target.registers(vcpu));
                yield softwareBreakpoints.contains(pc) ? "swbreak:;" : "hwbreak:;";
            }
            case WATCHPOINT -> switch (why.watchpoint().access()) {
                case WRITE -> "watch:";
                case READ -> "rwatch:";
                case ACCESS -> "awatch:";
            } + Long.toHexString(why.dataAddress()) + ";";
        };
        lastStop = stopReply(SIGTRAP, vcpu, detail);
        channel.write(lastStop);
    }

    private void ended(Event.Ended end) throws IOException, InterruptedException {
        target = null;
        if (end.reset()) {
            return; // the session goes on with the next VM (attached)
        }
        if (running) {
            channel.write(String.format("W%02x", end.exitStatus() & 0xFF));
        }
        done = true;
    }

    private void attached(DebugTarget next) throws InterruptedException {
        target = next;
        arch = next.arch();
        if (!next.holdAll()) {
            return;
        }
        for (int i = 0; i < next.vcpuCount(); i++) {
            next.configure(i, debugFor(false));
        }
        for (int i = 0; running && i < next.vcpuCount(); i++) {
            next.release(i);
        }
    }

    /** gdb went away or detached: no breakpoints any more, every vCPU runs on. */
    private void detach() throws InterruptedException {
        done = true;
        if (target != null) {
            for (int i = 0; i < target.vcpuCount(); i++) {
                target.configure(i, GuestDebug.NONE);
            }
            for (int i = 0; i < target.vcpuCount(); i++) {
                target.release(i);
            }
        }
    }

    private String stopReply(int signal, int vcpu, String detail) {
        return String.format("T%02xthread:%s;%s", signal, tid(vcpu), detail);
    }

    private static String tid(int vcpu) {
        return Integer.toHexString(vcpu + 1);
    }

    /** A thread id as a vCPU index; -1 when no such vCPU. */
    private int thread(String id) {
        long tid = number(id);
        return tid >= 1 && tid <= target.vcpuCount() ? (int) tid - 1 : -1;
    }

    /** A hex number; -1 when malformed. */
    private static long number(String hex) {
        if (hex.isEmpty() || hex.length() > 16) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(hex, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Two hex numbers separated by {@code separator}; null when malformed. */
    private static long[] numbers(String text, char separator) {
        int at = text.indexOf(separator);
        if (at < 0) {
            return null;
        }
        String first = text.substring(0, at);
        String second = text.substring(at + 1);
        if (first.isEmpty() || second.isEmpty() || first.length() > 16 || second.length() > 16) {
            return null;
        }
        try {
            long length = Long.parseUnsignedLong(second, 16);
            return length < 0 ? null : new long[] {Long.parseUnsignedLong(first, 16), length};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
