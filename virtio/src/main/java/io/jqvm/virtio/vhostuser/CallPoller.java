package io.jqvm.virtio.vhostuser;

import io.jqvm.common.Log;
import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.host.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntConsumer;

/**
 * The eventfds of one vhost-user device and the thread that waits on them: a kick eventfd per queue (the
 * guest's notify writes it, the back end reads it), a call eventfd per queue (the back end writes it, this
 * thread turns it into the queue's interrupt), and the connection's socket, whose hang-up means the back end is
 * gone. The eventfds live as long as the device, across reconnections.
 */
final class CallPoller implements AutoCloseable {
    private static final short POLLERR = 0x8;
    private static final short POLLHUP = 0x10;
    private static final short POLLNVAL = 0x20;

    private final String name;
    private final int[] kick;
    private final int[] call;
    private final int wake;
    private final IntConsumer onCall;
    private final Runnable onHangup;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one;
    private final Thread thread;
    private volatile UnixSocket watched;
    private volatile boolean stopping;

    CallPoller(String name, int queues, IntConsumer onCall, Runnable onHangup) {
        this.name = name;
        this.onCall = onCall;
        this.onHangup = onHangup;
        this.kick = new int[queues];
        this.call = new int[queues];
        for (int i = 0; i < queues; i++) {
            kick[i] = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            call[i] = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        }
        wake = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        one = arena.allocate(8);
        one.set(ValueLayout.JAVA_LONG, 0, 1);
        thread = Thread.ofPlatform().daemon().name(name + "-vhost-user-calls").start(this::run);
    }

    int kickFd(int queue) {
        return kick[queue];
    }

    int callFd(int queue) {
        return call[queue];
    }

    /** The guest notified {@code queue}: never blocks (a full eventfd counter already means "kicked"). */
    void kick(int queue) {
        Libc.write(kick[queue], one, 8);
    }

    /** Watches {@code socket} for the back end hanging up (null: no connection to watch). */
    void watch(UnixSocket socket) {
        watched = socket;
        Libc.write(wake, one, 8);
    }

    private void run() {
        int n = call.length + 2;
        try (Arena local = Arena.ofConfined()) {
            MemorySegment fds = local.allocate(8L * n);
            MemorySegment counter = local.allocate(8);
            while (!stopping) {
                UnixSocket socket = watched;
                set(fds, 0, wake, Libc.POLLIN);
                set(fds, 1, socket == null ? -1 : socket.fd(), (short) 0); // hang-up and errors are always reported
                for (int i = 0; i < call.length; i++) {
                    set(fds, i + 2, call[i], Libc.POLLIN);
                }
                if (Libc.poll(fds, n, -1) <= 0) {
                    continue;
                }
                if (revents(fds, 0) != 0) {
                    Libc.read(wake, counter, 8);
                    continue; // the watched socket may have changed
                }
                if ((revents(fds, 1) & (POLLHUP | POLLERR | POLLNVAL)) != 0 && watched == socket) {
                    watched = null;
                    onHangup.run();
                }
                for (int i = 0; i < call.length; i++) {
                    if (revents(fds, i + 2) != 0 && Libc.read(call[i], counter, 8) == 8) {
                        onCall.accept(i);
                    }
                }
            }
        } catch (HostException e) {
            Log.error(name + ": waiting for the vhost-user back end's interrupts failed: " + e.getMessage());
        }
    }

    private static void set(MemorySegment fds, int index, int fd, short events) {
        fds.set(ValueLayout.JAVA_INT, 8L * index, fd);
        fds.set(ValueLayout.JAVA_SHORT, 8L * index + 4, events);
        fds.set(ValueLayout.JAVA_SHORT, 8L * index + 6, (short) 0);
    }

    private static int revents(MemorySegment fds, int index) {
        return fds.get(ValueLayout.JAVA_SHORT, 8L * index + 6);
    }

    @Override
    public void close() {
        stopping = true;
        Libc.write(wake, one, 8);
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < call.length; i++) {
            Libc.close(kick[i]);
            Libc.close(call[i]);
        }
        Libc.close(wake);
        arena.close();
    }
}
