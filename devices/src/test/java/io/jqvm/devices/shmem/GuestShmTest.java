package io.jqvm.devices.shmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.device.GuestMappings;
import io.jqvm.device.IrqLine;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest_shm.h ABI: factory page, control pages, every status, notifications between two "VMs". */
class GuestShmTest {
    static final long WINDOW = 0x1_0000_0000L;
    static final long WINDOW_SIZE = 64 * GuestShm.PAGE;

    @TempDir
    Path dir;
    private final List<GuestShm> devices = new ArrayList<>();

    /** One VM's view: its device, its interrupt level and its guest-physical mappings. */
    final class Vm {
        final AtomicBoolean irq = new AtomicBoolean();
        final Map<Long, MemorySegment> mapped = new LinkedHashMap<>();
        final GuestShm shm;
        final BusDevice factory;
        final BusDevice window;

        Vm(ShmemPolicy policy) {
            IrqLine line = irq::set;
            GuestMappings mappings = new GuestMappings() {
                @Override
                public synchronized void map(long gpa, MemorySegment host, String owner) {
                    assertFalse(mapped.containsKey(gpa));
                    mapped.put(gpa, host);
                }

                @Override
                public synchronized void unmap(long gpa) {
                    assertTrue(mapped.remove(gpa) != null);
                }
            };
            shm = new GuestShm(dir, policy, line, 40, WINDOW, WINDOW_SIZE, mappings, "shmem test");
            devices.add(shm);
            factory = shm.factory();
            window = shm.window();
        }

        void name(String name) {
            byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < GuestShm.NAME_BYTES; i++) {
                factory.write(0, GuestShm.NAME_AT + i, 1, i < b.length ? b[i] : 0);
            }
        }

        GuestShm.Status create(String name, long pages) {
            name(name);
            factory.write(0, GuestShm.SIZE_AT, 4, pages);
            return status();
        }

        GuestShm.Status status() {
            return GuestShm.Status.values()[(int) factory.read(0, GuestShm.STATUS_AT, 4)];
        }

        long control() {
            return factory.read(0, GuestShm.SHMEM_AT, 8);
        }

        long controlRead(long control, int register) {
            return window.read(0, control - WINDOW + register, 4);
        }

        void controlWrite(long control, int register, long value) {
            window.write(0, control - WINDOW + register, 4, value);
        }

