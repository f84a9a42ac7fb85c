package io.jqvm.virtio.vsock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 44-byte little-endian header of every virtio-vsock packet (virtio 1.2 §5.10.6, Linux's
 * {@code struct virtio_vsock_hdr}): addresses, payload length, socket type, operation and the sender's credit
 * (its receive buffer size and how much of what it received it has passed on). Ports and counters are u32,
 * kept in Java {@code int}s and compared as unsigned.
 */
record VsockHeader(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op, int flags,
                   int bufAlloc, int fwdCnt) {
    static final int SIZE = 44;

    static final int TYPE_STREAM = 1;

    static final int OP_REQUEST = 1;
    static final int OP_RESPONSE = 2;
    static final int OP_RST = 3;
    static final int OP_SHUTDOWN = 4;
    static final int OP_RW = 5;
    static final int OP_CREDIT_UPDATE = 6;
    static final int OP_CREDIT_REQUEST = 7;

    /** SHUTDOWN flags: the sender will receive no more, send no more. */
    static final int SHUTDOWN_RCV = 1;
    static final int SHUTDOWN_SEND = 2;
    static final int SHUTDOWN_BOTH = SHUTDOWN_RCV | SHUTDOWN_SEND;

    /** Decodes the first {@link #SIZE} bytes of {@code bytes}. */
    static VsockHeader decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        return new VsockHeader(b.getLong(), b.getLong(), b.getInt(), b.getInt(), b.getInt(),
                Short.toUnsignedInt(b.getShort()), Short.toUnsignedInt(b.getShort()), b.getInt(), b.getInt(), b.getInt());
    }

    /** Encodes into the first {@link #SIZE} bytes of {@code bytes}. */
    void encode(byte[] bytes) {
        ByteBuffer.wrap(bytes, 0, SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(srcCid).putLong(dstCid).putInt(srcPort).putInt(dstPort).putInt(len)
                .putShort((short) type).putShort((short) op).putInt(flags).putInt(bufAlloc).putInt(fwdCnt);
    }
}
