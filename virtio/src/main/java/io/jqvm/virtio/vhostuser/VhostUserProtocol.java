package io.jqvm.virtio.vhostuser;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The vhost-user wire format (QEMU's docs/interop/vhost-user.rst), the one home of it for jqvm's front end
 * ({@link VhostUserDevice}) and its back end (the mediator): request numbers, the 12-byte header
 * {@code {u32 request; u32 flags; u32 size}} and the feature bits both sides negotiate. Payloads are little-endian.
 */
public final class VhostUserProtocol {
    public static final int GET_FEATURES = 1;
    public static final int SET_FEATURES = 2;
    public static final int SET_OWNER = 3;
    public static final int RESET_OWNER = 4;
    public static final int SET_MEM_TABLE = 5;
    public static final int SET_VRING_NUM = 8;
    public static final int SET_VRING_ADDR = 9;
    public static final int SET_VRING_BASE = 10;
    public static final int GET_VRING_BASE = 11;
    public static final int SET_VRING_KICK = 12;
    public static final int SET_VRING_CALL = 13;
    public static final int SET_VRING_ERR = 14;
    public static final int GET_PROTOCOL_FEATURES = 15;
    public static final int SET_PROTOCOL_FEATURES = 16;
    public static final int GET_QUEUE_NUM = 17;
    public static final int SET_VRING_ENABLE = 18;
    public static final int GET_CONFIG = 24;
    public static final int SET_CONFIG = 25;
    public static final int GET_INFLIGHT_FD = 31;
    public static final int SET_INFLIGHT_FD = 32;

    public static final int HEADER_SIZE = 12;
    public static final int FLAG_VERSION = 0x1;
    public static final int FLAG_REPLY = 0x4;
    public static final int FLAG_NEED_REPLY = 0x8;

    /** VHOST_USER_F_PROTOCOL_FEATURES, in the virtio feature word. */
    public static final long F_PROTOCOL_FEATURES = 1L << 30;
    public static final long PROTOCOL_F_MQ = 1L;
    public static final long PROTOCOL_F_REPLY_ACK = 1L << 3;
    public static final long PROTOCOL_F_CONFIG = 1L << 9;
    /** The back end records the requests it took in a memfd the front end keeps, so a new back end resubmits them. */
    public static final long PROTOCOL_F_INFLIGHT_SHMFD = 1L << 12;

    /** In SET_VRING_KICK/CALL/ERR's u64: no descriptor came with the message (the ring is polled, or unsignalled). */
    public static final long VRING_NOFD_MASK = 1L << 8;
    public static final long VRING_INDEX_MASK = 0xff;

    /** {@code struct vhost_vring_addr}: index, flags and four u64 addresses. */
    public static final int VRING_ADDR_SIZE = 40;
    /** One {@code VhostUserMemoryRegion}: guest address, size, front-end user address, mmap offset. */
    public static final int MEMORY_REGION_SIZE = 32;
    /** The configuration-space message's own header: offset, size, flags. */
    public static final int CONFIG_HEADER_SIZE = 12;
    /** {@code VhostUserInflight}: mmap size, mmap offset (u64 each), queue count and size (u16 each), padded to 24. */
    public static final int INFLIGHT_SIZE = 24;
    /** The largest configuration space a message may carry (QEMU's VHOST_USER_MAX_CONFIG_SIZE). */
    public static final int MAX_CONFIG_SIZE = 256;

    private VhostUserProtocol() {
    }

    /** A whole message: the header (version 1 and {@code flags}) then {@code payload}. */
    public static byte[] message(int request, int flags, byte[] payload) {
        return le(HEADER_SIZE + payload.length).putInt(request).putInt(FLAG_VERSION | flags).putInt(payload.length)
                .put(payload).array();
    }

    /** A payload buffer of {@code size} bytes, little-endian. */
    public static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A u64 payload (features, a ring index with flags, a REPLY_ACK status). */
    public static byte[] u64(long value) {
        return le(8).putLong(value).array();
    }

    /** {@code struct vhost_vring_state}: a ring index and a value (its size, base or enable flag). */
    public static byte[] vringState(int index, int value) {
        return le(8).putInt(index).putInt(value).array();
    }

    public static String name(int request) {
        return switch (request) {
            case GET_FEATURES -> "GET_FEATURES";
            case SET_FEATURES -> "SET_FEATURES";
            case SET_OWNER -> "SET_OWNER";
            case RESET_OWNER -> "RESET_OWNER";
            case SET_MEM_TABLE -> "SET_MEM_TABLE";
            case SET_VRING_NUM -> "SET_VRING_NUM";
            case SET_VRING_ADDR -> "SET_VRING_ADDR";
            case SET_VRING_BASE -> "SET_VRING_BASE";
            case GET_VRING_BASE -> "GET_VRING_BASE";
            case SET_VRING_KICK -> "SET_VRING_KICK";
            case SET_VRING_CALL -> "SET_VRING_CALL";
            case SET_VRING_ERR -> "SET_VRING_ERR";
            case GET_PROTOCOL_FEATURES -> "GET_PROTOCOL_FEATURES";
            case SET_PROTOCOL_FEATURES -> "SET_PROTOCOL_FEATURES";
            case GET_QUEUE_NUM -> "GET_QUEUE_NUM";
            case SET_VRING_ENABLE -> "SET_VRING_ENABLE";
            case GET_CONFIG -> "GET_CONFIG";
            case SET_CONFIG -> "SET_CONFIG";
            case GET_INFLIGHT_FD -> "GET_INFLIGHT_FD";
            case SET_INFLIGHT_FD -> "SET_INFLIGHT_FD";
            default -> "request " + Integer.toUnsignedString(request);
        };
    }
}