        MemorySegment data(long control) {
            return mapped.get(control + GuestShm.PAGE);
        }
    }

    @AfterEach
    void close() {
        devices.forEach(GuestShm::close);
    }

    static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached in 20 s");
            Thread.sleep(2);
        }
    }

    @Test
    void factoryPageReadsAsGuestShmHDescribesIt() {
        Vm vm = new Vm(ShmemPolicy.OPEN);
        assertEquals(0x4d534732474d5651L, vm.factory.read(0, 0, 8));
        assertEquals(0x474d5651L, vm.factory.read(0, 0, 4));
        assertEquals(0x4d534732L, vm.factory.read(0, 4, 4));
        assertEquals(40, vm.factory.read(0, GuestShm.VECTOR_AT, 4));
        assertEquals(GuestShm.Status.OK, vm.status());
        vm.factory.write(0, 0, 8, 0); // read-only
        vm.factory.write(0, GuestShm.STATUS_AT, 4, 3);
        assertEquals(GuestShm.SIGNATURE, vm.factory.read(0, 0, 8));
        assertEquals(GuestShm.Status.OK, vm.status());
        assertEquals(0, vm.factory.read(0, 0x800, 8));
    }

    @Test
    void twoVmsShareARegionAndNotifyEachOther() throws Exception {
        Vm a = new Vm(ShmemPolicy.OPEN);
        Vm b = new Vm(ShmemPolicy.OPEN);
        assertEquals(GuestShm.Status.OK, a.create("chat", 4));
        long ca = a.control();
        assertEquals(4, a.factory.read(0, GuestShm.SIZE_AT, 4));
        assertEquals(GuestShm.Status.OK, b.create("chat", 9)); // the first creator chose the size
        assertEquals(4, b.factory.read(0, GuestShm.SIZE_AT, 4));
        long cb = b.control();
        assertEquals(0, a.controlRead(ca, GuestShm.CONTROL_IDX));
        assertEquals(1, b.controlRead(cb, GuestShm.CONTROL_IDX));

        a.data(ca).set(ValueLayout.JAVA_LONG, 104, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, b.data(cb).get(ValueLayout.JAVA_LONG, 104));

        eventually(a.irq::get); // b attached: a's active set changed
        assertEquals(0b11L << 16, a.controlRead(ca, GuestShm.CONTROL_STATUS));
        eventually(() -> !a.irq.get());

        a.controlWrite(ca, GuestShm.CONTROL_NOTIFY, 1 << 1);
        eventually(b.irq::get);
        assertEquals(0b11L << 16 | 1, b.controlRead(cb, GuestShm.CONTROL_STATUS));
        assertEquals(0b11L << 16, b.controlRead(cb, GuestShm.CONTROL_STATUS), "a read clears the pending bits");
        eventually(() -> !b.irq.get());

        b.controlWrite(cb, GuestShm.CONTROL_NOTIFY, 0xffff_ffffL); // everybody but me
        eventually(a.irq::get);
        assertEquals(0b11L << 16 | 0b10, a.controlRead(ca, GuestShm.CONTROL_STATUS));

        b.controlWrite(cb, GuestShm.CONTROL_DETACH, 0);
        assertTrue(b.mapped.isEmpty());
        assertEquals(0, b.controlRead(cb, GuestShm.CONTROL_IDX), "a detached control page reads as nothing");
        eventually(a.irq::get);
        assertEquals(0b01L << 16, a.controlRead(ca, GuestShm.CONTROL_STATUS));
        a.controlWrite(ca, GuestShm.CONTROL_DETACH, 1);
        assertEquals(List.of(), Files.list(dir).toList(), "the last client removed the host object");
    }

    @Test
    void everyStatusError() throws Exception {
        Vm vm = new Vm(new ShmemPolicy(List.of(new ShmemPolicy.Rule(false, "secret*")), Optional.empty(),
                ShmemPolicy.DEFAULT_UMASK, Optional.empty()));
        assertEquals(GuestShm.Status.NOMEM, vm.create("big", WINDOW_SIZE / GuestShm.PAGE));
        assertEquals(GuestShm.Status.NOMEM, vm.create("huge", 0xffff_ffffL));
        assertEquals(GuestShm.Status.ILLEGAL_NAME, vm.create("", 1));
        vm.name("x");
        for (int i = 0; i < GuestShm.NAME_BYTES; i++) {
            vm.factory.write(0, GuestShm.NAME_AT + i, 1, 'a'); // no NUL anywhere
        }
        vm.factory.write(0, GuestShm.SIZE_AT, 4, 1);
        assertEquals(GuestShm.Status.ILLEGAL_NAME, vm.status());
        assertEquals(GuestShm.Status.ILLEGAL_NAME, vm.create("a/b", 1));
        assertEquals(GuestShm.Status.NO_PERMISSION, vm.create("secret-keys", 1));
        assertEquals(GuestShm.Status.DOES_NOT_EXIST, vm.create("absent", 0), "size 0 only attaches");
        vm.factory.write(0, GuestShm.FIND_AT, 4, 0);
        assertEquals(GuestShm.Status.DOES_NOT_EXIST, vm.status(), "no region exists to find");
        assertEquals(GuestShm.Status.OK, vm.create("one", 1));
        assertEquals(GuestShm.Status.OK, vm.create("one", 0), "size 0 attaches to an existing region");
        assertEquals(1, vm.factory.read(0, GuestShm.SIZE_AT, 4));
        for (int i = 2; i < GuestShm.MAX_CLIENTS; i++) {
            assertEquals(GuestShm.Status.OK, vm.create("one", 1), "client " + i);
        }
        assertEquals(GuestShm.Status.CLIENT_MAX, vm.create("one", 1), "the 17th client");
    }

    @Test
    void findAttachesToTheNthRegionAndNamesIt() {
        Vm a = new Vm(ShmemPolicy.OPEN);
        assertEquals(GuestShm.Status.OK, a.create("beta", 2));
        assertEquals(GuestShm.Status.OK, a.create("alpha", 3));
        Vm b = new Vm(ShmemPolicy.OPEN);
        b.factory.write(0, GuestShm.FIND_AT, 4, 1);
        assertEquals(GuestShm.Status.OK, b.status());
        assertEquals(2, b.factory.read(0, GuestShm.SIZE_AT, 4));
        assertEquals('b' | 'e' << 8 | 't' << 16 | 'a' << 24, b.factory.read(0, GuestShm.NAME_AT, 4));
        b.factory.write(0, GuestShm.FIND_AT, 4, 2);
        assertEquals(GuestShm.Status.DOES_NOT_EXIST, b.status());
    }

    @Test
    void allowListAndSubstitution() {
        ShmemPolicy policy = new ShmemPolicy(List.of(new ShmemPolicy.Rule(true, "vm-*")),
                Optional.of(new ShmemPolicy.Subst("vm-", "sys1.")), 0077, Optional.empty());
        assertTrue(policy.permits("vm-a"));
        assertFalse(policy.permits("other"), "an allow list denies what it does not name");
        assertEquals("sys1.a", policy.hostName("vm-a"));
        assertEquals("other", policy.hostName("other"));
        assertEquals(0600, policy.createMode(0666));
        Vm vm = new Vm(policy);
        assertEquals(GuestShm.Status.OK, vm.create("vm-a", 1));
        assertTrue(Files.exists(dir.resolve(SharedRegion.FILE_PREFIX + "sys1.a")));
        assertEquals(GuestShm.Status.NO_PERMISSION, vm.create("other", 1));
    }

    @Test
    void createOptionKeepsTheRegionWithoutAGuest() throws Exception {
        Vm a = new Vm(ShmemPolicy.OPEN);
        a.shm.create("boot", 3 * GuestShm.PAGE + 1, 0640, Optional.empty());
        Path file = dir.resolve(SharedRegion.FILE_PREFIX + "boot");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                "the umask (077) applies to create's mode");
        Vm b = new Vm(ShmemPolicy.OPEN);
        assertEquals(GuestShm.Status.OK, b.create("boot", 0));
        assertEquals(4, b.factory.read(0, GuestShm.SIZE_AT, 4));
        b.controlWrite(b.control(), GuestShm.CONTROL_DETACH, 0);
        assertTrue(Files.exists(file), "pinned by a's create");
        a.shm.close();
        assertFalse(Files.exists(file));
        assertThrows(IllegalArgumentException.class, () -> b.shm.create("x", WINDOW_SIZE, 0600, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> b.shm.create("a/b", 1, 0600, Optional.empty()));
    }

    @Test
    void connectionsAreLaidOutWithoutOverlapAndReuseFreedSpace() {
        Vm vm = new Vm(ShmemPolicy.OPEN);
        assertEquals(GuestShm.Status.OK, vm.create("r1", 3));
        long c1 = vm.control();
        assertEquals(GuestShm.Status.OK, vm.create("r2", 2));
        long c2 = vm.control();
        assertEquals(c1 + 4 * GuestShm.PAGE, c2);
        vm.controlWrite(c1, GuestShm.CONTROL_DETACH, 0);
        assertEquals(GuestShm.Status.OK, vm.create("r3", 1));
        assertEquals(c1, vm.control());
        assertNotEquals(c1, c2);
    }
}
