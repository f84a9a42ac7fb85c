package io.jqvm.devices.x86;

import io.jqvm.common.Hex;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.MsiController;
import java.util.function.Supplier;

/**
 * The PC board's MSI controller: a message is a write to the local APICs' window at 0xFEE0_0000 (Intel
 * SDM vol. 3 §11.11), delivered by the accelerator's local APICs (KVM's, through KVM_SIGNAL_MSI). Here a message
 * is checked before it goes on, so that the accelerator never sees one no APIC would take: outside the window
 * (on a real PC a posted write to memory; here dropped, as virtio-pci and shmem never aim one there), with a
 * reserved delivery mode, or a fixed or lowest-priority vector below 16 (the APIC's "illegal vector" error).
 * Each dropped message is logged, rate-limited. Thread-safe.
 */
public final class LocalApicMsi implements MsiController {
    public static final long WINDOW = 0xfee0_0000L;
    public static final long WINDOW_SIZE = 0x10_0000;

    /** The data word's delivery mode (bits 10:8). */
    public enum DeliveryMode { FIXED, LOWEST_PRIORITY, SMI, RESERVED_3, NMI, INIT, RESERVED_6, EXTINT }

    /**
     * One message, decoded: address bits 19:12 destination APIC ID, bit 3 redirection hint, bit 2 logical
     * destination; data bits 7:0 vector, 10:8 delivery mode, 14 level (assert), 15 trigger mode (level).
     */
    public record Message(int destination, boolean redirectionHint, boolean logical, int vector, DeliveryMode mode,
                          boolean assertLevel, boolean levelTriggered) {
        /** Decodes a message; throws {@link IllegalArgumentException} saying why no local APIC would accept it. */
        public static Message decode(long address, int data) {
            if (address < WINDOW || address >= WINDOW + WINDOW_SIZE) {
                throw new IllegalArgumentException("the address " + Hex.of(address) + " is outside the local APICs' window "
                        + Hex.of(WINDOW) + "-" + Hex.of(WINDOW + WINDOW_SIZE - 1));
            }
            DeliveryMode mode = DeliveryMode.values()[(data >>> 8) & 7];
            int vector = data & 0xff;
            if (mode == DeliveryMode.RESERVED_3 || mode == DeliveryMode.RESERVED_6) {
                throw new IllegalArgumentException("delivery mode " + mode.ordinal() + " is reserved (data " + Hex.of(data) + ")");
            }
            if ((mode == DeliveryMode.FIXED || mode == DeliveryMode.LOWEST_PRIORITY) && vector < 16) {
                throw new IllegalArgumentException("vector " + vector + " is illegal for " + mode + " delivery (0-15 are reserved)");
            }
            return new Message((int) (address >>> 12) & 0xff, (address & 8) != 0, (address & 4) != 0, vector, mode,
                    (data & 0x4000) != 0, (data & 0x8000) != 0);
        }
    }

    private final Supplier<MsiController> apics;
    private final GuestAccessLog accessLog = new GuestAccessLog("MSI");

    /**
     * @param apics the accelerator's local APICs, asked at each message (they exist once the VM runs); null when
     *              the accelerator emulates none
     */
    public LocalApicMsi(Supplier<MsiController> apics) {
        this.apics = apics;
    }

    @Override
    public void signal(long address, int data) {
        try {
            Message.decode(address, data);
        } catch (IllegalArgumentException e) {
            accessLog.report("message dropped: " + e.getMessage());
            return;
        }
        MsiController target = apics.get();
        if (target == null) {
            accessLog.report("message dropped: the accelerator's interrupt controller takes no messages");
            return;
        }
        target.signal(address, data);
    }

    /** Messages dropped so far. */
    public long dropped() {
        return accessLog.total();
    }
}
