package io.jqvm.vmm.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Port pass-through against a recording fake of the host's ports (this host allows no /dev/port). */
class PortForwarderTest {
    /** Host ports 0x2f8-0x2ff, each remembering its last byte; every access is recorded. */
    private static final class FakePorts implements HostPorts {
        final byte[] ports = new byte[0x10000];
        final List<String> accesses = new ArrayList<>();
        boolean failing;

        @Override
        public long read(int port, int size) {
            accesses.add("in" + size + " " + Integer.toHexString(port));
            if (failing) {
                throw new IllegalStateException("EPERM");
            }
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = v << 8 | ports[port + i] & 0xFF;
            }
            return v;
        }

        @Override
        public void write(int port, int size, long value) {
            accesses.add("out" + size + " " + Integer.toHexString(port) + "=" + Long.toHexString(value));
            if (failing) {
                throw new IllegalStateException("EPERM");
            }
            for (int i = 0; i < size; i++) {
                ports[port + i] = (byte) (value >>> (8 * i));
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void guestAccessesReachTheHostPortAtTheSameOffset() {
        FakePorts host = new FakePorts();
        PortForwarder window = new PortForwarder(host, 0x2f8, 8); // guest io:0x3f8,8 = host io:0x2f8
        window.write(0, 3, 1, 0x83);
        window.write(0, 0, 2, 0x0c01);
        assertEquals(0x83, window.read(0, 3, 1));
        assertEquals(0x0c01, window.read(0, 0, 2));
        assertEquals(List.of("out1 2fb=83", "out2 2f8=c01", "in1 2fb", "in2 2f8"), host.accesses);
    }

    @Test
    void nothingOutsideTheWindowReachesTheHost() {
        FakePorts host = new FakePorts();
        PortForwarder window = new PortForwarder(host, 0x2f8, 8);
        assertEquals(0xFF, window.read(0, 8, 1));
        assertEquals(0xFFFF, window.read(0, 7, 2), "straddles the end");
        assertEquals(-1L, window.read(0, 0, 8), "no 8-byte port access exists");
        window.write(0, -1, 1, 1);
        window.write(0, 6, 4, 1);
        assertEquals(List.of(), host.accesses);
        assertThrows(IllegalArgumentException.class, () -> new PortForwarder(host, 0xfffc, 8));
    }

    @Test
    void aHostThatRefusesIsADeviceThatDoesNotAnswer() {
        FakePorts host = new FakePorts();
        host.failing = true;
        PortForwarder window = new PortForwarder(host, 0x80, 1);
        assertEquals(0xFF, window.read(0, 0, 1));
        window.write(0, 0, 1, 5); // dropped, no exception reaches the vCPU
        assertEquals(2, host.accesses.size());
    }
}
