package io.jqvm.vmm.pass;

import io.jqvm.common.Log;
import io.jqvm.device.BusDevice;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@code pass loc io:} window: each guest access to {@code [guestBase, guestBase + length)} reaches the host
 * port at the same offset from {@code hostBase}. The bus keeps accesses inside the window, so a guest can never
 * reach a host port outside what the configuration passed. A host that fails the access is a device that does not
 * answer: reads return all ones, writes are dropped (said once in the log).
 */
public final class PortForwarder implements BusDevice {
    private final HostPorts host;
    private final int hostBase;
    private final long length;
    private final AtomicBoolean failureLogged = new AtomicBoolean();

    public PortForwarder(HostPorts host, int hostBase, long length) {
        if (hostBase < 0 || hostBase + length > 0x10000) {
            throw new IllegalArgumentException("host ports " + hostBase + "+" + length + " exceed 0xffff");
        }
        this.host = host;
        this.hostBase = hostBase;
        this.length = length;
    }

    @Override
    public long read(int vcpu, long offset, int size) {
        if (offset < 0 || offset + size > length || size > 4) {
            return size >= 8 ? -1L : (1L << (8 * size)) - 1;
        }
        try {
            return host.read(hostBase + (int) offset, size);
        } catch (RuntimeException e) {
            logFailure(e);
            return (1L << (8 * size)) - 1;
        }
    }

    @Override
    public void write(int vcpu, long offset, int size, long value) {
        if (offset < 0 || offset + size > length || size > 4) {
            return;
        }
        try {
            host.write(hostBase + (int) offset, size, value);
        } catch (RuntimeException e) {
            logFailure(e); // dropped, as a write to a port nothing decodes
        }
    }

    private void logFailure(RuntimeException e) {
        if (failureLogged.compareAndSet(false, true)) {
            Log.warn("pass io:" + Integer.toHexString(hostBase) + ": the host refused a port access (" + e.getMessage()
                    + "); such accesses read all ones and drop writes (logged once)");
        }
    }
}
