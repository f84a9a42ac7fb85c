package io.jqvm.vmm.pass;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.host.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A host interrupt source as KVM's irqfd sees one: a trigger eventfd, signalled once per host interrupt, and a
 * resample eventfd the VM signals at the guest's end of interrupt to re-arm the source (-1: none, edge-triggered).
 * Either a peer process hands both over a Unix socket, or a UIO device is bridged to a pair made here.
 */
public final class HostInterrupt implements AutoCloseable {
    /** How long a peer may take to send its descriptors after the VM connected. */
    static final int PEER_TIMEOUT_MS = 10_000;

    private final int triggerFd;
    private final int resampleFd;
    private final String description;
    private final List<Integer> owned;
    private final Thread bridge;
    private final int stopFd;

    private HostInterrupt(int triggerFd, int resampleFd, String description, List<Integer> owned, Thread bridge, int stopFd) {
        this.triggerFd = triggerFd;
        this.resampleFd = resampleFd;
        this.description = description;
        this.owned = owned;
        this.bridge = bridge;
        this.stopFd = stopFd;
    }

    /**
     * {@code eventfd:PATH}: connects to the Unix socket at {@code socket}, whose peer sends one message (at least
     * one byte) carrying the trigger eventfd and, for a level-triggered source, the resample eventfd. With
     * {@code edge} ({@code u}) a resample eventfd is closed unused: nothing waits for the guest's end of interrupt.
     */
    public static HostInterrupt fromPeer(Path socket, boolean edge) {
        List<Integer> fds = new ArrayList<>();
        try (UnixSocket connection = UnixSocket.connect(socket)) {
            int n = connection.receive(new byte[16], 0, 16, fds, PEER_TIMEOUT_MS);
            if (n <= 0 || fds.isEmpty() || fds.size() > 2) {
                fds.forEach(Libc::close);
                throw new PassThroughException("eventfd:" + socket + ": the peer " + (n < 0 ? "sent nothing within "
                        + PEER_TIMEOUT_MS / 1000 + " s" : n == 0 ? "closed the connection" : "sent " + fds.size()
                        + " descriptors") + "; it must send the trigger eventfd and optionally a resample eventfd");
            }
        } catch (HostException e) {
            throw new PassThroughException("eventfd:" + socket + ": cannot connect: " + Libc.strerror(e.errno()));
        }
        if (edge && fds.size() > 1) {
            Libc.close(fds.remove(1).intValue());
        }
        return new HostInterrupt(fds.get(0), fds.size() > 1 ? fds.get(1) : -1, "eventfd:" + socket, fds, null, -1);
    }

    /**
     * Eventfds obtained elsewhere (a VFIO device's interrupt, a test): this object owns and closes them.
     *
     * @param resampleFd -1 for an edge-triggered source
     */
    public static HostInterrupt fromEventfds(int triggerFd, int resampleFd, String description) {
        List<Integer> owned = new ArrayList<>(List.of(triggerFd));
        if (resampleFd >= 0) {
            owned.add(resampleFd);
        }
        return new HostInterrupt(triggerFd, resampleFd, description, owned, null, -1);
    }

    /**
     * {@code uio:N}: {@code /dev/uioN}, whose read blocks until an interrupt and returns the count, and to which
     * writing 1 re-enables the interrupt (the UIO driver's irqcontrol). A thread turns each interrupt into a
     * trigger signal and each resample signal into a re-enable; with {@code unmaskImmediately} ({@code u}) the
     * interrupt is re-enabled as soon as it was read and the source is edge-triggered.
     */
    public static HostInterrupt fromUio(int device, boolean unmaskImmediately, String vmName) {
        String path = "/dev/uio" + device;
        int uio;
        try {
            uio = Libc.open(path, Libc.O_RDWR);
        } catch (HostException e) {
            throw new PassThroughException("uio:" + device + ": cannot open " + path + ": " + Libc.strerror(e.errno()));
        }
        int trigger = Eventfds.create();
        int resample = unmaskImmediately ? -1 : Eventfds.create();
        int stop = Eventfds.create();
        List<Integer> owned = new ArrayList<>(List.of(uio, trigger, stop));
        if (resample >= 0) {
            owned.add(resample);
        }
        enable(uio);
        Thread bridge = Thread.ofPlatform().daemon().name(vmName + "-uio" + device).unstarted(() -> {
            while (true) {
                int ready = resample >= 0 ? Eventfds.await(stop, uio, resample) : Eventfds.await(stop, uio);
                if ((ready & 1) != 0) {
                    return;
                }
                if ((ready & 2) != 0 && readCount(uio)) {
                    if (resample < 0) {
                        enable(uio);
                    }
                    Eventfds.signal(trigger);
                }
                if ((ready & 4) != 0 && Eventfds.drain(resample) != 0) {
                    enable(uio);
                }
            }
        });
        HostInterrupt made = new HostInterrupt(trigger, resample, "uio:" + device, owned, bridge, stop);
        bridge.start();
        return made;
    }

    /** Reads a UIO device's interrupt count; false when there was none to read. */
    private static boolean readCount(int uio) {
        try (Arena a = Arena.ofConfined()) {
            return Libc.read(uio, a.allocate(4), 4) == 4;
        }
    }

    private static void enable(int uio) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(4);
            one.set(ValueLayout.JAVA_INT, 0, 1);
            Libc.write(uio, one, 4);
        }
    }

    public int triggerFd() {
        return triggerFd;
    }

    /** -1 when the source is edge-triggered (nothing to re-arm). */
    public int resampleFd() {
        return resampleFd;
    }

    @Override
    public void close() {
        if (bridge != null) {
            Eventfds.signal(stopFd);
            try {
                bridge.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        owned.forEach(Libc::close);
    }

    @Override
    public String toString() {
        return description;
    }
}
