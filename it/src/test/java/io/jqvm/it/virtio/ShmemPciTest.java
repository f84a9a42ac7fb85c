package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qvm's shmem vdev in its PCI form under Debian's arm64 kernel: {@code pci-host-generic} enumerates it as QNX's
 * {@code guest_shm.h} names it (1c05:0001) and assigns its BAR 0; busybox {@code devmem} then programs the factory
 * page there as QNX's sample driver does (signature, vector, name, size, status, shmem) and uses the region the
 * factory maps. jqvm only: QEMU has no such device, so it is no oracle here (its generic ECAM enumeration is
 * compared in {@link VirtioPciTest}). Region names get a prefix of their own per run ({@code subst}).
 */
class ShmemPciTest {
    private static final String FUNCTION = "/sys/bus/pci/devices/0000:00:02.0";
    private static final String EXPECTED_BUS = String.join("\n",
            "0000:00:00.0 0x1b36 0x0008 0x060000", // the host bridge
            "0000:00:01.0 0x1af4 0x1044 0x00ff00", // virtio-entropy, taking device 1
            "0000:00:02.0 0x1c05 0x0001 0x050000"); // shmem: PCI_VID_BlackBerry_QNX, PCI_DID_QNX_GUEST_SHM
    private static final long SIGNATURE = 0x4d534732474d5651L;
    private static final int INTX_OF_DEVICE_2 = 37; // INTA# of device 2: SPI 5 in QEMU virt's swizzle
    private static final int SHMEM_AT = 8;
    private static final int VECTOR_AT = 16;
    private static final int STATUS_AT = 20;
    private static final int SIZE_AT = 24;
    private static final int NAME_AT = 28;
    private static final int CONTROL_STATUS = 0;
    private static final int CONTROL_IDX = 4;
    private static final int CONTROL_NOTIFY = 8;
    private static final int PAGE = 4096;

    private static String prefix(String test) {
        return "pci-" + test + "-" + ProcessHandle.current().pid() + ".";
    }

    private static LinuxVm vm(String prefix) {
        return LinuxVm.under(Vmm.JQVM).onPci().with(new GuestDevice.Entropy()).with(new GuestDevice.Shmem(prefix));
    }

    private static long devmem(GuestShell sh, long address, int bits) throws Exception {
        return Long.parseUnsignedLong(sh.ok(String.format("devmem 0x%x %d", address, bits)).trim().substring(2), 16);
    }

    private static void devmem(GuestShell sh, long address, int bits, long value) throws Exception {
        sh.ok(String.format("devmem 0x%x %d 0x%x", address, bits, value));
    }

    /** The function's BAR 0 as the kernel assigned it, with memory decoding turned on (no driver binds it). */
    private static long factory(GuestShell sh) throws Exception {
        String[] bar0 = sh.ok("head -1 " + FUNCTION + "/resource").trim().split("\\s+");
        long start = Long.decode(bar0[0]);
        assertEquals(PAGE - 1, Long.decode(bar0[1]) - start, "BAR 0 is one page");
        sh.ok("echo 1 > " + FUNCTION + "/enable");
        return start;
    }

    /** Names region {@code name} in the factory and asks for {@code pages}; returns the status. */
    private static long request(GuestShell sh, long factory, String name, int pages) throws Exception {
        List<String> script = new ArrayList<>();
        byte[] bytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < bytes.length; i++) {
            script.add(String.format("devmem 0x%x 8 0x%x", factory + NAME_AT + i, bytes[i]));
        }
        sh.ok(String.join("; ", script));
        devmem(sh, factory + SIZE_AT, 32, pages);
        return devmem(sh, factory + STATUS_AT, 32);
    }

    @Test
    void linuxEnumeratesTheFunctionAndAGuestProgramsTheFactoryThroughBarZero(@TempDir Path dir) throws Exception {
        String prefix = prefix("one");
        try (Console console = vm(prefix).boot(dir)) {
            GuestShell sh = new GuestShell(console);
            String bus = sh.ok("for d in /sys/bus/pci/devices/*; do echo ${d##*/} $(cat $d/vendor $d/device $d/class); done");
            assertEquals(EXPECTED_BUS, bus);
            long factory = factory(sh);
            assertEquals(SIGNATURE, devmem(sh, factory, 64), "GUEST_SHM_SIGNATURE through the BAR");
            assertEquals(INTX_OF_DEVICE_2, devmem(sh, factory + VECTOR_AT, 32), "vector: the INTx line");
            assertEquals(0, request(sh, factory, "x", 1), "GSS_OK");
            long control = devmem(sh, factory + SHMEM_AT, 64);
            assertEquals(0, devmem(sh, control + CONTROL_IDX, 32), "the first client");
            devmem(sh, control + PAGE, 32, 0xc0ffee11L);
            try (FileChannel host = FileChannel.open(Path.of("/dev/shm/jqvm-shmem-" + prefix + "x"))) {
                ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                host.read(word, PAGE); // the host object: its header page, then the data
                assertEquals(0xc0ffee11, word.getInt(0), "the guest's store is in the host's region");
            }
        }
    }

    @Test
    void twoVmsExchangeAWordAndANotificationThroughOneRegion(@TempDir Path dir) throws Exception {
        String prefix = prefix("two");
        try (Console a = vm(prefix).start(dir); Console b = vm(prefix).start(dir)) {
            GuestShell shA = new GuestShell(LinuxVm.awaitShell(a));
            GuestShell shB = new GuestShell(LinuxVm.awaitShell(b));
            long factoryA = factory(shA);
            long factoryB = factory(shB);
            assertEquals(0, request(shA, factoryA, "ping", 1));
            long controlA = devmem(shA, factoryA + SHMEM_AT, 64);
            devmem(shA, controlA + PAGE, 32, 0x5eedf00dL);
            devmem(shA, controlA + CONTROL_STATUS, 32); // takes the news so far
            assertEquals(0, request(shB, factoryB, "ping", 0), "attach to the existing region");
            long controlB = devmem(shB, factoryB + SHMEM_AT, 64);
            assertEquals(1, devmem(shB, controlB + CONTROL_IDX, 32), "the second client");
            assertEquals(0x5eedf00dL, devmem(shB, controlB + PAGE, 32), "A's word, seen by B");
            devmem(shB, controlB + CONTROL_NOTIFY, 32, 0xffff_ffffL); // everybody but B
            // A's INTA# request shows in its status register (bit 3) once its notification thread has seen B's
            // doorbell; polled, since no driver takes the interrupt, with no bound on how soon.
            String status = "";
            for (int i = 0; i < 200 && (Integer.parseInt(status.isEmpty() ? "0" : status, 16) & 8) == 0; i++) {
                status = shA.ok("hexdump -s 6 -n 2 -e '1/2 \"%04x\"' " + FUNCTION + "/config").trim();
            }
            assertEquals(8, Integer.parseInt(status, 16) & 8, "A's interrupt request after B's notify: " + status);
            long news = devmem(shA, controlA + CONTROL_STATUS, 32);
            assertEquals(0b10, news & 0xffff, "notified by client 1");
            assertEquals(0b11, news >>> 16, "clients 0 and 1 attached");
            String after = shA.ok("hexdump -s 6 -n 2 -e '1/2 \"%04x\"' " + FUNCTION + "/config").trim();
            assertEquals(0, Integer.parseInt(after, 16) & 8, "reading the status took the news: the request is gone");
        }
    }
}
