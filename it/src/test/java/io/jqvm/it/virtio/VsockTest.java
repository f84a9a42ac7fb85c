package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtio-vsock to host Unix sockets in Firecracker's convention, driven by the static guest program
 * guests/aarch64/linux/vsock-line.c: the guest connects to the host (CID 2) on port 5000 and reaches the
 * host's listener at {@code <uds>_5000}; the host connects to {@code <uds>}, writes {@code CONNECT 6000},
 * and reaches the guest's listener. One line each way in both directions.
 *
 * <p>jqvm only: QEMU's vsock device is vhost-vsock, which needs the host kernel's /dev/vhost-vsock; this
 * build host has none (its kernel has no vhost_vsock module), and QEMU has no Unix-socket vsock backend.
 */
class VsockTest {
    @Test
    void oneLineEachWayInBothDirections(@TempDir Path dir) throws Exception {
        Path uds = dir.resolve("vsock.sock");
        try (ServerSocketChannel hostListener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            hostListener.bind(UnixDomainSocketAddress.of(dir.resolve("vsock.sock_5000")));
            try (Console console = LinuxVm.under(Vmm.JQVM).with(new GuestDevice.Vsock(3, uds)).boot(dir)) {
                GuestShell sh = new GuestShell(console);
                console.type("vsock-line connect 2 5000 from-the-guest > /tmp/connect.out 2>&1 &");
                try (SocketChannel fromGuest = hostListener.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(fromGuest),
                            StandardCharsets.US_ASCII));
                    assertEquals("from-the-guest", in.readLine());
                    Channels.newOutputStream(fromGuest).write("from-the-host\n".getBytes(StandardCharsets.US_ASCII));
                }
                assertEquals("vsock-line: received from-the-host", sh.ok("wait; cat /tmp/connect.out"));

                console.type("vsock-line listen 6000 guest-answers > /tmp/listen.out 2>&1 &");
                sh.ok("while ! grep -q listening /tmp/listen.out 2>/dev/null; do sleep 1; done");
                try (SocketChannel toGuest = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
                    OutputStream out = Channels.newOutputStream(toGuest);
                    BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(toGuest),
                            StandardCharsets.US_ASCII));
                    out.write("CONNECT 6000\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("OK", in.readLine().split(" ")[0]);
                    out.write("host-asks\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("guest-answers", in.readLine());
                }
                assertEquals("vsock-line: listening on 6000\nvsock-line: received host-asks", sh.ok("wait; cat /tmp/listen.out"));
            }
        }
    }
}
