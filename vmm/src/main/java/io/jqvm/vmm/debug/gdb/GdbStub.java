package io.jqvm.vmm.debug.gdb;

import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.config.model.GdbSpec;
import io.jqvm.memory.GuestMemory;
import io.jqvm.vmm.VmRuntime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;

/**
 * The {@code gdb} option: a GDB remote-protocol server on TCP or a Unix socket, one debugger at a time, for the
 * whole life of the jqvm process (a guest reset keeps the session). A debugger that connects stops the VM, as
 * with QEMU's gdbstub; with {@code wait} the guest is held before its first instruction until one does.
 */
public final class GdbStub implements AutoCloseable {
    /** How long closing waits for a connected debugger to be told the VM ended ("W" packet) before cutting it off. */
    private static final long SESSION_END_MILLIS = 2000;
    private final GdbSpec spec;
    private final TargetArch arch;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final Object lock = new Object();
    private VmDebugTarget target;
    private GdbSession session;
    private boolean firstAttach = true;

    private GdbStub(GdbSpec spec, Arch arch, ServerSocketChannel server) {
        this.spec = spec;
        this.arch = TargetArch.of(arch);
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("gdb-stub").unstarted(this::accept);
    }

    /** Listens on the configured endpoint; a port or path that cannot be used is a fatal error before start. */
    public static GdbStub open(GdbSpec spec, Arch arch) {
        ServerSocketChannel server = null;
        try {
            SocketAddress address;
            if (spec.endpoint() instanceof GdbSpec.Unix unix) {
                Files.deleteIfExists(unix.path()); // a socket left by a killed VM
                server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                address = UnixDomainSocketAddress.of(unix.path());
            } else {
                GdbSpec.Tcp tcp = (GdbSpec.Tcp) spec.endpoint();
                server = ServerSocketChannel.open();
                server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                address = new InetSocketAddress(tcp.host(), tcp.port());
            }
            server.bind(address);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the error below is what matters
                }
            }
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, spec.origin() + ": gdb: cannot listen on "
                    + spec.endpoint() + ": " + e.getMessage());
        }
        GdbStub stub = new GdbStub(spec, arch, server);
        Log.info("gdb: listening on " + spec.endpoint());
        stub.acceptor.start();
        return stub;
    }

    /**
     * Before {@code runtime} starts: the debugger's session, if any, takes the new VM over; with {@code wait} the
     * first VM is held before its first instruction.
     */
    public void attach(VmRuntime runtime, GuestMemory memory) {
        VmDebugTarget next = new VmDebugTarget(arch, runtime, memory);
        synchronized (lock) {
            target = next;
            runtime.holds().onStop((vcpu, why) -> post(new GdbSession.Event.Stopped(vcpu, why)));
            if (firstAttach && spec.waitForDebugger()) {
                runtime.holds().holdAll();
                Log.info("gdb: the guest waits for a debugger on " + spec.endpoint());
            }
            firstAttach = false;
            if (session != null) {
                runtime.holds().holdAll();
                session.post(new GdbSession.Event.Attached(next));
            }
        }
    }

    /** After the VM ended: the debugger sees the exit, unless the guest reset (it sees the next VM). */
    public void detach(VmRuntime.Outcome outcome) {
        synchronized (lock) {
            target = null;
            post(new GdbSession.Event.Ended(outcome.status().code(), outcome.reset()));
        }
    }

    private void post(GdbSession.Event e) {
        synchronized (lock) {
            if (session != null) {
                session.post(e);
            }
        }
    }

    private void accept() {
        while (server.isOpen()) {
            try (SocketChannel connection = server.accept()) {
                if (connection.getRemoteAddress() instanceof InetSocketAddress) {
                    connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                serve(connection);
            } catch (IOException e) {
                if (server.isOpen()) {
                    Log.warn("gdb: connection failed: " + e.getMessage());
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel connection) throws IOException, InterruptedException {
        RspChannel channel = new RspChannel(Channels.newInputStream(connection), Channels.newOutputStream(connection));
        GdbSession s;
        synchronized (lock) {
            if (target == null) {
                return; // the VM has ended
            }
            s = new GdbSession(channel, target);
            session = s;
        }
        Thread reader = Thread.ofPlatform().daemon().name("gdb-reader").start(() -> {
            try {
                while (true) {
                    s.post(new GdbSession.Event.Packet(channel.read()));
                }
            } catch (IOException e) { // EOFException included: the debugger went away
                s.post(new GdbSession.Event.Disconnected());
            }
        });
        try {
            s.run();
        } finally {
            synchronized (lock) {
                session = null;
            }
            connection.close();
            reader.join(1000);
            Log.info("gdb: debugger gone");
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            Log.warn("gdb: closing the server: " + e.getMessage());
        }
        try { // a connected debugger's session first sends it the VM's end (posted by detach), then ends
            acceptor.join(SESSION_END_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        acceptor.interrupt();
        if (spec.endpoint() instanceof GdbSpec.Unix unix) {
            try {
                Files.deleteIfExists(unix.path());
            } catch (IOException e) {
                Log.warn("gdb: cannot remove " + unix.path() + ": " + e.getMessage());
            }
        }
    }
}
