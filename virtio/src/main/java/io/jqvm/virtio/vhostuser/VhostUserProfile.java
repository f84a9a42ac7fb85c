package io.jqvm.virtio.vhostuser;

import io.jqvm.virtio.net.MacAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * What the front end adds to a vhost-user back end for one device type: the device ID and queues the guest
 * sees, which of the back end's device feature bits reach the guest, and the configuration space: made here
 * (virtio-fs's tag, virtio-net's MAC, as QEMU's front ends make them) or read from the back end (virtio-blk's
 * capacity and limits, through GET_CONFIG).
 *
 * @param passedFeatures the back end's device bits the guest may see (those whose meaning the front end needs
 *                       no part in)
 * @param ownFeatures    bits the front end itself serves (a MAC in the configuration space)
 * @param localConfig    the configuration space, or null to read {@code backendConfigSize} bytes from the back end
 */
public record VhostUserProfile(String type, int deviceId, int queues, int queueMaxSize, long passedFeatures,
        long ownFeatures, byte[] localConfig, int backendConfigSize) {
    /** virtio-fs (§5.11): a hiprio queue and one request queue; config = tag[36], num_request_queues. */
    public static final int FS_TAG_MAX = 36;

    /** virtio-fs sharing the back end's directory under {@code tag} (at most 36 bytes of UTF-8, no NUL). */
    public static VhostUserProfile fs(String tag) {
        byte[] name = tag.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length > FS_TAG_MAX || tag.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("tag " + tag + " must be 1 to " + FS_TAG_MAX + " bytes of UTF-8 without NUL");
        }
        ByteBuffer config = ByteBuffer.allocate(FS_TAG_MAX + 4).order(ByteOrder.LITTLE_ENDIAN);
        config.put(name).position(FS_TAG_MAX);
        config.putInt(1);
        return new VhostUserProfile("vhost-user-fs", 26, 2, 128, 0, 0, config.array(), 0);
    }

    /**
     * virtio-blk (§5.2) with one queue: SIZE_MAX, SEG_MAX, GEOMETRY, RO, BLK_SIZE, FLUSH, TOPOLOGY, DISCARD and
     * WRITE_ZEROES pass through; the 60-byte configuration (to write_zeroes_may_unmap) comes from the back end.
     * Not MQ (one queue) nor CONFIG_WCE (the cache mode stays the back end's).
     */
    public static VhostUserProfile blk() {
        long passed = bits(1, 2, 4, 5, 6, 9, 10, 13, 14);
        return new VhostUserProfile("vhost-user-blk", 2, 1, 128, passed, 0, null, 60);
    }

    /**
     * virtio-net (§5.1) with one receive and one transmit queue. The back end's checksum, segmentation and
     * merged-buffer bits pass through; the MAC and the link status (always up) are the front end's, as QEMU's.
     */
    public static VhostUserProfile net(MacAddress mac) {
        long passed = bits(0, 1, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        ByteBuffer config = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        config.put(mac.bytes()).putShort((short) 1); // VIRTIO_NET_S_LINK_UP
        return new VhostUserProfile("vhost-user-net", 1, 2, 256, passed, bits(5, 16), config.array(), 0);
    }

    private static long bits(int... numbers) {
        long b = 0;
        for (int n : numbers) {
            b |= 1L << n;
        }
        return b;
    }
}
