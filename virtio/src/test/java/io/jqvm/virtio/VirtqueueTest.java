package io.jqvm.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.RingDriver;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtqueueTest {
    private static final long RAM = 0x8000_0000L;
    private static final long SIZE = 0x40000;
    private static final long ROM = RAM + SIZE;
    private final GuardedMemory mem = new GuardedMemory(RAM, SIZE, 0x1000);
    private final RingDriver driver = new RingDriver(mem.memory(), 8, RAM, RAM + 0x10000, 0x10000);

    @AfterEach
    void guards() {
        assertTrue(mem.guardsIntact());
        mem.close();
    }

    private Virtqueue queue(boolean eventIdx) throws VirtqueueException {
        return new Virtqueue(mem.memory(), driver.size(), driver.descTable(), driver.availRing(), driver.usedRing(), eventIdx);
    }

    private String refusal(Virtqueue q) {
        return assertThrows(VirtqueueException.class, q::pop).getMessage();
    }

    @Test
    void aDirectChainSplitsIntoReadableAndWritableBuffersInOrder() throws Exception {
        Virtqueue q = queue(false);
        assertNull(q.pop());
        int head = driver.add(List.of(new byte[] {1, 2, 3}, new byte[] {4, 5}), List.of(4, 1));
        assertTrue(q.hasAvailable());
        DescriptorChain c = q.pop();
        assertEquals(head, c.head());
        assertEquals(2, c.readable().size());
        assertEquals(5, c.readableLength());
        assertEquals(5, c.writableLength());
        byte[] got = new byte[5];
        assertEquals(5, c.read(0, got, 0, 5));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, got);
        byte[] mid = new byte[3];
        assertEquals(3, c.read(2, mid, 0, 10 - 7));
        assertArrayEquals(new byte[] {3, 4, 5}, mid);
        assertEquals(0x05040302L, c.readU32(1));
        assertEquals(-1, c.readU32(2));
        assertEquals(5, c.write(0, new byte[] {9, 8, 7, 6, 5, 4}, 0, 6)); // the sixth byte has no room
        q.addUsed(c, 5);
        assertEquals(new RingDriver.Used(head, 5), driver.pollUsed());
        assertArrayEquals(new byte[] {9, 8, 7, 6, 5}, driver.writableContents(head));
        assertFalse(q.hasAvailable());
    }

    @Test
    void anIndirectTableReadsLikeADirectChain() throws Exception {
        Virtqueue q = queue(false);
        int head = driver.addIndirect(List.of(new byte[] {1}, new byte[] {2, 3}), List.of(2));
        DescriptorChain c = q.pop();
        assertEquals(head, c.head());
        assertEquals(3, c.readableLength());
        assertEquals(2, c.writableLength());
    }

    @Test
    void indicesWrapAroundSixteenBitsWithoutLosingAChain() throws Exception {
        Virtqueue q = queue(false);
        for (int i = 0; i < 70_000; i++) {
            int head = driver.add(List.of(new byte[] {(byte) i}), List.of(1));
            DescriptorChain c = q.pop();
            assertEquals(head, c.head());
            byte[] b = new byte[1];
            c.read(0, b, 0, 1);
            assertEquals((byte) i, b[0]);
            q.addUsed(c, 0);
            assertEquals(new RingDriver.Used(head, 0), driver.pollUsed());
        }
        assertEquals(70_000 & 0xffff, driver.usedIndex());
    }

    @Test
    void undoPopGivesTheSameChainBack() throws Exception {
        Virtqueue q = queue(false);
        int head = driver.add(List.of(new byte[] {1}), List.of());
        q.pop();
        q.undoPop();
        assertEquals(head, q.pop().head());
    }

    @Test
    void withoutEventIdxTheNoInterruptFlagSuppressesInterrupts() throws Exception {
        Virtqueue q = queue(false);
        assertFalse(q.needsInterrupt()); // nothing used yet
        driver.add(List.of(new byte[] {1}), List.of());
        q.addUsed(q.pop(), 0);
        assertTrue(q.needsInterrupt());
        assertFalse(q.needsInterrupt()); // that batch was signalled
        driver.setNoInterrupt(true);
        driver.add(List.of(new byte[] {1}), List.of());
        q.addUsed(q.pop(), 0);
        assertFalse(q.needsInterrupt());
    }

    @Test
    void withEventIdxTheDeviceInterruptsOnlyWhenTheUsedIndexPassesUsedEvent() throws Exception {
        Virtqueue q = queue(true);
        driver.setUsedEvent(2); // interrupt me once the third entry is used
        for (int i = 0; i < 2; i++) {
            driver.add(List.of(new byte[] {1}), List.of());
            q.addUsed(q.pop(), 0);
            assertFalse(q.needsInterrupt(), "entry " + i);
        }
        driver.add(List.of(new byte[] {1}), List.of());
        q.addUsed(q.pop(), 0);
        assertTrue(q.needsInterrupt());
        // A batch that jumps over used_event still interrupts once.
        driver.setUsedEvent(4);
        for (int i = 0; i < 3; i++) {
            driver.add(List.of(new byte[] {1}), List.of());
            q.addUsed(q.pop(), 0);
        }
        assertTrue(q.needsInterrupt());
    }

    @Test
    void withEventIdxTheDeviceAsksToBeNotifiedOfTheNextChainOnly() throws Exception {
        Virtqueue q = queue(true);
        int before = driver.availIndex();
        driver.add(List.of(new byte[] {1}), List.of());
        assertTrue(driver.deviceWantsNotify(before)); // avail_event is 0: the first chain is notified
        q.pop();
        assertEquals(1, driver.availEvent());
        before = driver.availIndex();
        driver.add(List.of(new byte[] {1}), List.of());
        assertTrue(driver.deviceWantsNotify(before));
        before = driver.availIndex();
        driver.add(List.of(new byte[] {1}), List.of()); // the device has not popped the previous one yet
        assertFalse(driver.deviceWantsNotify(before));
    }

    @Test
    void ringsMustBeAPowerOfTwoAlignedAndInsideRam() {
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 0, RAM, RAM + 0x1000, RAM + 0x2000, false));
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 12, RAM, RAM + 0x1000, RAM + 0x2000, false));
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 65536, RAM, RAM + 0x1000, RAM + 0x2000, false));
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 8, RAM + 8, RAM + 0x1000, RAM + 0x2000, false));
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 8, RAM, RAM + 0x1001, RAM + 0x2000, false));
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 8, RAM, RAM + 0x1000, RAM + 0x2002, false));
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 8, RAM - 0x1000, RAM + 0x1000, RAM + 0x2000, false));
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 8, RAM, RAM + SIZE - 8, RAM + 0x2000, false));
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 8, RAM, RAM + 0x1000, ROM, false)); // used ring in ROM
        assertThrows(VirtqueueException.class, () -> new Virtqueue(mem.memory(), 8, -16, RAM + 0x1000, RAM + 0x2000, false));
    }

    @Test
    void anAvailableIndexTooFarAheadIsRefused() throws Exception {
        Virtqueue q = queue(false);
        driver.setAvailIndex(9);
        assertTrue(refusal(q).contains("ahead"));
    }

    @Test
    void aHeadOrLinkOutsideTheTableIsRefused() throws Exception {
        Virtqueue q = queue(false);
        driver.publish(8);
        assertTrue(refusal(q).contains("head 8"));
        Virtqueue q2 = new Virtqueue(mem.memory(), 8, RAM + 0x4000, RAM + 0x5000, RAM + 0x6000, false);
        RingDriver d2 = new RingDriver(mem.memory(), 8, RAM + 0x4000, RAM + 0x20000, 0x1000);
        d2.writeDescriptor(d2.descTable(), 0, RAM + 0x20000, 4, RingDriver.F_NEXT, 8);
        mem.memory().write16(RAM + 0x5000 + 4, 0);
        mem.memory().write16(RAM + 0x5000 + 2, 1);
        assertTrue(assertThrows(VirtqueueException.class, q2::pop).getMessage().contains("links to 8"));
    }

    @Test
    void aLoopIsRefusedAfterAtMostQueueSizeDescriptors() throws Exception {
        Virtqueue q = queue(false);
        driver.writeDescriptor(driver.descTable(), 0, RAM + 0x10000, 4, RingDriver.F_NEXT, 1);
        driver.writeDescriptor(driver.descTable(), 1, RAM + 0x10000, 4, RingDriver.F_NEXT, 0);
        driver.publish(0);
        assertTrue(refusal(q).contains("loop"));
    }

    @Test
    void aLoopInsideAnIndirectTableIsRefused() throws Exception {
        Virtqueue q = queue(false);
        long table = RAM + 0x30000;
        driver.writeDescriptor(table, 0, RAM + 0x10000, 4, RingDriver.F_NEXT, 0);
        driver.writeDescriptor(driver.descTable(), 0, table, 16, RingDriver.F_INDIRECT, 0);
        driver.publish(0);
        assertTrue(refusal(q).contains("loop"));
    }

    @Test
    void malformedIndirectTablesAreRefused() throws Exception {
        long table = RAM + 0x30000;
        driver.writeDescriptor(table, 0, table, 16, RingDriver.F_INDIRECT, 0); // nested
        int[][] cases = {
            {16, RingDriver.F_INDIRECT},                       // nested table inside
            {16, RingDriver.F_INDIRECT | RingDriver.F_NEXT},   // indirect with NEXT
            {0, RingDriver.F_INDIRECT},                        // empty table
            {24, RingDriver.F_INDIRECT},                       // not a multiple of 16
            {16 * (Virtqueue.MAX_INDIRECT + 1), RingDriver.F_INDIRECT}, // too many descriptors
        };
        for (int[] c : cases) {
            Virtqueue q = queue(false);
            driver.writeDescriptor(driver.descTable(), 0, table, c[0], c[1], 1);
            driver.publish(0);
            refusal(q);
        }
        Virtqueue q = queue(false);
        driver.writeDescriptor(driver.descTable(), 0, RAM + SIZE - 16, 32, RingDriver.F_INDIRECT, 0); // crosses the end of RAM
        driver.publish(0);
        assertTrue(refusal(q).contains("not in guest RAM"));
    }

    @Test
    void buffersOutsideRamOverflowingOrWritableInRomAreRefused() throws Exception {
        long[][] cases = {
            {RAM - 4, 4, 0},                 // below RAM
            {RAM + SIZE - 2, 4, 0},          // crosses the end of RAM
            {-8L, 0xffff_ffffL, 0},          // address + length overflows 64 bits
            {RAM, 0xffff_ffffL, 0},          // a 4 GiB length
            {ROM, 16, RingDriver.F_WRITE},   // device-writable in ROM
        };
        for (long[] c : cases) {
            Virtqueue q = queue(false);
            driver.writeDescriptor(driver.descTable(), 0, c[0], (int) c[1], (int) c[2], 0);
            driver.publish(0);
            assertTrue(refusal(q).contains("not in guest RAM"), Long.toHexString(c[0]));
        }
        Virtqueue q = queue(false);
        driver.writeDescriptor(driver.descTable(), 0, ROM, 16, 0, 0); // device-readable ROM is fine
        driver.publish(0);
        assertEquals(16, q.pop().readableLength());
    }

    @Test
    void aReadableBufferAfterAWritableOneOrAZeroLengthBufferIsRefused() throws Exception {
        Virtqueue q = queue(false);
        driver.writeDescriptor(driver.descTable(), 0, RAM + 0x10000, 4, RingDriver.F_WRITE | RingDriver.F_NEXT, 1);
        driver.writeDescriptor(driver.descTable(), 1, RAM + 0x10000, 4, 0, 0);
        driver.publish(0);
        assertTrue(refusal(q).contains("readable after"));
        q = queue(false);
        driver.writeDescriptor(driver.descTable(), 0, RAM + 0x10000, 0, 0, 0);
        driver.publish(0);
        assertTrue(refusal(q).contains("length 0"));
    }

    @Test
    void aDeviceCannotClaimMoreBytesThanTheChainCanHold() throws Exception {
        Virtqueue q = queue(false);
        driver.add(List.of(), List.of(4));
        DescriptorChain c = q.pop();
        assertThrows(IllegalArgumentException.class, () -> q.addUsed(c, 5));
        assertThrows(IllegalArgumentException.class, () -> q.addUsed(c, -1));
    }

    @Test
    void chainTransfersAtAndPastTheEndCopyNothing() throws Exception {
        Virtqueue q = queue(false);
        driver.add(List.of(new byte[] {1, 2}), List.of(2));
        DescriptorChain c = q.pop();
        byte[] b = new byte[4];
        assertEquals(0, c.read(2, b, 0, 4));
        assertEquals(0, c.read(-1, b, 0, 4));
        assertEquals(0, c.write(5, b, 0, 4));
        assertEquals(1, c.write(1, b, 0, 4));
    }
}
