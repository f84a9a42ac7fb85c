package io.jqvm.device.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jqvm.device.BusDevice;
import io.jqvm.device.pci.PciConfigSpace.Bar;
import io.jqvm.device.pci.PciConfigSpace.BarKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PciBusTest {
    /** A function with a 4 KiB memory BAR 0 that records accesses. */
    static final class Recorder implements PciFunction {
        final PciConfigSpace config = new PciConfigSpace(0x1234, 0x5678, 0xff0000, 0, 0, 0, 1);
        final List<String> accesses = new ArrayList<>();

        Recorder() {
            config.setBar(0, new Bar(BarKind.MEMORY32, 0x1000, false));
            config.setBar(1, new Bar(BarKind.IO, 0x10, false));
        }

        @Override public PciConfigSpace config() { return config; }

        @Override
        public long readBar(int vcpu, int bar, long offset, int size) {
            accesses.add("read " + bar + "@" + offset);
            return 0xabcd;
        }

        @Override
        public void writeBar(int vcpu, int bar, long offset, int size, long value) {
            accesses.add("write " + bar + "@" + offset + "=" + value);
        }
    }

    private static long ecamOffset(int bus, int device, int fn, int reg) {
        return (long) bus << 20 | (long) device << 15 | (long) fn << 12 | reg;
    }

    @Test
    void ecamReachesTheFunctionAndAbsentOnesReadAllOnes() {
        PciBus bus = new PciBus();
        bus.add(3, 0, new Recorder());
        BusDevice ecam = bus.ecam();
        assertEquals(0x5678_1234L, ecam.read(0, ecamOffset(0, 3, 0, 0), 4));
        assertEquals(0xffff_ffffL, ecam.read(0, ecamOffset(0, 4, 0, 0), 4));
        assertEquals(0xffffL, ecam.read(0, ecamOffset(1, 3, 0, 0), 2), "only bus 0 exists");
        assertEquals(0, ecam.read(0, ecamOffset(0, 3, 0, 0x800), 4), "extended space reads as no capability");
    }

    @Test
    void mechanismOneLatchesTheAddress() {
        PciBus bus = new PciBus();
        bus.add(2, 0, new Recorder());
        BusDevice ports = bus.configPorts();
        ports.write(0, 0, 4, 0x8000_1000L); // bus 0, device 2, function 0, register 0
        assertEquals(0x8000_1000L, ports.read(0, 0, 4));
        assertEquals(0x5678_1234L, ports.read(0, 4, 4));
        assertEquals(0x5678, ports.read(0, 6, 2));
        ports.write(0, 0, 4, 0x0000_1000L); // enable bit clear
        assertEquals(0xffff_ffffL, ports.read(0, 4, 4));
        ports.write(0, 3, 1, 0x01); // Linux's probe: a byte at 0xCFB is not the address register
        assertEquals(0x0000_1000L, ports.read(0, 0, 4));
    }

    @Test
    void barsDecodeOnlyWhereTheGuestPutThemAndWhileEnabled() {
        PciBus bus = new PciBus();
        Recorder f = new Recorder();
        bus.add(1, 0, f);
        BusDevice window = bus.memoryWindow(0x1000_0000L);
        bus.writeConfig(0, 8, 0x10, 4, 0x1000_2000L);
        assertEquals(0xffff_ffffL, window.read(0, 0x2010, 4), "memory decode is still off");
        bus.writeConfig(0, 8, PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY);
        assertEquals(0xabcd, window.read(0, 0x2010, 4));
        window.write(0, 0x2ffc, 4, 7);
        assertEquals(List.of("read 0@16", "write 0@4092=7"), f.accesses);
        assertEquals(0xffff_ffffL, window.read(0, 0x3000, 4), "past the BAR");
        assertEquals(0xffff_ffffL, window.read(0, 0x2ffe, 4), "an access straddling the BAR's end");
    }

    @Test
    void ioBarsDecodeInTheIoWindow() {
        PciBus bus = new PciBus();
        Recorder f = new Recorder();
        bus.add(1, 0, f);
        BusDevice io = bus.ioWindow(0xc000);
        bus.writeConfig(0, 8, 0x14, 4, 0xc040);
        bus.writeConfig(0, 8, PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_IO);
        assertEquals(0xabcd, io.read(0, 0x44, 2));
        assertEquals(List.of("read 1@4"), f.accesses);
    }

    @Test
    void aSecondFunctionMarksFunctionZeroMultiFunction() {
        PciBus bus = new PciBus();
        Recorder zero = new Recorder();
        bus.add(5, 0, zero);
        assertEquals(0, zero.config().read(PciConfigSpace.HEADER_TYPE, 1));
        bus.add(5, 1, new Recorder());
        assertEquals(0x80, zero.config().read(PciConfigSpace.HEADER_TYPE, 1));
        assertThrows(IllegalArgumentException.class, () -> bus.add(5, 1, new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.add(32, 0, new Recorder()));
    }
}
