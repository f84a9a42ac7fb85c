package io.jqvm.config;

import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.value.Values;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ValuesTest {
    private static final Origin AT = new Origin("f", 3, 7);

    private static String error(Runnable r) {
        return assertThrows(ConfigException.class, r::run).getMessage();
    }

    @ParameterizedTest
    @CsvSource({"123,123", "0x7b,123", "0X7B,123", "0d123,123", "0D0123,123", "0123,123", "0xffffffffffffffff,-1"})
    void numbers(String text, long value) {
        assertEquals(value, Values.number(text, AT, "n"));
    }

    @ParameterizedTest
    @CsvSource({"4K,4096", "4k,4096", "16M,16777216", "128m,134217728", "4G,4294967296", "1g,1073741824",
            "0xa0000,655360", "4096M,4294967296", "0x10M,16777216", "0d16384,16384", "16383G,17591112302592"})
    void sizes(String text, long value) {
        assertEquals(value, Values.size(text, AT, "s"));
    }

    @Test
    void badNumbersNameTheText() {
        assertEquals("f:3:7: n: \"12a\" is not a number (write 123, 0x7b or 0d123)", error(() -> Values.number("12a", AT, "n")));
        assertEquals("f:3:7: n: \"0x\" is not a number (write 123, 0x7b or 0d123)", error(() -> Values.number("0x", AT, "n")));
        assertEquals("f:3:7: n: \"\" is not a number (write 123, 0x7b or 0d123)", error(() -> Values.number("", AT, "n")));
        assertEquals("f:3:7: n: \"-1\" is not a number (write 123, 0x7b or 0d123)", error(() -> Values.number("-1", AT, "n")));
        assertEquals("f:3:7: n: \"\u0661\" is not a number (write 123, 0x7b or 0d123)", error(() -> Values.number("\u0661", AT, "n")));
        assertEquals("f:3:7: n: \"0x10000000000000000\" does not fit in 64 bits",
                error(() -> Values.number("0x10000000000000000", AT, "n")));
        assertEquals("f:3:7: n: \"300\" is out of range 1..255", error(() -> Values.number("300", AT, "n", 1, 255)));
    }

    @Test
    void badSizes() {
        assertEquals("f:3:7: s: \"12Q\" is not a size or address (write 0x1000, 4096, 4K, 16M or 1G)",
                error(() -> Values.size("12Q", AT, "s")));
        assertEquals("f:3:7: s: \"xK\" is not a size or address (write 0x1000, 4096, 4K, 16M or 1G)", error(() -> Values.size("xK", AT, "s")));
        assertEquals("f:3:7: s: \"17179869184G\" does not fit in 64 bits", error(() -> Values.size("17179869184G", AT, "s")));
    }

    @Test
    void asinfoIsRejectedWithAHint() {
        assertEquals("f:3:7: s: \"$asinfo_start{gicd}\": host asinfo is QNX-specific; give the address",
                error(() -> Values.size("$asinfo_start{gicd}", AT, "s")));
        assertEquals("f:3:7: loc: \"mem:$asinfo_start{x}\": host asinfo is QNX-specific; give the address",
                error(() -> Values.location("mem:$asinfo_start{x}", Location.Space.MEM, AT, "loc")));
    }

    @Test
    void locations() {
        assertEquals(new Location.Memory(0x1c090000L), Values.location("0x1c090000", Location.Space.MEM, AT, "loc"));
        assertEquals(new Location.Io(0x3f8), Values.location("0x3f8", Location.Space.IO, AT, "loc"));
        assertEquals(new Location.Memory(0x3f8), Values.location("mem:0x3f8", Location.Space.IO, AT, "loc"));
        assertEquals(new Location.Io(0x20), Values.location("io:0x20", Location.Space.MEM, AT, "loc"));
        assertEquals(new Location.PciSlot(0, 1, OptionalInt.empty()), Values.location("pci:0:1", Location.Space.MEM, AT, "loc"));
        assertEquals(new Location.PciSlot(0, 12, OptionalInt.of(3)), Values.location("pci:0:12.3", Location.Space.MEM, AT, "loc"));
        assertEquals(new Location.PciId(0x8086, 0x1234), Values.location("pci:0x8086/0x1234", Location.Space.MEM, AT, "loc"));
        assertEquals("pci:0x8086/0x1234", new Location.PciId(0x8086, 0x1234).toString());
        assertEquals("io:0x20", new Location.Io(0x20).toString());
    }

    @Test
    void badLocations() {
        assertEquals("f:3:7: loc: unknown location space \"port:\" in \"port:1\" (use mem:, io: or pci:)",
                error(() -> Values.location("port:1", Location.Space.MEM, AT, "loc")));
        assertEquals("f:3:7: loc: I/O port \"0x10000\" is above 0xffff",
                error(() -> Values.location("io:0x10000", Location.Space.MEM, AT, "loc")));
        assertEquals("f:3:7: loc (PCI device): \"32\" is out of range 0..31",
                error(() -> Values.location("pci:0:32", Location.Space.MEM, AT, "loc")));
        assertEquals("f:3:7: loc (PCI function): \"8\" is out of range 0..7",
                error(() -> Values.location("pci:0:1.8", Location.Space.MEM, AT, "loc")));
        assertEquals("f:3:7: loc: \"pci:5\" is not a PCI location (write pci:bus:dev[.func] or pci:vid/did)",
                error(() -> Values.location("pci:5", Location.Space.MEM, AT, "loc")));
        assertEquals("f:3:7: loc (PCI vendor ID): \"0x10000\" is out of range 0..65535",
                error(() -> Values.location("pci:0x10000/1", Location.Space.MEM, AT, "loc")));
        assertEquals("f:3:7: loc: \"5\" needs the pci: prefix (pci:bus:dev[.func] or pci:vid/did)",
                error(() -> Values.location("5", Location.Space.PCI, AT, "loc")));
    }

    @Test
    void interrupts() {
        assertEquals(List.of(new Interrupt(Optional.of("gic"), 37)), Values.interrupts("gic:37", AT, "intr"));
        assertEquals(List.of(new Interrupt(Optional.of("a"), 2), new Interrupt(Optional.of("a"), 8)),
                Values.interrupts("a:2,a:0x8", AT, "intr"));
        assertEquals(new Interrupt(Optional.empty(), 39), Values.interrupt("39", AT, "intr", true));
        assertEquals("ioapic:4", new Interrupt(Optional.of("ioapic"), 4).toString());
    }

    @Test
    void badInterrupts() {
        assertEquals("f:3:7: intr: \"39\" is not an interrupt (write controller:line, e.g. gic:37)",
                error(() -> Values.interrupts("39", AT, "intr")));
        assertEquals("f:3:7: intr: \":5\" names no interrupt controller before ':'",
                error(() -> Values.interrupts(":5", AT, "intr")));
        assertEquals("f:3:7: intr (interrupt line): \"x\" is not a number (write 123, 0x7b or 0d123)",
                error(() -> Values.interrupts("gic:x", AT, "intr")));
        assertEquals("f:3:7: intr: \"\" is not an interrupt (write controller:line, e.g. gic:37)",
                error(() -> Values.interrupts("gic:1,", AT, "intr")));
    }
}
