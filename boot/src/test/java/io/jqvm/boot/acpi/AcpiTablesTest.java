package io.jqvm.boot.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.boot.TestImages;
import io.jqvm.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AcpiTablesTest {
    /** A PC as QEMU's pc machine lays it out: IOAPIC at 0xfec00000, PIT on pin 2, PM ports at 0x600, SCI 9. */
    private static AcpiPlatform pc(int cpus, Optional<AcpiPlatform.Hpet> hpet) {
        List<Integer> ids = new java.util.ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            ids.add(i);
        }
        return new AcpiPlatform(ids, cpus, 0xfec00000L, 0, 2, 0x600, 0x604, 0x608, 9, 0x64, 0xfe, hpet);
    }

    private final GuestMemory memory = TestImages.pcMemory(1 << 20);
    private static final AcpiPlatform.Hpet HPET = new AcpiPlatform.Hpet(0xfed00000L, 3, 0x8086);

    private String signature(long table) {
        return new String(memory.read(table, 4), StandardCharsets.US_ASCII);
    }

    private int length(long table) {
        return memory.read32(table + 4);
    }

    private void assertChecksumZero(long at, int length) {
        int sum = 0;
        for (byte b : memory.read(at, length)) {
            sum += b;
        }
        assertEquals(0, sum & 0xff, "checksum at " + Long.toHexString(at));
    }

    /** Finds the RSDP the way a guest does: "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF. */
    private long scanForRsdp() {
        for (long a = 0xe0000; a < 0x100000; a += 16) {
            if (new String(memory.read(a, 8), StandardCharsets.US_ASCII).equals("RSD PTR ")) {
                return a;
            }
        }
        throw new AssertionError("no RSDP");
    }

    private List<Long> xsdtEntries(long xsdt) {
        List<Long> out = new ArrayList<>();
        for (long a = xsdt + 36; a < xsdt + length(xsdt); a += 8) {
            out.add(memory.read64(a));
        }
        return out;
    }

    @Test
    void rsdpIsFoundByScanningAndPointsAtBothRootTables() {
        AcpiTables.Layout layout = AcpiTables.write(memory, 0xf0000, 0x100000, pc(2, Optional.of(HPET)));
        long rsdp = scanForRsdp();
        assertEquals(0xf0000, rsdp);
        assertChecksumZero(rsdp, 20);
        assertChecksumZero(rsdp, 36);
        assertEquals(2, memory.read8(rsdp + 15), "revision");
        assertEquals(36, memory.read32(rsdp + 20));
        long rsdt = Integer.toUnsignedLong(memory.read32(rsdp + 16));
        long xsdt = memory.read64(rsdp + 24);
        assertEquals(layout.rsdt(), rsdt);
        assertEquals(layout.xsdt(), xsdt);
        assertEquals("RSDT", signature(rsdt));
        assertEquals("XSDT", signature(xsdt));
        List<Long> entries = xsdtEntries(xsdt);
        assertEquals(List.of(layout.fadt(), layout.madt(), layout.hpet()), entries);
        assertEquals(36 + 4 * 3, length(rsdt));
        for (int i = 0; i < 3; i++) {
            assertEquals(entries.get(i), Integer.toUnsignedLong(memory.read32(rsdt + 36 + 4L * i)));
        }
        for (long table : List.of(rsdt, xsdt, layout.fadt(), layout.madt(), layout.hpet(), layout.dsdt())) {
            assertChecksumZero(table, length(table));
            assertEquals("JQVM  ", new String(memory.read(table + 10, 6), StandardCharsets.US_ASCII));
        }
        assertTrue(layout.end() <= 0x100000);
    }

    @Test
    void fadtDescribesPmBlocksSciDsdtAndReset() {
        AcpiTables.Layout layout = AcpiTables.write(memory, 0xe0000, 0x100000, pc(1, Optional.empty()));
        long fadt = layout.fadt();
        assertEquals("FACP", signature(fadt));
        assertEquals(276, length(fadt));
        assertEquals(6, memory.read8(fadt + 8), "revision");
        assertEquals(layout.facs(), memory.read32(fadt + 36));
        assertEquals(0, layout.facs() % 64);
        assertEquals("FACS", signature(layout.facs()));
        assertEquals(64, length(layout.facs()));
        assertEquals(layout.dsdt(), memory.read32(fadt + 40));
        assertEquals(layout.dsdt(), memory.read64(fadt + 140), "X_DSDT");
        assertEquals(9, memory.read16(fadt + 46), "SCI_INT");
        assertEquals(0, memory.read32(fadt + 48), "no SMI_CMD: always in ACPI mode");
        assertEquals(0x600, memory.read32(fadt + 56), "PM1a_EVT_BLK");
        assertEquals(0x604, memory.read32(fadt + 64), "PM1a_CNT_BLK");
        assertEquals(0x608, memory.read32(fadt + 76), "PM_TMR_BLK");
        assertEquals(4, memory.read8(fadt + 88));
        assertEquals(2, memory.read8(fadt + 89));
        assertEquals(4, memory.read8(fadt + 91));
        // IAPC_BOOT_ARCH: legacy devices and an 8042; bit 3 "MSI not supported" clear, or Linux's pci_acpi_init
        // turns MSI off for every device (pci_no_msi) and virtio-pci falls back to INTx.
        assertEquals(0x3, memory.read16(fadt + 109), "IAPC_BOOT_ARCH");
        int flags = memory.read32(fadt + 112);
        assertEquals(0, flags & (1 << 20), "HW_REDUCED_ACPI off");
        assertEquals(0, flags & (1 << 4), "fixed-feature power button");
        assertEquals(1 << 10, flags & (1 << 10), "RESET_REG_SUP");
        assertArrayEquals(new byte[] {1, 8, 0, 1, 0x64, 0, 0, 0, 0, 0, 0, 0}, memory.read(fadt + 116, 12), "RESET_REG");
        assertEquals(0xfe, memory.read8(fadt + 128));
        assertArrayEquals(new byte[] {1, 16, 0, 2, 0x04, 0x06, 0, 0, 0, 0, 0, 0}, memory.read(fadt + 172, 12),
                "X_PM1a_CNT_BLK");
        assertEquals(0x600, memory.read64(fadt + 152), "X_PM1a_EVT_BLK address");
        assertEquals(0x32, memory.read8(fadt + 108), "CENTURY");
        assertEquals(List.of(layout.fadt(), layout.madt()), xsdtEntries(layout.xsdt()), "no HPET table");
        assertEquals(0, layout.hpet());
    }

    @Test
    void pciGetsAnMcfgTableAndARootBridgeWithItsRouting() {
        AcpiPlatform base = pc(1, Optional.empty());
        AcpiPlatform platform = new AcpiPlatform(base.apicIds(), base.ioapicId(), base.ioapicBase(), 0, 2, 0x600, 0x604,
                0x608, 9, 0x64, 0xfe, Optional.empty(), Optional.of(new AcpiPlatform.PciHost(0xb000_0000L, 16,
                List.of(new AcpiPlatform.IntxRoute(1, 1, 21)))));
        AcpiTables.Layout layout = AcpiTables.write(memory, 0xe0000, 0x100000, platform);
        long xsdt = layout.xsdt();
        long mcfg = memory.read64(xsdt + 36 + 16); // after the FADT and MADT
        assertEquals("MCFG", signature(mcfg));
        assertEquals(60, length(mcfg));
        assertEquals(0xb000_0000L, memory.read64(mcfg + 44), "the ECAM base");
        assertEquals(0, memory.read16(mcfg + 52), "segment 0");
        assertEquals(15 << 8, memory.read16(mcfg + 54), "buses 0-15");
        assertChecksumZero(mcfg, length(mcfg));
        long dsdt = layout.dsdt();
        String aml = HexFormat.of().formatHex(memory.read(dsdt + 36, length(dsdt) - 36));
        assertTrue(aml.contains("5f4849440c41d00a08"), "_HID PNP0A08: " + aml);
        assertTrue(aml.contains("5f4349440c41d00a03"), "_CID PNP0A03: " + aml);
        // Name(_PRT, Package(){Package(){0x0001FFFF, 0, 0, 21}})
        assertTrue(aml.contains("085f50525412" + "0e01" + "120b04" + "0cffff0100" + "00" + "00" + "0a15"), aml);
        assertChecksumZero(dsdt, length(dsdt));
    }

    @Test
    void dsdtHoldsS5PackageAndPowerButtonAml() {
        AcpiTables.Layout layout = AcpiTables.write(memory, 0xe0000, 0x100000, pc(1, Optional.empty()));
        long dsdt = layout.dsdt();
        assertEquals("DSDT", signature(dsdt));
        byte[] aml = memory.read(dsdt + 36, length(dsdt) - 36);
        HexFormat hex = HexFormat.of();
        String s5 = "085f53355f12060400000000"; // Name(_S5, Package(){0, 0, 0, 0}), as QEMU's pc
        String pwrb = "10175c5f53425f5b820f505752420" + "85f4849440c41d00c0c"; // Scope(\_SB){Device(PWRB){Name(_HID, EisaId("PNP0C0C"))}}
        assertEquals(s5 + pwrb, hex.formatHex(aml));
        assertChecksumZero(dsdt, length(dsdt));
    }

    @Test
    void madtListsCpusIoapicOverridesAndNmi() {
        AcpiPlatform platform = new AcpiPlatform(List.of(0, 2), 4, 0xfec00000L, 0, 2, 0x600, 0x604, 0x608, 9, 0x64, 0xfe,
                Optional.empty());
        long madt = AcpiTables.write(memory, 0xe0000, 0x100000, platform).madt();
        assertEquals("APIC", signature(madt));
        assertEquals(0xfee00000, memory.read32(madt + 36));
        assertEquals(1, memory.read32(madt + 40), "PCAT_COMPAT");
        String entries = HexFormat.of().formatHex(memory.read(madt + 44, length(madt) - 44));
        assertEquals("0008000001000000" + "0008010201000000" // local APICs: UID 0 id 0, UID 1 id 2, enabled
                + "010c0400" + "0000c0fe" + "00000000" // IOAPIC 4 at 0xfec00000, GSI base 0
                + "020a0000" + "02000000" + "0000" // IRQ 0 -> GSI 2
                + "020a0009" + "09000000" + "0d00" // SCI: level, active-high
                + "0406ff000001", entries); // NMI on LINT1, all processors
    }

    @Test
    void timerWiredStraightThroughNeedsNoOverride() {
        AcpiPlatform platform = new AcpiPlatform(List.of(0), 0, 0xfec00000L, 0, 0, 0x600, 0x604, 0x608, 9, 0x64, 0xfe,
                Optional.empty());
        long madt = AcpiTables.write(memory, 0xe0000, 0x100000, platform).madt();
        String entries = HexFormat.of().formatHex(memory.read(madt + 44, length(madt) - 44));
        assertEquals("0008000001000000" + "010c0000" + "0000c0fe" + "00000000"
                + "020a0009" + "09000000" + "0d00" + "0406ff000001", entries);
        assertChecksumZero(madt, length(madt));
    }

    @Test
    void hpetTableCarriesBaseAndBlockId() {
        long hpet = AcpiTables.write(memory, 0xe0000, 0x100000, pc(1, Optional.of(HPET))).hpet();
        assertEquals("HPET", signature(hpet));
        assertEquals(56, length(hpet));
        assertEquals(0x8086a201, memory.read32(hpet + 36));
        assertArrayEquals(new byte[] {0, 64, 0, 0}, memory.read(hpet + 40, 4));
        assertEquals(0xfed00000L, memory.read64(hpet + 44));
    }

    @Test
    void refusesMisplacedOrTooSmallRange() {
        AcpiPlatform p = pc(1, Optional.empty());
        assertEquals("the RSDP must sit on a 16-byte boundary in 0xe0000-0xfffff, not at 0xe0008",
                assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(memory, 0xe0008, 0x100000, p))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(memory, 0xd0000, 0x100000, p));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(memory, 0xe0000, 0xe0100, p))
                .getMessage().endsWith("but the range ends at 0xe0100"));
    }

    @Test
    void platformRefusesImpossibleValues() {
        assertThrows(IllegalArgumentException.class, () -> pc(0, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new AcpiPlatform.Hpet(0xfed00000L, 33, 0));
        assertThrows(IllegalArgumentException.class, () -> new AcpiPlatform(List.of(0), 0, 0, 0, 2, 0, 0, 0, 16, 0, 0,
                Optional.empty()));
    }

    @Test
    void pkgLengthUsesMultiByteFormAboveSixtyThreeBytes() {
        byte[] encoded = Aml.withPkgLength(new byte[100]);
        assertEquals(0x46, encoded[0] & 0xff);
        assertEquals(0x06, encoded[1]);
        assertEquals(102, encoded.length);
        assertArrayEquals(new byte[] {0x3f}, java.util.Arrays.copyOf(Aml.withPkgLength(new byte[62]), 1));
    }
}
