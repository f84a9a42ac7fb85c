package io.jqvm.virtio;

/** The driver's set-up of one queue, kept until the transport's enable turns it into a {@link Virtqueue}. */
public final class QueueSetup {
    /** The three areas of a split virtqueue whose addresses the driver writes, each as two 32-bit halves. */
    public enum Area { DESCRIPTORS, DRIVER, DEVICE }

    private final int maxSize;
    private int size;
    private final long[] addresses = new long[Area.values().length];
    private Virtqueue queue;

    QueueSetup(int maxSize) {
        this.maxSize = maxSize;
        this.size = maxSize; // as QEMU: a driver that never writes the queue size gets the largest queue
    }

    public int maxSize() {
        return maxSize;
    }

    public int size() {
        return size;
    }

    public void setSize(int size) {
        this.size = size;
    }

    public long address(Area area) {
        return addresses[area.ordinal()];
    }

    public long addressHalf(Area area, boolean high) {
        long a = addresses[area.ordinal()];
        return high ? a >>> 32 : a & 0xffff_ffffL;
    }

    public void setAddressHalf(Area area, boolean high, int value) {
        long mask = high ? 0xffff_ffffL << 32 : 0xffff_ffffL;
        long bits = high ? Integer.toUnsignedLong(value) << 32 : Integer.toUnsignedLong(value);
        addresses[area.ordinal()] = (addresses[area.ordinal()] & ~mask) | bits;
    }

    /** The queue made when the driver enabled it; null while it is not enabled. */
    public Virtqueue queue() {
        return queue;
    }

    void setQueue(Virtqueue queue) {
        this.queue = queue;
    }
}
