package io.jqvm.devices.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.devices.x86.LocalApicMsi.DeliveryMode;
import io.jqvm.devices.x86.LocalApicMsi.Message;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** MSI messages on the PC board: Intel's format decoded, and only messages a local APIC takes reach the accelerator. */
class LocalApicMsiTest {
    private final List<String> delivered = new ArrayList<>();
    private final LocalApicMsi msi = new LocalApicMsi(() -> (address, data) -> delivered.add(Long.toHexString(address) + "/"
            + Integer.toHexString(data)));

    @Test
    void linuxsMessageDecodes() {
        // What Linux's x86 vector domain writes for vector 0x22 to APIC 3, physical, fixed, edge.
        Message m = Message.decode(0xfee0_3000L, 0x0022);
        assertEquals(new Message(3, false, false, 0x22, DeliveryMode.FIXED, false, false), m);
        Message logical = Message.decode(0xfee0_100cL, 0xc1ef);
        assertEquals(new Message(1, true, true, 0xef, DeliveryMode.LOWEST_PRIORITY, true, true), logical);
        assertEquals(DeliveryMode.NMI, Message.decode(0xfee0_0000L, 0x0400).mode(), "NMI: the vector is ignored");
    }

    @Test
    void validMessagesReachTheApicsUnchanged() {
        msi.signal(0xfee0_3000L, 0x4031);
        assertEquals(List.of("fee03000/4031"), delivered);
        assertEquals(0, msi.dropped());
    }

    @Test
    void messagesNoApicTakesAreDroppedAndCounted() {
        msi.signal(0xfed0_0000L, 0x31); // below the window
        msi.signal(0x1_fee0_0000L, 0x31); // a 64-bit address above it
        msi.signal(0xfee0_0000L, 0x0331); // delivery mode 3 is reserved
        msi.signal(0xfee0_0000L, 0x0631); // and 6
        msi.signal(0xfee0_0000L, 0x000f); // fixed, vector 15
        msi.signal(0xfee0_0000L, 0x0102); // lowest priority, vector 2
        assertEquals(List.of(), delivered);
        assertEquals(6, msi.dropped());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Message.decode(0xfee0_0000L, 0x0005));
        assertTrue(e.getMessage().contains("vector 5"), e.getMessage());
    }

    /** Whatever a device's table holds (the guest writes it), a message is either delivered as is or dropped. */
    @Property
    void everyMessageIsDeliveredVerbatimOrDropped(@ForAll @LongRange(min = 0xfedf_0000L, max = 0xfef1_0000L) long address,
                                                   @ForAll int data) {
        delivered.clear();
        long before = msi.dropped();
        msi.signal(address, data);
        boolean inWindow = address >= 0xfee0_0000L && address < 0xfef0_0000L;
        int mode = (data >>> 8) & 7;
        boolean legal = inWindow && mode != 3 && mode != 6 && !((mode == 0 || mode == 1) && (data & 0xff) < 16);
        assertEquals(legal ? List.of(Long.toHexString(address) + "/" + Integer.toHexString(data)) : List.of(), delivered);
        assertEquals(legal ? before : before + 1, msi.dropped());
    }
}
