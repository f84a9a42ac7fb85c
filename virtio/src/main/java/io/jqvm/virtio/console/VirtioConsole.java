package io.jqvm.virtio.console;

import io.jqvm.device.CharBackend;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.ConfigSpace;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;

/**
 * virtio-console (virtio 1.2 §5.3) with one port, port 0's receiveq0 and transmitq0, on a host character
 * backend (the {@code hostdev}s a UART would have). A Linux guest sees it as {@code hvc0}.
 *
 * <p>Features: VIRTIO_CONSOLE_F_EMERG_WRITE only. F_SIZE is not offered because a backend has no terminal
 * size to report, and F_MULTIPORT is not needed for one port (the control queues then do not exist).
 *
 * <p>Output runs on the notifying vCPU: {@link CharBackend#write} never blocks (its buffer drops when the host
 * stalls), so a TX kick costs a copy. Input runs on the backend's thread when it has bytes and on the vCPU
 * when the driver adds receive buffers; bytes stay in the backend while the guest has no buffer, so a guest
 * that does not read holds the host back instead of losing input.
 */
public final class VirtioConsole implements VirtioDevice {
    static final int DEVICE_ID = 3;
    static final int RECEIVEQ = 0;
    static final int TRANSMITQ = 1;
    static final long F_EMERG_WRITE = 1L << 2;
    /** cols (u16), rows (u16), max_nr_ports (u32), emerg_wr (u32). */
    static final int CONFIG_SIZE = 12;
    /** cols, rows (0: no F_SIZE), max_nr_ports (1), emerg_wr (0): nothing in it ever changes. */
    private static final byte[] CONFIG = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    static final int EMERG_WR_OFFSET = 8;
    private static final int QUEUE_SIZE = 128;
    /** Bytes copied between guest memory and the backend at a time, in each direction. */
    private static final int CHUNK = 4096;

    private final CharBackend backend;
    private final Object rxLock = new Object();
    private final Object txLock = new Object();
    private volatile DeviceQueues queues;
    private final byte[] rxBuffer = new byte[CHUNK]; // guarded by rxLock
    private final byte[] txBuffer = new byte[CHUNK]; // guarded by txLock

    public VirtioConsole(CharBackend backend) {
        this.backend = backend;
        backend.onInput(this::fillReceiveBuffers);
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long offeredFeatures() {
        return F_EMERG_WRITE;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int queue) {
        return QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return ConfigSpace.read(CONFIG, offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // emerg_wr: one character to the host even before the queues exist (§5.3.6.2 of virtio 1.2).
        if (offset == EMERG_WR_OFFSET) {
            backend.write((int) (value & 0xff));
        }
    }

    @Override
    public void activate(DeviceQueues queues) {
        this.queues = queues;
        fillReceiveBuffers();
        transmit();
    }

    @Override
    public void queueNotify(int queue) {
        if (queue == RECEIVEQ) {
            fillReceiveBuffers();
        } else if (queue == TRANSMITQ) {
            transmit();
        }
    }

    @Override
    public void reset() {
        // Taking both locks waits for a transfer in flight to finish with the old queues.
        synchronized (rxLock) {
            synchronized (txLock) {
                queues = null;
            }
        }
    }

    @Override
    public void close() {
        reset();
    }

    /** Moves waiting host input into the guest's receive buffers, as long as both last. */
    private void fillReceiveBuffers() {
        synchronized (rxLock) {
            DeviceQueues q = queues;
            if (q == null) {
                return;
            }
            Virtqueue rx = q.queue(RECEIVEQ);
            if (rx == null) {
                return; // a driver that never enabled the queue gets no input
            }
            boolean added = false;
            try {
                DescriptorChain chain;
                while ((chain = rx.pop()) != null) {
                    int n = fill(chain);
                    if (n == 0) {
                        rx.undoPop(); // no input after all: the buffer waits for the next byte
                        break;
                    }
                    rx.addUsed(chain, n);
                    added = true;
                }
            } catch (VirtqueueException e) {
                q.fail("virtio-console receiveq: " + e.getMessage());
                return;
            }
            if (added) {
                q.notifyUsed(RECEIVEQ);
            }
        }
    }

    /** Copies waiting input into {@code chain}; returns the number of bytes, 0 when there was none. */
    private int fill(DescriptorChain chain) throws VirtqueueException {
        int room = (int) Math.min(chain.writableLength(), rxBuffer.length);
        if (room == 0) {
            throw new VirtqueueException("receive buffer " + chain.head() + " has no device-writable bytes");
        }
        int n = 0;
        while (n < room) {
            int b = backend.read();
            if (b < 0) {
                break;
            }
            rxBuffer[n++] = (byte) b;
        }
        chain.write(0, rxBuffer, 0, n);
        return n;
    }

    /** Sends what the driver queued for the host. */
    private void transmit() {
        synchronized (txLock) {
            DeviceQueues q = queues;
            if (q == null) {
                return;
            }
            Virtqueue tx = q.queue(TRANSMITQ);
            if (tx == null) {
                return;
            }
            boolean added = false;
            try {
                DescriptorChain chain;
                while ((chain = tx.pop()) != null) {
                    long length = chain.readableLength();
                    for (long at = 0; at < length; at += CHUNK) {
                        int n = chain.read(at, txBuffer, 0, (int) Math.min(CHUNK, length - at));
                        for (int i = 0; i < n; i++) {
                            backend.write(txBuffer[i] & 0xff);
                        }
                    }
                    tx.addUsed(chain, 0);
                    added = true;
                }
            } catch (VirtqueueException e) {
                q.fail("virtio-console transmitq: " + e.getMessage());
                return;
            }
            if (added) {
                q.notifyUsed(TRANSMITQ);
            }
        }
    }
}
